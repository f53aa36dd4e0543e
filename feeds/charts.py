"""Server-rendered chart geometry: the daily AQI bar chart of a forecast (inline SVG, no JavaScript)."""

from feeds.aqi import category_for

# The criteria's thresholds (环大气〔2024〕6号): > 150 sustained, > 200 high, > 300 severe.
GUIDES = (150, 200, 300)


def aqi_bar_chart(days: list[dict], *, width: int = 560, height: int = 220) -> dict:
    """Bars (x, y, w, h, fill, labels) of daily AQI in an SVG user space of ``width`` × ``height``.

    The y axis goes to 300, or higher in steps of 50 when a day exceeds it, so the
    guide lines at 150/200/300 stay in the same place from one forecast to the next.
    """
    top, bottom, left, right = 16, 28, 34, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [d.get("aqi") for d in days]
    peak = max([v for v in values if v is not None] or [0])
    scale = max(300, -(-peak // 50) * 50)
    n = max(len(days), 1)
    slot = plot_w / n
    bar_w = slot * 0.6

    def y(v):
        return top + plot_h - plot_h * v / scale

    bars = []
    for i, d in enumerate(days):
        v = d.get("aqi")
        x = left + slot * i + (slot - bar_w) / 2
        bar = {"x": round(x, 1), "w": round(bar_w, 1), "cx": round(x + bar_w / 2, 1), "label": str(d.get("date", ""))[5:]}
        if v is None:
            bar.update(y=top + plot_h, h=0, fill="#cccccc", value="NA", ty=top + plot_h - 4)
        else:
            bar.update(y=round(y(v), 1), h=round(plot_h * v / scale, 1), fill=d.get("colour") or category_for(v)[3], value=v)
            bar["ty"] = round(bar["y"] - 4, 1)
        bars.append(bar)
    guides = [{"value": g, "y": round(y(g), 1)} for g in GUIDES if g <= scale]
    return {
        "width": width, "height": height, "left": left, "right": width - right, "base": top + plot_h,
        "label_y": height - 10, "bars": bars, "guides": guides,
    }
