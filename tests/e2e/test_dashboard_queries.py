"""Every dashboard query returns data from a real Prometheus scraping the demo exporter."""

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from mixin.config import DEFAULT

from tests.support.dashboards import (
    DEMO_VALUES,
    PROMETHEUS_SERIES,
    PanelQuery,
    VariableQuery,
    annotation_queries,
    dashboard_metric_names,
    load_dashboards,
    panel_queries,
    substitute,
    variable_queries,
)
from tests.support.exporter import ExporterProcess, Metrics, start_exporter, wait_until
from tests.support.prometheus import RULES_FILE, PrometheusServer, ScrapeTarget, start_prometheus

# Enough scrapes at 1s for rate() over the 1m $__rate_interval and "last hour" increases.
WARM_UP_SECONDS = 12.0
QUERIES = panel_queries()


@dataclass
class DemoStack:
    exporter: ExporterProcess
    prometheus: PrometheusServer


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    workdir = tmp_path_factory.mktemp("dashboards")
    exporter = start_exporter(
        ["demo", "--demo.speed", "60"],
        {"OPENROUTER_EXPORTER_POLL_INTERVAL": "1s"},
        workdir / "exporter.log",
    )
    address = exporter.url.removeprefix("http://")
    try:
        # With the shipped rules: the "right now" panels read the series they record.
        with start_prometheus(
            workdir / "prometheus",
            [ScrapeTarget("openrouter-exporter", (address,))],
            rule_files=[RULES_FILE],
        ) as prometheus:
            prometheus.wait_for_targets_up(timeout=30)
            time.sleep(WARM_UP_SECONDS)
            yield DemoStack(exporter, prometheus)
    finally:
        exporter.kill()


def _has_data(prometheus: PrometheusServer, query: PanelQuery, expr: str) -> bool:
    if query.instant:
        return bool(prometheus.query(expr))
    now = time.time()
    return bool(prometheus.query_range(expr, now - 300, now, "5s"))


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_panel_query_returns_data_on_the_demo(demo_stack: DemoStack, query: PanelQuery) -> None:
    expr = query.rendered(DEMO_VALUES)

    wait_until(
        lambda: _has_data(demo_stack.prometheus, query, expr),
        timeout=20,
        message=f"{query} returns data: {expr}",
    )


@pytest.mark.parametrize("variable", variable_queries(), ids=lambda v: f"{v.file}:{v.name}")
def test_template_variable_lists_values_on_the_demo(
    demo_stack: DemoStack, variable: VariableQuery
) -> None:
    expr = variable.rendered(DEMO_VALUES)
    if variable.label:
        expr = f"group by ({variable.label}) ({expr})"
    results = demo_stack.prometheus.query(expr)

    assert variable.options([(sample.labels, sample.value) for sample in results])


def test_annotation_queries_are_valid_promql(demo_stack: DemoStack) -> None:
    boards = load_dashboards()
    for file, expr in annotation_queries(boards):
        demo_stack.prometheus.query(substitute(expr, boards[file], DEMO_VALUES))


def test_every_metric_a_dashboard_reads_is_one_the_exporter_serves(
    demo_stack: DemoStack,
) -> None:
    text = demo_stack.exporter.metrics_text()
    families = {
        line.split()[2] for line in text.splitlines() if line.startswith(("# HELP ", "# TYPE "))
    }
    served = families | Metrics.parse(text).names()

    missing = dashboard_metric_names() - PROMETHEUS_SERIES - served

    assert not missing, f"dashboards read metrics the exporter does not serve: {sorted(missing)}"


def _overview_value(prometheus: PrometheusServer, panel_id: int, ref_id: str, at: float) -> float:
    query = next(
        q
        for q in QUERIES
        if q.dashboard_uid == DEFAULT.overview_uid and q.panel_id == panel_id and q.ref_id == ref_id
    )
    samples = prometheus.query(query.rendered(DEMO_VALUES), at=at)
    assert len(samples) == 1, f"{query}: {samples}"
    return samples[0].value


def test_now_vs_usual_is_the_alerts_long_window_rate_over_its_usual_rate(
    demo_stack: DemoStack,
) -> None:
    at = time.time() - 1.0
    prometheus = demo_stack.prometheus

    now = _overview_value(prometheus, DEFAULT.spend_now_panel_id, "A", at)
    usual = _overview_value(prometheus, DEFAULT.spend_now_graph_panel_id, "B", at)
    over_long = _overview_value(prometheus, DEFAULT.spend_now_graph_panel_id, "C", at)
    ratio = _overview_value(prometheus, DEFAULT.spend_now_ratio_panel_id, "A", at)

    assert now > 0
    assert ratio == pytest.approx(over_long / usual)
