"""Charts drawn on the server as SVG markup (no JavaScript, no charting library, nothing fetched).

The site's Content-Security-Policy forbids inline style, so everything is an SVG presentation attribute (fill,
font-size, text-anchor). Labels are escaped. The drawing has a viewBox and scales to the width of its column; the
text is large enough to read on a projector, the colours differ in lightness as well as hue (they stay apart on a
black-and-white A4 print) and every value is written beside its bar, so the chart can be read without colour.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from certificates.oversight import Chart

COLOURS = ("#1f4e8c", "#e0a020", "#5a8f3c")  # dark blue, amber, green: distinct in greyscale too
FONT = 15
WIDTH = 480  # user units; the drawing scales to its column (a phone shrinks it, a projector enlarges it)


def _number(value: float, unit: str) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text}{unit}"


def _legend(chart: Chart, y: int) -> list[str]:
    parts, x = [], 0
    for index, (name, _values) in enumerate(chart.series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{y - 12}" width="14" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{x + 20}" y="{y}" font-size="{FONT}">{escape(name)}</text>')
        x += 40 + 16 * len(name)
    return parts


def render_svg(chart: Chart, *, title: str, chart_id: str) -> SafeString:
    if chart.kind == "columns":
        body, height = _columns(chart)
    else:
        body, height = _bars(chart)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="oversight-chart" '
        f'role="img" aria-labelledby="{chart_id}-t" font-family="sans-serif" fill="#1b1b1b">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 -- every text above is escaped


def _bars(chart: Chart) -> tuple[list[str], int]:
    """Horizontal bars: the label on its own line, one bar per series below it, the value after the bar. Labels
    above the bars leave the whole width to the bars, so a phone's narrow column shows them as well as a projector."""
    value_width, bar_height, label_height, gap = 60, 18, 20, 10
    group = label_height + bar_height * len(chart.series) + gap
    top = 30
    height = top + max(len(chart.labels), 1) * group
    peak = max((v for _n, values in chart.series for v in values), default=0) or 1
    room = WIDTH - value_width
    parts = _legend(chart, 18)
    for row, label in enumerate(chart.labels):
        y = top + row * group
        parts.append(f'<text x="0" y="{y + 15}" font-size="{FONT}">{escape(label)}</text>')
        for index, (_name, values) in enumerate(chart.series):
            value = values[row]
            colour = COLOURS[index % len(COLOURS)]
            width = round(room * value / peak, 1)
            by = y + label_height + index * bar_height
            parts.append(f'<rect x="0" y="{by}" width="{width}" height="{bar_height - 3}" fill="{colour}"/>')
            parts.append(
                f'<text x="{width + 5}" y="{by + bar_height - 5}" font-size="{FONT - 1}">'
                f"{escape(_number(value, chart.unit))}</text>"
            )
    return parts, height


def _columns(chart: Chart) -> tuple[list[str], int]:
    """Vertical columns (months along the bottom), grouped by label, the value above each column."""
    left, top, plot_height, bottom = 0, 40, 200, 30
    height = top + plot_height + bottom
    peak = max((v for _n, values in chart.series for v in values), default=0) or 1
    slot = (WIDTH - left) / max(len(chart.labels), 1)
    column = max((slot - 10) / max(len(chart.series), 1), 4)
    parts = _legend(chart, 18)
    base = top + plot_height
    parts.append(f'<line x1="{left}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#555" stroke-width="1"/>')
    for row, label in enumerate(chart.labels):
        x0 = left + row * slot + 5
        for index, (_name, values) in enumerate(chart.series):
            value = values[row]
            colour = COLOURS[index % len(COLOURS)]
            h = round(plot_height * value / peak, 1)
            x = round(x0 + index * column, 1)
            parts.append(f'<rect x="{x}" y="{base - h}" width="{round(column - 2, 1)}" height="{h}" fill="{colour}"/>')
            if value:  # a row of zeros along the axis says nothing the table does not
                parts.append(
                    f'<text x="{round(x + column / 2, 1)}" y="{base - h - 4}" font-size="{FONT - 3}" '
                    f'text-anchor="middle">{escape(_number(value, chart.unit))}</text>'
                )
        parts.append(
            f'<text x="{round(x0 + slot / 2 - 5, 1)}" y="{base + 20}" font-size="{FONT - 3}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return parts, height
