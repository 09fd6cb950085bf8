"""Small inline SVG charts (no dependencies). Every data mark carries its figure in
`data-label` / `data-value`, so the numbers can be checked in the HTML and read by screen
readers through `<title>`."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
BAR_COLOUR = "#3b6ea8"
SERIES_COLOURS = ("#3b6ea8", "#c0692b", "#4d8a4d")


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _empty(chart_id: str, title: str, height: int = 80) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
        f'aria-label="{escape(title)}: no data" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<text x="{WIDTH // 2}" y="{height // 2}" text-anchor="middle" fill="#777">'
        f"No data in this period</text></svg>"
    )


def _open(chart_id: str, title: str, height: int) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg" font-size="12">'
    )


def column_chart(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """Vertical bars, one per label (days, scores)."""
    if not labels or not any(values):
        return _empty(chart_id, title)
    height, top, bottom, left = 240, 20, 40, 40
    plot_h = height - top - bottom
    top_value = max(values) or 1
    step = (WIDTH - left - 10) / len(labels)
    bar_w = max(2.0, step * 0.7)
    parts = [_open(chart_id, title, height)]
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 10}" y2="{top + plot_h}" '
        f'stroke="#999"/><text x="{left - 6}" y="{top + 4}" text-anchor="end">'
        f"{_fmt(top_value, False)}</text>"
    )
    label_every = max(1, len(labels) // 14)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top_value
        x = left + i * step + (step - bar_w) / 2
        parts.append(
            f'<rect class="mark" data-label="{escape(label)}" data-value="{value:g}" '
            f'x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{BAR_COLOUR}"><title>{escape(label)}: {_fmt(value, False)}</title></rect>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{escape(label[-5:])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    chart_id: str, title: str, items: Sequence[tuple[str, float]], *, percent: bool = False
) -> str:
    """Horizontal bars with their labels and values (reasons, intents, outcomes)."""
    if not items or not any(v for _, v in items):
        return _empty(chart_id, title)
    row_h, left, right = 26, 200, 80
    height = row_h * len(items) + 10
    top_value = max(v for _, v in items) or 1
    plot_w = WIDTH - left - right
    parts = [_open(chart_id, title, height)]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row_h
        w = plot_w * value / top_value
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="mark" data-label="{escape(label)}" data-value="{value:g}" '
            f'x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{BAR_COLOUR}">'
            f"<title>{escape(label)}: {_fmt(value, percent)}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 16}">{_fmt(value, percent)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
) -> str:
    """Rates (0..1) per day, one line per series; days without data leave a gap."""
    if not labels or not any(v is not None for _, values in series for v in values):
        return _empty(chart_id, title)
    height, top, bottom, left = 240, 20, 56, 44
    plot_h = height - top - bottom
    step = (WIDTH - left - 20) / max(1, len(labels) - 1) if len(labels) > 1 else 0
    parts = [_open(chart_id, title, height)]
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick * 100:.0f}%</text>'
        )
    for s, (name, values) in enumerate(series):
        colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
        points = [
            (
                left + i * step if len(labels) > 1 else left + (WIDTH - left) / 2,
                top + plot_h * (1 - v),
                label,
                v,
            )
            for i, (label, v) in enumerate(zip(labels, values, strict=True))
            if v is not None
        ]
        if len(points) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y, label, v in points:
            parts.append(
                f'<circle class="mark" data-series="{escape(name)}" data-label="{escape(label)}" '
                f'data-value="{v:g}" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(name)} {escape(label)}: {_fmt(v, True)}</title></circle>"
            )
        parts.append(
            f'<rect x="{left + s * 200}" y="{height - 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + s * 200 + 14}" y="{height - 9}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
