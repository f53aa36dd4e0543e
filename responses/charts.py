"""The summary evaluation's charts (总结评估, issue 17 item 3), drawn with matplotlib on its Agg canvas (no display).

Two charts from ``responses.selectors.response_evaluation_charts``, the one source of their figures (the page,
the CSV and the Word file read the same): the forecast AQI of each day before, during and after the response,
with the warning criteria's thresholds marked and the response period shaded; and each unit's acknowledgement
times (average as a bar, the longest as a tick), the level's deadline marked and units with overdue tasks in red.

The labels follow ``language`` ("zh-hans" or "en"). Chinese needs a CJK font: the first of ``CJK_FAMILIES``
that fontconfig/matplotlib finds (fonts-noto-cjk on Debian, installed by .ci/run). Without one the labels fall
back to English (``chart_language``): tofu boxes in place of every character would tell the reader nothing,
an English label still does. Unit names are then the roster's English names.

matplotlib's settings and font cache are process-wide and it is not thread-safe, so one chart is drawn at a
time (``_drawing``); each takes about a second on a busy two-core server, so the drawn charts are cached
(Django's cache, a day) under a digest of their figures, language and format.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import threading

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from foundation.display import localized
from foundation.text import xml_text

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                "SimHei", "Microsoft YaHei", "Noto Sans CJK JP")
RED, BLUE, GREY = "#c00000", "#1f5fa8", "#6b6b6b"
CHART_VERSION = 1  # part of the cache key: raise it when the drawing changes
_drawing = threading.Lock()


@functools.cache
def cjk_font() -> str | None:
    """The family of the first CJK font matplotlib can use (``CJK_FAMILIES`` in order), or None."""
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def chart_language(language: str) -> str:
    """The language the charts can speak: ``language``, or "en" for Chinese when no CJK font is installed."""
    if language.startswith("zh") and cjk_font() is None:
        return "en"  # no CJK font: English labels rather than boxes
    return "zh-hans" if language.startswith("zh") else "en"


def _rc() -> dict:
    family = [cjk_font()] if cjk_font() else []
    return {"font.family": "sans-serif", "font.sans-serif": family + ["DejaVu Sans"], "axes.unicode_minus": False,
            "svg.fonttype": "path", "svg.hashsalt": "evaluation", "font.size": 9,
            "text.parse_math": False}  # a unit name with "$" is text, not TeX


def _cached(kind: str, figures, language: str, fmt: str, draw) -> bytes:
    """The chart from the cache when the same figures were drawn in the same language and format, else drawn
    (``draw()``) and kept for a day: a chart takes about a second to draw, the evaluation's figures rarely change."""
    digest = hashlib.sha256(json.dumps([CHART_VERSION, kind, figures, language, fmt, cjk_font()], default=str,
                                       ensure_ascii=False).encode()).hexdigest()
    key = f"evaluation-chart:{digest}"
    found = cache.get(key)
    if found is None:
        found = draw()
        cache.set(key, found, 24 * 3600)
    return found


def _save(figure: Figure, fmt: str) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)  # constrained layout: already tight
    return buffer.getvalue()


def aqi_chart(charts: dict, *, language: str, fmt: str = "png") -> bytes:
    """The daily forecast AQI around the response as bars (each in its AQI category's colour; a day no forecast
    covered has none and reads "—"), the response's days shaded, the thresholds as dashed lines.

    ``charts`` is ``response_evaluation_charts``'s answer; ``fmt`` "png" (150 dpi, for Word) or "svg" (text as
    paths, for the page). Returns the image's bytes. Raises ValueError for another ``fmt``."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown chart format {fmt!r}")
    language = chart_language(language)
    key = [(d["date"].isoformat(), d["aqi"], d["colour"], d["stage"]) for d in charts["aqi"]], charts["thresholds"]
    return _cached("aqi", key, language, fmt, lambda: _draw_aqi(charts, language, fmt))


def _draw_aqi(charts: dict, language: str, fmt: str) -> bytes:
    days = charts["aqi"]
    with _drawing, translation.override(language), rc_context(_rc()):
        figure = Figure(figsize=(7.0, 3.4), layout="constrained")
        ax = figure.add_subplot()
        xs = list(range(len(days)))
        values = [d["aqi"] if d["aqi"] is not None else 0 for d in days]
        colours = [d["colour"] or GREY for d in days]
        ax.bar(xs, values, color=colours, edgecolor="#333333", linewidth=0.5, width=0.65)
        during = [i for i, d in enumerate(days) if d["stage"] == "during"]
        if during:
            ax.axvspan(during[0] - 0.5, during[-1] + 0.5, color="#fde0dc", zorder=0, label=_("Response period"))
        peak = max([d["aqi"] for d in days if d["aqi"] is not None] or [0])
        top = max(peak, *(charts["thresholds"] or [0])) * 1.15 or 100
        for i, d in enumerate(days):
            ax.text(i, (d["aqi"] or 0) + top * 0.015, str(d["aqi"]) if d["aqi"] is not None else "—",
                    ha="center", va="bottom", fontsize=8)
        for n, threshold in enumerate(charts["thresholds"]):
            ax.axhline(threshold, color=RED, linestyle="--", linewidth=0.8,
                       label=_("Warning thresholds") if n == 0 else None)
            ax.text(len(days) - 0.45, threshold, f" {threshold}", color=RED, va="center", ha="left", fontsize=7)
        ax.set_ylim(0, top)
        ax.set_xlim(-0.6, len(days) - 0.4)
        ax.set_xticks(xs, [d["date"].strftime("%m-%d") for d in days])
        ax.set_ylabel(_("AQI (forecast)"))
        ax.set_title(_("Forecast AQI before, during and after the response"))
        ax.spines[["top", "right"]].set_visible(False)
        if during or charts["thresholds"]:
            figure.legend(loc="outside lower center", ncol=2, fontsize=7, frameon=False)
        return _save(figure, fmt)


def ack_chart(charts: dict, *, language: str, fmt: str = "png") -> bytes:
    """Each unit's acknowledgement time in minutes: a bar for the average, a tick for the longest, the unit in
    red with its overdue count when any task was acknowledged late or not at all; the level's deadline dashed.
    A unit that acknowledged nothing has no bar and reads "not acknowledged".

    ``charts`` is ``response_evaluation_charts``'s answer; ``fmt`` "png" or "svg". Returns the image's bytes.
    Raises ValueError for another ``fmt``."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown chart format {fmt!r}")
    language = chart_language(language)
    key = [(r["unit"].pk, r["unit"].name, getattr(r["unit"], "name_en", ""), r["avg_min"], r["max_min"], r["overdue"])
           for r in charts["acks"]], charts["ack_deadline_min"]
    return _cached("ack", key, language, fmt, lambda: _draw_ack(charts, language, fmt))


def _draw_ack(charts: dict, language: str, fmt: str) -> bytes:
    rows = charts["acks"]
    with _drawing, translation.override(language), rc_context(_rc()):
        figure = Figure(figsize=(7.0, 1.6 + 0.32 * max(len(rows), 1)), layout="constrained")
        ax = figure.add_subplot()
        ys = list(range(len(rows)))
        deadline = charts["ack_deadline_min"]
        longest = max([r["max_min"] or 0 for r in rows] + [deadline])
        ax.barh(ys, [r["avg_min"] or 0 for r in rows], color=[RED if r["overdue"] else BLUE for r in rows], height=0.6,
                label=_("Average acknowledgement"))
        with_max = [(y, r["max_min"]) for y, r in zip(ys, rows, strict=True) if r["max_min"] is not None]
        if with_max:
            ax.scatter([m for _y, m in with_max], [y for y, _m in with_max], marker="|", s=120, color="#222222",
                       label=_("Longest acknowledgement"), zorder=3)
        for y, r in zip(ys, rows, strict=True):
            if r["avg_min"] is None:
                note = _("not acknowledged")
            else:
                note = f"{r['avg_min']:g}"
            if r["overdue"]:
                note += " · " + _("%(n)d overdue") % {"n": r["overdue"]}
            ax.text(max(r["max_min"] or 0, r["avg_min"] or 0) + longest * 0.02, y, note, va="center", fontsize=7,
                    color=RED if r["overdue"] else "#222222")
        ax.axvline(deadline, color=RED, linestyle="--", linewidth=0.8,
                   label=_("Deadline: %(n)d minutes") % {"n": deadline})
        # A unit's name is typed by a person: without the characters XML forbids (the SVG is XML, and an ESC has no glyph).
        ax.set_yticks(ys, [xml_text(r["unit"].name if language == "zh-hans" else localized(r["unit"], "name")) for r in rows])
        ax.invert_yaxis()
        ax.set_xlim(0, longest * 1.35)
        ax.set_xlabel(_("Minutes from the task taking effect"))
        ax.set_title(_("Acknowledgement time by unit"))
        ax.spines[["top", "right"]].set_visible(False)
        figure.legend(loc="outside lower center", ncol=3, fontsize=7, frameon=False)
        return _save(figure, fmt)
