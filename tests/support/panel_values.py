"""What a panel shows, evaluated the way Grafana evaluates it against a real Prometheus.

An instant target is one ``/api/v1/query`` at the panel's time; a range target is a
``/api/v1/query_range`` over the time range ending there, each series reduced with "last
not null" (what the dashboards' stats, bar gauges and legends use). A series is named by
its labels, so two evaluations compare series by series.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from tests.support.dashboards import PanelQuery
from tests.support.prometheus import PrometheusServer

Values = Mapping[str, str | Sequence[str]]
SeriesKey = tuple[tuple[str, str], ...]

#: The range a range target covers, and its step (Grafana's $__interval in these tests).
RANGE_SECONDS = 600.0
RANGE_STEP = "15s"


def _key(labels: Mapping[str, str]) -> SeriesKey:
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def shown_values(
    prometheus: PrometheusServer, query: PanelQuery, values: Values, at: float
) -> dict[SeriesKey, float]:
    """Series name -> the number the panel shows for it at time ``at`` (absent: no value)."""
    expr = query.rendered(values)
    if query.instant:
        return {_key(sample.labels): sample.value for sample in prometheus.query(expr, at=at)}
    shown = {}
    for series in prometheus.query_range(expr, at - RANGE_SECONDS, at, RANGE_STEP):
        points = [float(value) for _, value in series["values"]]
        numbers = [value for value in points if not math.isnan(value)]
        if numbers:
            shown[_key(series["metric"])] = numbers[-1]
    return shown
