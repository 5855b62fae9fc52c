"""Inline SVG charts: one vertex or bar per value, a zero line, text alternatives."""

import re

from openrouter_exporter.status_page.charts import (
    BOTTOM,
    HEIGHT,
    PLOT_HEIGHT,
    TOP,
    bar_chart,
    line_chart,
)


def label(value: float) -> str:
    return f"{value:.0f}"


def test_a_line_has_one_vertex_per_point_and_a_title_and_description() -> None:
    svg = line_chart(
        "c",
        "Balance <b>",
        "falls & rises",
        [(0, 5.0), (1, 3.0), (2, 4.0)],
        y_label=label,
        x_labels=("a", "b"),
    )

    points = re.search(r'points="([^"]*)"', svg)
    assert points is not None
    assert len(points.group(1).split()) == 3
    assert 'role="img"' in svg
    assert '<title id="c-title">Balance &lt;b&gt;</title>' in svg
    assert '<desc id="c-desc">falls &amp; rises</desc>' in svg


def test_a_line_that_goes_negative_draws_zero_inside_the_plot() -> None:
    svg = line_chart("c", "t", "d", [(0, 10.0), (1, -10.0)], y_label=label, x_labels=("", ""))

    zero = re.search(r'<line class="zero" x1="[^"]*" y1="([^"]*)"', svg)
    assert zero is not None
    assert float(zero.group(1)) == TOP + PLOT_HEIGHT / 2


def test_bars_are_one_per_value_and_rise_from_zero() -> None:
    svg = bar_chart(
        "s",
        "t",
        "d",
        [("Nov 01", 2.0), ("Nov 02", 0.0), ("Nov 03", 4.0)],
        y_label=label,
        value_label=lambda value: f"${value:.2f}",
    )

    bars = re.findall(
        r'<rect class="bar" x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)"', svg
    )
    assert len(bars) == 3
    bottoms = {round(float(y) + float(height), 1) for y, height in bars if float(height) > 1}
    assert bottoms == {float(HEIGHT - BOTTOM)}
    assert "<title>Nov 03: $4.00</title>" in svg


def test_no_values_draw_no_chart() -> None:
    assert line_chart("c", "t", "d", [], y_label=label, x_labels=("", "")) == ""
    assert bar_chart("c", "t", "d", [], y_label=label, value_label=label) == ""
