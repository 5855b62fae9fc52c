"""Inline SVG charts for the status page: a line over time and bars per day.

Server-rendered, no script, no external resource. Colours come from CSS classes (``line``,
``bar``, ``axis``, ``zero``, ``grid-label``), so the page's light and dark schemes apply;
no ``style`` attribute is written, which the page's Content-Security-Policy would refuse.
Each chart is ``role="img"`` with a ``<title>`` and a ``<desc>`` that says in words what
it shows: the text alternative.
"""

from collections.abc import Callable, Sequence
from html import escape

WIDTH = 560
HEIGHT = 200
LEFT = 84  # room for the y labels
RIGHT = 8
TOP = 10
BOTTOM = 26  # room for the x labels
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM


def _scale(low: float, high: float) -> tuple[float, float]:
    """A y range that includes zero and never has zero height."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-9:
        high = low + 1.0
    return low, high


def _frame(
    chart_id: str,
    title: str,
    description: str,
    low: float,
    high: float,
    y_label: Callable[[float], str],
    x_labels: tuple[str, str],
    body: str,
) -> str:
    zero = TOP + high / (high - low) * PLOT_HEIGHT
    return (
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}"/>'
        f'<line class="zero" x1="{LEFT}" y1="{zero:.1f}" x2="{WIDTH - RIGHT}" y2="{zero:.1f}"/>'
        f'<text class="grid-label" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">'
        f"{escape(y_label(high))}</text>"
        f'<text class="grid-label" x="{LEFT - 6}" y="{HEIGHT - BOTTOM}" text-anchor="end">'
        f"{escape(y_label(low))}</text>"
        f'<text class="grid-label" x="{LEFT}" y="{HEIGHT - 6}">{escape(x_labels[0])}</text>'
        f'<text class="grid-label" x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end">'
        f"{escape(x_labels[1])}</text>"
        f"{body}</svg>"
    )


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[float, float]],
    *,
    y_label: Callable[[float], str],
    x_labels: tuple[str, str],
) -> str:
    """``points`` are ``(x, y)`` in data units, x ascending; one polyline vertex each."""
    if not points:
        return ""
    low, high = _scale(min(y for _, y in points), max(y for _, y in points))
    first, last = points[0][0], points[-1][0]
    span = (last - first) or 1.0
    x_scale = PLOT_WIDTH / span
    y_scale = PLOT_HEIGHT / (high - low)
    vertices = " ".join(
        f"{LEFT + (x - first) * x_scale:.1f},{TOP + (high - y) * y_scale:.1f}" for x, y in points
    )
    body = f'<polyline class="line" fill="none" points="{vertices}"/>'
    return _frame(chart_id, title, description, low, high, y_label, x_labels, body)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, float]],
    *,
    y_label: Callable[[float], str],
    value_label: Callable[[float], str],
) -> str:
    """One ``rect.bar`` per ``(label, value)``, each with its own ``<title>`` tooltip."""
    if not bars:
        return ""
    low, high = _scale(min(v for _, v in bars), max(v for _, v in bars))
    y_scale = PLOT_HEIGHT / (high - low)
    slot = PLOT_WIDTH / len(bars)
    gap = min(2.0, slot * 0.2)
    parts = []
    for index, (label, value) in enumerate(bars):
        top = TOP + (high - max(value, 0.0)) * y_scale
        bottom = TOP + (high - min(value, 0.0)) * y_scale
        parts.append(
            f'<rect class="bar" x="{LEFT + index * slot + gap / 2:.1f}" y="{top:.1f}" '
            f'width="{slot - gap:.1f}" height="{max(bottom - top, 0.5):.1f}">'
            f"<title>{escape(label)}: {escape(value_label(value))}</title></rect>"
        )
    x_labels = (bars[0][0], bars[-1][0])
    return _frame(chart_id, title, description, low, high, y_label, x_labels, "".join(parts))
