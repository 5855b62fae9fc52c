"""The dashboards tell the truth when something breaks: a real Prometheus scraping the demo
exporter, every panel evaluated the way Grafana evaluates it (see
``tests/support/panel_values.py``).

* **The exporter dies.** Five minutes later, no panel that shows a current number (every
  stat, bar gauge, pie chart and table, all instant) shows one: they are empty, which
  Grafana renders as their "no value" text. "Data age" keeps counting instead. Five minutes
  after is evaluated as an instant query at that moment: nothing reaches Prometheus after
  the death, so the answer is the one Grafana would get then (Prometheus marks the series
  stale at the first failed scrape; a ``rate()`` would keep its value for its window).
* **The exporter is scraped by two jobs.** Every panel shows, series by series, what it
  shows for one of the jobs alone (the Job variable set to it): copies never add up.
* **The exporter does not poll the Analytics API** (no management key, or analytics off):
  the today panels are empty, which Grafana renders as "no current Analytics API data",
  never as 0, while the rest of the dashboards show their numbers.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mixin.config import DEFAULT

from tests.support.dashboards import DEMO_VALUES, PanelQuery, panel_queries
from tests.support.exporter import ExporterProcess, start_exporter
from tests.support.panel_values import SeriesKey, shown_values
from tests.support.prometheus import RULES_FILE, PrometheusServer, ScrapeTarget, start_prometheus

#: Enough 1s scrapes for rate() over 1m and the "right now" window to have two samples.
#: Prometheus loads the shipped rules: the "right now" panels read what they record.
WARM_UP_SECONDS = 15.0
FIVE_MINUTES = 300.0
JOBS = ("openrouter-a", "openrouter-b")

QUERIES = panel_queries()
INSTANT = [q for q in QUERIES if q.instant]
#: Prometheus' own alert state, not the exporter's: it outlives the exporter by design.
PROMETHEUS_STATE = {"Firing alerts"}
#: Ages since the last good poll: they must keep growing when the exporter dies.
AGES = {"Data age", "Data age by endpoint", "Analytics data age"}
CURRENT_NUMBERS = [q for q in INSTANT if q.panel_title not in PROMETHEUS_STATE | AGES]
AGE_QUERIES = [q for q in INSTANT if q.panel_title in AGES]

#: Each job alone is a single scrape, and the two read the exporter at instants up to a
#: second apart (the demo spends continuously): a panel with duplicates must show a value
#: within the spread of the two single-scrape values, widened by this much.
RELATIVE_TOLERANCE = 0.02
#: Ages in seconds differ by up to the scrape interval between two jobs.
SECONDS_TOLERANCE = 2.0


#: The panels fed by the Analytics API (the demo polls it every 30 s).
TODAY_METRIC = re.compile(r"\bopenrouter_(key_)?model_today_")
TODAY_QUERIES = [q for q in INSTANT if TODAY_METRIC.search(q.expr)]
ANALYTICS_AGE = [q for q in INSTANT if q.panel_title == "Analytics data age"]


def _start_demo(workdir: Path, *flags: str) -> ExporterProcess:
    return start_exporter(
        ["demo", "--demo.speed", "60", *flags],
        {"OPENROUTER_EXPORTER_POLL_INTERVAL": "1s"},
        workdir / "exporter.log",
    )


@dataclass
class DeadExporter:
    prometheus: PrometheusServer
    #: What each instant panel showed while the exporter ran, by ``str(query)``.
    before: dict[str, dict[SeriesKey, float]]
    died_at: float

    def after(self, query: PanelQuery, seconds: float) -> dict[SeriesKey, float]:
        return shown_values(self.prometheus, query, DEMO_VALUES, self.died_at + seconds)


@pytest.fixture(scope="module")
def dead_exporter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeadExporter]:
    workdir = tmp_path_factory.mktemp("dead-exporter")
    exporter = _start_demo(workdir)
    try:
        address = exporter.url.removeprefix("http://")
        with start_prometheus(
            workdir / "prometheus",
            [ScrapeTarget("openrouter-exporter", (address,))],
            rule_files=[RULES_FILE],
        ) as prometheus:
            prometheus.wait_for_targets_up(timeout=30)
            time.sleep(WARM_UP_SECONDS)
            now = time.time()
            before = {str(q): shown_values(prometheus, q, DEMO_VALUES, now) for q in INSTANT}
            exporter.kill()
            died_at = time.time()
            prometheus.wait_for_query('up{job="openrouter-exporter"} == 0', timeout=30)
            yield DeadExporter(prometheus, before, died_at)
    finally:
        exporter.kill()


@pytest.mark.parametrize("query", CURRENT_NUMBERS, ids=str)
def test_panel_showed_a_number_while_the_exporter_ran(
    dead_exporter: DeadExporter, query: PanelQuery
) -> None:
    assert dead_exporter.before[str(query)], f"{query}: {query.rendered(DEMO_VALUES)}"


@pytest.mark.parametrize("query", CURRENT_NUMBERS, ids=str)
def test_panel_shows_no_number_five_minutes_after_the_exporter_died(
    dead_exporter: DeadExporter, query: PanelQuery
) -> None:
    assert dead_exporter.after(query, FIVE_MINUTES) == {}, query.rendered(DEMO_VALUES)


@pytest.mark.parametrize("query", CURRENT_NUMBERS, ids=str)
def test_panel_shows_no_number_right_after_the_exporter_died(
    dead_exporter: DeadExporter, query: PanelQuery
) -> None:
    assert dead_exporter.after(query, 5.0) == {}, query.rendered(DEMO_VALUES)


@pytest.mark.parametrize("query", AGE_QUERIES, ids=str)
def test_data_age_counts_the_time_since_the_exporter_died(
    dead_exporter: DeadExporter, query: PanelQuery
) -> None:
    before = dead_exporter.before[str(query)]
    after = dead_exporter.after(query, FIVE_MINUTES)

    assert before
    assert after.keys() == before.keys()
    assert all(age >= FIVE_MINUTES for age in after.values()), after


def test_firing_alerts_is_prometheus_state_and_outlives_the_exporter(
    dead_exporter: DeadExporter,
) -> None:
    query = next(q for q in INSTANT if q.panel_title == "Firing alerts")

    assert dead_exporter.after(query, FIVE_MINUTES) == {(): 0.0}


# --------------------------------------------------------------------------------------
# One exporter, two scrape jobs


@pytest.fixture(scope="module")
def scraped_twice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    workdir = tmp_path_factory.mktemp("scraped-twice")
    exporter = _start_demo(workdir)
    try:
        address = exporter.url.removeprefix("http://")
        jobs = [ScrapeTarget(job, (address,)) for job in JOBS]
        with start_prometheus(workdir / "prometheus", jobs, rule_files=[RULES_FILE]) as prometheus:
            prometheus.wait_for_targets_up(timeout=30)
            time.sleep(WARM_UP_SECONDS)
            yield prometheus
    finally:
        exporter.kill()


def _within(query: PanelQuery, value: float, single: tuple[float, float]) -> bool:
    unit = query.panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
    absolute = SECONDS_TOLERANCE if unit == "s" else 1e-9
    low, high = min(single), max(single)
    if math.isinf(high) or math.isinf(low):
        return value in single
    slack = RELATIVE_TOLERANCE * max(abs(low), abs(high)) + absolute
    return low - slack <= value <= high + slack


def test_every_series_of_the_exporter_is_there_twice(scraped_twice: PrometheusServer) -> None:
    once = scraped_twice.query_value(f'max(openrouter_balance_usd{{job="{JOBS[0]}"}})')
    summed = scraped_twice.query_value("sum(openrouter_balance_usd)")

    assert once is not None
    assert summed == pytest.approx(2 * once, rel=RELATIVE_TOLERANCE)


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_panel_shows_a_single_scrape_value_when_scraped_twice(
    scraped_twice: PrometheusServer, query: PanelQuery
) -> None:
    at = time.time() - 1.0
    first, second = (
        shown_values(scraped_twice, query, {**DEMO_VALUES, "job": [job]}, at) for job in JOBS
    )
    both = shown_values(scraped_twice, query, DEMO_VALUES, at)

    assert first, query.rendered(DEMO_VALUES)
    assert both.keys() == first.keys() == second.keys()
    outside = {
        key: (both[key], first[key], second[key])
        for key in both
        if not _within(query, both[key], (first[key], second[key]))
    }
    assert not outside, f"{query}: {outside}"


# --------------------------------------------------------------------------------------
# An exporter without the Analytics API


@pytest.fixture(scope="module")
def without_analytics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    workdir = tmp_path_factory.mktemp("without-analytics")
    exporter = _start_demo(workdir, "--poll.analytics-interval", "0")
    try:
        address = exporter.url.removeprefix("http://")
        with start_prometheus(
            workdir / "prometheus",
            [ScrapeTarget("openrouter-exporter", (address,))],
            rule_files=[RULES_FILE],
        ) as prometheus:
            prometheus.wait_for_targets_up(timeout=30)
            time.sleep(WARM_UP_SECONDS)
            yield prometheus
    finally:
        exporter.kill()


def test_the_today_panels_are_found() -> None:
    overview = {q.panel_title for q in TODAY_QUERIES if q.dashboard_uid == DEFAULT.overview_uid}

    assert {"Spent today", "Spend today by model", "Spend today by key and model"} <= overview
    assert len(ANALYTICS_AGE) == 2


@pytest.mark.parametrize("query", TODAY_QUERIES, ids=str)
def test_today_panel_shows_no_number_without_the_analytics_api(
    without_analytics: PrometheusServer, query: PanelQuery
) -> None:
    assert shown_values(without_analytics, query, DEMO_VALUES, time.time()) == {}
    assert "Analytics API" in query.panel["fieldConfig"]["defaults"]["noValue"]


@pytest.mark.parametrize("query", ANALYTICS_AGE, ids=str)
def test_analytics_data_age_says_there_is_none_without_the_analytics_api(
    without_analytics: PrometheusServer, query: PanelQuery
) -> None:
    assert shown_values(without_analytics, query, DEMO_VALUES, time.time()) == {}
    assert "no Analytics API data" in query.panel["fieldConfig"]["defaults"]["noValue"]


def test_the_other_panels_show_numbers_without_the_analytics_api(
    without_analytics: PrometheusServer,
) -> None:
    balance = next(q for q in INSTANT if q.panel_title == "Balance")

    assert shown_values(without_analytics, balance, DEMO_VALUES, time.time())
