"""Small inline SVG charts (no dependencies), drawn for a phone first.

The drawing is WIDTH units wide and scales to the page: on a 375 px phone (343 px of
content) text of FONT units shows at about 12 px, and no wider than MAX_WIDTH_PX on a
desktop. Every bar carries its value as a visible label, and as `data-label` /
`data-value` plus a `<title>` (screen readers, and tests that read the figures back).
Days without conversations are drawn as zero, never skipped or joined over.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

WIDTH = 360
FONT = 13
SMALL_FONT = 12
MAX_WIDTH_PX = 560
BAR_COLOUR = "#3b6ea8"
SERIES_COLOURS = ("#2e7d32", "#3b6ea8", "#c0692b", "#8e44ad", "#9e9e9e")
Formatter = Callable[[float], str]


def count(value: float) -> str:
    return f"{value:g}"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _open(chart_id: str, title: str, height: float, *, empty: bool = False) -> str:
    label = f"{title}: no data" if empty else title
    return (
        f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
        f'aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" '
        f'font-family="system-ui, sans-serif">'
    )


def _empty(chart_id: str, title: str) -> str:
    return (
        _open(chart_id, title, 60, empty=True)
        + f'<text x="{WIDTH // 2}" y="34" text-anchor="middle" fill="#666">'
        "No data in this period</text></svg>"
    )


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    fmt: Formatter = count,
) -> str:
    """Horizontal bars, each with its label above it and its value at its end."""
    if not items or not any(v for _, v in items):
        return _empty(chart_id, title)
    row_h, value_w = 42, 64
    top_value = max(v for _, v in items) or 1
    plot_w = WIDTH - value_w
    parts = [_open(chart_id, title, row_h * len(items) + 4)]
    for i, (label, value) in enumerate(items):
        y = i * row_h
        w = max(plot_w * value / top_value, 1.0 if value else 0.0)
        parts.append(
            f'<text x="0" y="{y + 15}">{escape(label)}</text>'
            f'<rect class="mark" data-label="{escape(label)}" data-value="{value:g}" '
            f'x="0" y="{y + 21}" width="{w:.1f}" height="16" fill="{BAR_COLOUR}">'
            f"<title>{escape(label)}: {fmt(value)}</title></rect>"
            f'<text x="{w + 6:.1f}" y="{y + 34}" font-weight="600">{fmt(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_columns(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    fmt: Formatter = count,
) -> str:
    """One column per label (a day), stacked by series, its total written above it.

    A single series is a plain column chart. Labels are ISO days: the axis shows MM-DD.
    Columns too narrow for a label each (a long period) carry one on every n-th column, so
    labels never overlap; every column keeps its value in `<title>` and `data-value`.
    """
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return _empty(chart_id, title)
    legend_rows = len(series) if len(series) > 1 else 0  # one per line: names stay whole
    step = (WIDTH - 4) / len(labels)
    rotate = step < 26  # too narrow for a level value label
    value_every = math.ceil((SMALL_FONT + 2) / step) if rotate else 1
    longest = max(len(fmt(t)) for t in totals)
    # Room above the tallest column for its label, written upwards when rotated.
    top, axis, left = (round(8 + 0.62 * SMALL_FONT * longest) if rotate else 22), 34, 4
    plot_h = 150
    height = top + plot_h + axis + legend_rows * 20
    top_value = max(totals) or 1
    bar_w = max(2.0, step * 0.72)
    parts = [_open(chart_id, title, height)]
    base = top + plot_h
    parts.append(f'<line x1="0" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#999"/>')
    label_every = max(1, round(len(labels) / 8))
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        y = float(base)
        for s, (name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / top_value
            y -= h
            colour = SERIES_COLOURS[s % len(SERIES_COLOURS)] if len(series) > 1 else BAR_COLOUR
            parts.append(
                f'<rect class="mark" data-series="{escape(name)}" data-label="{escape(label)}" '
                f'data-value="{value:g}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(label)} {escape(name)}: '
                f"{fmt(value)}</title></rect>"
            )
        cx = x + bar_w / 2
        text = fmt(totals[i])
        if i % value_every == 0 and rotate:
            # Written upwards, its glyphs left of x: centred on the column, inside the chart.
            tx = min(max(cx + SMALL_FONT / 3, float(SMALL_FONT)), float(WIDTH))
            parts.append(
                f'<text x="{tx:.1f}" y="{y - 4:.1f}" font-size="{SMALL_FONT}" '
                f'transform="rotate(-90 {tx:.1f} {y - 4:.1f})">{escape(text)}</text>'
            )
        elif i % value_every == 0:
            parts.append(
                f'<text x="{cx:.1f}" y="{y - 5:.1f}" text-anchor="middle" '
                f'font-weight="600">{escape(text)}</text>'
            )
        if i % label_every == 0:
            ax = min(max(cx, 18.0), WIDTH - 18.0)  # an MM-DD label stays inside the chart
            parts.append(
                f'<text x="{ax:.1f}" y="{base + 18}" text-anchor="middle" '
                f'font-size="{SMALL_FONT}">{escape(label[5:] if len(label) == 10 else label)}'
                "</text>"
            )
    if len(series) > 1:
        for s, (name, _) in enumerate(series):
            lx = 0
            ly = base + axis + s * 20
            parts.append(
                f'<rect x="{lx:.0f}" y="{ly - 10}" width="12" height="12" '
                f'fill="{SERIES_COLOURS[s % len(SERIES_COLOURS)]}"/>'
                f'<text x="{lx + 17:.0f}" y="{ly}">{escape(name)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    fmt: Formatter = count,
) -> str:
    """One column per label, its value written above it (days, scores)."""
    return stacked_columns(chart_id, title, labels, [(title, values)], fmt=fmt)
