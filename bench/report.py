"""Writes docs/benchmarks.md and docs/benchmarks.png from the results in bench/out/*.json.

Each benchmark saves its own result file, so ``python -m bench api`` refreshes the API
section and keeps the others from their last run (each section says when it ran).
"""

from __future__ import annotations

import math
import re

from bench.common import DOC, PLOT, PY, ROOT, load_result, machine

TARGETS = {
    # Issue 13 §1: the last screen current vs the last frame, vs the floor's last socket + the click's
    # API answer, and the first-to-last socket spread vs the floor's.
    "screen_frame": 1.5,
    "screen_floor": 3.0,
    "spread": 1.5,
    "alert": 1.5,
    "assignment": 2.0,
    "cpu": 3.0,
    "issuing": 3.0,
    "api": 5.0,
}


def _fmt(x, nd=1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{nd}f}"


def _ok(flag: bool | None) -> str:
    return "–" if flag is None else ("**met**" if flag else "**missed**")


def verdicts() -> dict:
    """Each target's measured figure and whether it is met, from whatever results exist."""
    out = {}
    fan = load_result("fanout")
    if fan and "baseline" in fan["layouts"] and "one" in fan["layouts"]:
        n = str(max(fan["sizes"]))
        one = fan["layouts"]["one"]["sizes"].get(n)
        base = fan["layouts"]["baseline"]["sizes"].get(n)
        if one and base:
            b_last = base["alert"]["last_median"]
            alert = one["alert"]["last_median"] / b_last
            assignment = one["assignment"]["last_median"] / b_last
            fanout_cpu = one["cpu_ms"] - fan["layouts"]["one"]["fixed"]["cpu_ms"]
            out["alert"] = (alert, alert <= TARGETS["alert"])
            out["assignment"] = (assignment, assignment <= TARGETS["assignment"])
            out["cpu"] = (fanout_cpu / base["cpu_ms"], fanout_cpu / base["cpu_ms"] <= TARGETS["cpu"])
            out["cpu_total"] = (one["cpu_ms"] / base["cpu_ms"], one["cpu_ms"] / base["cpu_ms"] <= TARGETS["cpu"])
    if fan and "baseline" in fan["layouts"]:
        n = str(max(fan["sizes"]))
        base = fan["layouts"]["baseline"]["sizes"].get(n)
        for key in ("one", "two"):
            lay = fan["layouts"].get(key, {}).get("sizes", {}).get(n)
            if not lay or not base or "screen_click" not in lay:
                continue
            screen = lay["screen_click"]["last_median"]
            frame = lay["frame_click"]["last_median"]
            floor = base["alert"]["last_median"] + lay["api_ms"]
            out[f"screen_frame_{key}"] = (screen / frame, screen / frame <= TARGETS["screen_frame"])
            out[f"screen_floor_{key}"] = (screen / floor, screen / floor <= TARGETS["screen_floor"])
            if base.get("spread_ms"):
                ratio = lay["spread_ms"] / base["spread_ms"]
                out[f"spread_{key}"] = (ratio, ratio <= TARGETS["spread"])
    iss = load_result("issuing")
    if iss:
        out["issuing"] = (iss["ratio"], iss["ratio"] <= TARGETS["issuing"] and iss["queries_constant"])
    api = load_result("api")
    if api:
        measured = [e for k, e in api["endpoints"].items() if k not in ("trivial", "trivial_view") and e["p99_ratio"]]
        worst = max(e["p99_ratio"] for e in measured)
        out["api"] = (worst, worst <= TARGETS["api"] and api["errors"] == 0)
        out["api_floor"] = (max(e.get("p99_ratio_floor") or 0 for e in measured), None)
    return out


def summary_lines() -> list[str]:
    """One line per benchmark, as ``python -m bench`` prints them."""
    lines = []
    v = verdicts()
    fan = load_result("fanout")
    if fan and "baseline" in fan["layouts"]:
        n = str(max(fan["sizes"]))
        base = fan["layouts"]["baseline"]["sizes"][n]
        parts = []
        for key, label in (("one", "1 proc"), ("two", "2 procs")):
            lay = fan["layouts"].get(key)
            if lay and n in lay["sizes"]:
                s = lay["sizes"][n]
                parts.append(
                    f"{label}: warning last {_fmt(s['alert']['last_median'])} ms "
                    f"({_fmt(s['alert']['last_median'] / base['alert']['last_median'], 2)}x), own assignment last "
                    f"{_fmt(s['assignment']['last_median'])} ms ({_fmt(s['assignment']['last_median'] / base['alert']['last_median'], 2)}x)"
                )
        cpu = v.get("cpu")
        lines.append(
            f"fanout  N={n}: baseline last {_fmt(base['alert']['last_median'])} ms; "
            + "; ".join(parts)
            + (f"; fan-out CPU/issue {_fmt(cpu[0], 2)}x baseline" if cpu else "")
            + " | targets: warning "
            + _ok(v.get("alert", (0, None))[1]).strip("*")
            + ", assignment "
            + _ok(v.get("assignment", (0, None))[1]).strip("*")
            + ", CPU "
            + _ok(v.get("cpu", (0, None))[1]).strip("*")
        )
    if fan and "baseline" in fan["layouts"]:
        n = str(max(fan["sizes"]))
        base = fan["layouts"]["baseline"]["sizes"][n]
        for key, label in (("one", "1 proc"), ("two", "2 procs")):
            s = fan["layouts"].get(key, {}).get("sizes", {}).get(n)
            if not s or "screen_click" not in s or f"screen_frame_{key}" not in v:
                continue
            lines.append(
                f"screens N={n} {label}: click-to-last-screen {_fmt(s['screen_click']['last_median'])} ms, last frame "
                f"{_fmt(s['frame_click']['last_median'])} ms ({_fmt(v[f'screen_frame_{key}'][0], 2)}x, target 1.5x "
                f"{_ok(v[f'screen_frame_{key}'][1]).strip('*')}); floor last {_fmt(base['alert']['last_median'])} ms + API "
                f"{_fmt(s['api_ms'], 0)} ms ({_fmt(v[f'screen_floor_{key}'][0], 2)}x, target 3x "
                f"{_ok(v[f'screen_floor_{key}'][1]).strip('*')}); spread {_fmt(s['spread_ms'])} ms vs floor "
                f"{_fmt(base.get('spread_ms'))} ms"
                + (f" ({_fmt(v[f'spread_{key}'][0], 2)}x, target 1.5x {_ok(v[f'spread_{key}'][1]).strip('*')})"
                   if f"spread_{key}" in v else "")
                + f"; {s['fetches']} fetches for {s['screens']} screens"
            )
    iss = load_result("issuing")
    if iss:
        top = iss["sizes"][str(max(int(k) for k in iss["sizes"]))]
        queries = ", ".join(f"{k}:{'/'.join(map(str, s['queries']))}" for k, s in iss["sizes"].items())
        lines.append(
            f"issuing 2000 units: {_fmt(top['ms'], 0)} ms vs raw insert {_fmt(iss['raw_ms'], 0)} ms = {_fmt(iss['ratio'], 2)}x; "
            f"queries by units {queries} | target {_ok(v['issuing'][1]).strip('*')}"
        )
    api = load_result("api")
    if api:
        parts = [f"{k} p50 {_fmt(e['p50'], 0)}/p99 {_fmt(e['p99'], 0)} ms" for k, e in api["endpoints"].items()]
        lines.append(
            f"api     {api['users']} users {api['seconds']}s: "
            + "; ".join(parts)
            + f"; worst p99 {_fmt(v['api'][0], 2)}x the trivial view ({_fmt(v['api_floor'][0], 2)}x the event loop's "
            f"floor); errors {api['errors']} | target {_ok(v['api'][1]).strip('*')}"
        )
    mem = load_result("memory")
    if mem and "platform" in mem:
        p, b = mem["platform"], mem.get("baseline", {})
        lines.append(
            f"memory  {mem['n']} dashboards: RSS {p['rss_before_mib']} -> {p['rss_connected_mib']} MiB, "
            f"{p['per_connection_kib']} KiB/connection ({p['per_connection_after_round_kib']} after a round); "
            f"plain websockets {b.get('per_connection_kib', '–')} KiB/connection"
        )
    return lines


def _plot(fan, api) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    panels = (1 if fan else 0) * 2 + (1 if api else 0)
    if not panels:
        return False
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), squeeze=False)
    axes = list(axes[0])
    if fan:
        ax = axes.pop(0)
        sizes = fan["sizes"]
        styles = {
            ("baseline", "alert"): ("plain websockets (one message)", "k", "-"),
            ("one", "alert"): ("1 web process: warning", "tab:red", "-"),
            ("one", "assignment"): ("1 web process: own assignment", "tab:red", "--"),
            ("two", "alert"): ("2 web processes: warning", "tab:blue", "-"),
            ("two", "assignment"): ("2 web processes: own assignment", "tab:blue", "--"),
        }
        for (layout, key), (label, colour, line) in styles.items():
            lay = fan["layouts"].get(layout)
            if not lay:
                continue
            xs = [n for n in sizes if str(n) in lay["sizes"]]
            ys = [lay["sizes"][str(n)][key]["last_median"] for n in xs]
            ax.plot(xs, ys, line, color=colour, marker="o", label=label)
        ax.set_xlabel("connected dashboards (N)")
        ax.set_ylabel("last client, ms after the commit (median of rounds)")
        ax.set_title("Fan-out of a red warning")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax = axes.pop(0)
        n = str(max(sizes))
        for layout, key, label, colour, line in (
            ("baseline", "alert", "plain websockets", "k", "-"),
            ("one", "alert", "1 proc: warning", "tab:red", "-"),
            ("one", "assignment", "1 proc: own assignment", "tab:red", "--"),
            ("two", "alert", "2 procs: warning", "tab:blue", "-"),
            ("two", "assignment", "2 procs: own assignment", "tab:blue", "--"),
        ):
            lay = fan["layouts"].get(layout)
            raw = lay["sizes"].get(n, {}).get(f"raw_{key}") if lay else None
            if not raw:
                continue
            xs = sorted(x * 1000 for x in raw)
            ax.plot(xs, [(i + 1) / len(xs) for i in range(len(xs))], line, color=colour, label=label)
        ax.set_xlabel("ms after the commit")
        ax.set_ylabel("share of clients that have it")
        ax.set_title(f"Arrival at N={n} (one round)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if api:
        ax = axes.pop(0)
        names = list(api["endpoints"])
        p50 = [api["endpoints"][k]["p50"] or 0 for k in names]
        p99 = [api["endpoints"][k]["p99"] or 0 for k in names]
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], p50, width=0.4, label="p50", color="tab:gray")
        ax.bar([x + 0.2 for x in xs], p99, width=0.4, label="p99", color="tab:orange")
        ax.set_xticks(list(xs), [k.replace("_", "\n") for k in names], fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("ms (log scale)")
        ax.set_title(f"API, {api['users']} users, {api['seconds']} s")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)
    return True


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _profile_tables(profile: dict, title: str) -> str:
    if not profile or not profile.get("samples"):
        return ""
    rows = [[f"{s}%", f"`{f}`"] for f, s in profile["inclusive"]]
    own = [[f"{s}%", f"`{f}`"] for f, s in profile["self"]]
    return (
        f"\n**{title}** ({profile['samples']} samples, py-spy at 250 Hz, `--nonblocking`)\n\n"
        + "Inclusive (on the stack):\n\n"
        + _table(["share", "function"], rows)
        + "\n\nSelf (top of the stack):\n\n"
        + _table(["share", "function"], own)
        + "\n"
    )


def write() -> None:
    fan = load_result("fanout")
    iss = load_result("issuing")
    api = load_result("api")
    mem = load_result("memory")
    m = machine()
    v = verdicts()
    has_plot = _plot(fan, api)
    doc = []
    doc.append("# Benchmarks\n")
    doc.append(
        "Produced by `python -m bench all` (`make bench`); see `bench/README.md` for what each part starts and "
        "measures. Every figure below is from the run this file was written by, on this machine; each baseline ran "
        "in the same run, so the ratios hold on a noisy machine better than the absolute times.\n"
    )
    doc.append("## Machine\n")
    doc.append(
        _table(
            ["", ""],
            [
                ["`nproc`", m["nproc"]],
                ["CPU (`/proc/cpuinfo`)", m["cpu"]],
                ["RAM", f"{m['ram_gib']} GiB"],
                ["kernel / Python", f"{m['kernel']} / {m['python']}"],
                ["PostgreSQL / Redis", f"{m['postgres']} / {m['redis']}"],
                ["packages", ", ".join(f"{k} {v_}" for k, v_ in m["versions"].items())],
                ["written", m["date"]],
            ],
        )
    )
    doc.append("\n## Commands\n")
    lines = ["make bench                      # = .venv/bin/python -m bench all"]
    runs = load_result("runs") or {}
    produced = {}
    for part in ("fanout", "issuing", "api", "memory"):
        if part in runs:
            produced.setdefault("python -m bench " + " ".join(runs[part]), []).append(part)
    for command, parts in produced.items():
        lines.append(f"{command:<31} # produced: {', '.join(parts)}")
    lines.append("python -m bench fanout|issuing|api|memory   # one part; the others keep their last figures")
    doc.append("```sh\n" + "\n".join(lines) + "\n```\n")
    doc.append(
        "Servers and tools it started (environment: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench "
        "REDIS_URL=redis://127.0.0.1:6379/9 EVENTS_REDIS_CHANNEL=bench:events HTTPS=false "
        "ALLOWED_HOSTS=127.0.0.1,localhost SECRET_KEY=…`, ports picked free on 127.0.0.1):\n"
    )
    seen = []
    for res in (fan and [lay for lay in fan["layouts"].values()]) or []:
        seen += res.get("commands", [])
    if api:
        seen += api.get("commands", [])
    if mem and "platform" in mem:
        seen.append(mem["platform"]["command"])
    unique = []
    for c in seen:
        c = re.sub(r"(127\.0\.0\.1:|--port )(?!6379\b)\d+", r"\1<port>", c)
        c = re.sub(r"baseline_server \d+", "baseline_server <port>", c)
        c = c.replace(PY, "python").replace(str(ROOT) + "/", "")
        if c not in unique:
            unique.append(c)
    doc.append("```sh\n" + "\n".join(unique) + "\n```\n")

    doc.append("## Targets\n")
    rows = []
    if "alert" in v:
        rows.append(
            [
                "fan-out N=1000, 1 web process: last client has the warning",
                "≤ 1.5× baseline",
                f"{_fmt(v['alert'][0], 2)}×",
                _ok(v["alert"][1]),
            ]
        )
        rows.append(
            [
                "… last client has its own assignment",
                "≤ 2× baseline",
                f"{_fmt(v['assignment'][0], 2)}×",
                _ok(v["assignment"][1]),
            ]
        )
        rows.append(
            [
                "… server CPU per broadcast (fan-out part: issue minus the same issue with no one connected)",
                "≤ 3× baseline",
                f"{_fmt(v['cpu'][0], 2)}×",
                _ok(v["cpu"][1]),
            ]
        )
        rows.append(
            [
                "… server CPU per issue, all of it (API request and database included)",
                "(for reference)",
                f"{_fmt(v['cpu_total'][0], 2)}×",
                "",
            ]
        )
    if "issuing" in v:
        rows.append(
            [
                "issuing 2,000 units × 3 tasks",
                "≤ 3× raw insert, constant queries",
                f"{_fmt(v['issuing'][0], 2)}×, queries {'constant' if iss['queries_constant'] else 'NOT constant'}",
                _ok(v["issuing"][1]),
            ]
        )
    if "api" in v:
        rows.append(
            [
                "API p99 under 50 users (worst endpoint)",
                "≤ 5× trivial view, no errors",
                f"{_fmt(v['api'][0], 2)}×, {api['errors']} errors ({_fmt(v['api_floor'][0], 2)}× the event loop's floor)",
                _ok(v["api"][1]),
            ]
        )
    doc.append(_table(["target", "wanted", "measured", ""], rows) + "\n")
    doc.append("Summary lines as printed by the run:\n")
    doc.append("```\n" + "\n".join(summary_lines()) + "\n```\n")
    if has_plot:
        doc.append("![benchmarks](benchmarks.png)\n")

    if fan:
        doc.append(_screens_section(fan, v))
        doc.append(_fanout_section(fan))
    if iss:
        doc.append(_issuing_section(iss))
    if api:
        doc.append(_api_section(api))
    if mem:
        doc.append(_memory_section(mem))
    from bench import reductions  # its section, kept when the other parts are rewritten

    doc.append(reductions.section(load_result("reductions")))
    doc.append(_analysis(fan, iss, api, mem, v))
    previous = DOC.read_text() if DOC.exists() else ""
    DOC.write_text("\n".join(doc))
    _history_section(previous)


def _history_section(previous: str) -> None:
    """Benchmark 5 (bench/history.py) keeps its own section: from its last results, else as it was."""
    from bench import history

    if load_result("history") is not None:
        history.write_section()
    elif history.START in previous and history.END in previous:
        block = history.START + previous.split(history.START, 1)[1].split(history.END, 1)[0] + history.END + "\n"
        DOC.write_text(DOC.read_text().rstrip("\n") + "\n\n" + block)


def _load(res) -> str:
    """Other work on the machine shows in the load average; the bench notes it around each part."""
    load = res.get("load")
    if not load:
        return ""
    return (
        "1-minute load average "
        + " → ".join(_fmt(x, 2) for x in load)
        + " (before → after this part; the bench's own processes count too)."
    )


def _screens_section(fan, v) -> str:
    """Issue 13 §1: from the click to the last screen current, against the floor in the same run."""
    out = ["## Click to last screen (issue 13 §1)\n"]
    out.append(
        "Each unit-member client opens its socket as the unit page does (`?screen=unit&lang=zh-hans`), so each "
        "batch's last frame carries its unit's live part, rendered once per unit by the web process's hub "
        "(`events.screens`). A client's screen is **current** when it has the frame with its rendered part; a "
        "client whose frames come without it does what the page does (waits 250 ms, then `GET "
        "/dashboard/unit/?fragment=1`) and is current when that answer is in (the *fetches* column). Times are "
        "from the **click**: the leader's `POST /api/alerts/` leaving the bench. *last* is the median over rounds "
        "of the slowest client (the worst round in brackets). The floor is the plain-`websockets` server in the "
        "same run: its last socket, from the trigger on Redis, plus the click's own API answer time. The spread "
        "is first-to-last socket of the frame holding `alert.issued`, the median over rounds, for both.\n"
    )
    base = fan["layouts"].get("baseline", {}).get("sizes", {})
    rows = []
    for key, lay in fan["layouts"].items():
        if key == "baseline":
            continue
        for n, s in lay["sizes"].items():
            if "screen_click" not in s:
                continue
            b = base.get(n, {})
            floor = b.get("alert", {}).get("last_median")
            sc, fc = s["screen_click"], s["frame_click"]
            rows.append(
                [
                    lay["label"], n, _fmt(s["api_ms"], 0),
                    f"{_fmt(fc['last_median'])} ({_fmt(fc['last_max'])})",
                    f"{_fmt(sc['p50'])} / {_fmt(sc['p99'])}",
                    f"{_fmt(sc['last_median'])} ({_fmt(sc['last_max'])})",
                    f"{_fmt(sc['last_median'] / fc['last_median'], 2)}×",
                    _fmt(floor),
                    f"{_fmt(sc['last_median'] / (floor + s['api_ms']), 2)}×" if floor else "–",
                    _fmt(s["spread_ms"]), _fmt(b.get("spread_ms")),
                    f"{_fmt(s['spread_ms'] / b['spread_ms'], 2)}×" if b.get("spread_ms") else "–",
                    f"{s['fetches']} / {s['screens']}",
                    f"{s['sizes'].get('screen', '–')}",
                ]
            )
    out.append(
        _table(
            ["layout", "N", "click's API answer ms", "last frame ms", "screen p50 / p99 ms", "last screen ms",
             "÷ last frame (≤ 1.5×)", "floor last socket ms", "÷ (floor + API) (≤ 3×)", "spread ms",
             "floor spread ms", "÷ floor spread (≤ 1.5×)", "fetches / screens", "a unit frame, bytes (one client)"],
            rows,
        )
    )
    rows = []
    for key in ("one", "two"):
        for name, label in (("screen_frame", "last screen ÷ last frame"), ("screen_floor", "last screen ÷ (floor + API)"),
                            ("spread", "spread ÷ floor spread")):
            if f"{name}_{key}" in v:
                rows.append([fan["layouts"][key]["label"], label, f"≤ {TARGETS[name]}×",
                             f"{_fmt(v[f'{name}_{key}'][0], 2)}×", _ok(v[f"{name}_{key}"][1])])
    if rows:
        out.append("\n" + _table(["layout", "target", "wanted", "measured", ""], rows))
    return "\n".join(out) + "\n"


def _fanout_section(fan) -> str:
    out = ["## 1. Fan-out\n"]
    base = fan["layouts"].get("baseline", {}).get("sizes", {})
    out.append(
        f"N authenticated unit-member dashboards (`/ws/dashboard/?after=<id>`, session cookie, `Origin` set), "
        f"dealt round-robin over the roster's 54 units and driven by {fan['client_procs']} client processes "
        f"(the `websockets` library's Sans-I/O client protocol on uvloop; a message is timed as its bytes are "
        f"decoded). Each round a leader's token POSTs a red warning to "
        f"`/api/alerts/`, each client notes when `alert.issued` and its own first `assignment.created` arrive, "
        f"then the warning is lifted and the clients wait for `alert.lifted`. {fan['rounds']} measured rounds per "
        f"N after one warm-up round; the connections stay open from one N to the next.\n\n"
        "**Times are from the commit**: the moment the issuing transaction's batch appears on the Redis channel "
        "(seen by a subscriber in the bench process), which is where every web process's listener starts. The "
        "API's own answer leaves *later* than that (the request still reads the warning back and serialises it, "
        "and its process is busy fanning out), so times counted from the answer are negative; they are in the "
        "second table. The baseline is woken the same way, by a Redis message that the same subscriber times. "
        "p50/p95/p99 pool every client of every round; *last* is the median over rounds of the slowest client "
        "(the worst round in brackets).\n"
    )
    out.append(
        f"Each issue sends a unit member `alert.issued`, `response.opened` and its unit's level-I assignments "
        f"(148 over 54 units, ~2.7 each) in one frame, a JSON array of about 1.5 KB; the baseline sends one frame "
        f"of {fan.get('alert_text_bytes', '?')} bytes (a copy of the platform's `alert.issued` text).\n"
    )
    rows = []
    for key, lay in fan["layouts"].items():
        for n, s in lay["sizes"].items():
            b = base.get(n, {}).get("alert", {}).get("last_median")
            if key == "baseline":
                rows.append(
                    [
                        lay["label"],
                        n,
                        _fmt(s["alert"]["p50"]),
                        _fmt(s["alert"]["p95"]),
                        _fmt(s["alert"]["p99"]),
                        f"{_fmt(s['alert']['last_median'])} ({_fmt(s['alert']['last_max'])})",
                        "1.00×",
                        "–",
                        "–",
                        "–",
                        "–",
                        "–",
                        _fmt(s["cpu_ms"]),
                    ]
                )
                continue
            a, g = s["alert"], s["assignment"]
            rows.append(
                [
                    lay["label"],
                    n,
                    _fmt(a["p50"]),
                    _fmt(a["p95"]),
                    _fmt(a["p99"]),
                    f"{_fmt(a['last_median'])} ({_fmt(a['last_max'])})",
                    f"{_fmt(a['last_median'] / b, 2)}×" if b else "–",
                    _fmt(g["p50"]),
                    _fmt(g["p95"]),
                    _fmt(g["p99"]),
                    f"{_fmt(g['last_median'])} ({_fmt(g['last_max'])})",
                    f"{_fmt(g['last_median'] / b, 2)}×" if b else "–",
                    f"{_fmt(s['cpu_ms'])} ({_fmt(s['cpu_ms'] - lay['fixed']['cpu_ms'])})",
                ]
            )
    out.append(
        _table(
            [
                "layout",
                "N",
                "warning p50",
                "p95",
                "p99",
                "last",
                "÷ baseline last",
                "own assignment p50",
                "p95",
                "p99",
                "last",
                "÷ baseline last",
                "server CPU ms per issue (fan-out part)",
            ],
            rows,
        )
    )
    out.append(
        "\nServer CPU is user+system time of the web process(es) from `/proc/<pid>/stat`, from just before the "
        "request until the servers are idle again, averaged over the rounds (the counter ticks in 10 ms). The "
        "fan-out part subtracts the same issue with nobody connected: "
        + ", ".join(
            f"{lay['label']}: {_fmt(lay['fixed']['cpu_ms'])} ms CPU and {_fmt(lay['fixed']['api_ms'], 0)} ms API answer"
            for k, lay in fan["layouts"].items()
            if "fixed" in lay
        )
        + ". Baseline CPU is the plain server's, trigger to idle.\n"
    )
    rows = []
    for key, lay in fan["layouts"].items():
        if key == "baseline":
            continue
        for n, s in lay["sizes"].items():
            rows.append(
                [
                    lay["label"],
                    n,
                    _fmt(s["api_ms"], 0),
                    _fmt(s["pub_before_answer_ms"], 0),
                    _fmt(s["alert_from_answer"]["p50"]),
                    _fmt(s["alert_from_answer"]["last_median"]),
                    _fmt(s["assignment_from_answer"]["p50"]),
                    _fmt(s["assignment_from_answer"]["last_median"]),
                    _fmt(s["lift_alert"]["last_median"]),
                    _fmt(s["lift_cpu_ms"]),
                    s["missing"],
                ]
            )
    out.append("\nThe same rounds counted from the API's answer, and the lift:\n")
    out.append(
        _table(
            [
                "layout",
                "N",
                "API answer ms",
                "commit → answer ms",
                "warning p50 from answer",
                "last",
                "assignment p50",
                "last",
                "lift: `alert.lifted` last, from its answer",
                "lift CPU ms",
                "messages missed",
            ],
            rows,
        )
    )
    prof = fan.get("profile")
    if prof:
        out.append(
            _profile_tables(
                prof,
                f"Profile of the one-process server during {prof.get('rounds', '?')} extra issue/lift rounds at N={max(fan['sizes'])}",
            )
        )
    out.append(f"\nFan-out took {fan['seconds']} s in all. {_load(fan)}\n")
    return "\n".join(out)


def _issuing_section(iss) -> str:
    rows = [
        [
            units,
            s["assignments"],
            s["events"],
            "/".join(map(str, s["queries"])),
            _fmt(s["ms"], 0),
            ", ".join(_fmt(x, 0) for x in s["all_ms"]),
        ]
        for units, s in iss["sizes"].items()
    ]
    top = max(iss["sizes"], key=int)
    return "\n".join(
        [
            "## 2. Issuing cost\n",
            '`alerts.services.alert_create(actor=leader, level="red")` in-process on `cc_bench`, for a synthetic roster '
            "made with `bulk_create` (N units × 3 level-I task templates; the 54 real units set inactive meanwhile, a "
            "bench-only area). Timed from the call to its return: the transaction, its commit and the after-commit "
            "Redis publish of every event. Queries counted with `django.test.utils.CaptureQueriesContext`. Everything "
            "made is deleted afterwards.\n",
            _table(["units", "assignments", "events", "queries", "ms (median)", "each run, ms"], rows),
            f"\nBaseline, same run: psycopg2 `execute_values` (pages of 1,000) of the very rows the platform wrote for "
            f"{top} units ({iss['raw_rows'].get('responses_taskassignment')} assignments + "
            f"{iss['raw_rows'].get('events_event')} events, read back), into scratch tables "
            "`CREATE TABLE … (LIKE <real> INCLUDING ALL)` (same columns, defaults, identity, checks and indexes; no "
            "foreign keys), then a commit: "
            f"**{_fmt(iss['raw_ms'], 0)} ms** (runs: {', '.join(_fmt(x, 0) for x in iss['raw_all_ms'])}). "
            f"Ratio **{_fmt(iss['ratio'], 2)}×**; the query count is "
            f"{'the same at every size' if iss['queries_constant'] else 'NOT the same at every size'}.\n",
        ]
    )


def _api_section(api) -> str:
    rows = []
    for name, e in api["endpoints"].items():
        rows.append(
            [
                name,
                e["path"] if "path" in e else "",
                e["requests"],
                e["rps"],
                _fmt(e["p50"]),
                _fmt(e["p99"]),
                _fmt(e["max"]),
                f"{_fmt(e['p99_ratio'], 2)}×",
                f"{_fmt(e.get('p99_ratio_floor'), 2)}×",
                e["errors"],
            ]
        )
    note = api.get("note", "")
    return "\n".join(
        [
            "## 3. API under load\n",
            f"locust, headless, {api['users']} users with no think time, {api['seconds']} s"
            + (" (cut from 60 s to keep the whole run under 10 minutes)" if api["seconds"] < 60 else "")
            + ", every user picking one of the requests below at random, so the trivial view is measured in the same "
            "run and on the same server under the same load. uvicorn as the Procfile deploys it (`--workers 2`, one "
            "process per core; Django's views on each process's pool of `WEB_THREADS` threads) running "
            "`bench.asgi:application`: "
            "the project's `command_center.asgi.application` with `bench.settings` (the platform's settings plus "
            "one URL, `/bench/view/`: **the trivial JSON view**, a Django view answering `{\"ok\":true}` through the "
            "same middleware and thread pool, the target's baseline), plus `/bench/trivial/`, a tiny async ASGI app "
            'answering `{"ok":true}` without Django (it lives only in `bench/asgi.py`). A red warning is in force '
            "meanwhile. Response times are kept at full resolution by a request hook (locust's own percentiles are "
            f"rounded). The server's processes used {api.get('server_cpu_share', '?')} cores on average. {note} {_load(api)}\n",
            _table(
                ["request", "path", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "p99 ÷ trivial view p99",
                 "p99 ÷ event-loop floor p99", "errors"],
                rows,
            ),
            _profile_tables(
                api.get("profile"),
                f"Profile of the server during a second, {api.get('profile', {}).get('seconds', '?')}-second run "
                "with the same load",
            )
            if api.get("profile")
            else "",
        ]
    )


def _memory_section(mem) -> str:
    rows = []
    for key, label in (("platform", "platform, 1 uvicorn process"), ("baseline", "plain websockets server")):
        p = mem.get(key)
        if not p:
            continue
        rows.append(
            [
                label,
                p["rss_before_mib"],
                p["rss_connected_mib"],
                p["rss_after_round_mib"],
                p["per_connection_kib"],
                p["per_connection_after_round_kib"],
                p["connect_seconds"],
            ]
        )
    return "\n".join(
        [
            "## 4. Memory\n",
            f"RSS (`VmRSS`) of a fresh, warmed server before and after {mem['n']} dashboards connect, and after one "
            f"issue/lift round has used every socket. {_load(mem)}\n",
            _table(
                [
                    "server",
                    "RSS before MiB",
                    f"with {mem['n']} MiB",
                    "after a round MiB",
                    "KiB per connection",
                    "KiB per connection after a round",
                    f"s to accept {mem['n']}",
                ],
                rows,
            ),
            "",
        ]
    )


def _analysis(fan, iss, api, mem, v) -> str:
    from bench.analysis import text

    return text(fan, iss, api, mem, v)
