"""The real exporter against the simulator's Analytics API: today per model and per key x
model, per-model counters that move today and stay continuous across a UTC midnight, the
next /activity and a restart, and polite failure."""

import signal
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from openrouter_simulator import NewKey, Simulator
from tests.conftest import StartExporter
from tests.support.activity import activity_rows, row_day
from tests.support.exporter import ExporterProcess, Labels, Metrics, wait_until

ANALYTICS = {"OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": "1s"}
TODAY_SPEND = "openrouter_model_today_spend_usd"
PAIR_SPEND = "openrouter_key_model_today_spend_usd"
SPEND_TOTAL = "openrouter_model_spend_usd_total"
MODEL = "openai/gpt-4.1"
MONEY = 1e-6


def model_counter(metrics: Metrics, model: str) -> float:
    return sum(metrics.series(SPEND_TOTAL, model=model).values())


def counters(metrics: Metrics) -> dict[Labels, float]:
    return metrics.series(SPEND_TOTAL)


def sim_today(sim: Simulator) -> date:
    return date.fromisoformat(sim.engine.state()["today"])


def analytics_by_model(sim: Simulator, day: date) -> dict[str, float]:
    """The simulator's own per-model spend of ``day``, straight from its Analytics API."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    body = {
        "metrics": ["credits_usage"],
        "dimensions": ["model"],
        "time_range": {
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }
    answer = httpx.post(
        f"{sim.base_url}/analytics/query",
        json=body,
        headers={"Authorization": f"Bearer {sim.management_key}"},
        timeout=10,
    ).json()
    return {row["model"]: row["credits_usage"] for row in answer["data"]["data"]}


def activity_by_model(rows: list[dict[str, object]]) -> dict[tuple[date, str], float]:
    found: dict[tuple[date, str], float] = {}
    for row in rows:
        key = (row_day(row), str(row["model"]))
        found[key] = found.get(key, 0.0) + float(str(row["usage"]))
    return found


def poll_started_after(metrics: Metrics, moment: float) -> bool:
    """Whether the analytics reading on show comes from a poll that began after ``moment``."""
    ended = metrics.get("openrouter_last_success_timestamp_seconds", endpoint="analytics")
    took = metrics.get("openrouter_poll_duration_seconds", endpoint="analytics")
    return ended is not None and took is not None and ended - took > moment


def wait_for_poll_after(exporter: ExporterProcess, moment: float) -> Metrics:
    return exporter.wait_for_metrics(
        lambda m: poll_started_after(m, moment), 30, "an analytics poll started after the change"
    )


def todays_sum(metrics: Metrics) -> float:
    return sum(metrics.series(TODAY_SPEND).values())


def assert_no_counter_fell(before: dict[Labels, float], after: dict[Labels, float]) -> None:
    assert before
    for series, value in before.items():
        assert after.get(series, -1.0) >= value - 1e-9, f"{dict(series)} fell"


@pytest.fixture
def exporter(simulator: Simulator, start: StartExporter) -> ExporterProcess:
    process = start(simulator, env=ANALYTICS)
    wait_for_poll_after(process, time.time())
    return process


# Today, and the counters that move today.


def test_a_spend_on_a_model_shows_in_its_counter_and_todays_gauge_at_the_next_poll(
    simulator: Simulator, exporter: ExporterProcess
) -> None:
    before = exporter.metrics()
    spent_at = time.time()
    simulator.engine.spend_on_model(MODEL, 5.0)

    after = wait_for_poll_after(exporter, spent_at)

    assert model_counter(after, MODEL) - model_counter(before, MODEL) == pytest.approx(5.0)
    gauge_before = before.get(TODAY_SPEND, model=MODEL)
    assert gauge_before is not None
    assert after.get(TODAY_SPEND, model=MODEL) == pytest.approx(gauge_before + 5.0)


def test_todays_spend_over_models_is_the_simulators(
    simulator: Simulator, exporter: ExporterProcess
) -> None:
    assert todays_sum(exporter.metrics()) == pytest.approx(
        simulator.engine.state()["usage_today"], abs=MONEY
    )
    spent_at = time.time()
    simulator.engine.spend_on_model("openai/o4-mini", 2.5)
    assert todays_sum(wait_for_poll_after(exporter, spent_at)) == pytest.approx(
        simulator.engine.state()["usage_today"], abs=MONEY
    )


def test_requests_and_tokens_today_stand_beside_the_spend(exporter: ExporterProcess) -> None:
    metrics = exporter.metrics()
    assert (metrics.get("openrouter_model_today_requests", model=MODEL) or 0) > 0
    for kind in ("prompt", "completion"):
        assert (metrics.get("openrouter_model_today_tokens", model=MODEL, type=kind) or 0) > 0
    assert metrics.get("openrouter_up", endpoint="analytics") == 1.0


# Across a UTC midnight, the next /activity and a restart.


def cross_midnight(simulator: Simulator, exporter: ExporterProcess) -> tuple[date, Metrics]:
    """Spend, then move the simulated calendar a day on while /activity lags; returns the
    day that ended and the metrics once analytics has closed it."""
    ended = sim_today(simulator)
    simulator.engine.spend_on_model(MODEL, 3.0)
    simulator.engine.set_quirks(activity_lag_seconds=86_400)  # yesterday not served yet
    moved_at = time.time()
    simulator.engine.advance_days(1)
    metrics = exporter.wait_for_metrics(
        lambda m: (
            poll_started_after(m, moved_at)
            and abs(todays_sum(m) - simulator.engine.state()["usage_today"]) < MONEY
        ),
        30,
        "analytics shows the new day",
    )
    return ended, metrics


def deliver_activity(simulator: Simulator, exporter: ExporterProcess, day: date) -> Metrics:
    simulator.engine.set_quirks(activity_lag_seconds=0)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    return exporter.wait_for_metrics(
        lambda m: m.get("openrouter_activity_latest_day_timestamp_seconds") == midnight,
        30,
        "/activity delivers the day that ended",
    )


def assert_each_model_counts_activity_plus_today(
    metrics: Metrics, simulator: Simulator, ledger_days: dict[tuple[date, str], float]
) -> None:
    today = analytics_by_model(simulator, sim_today(simulator))
    models = {model for _, model in ledger_days} | set(today)
    for model in models:
        expected = sum(v for (_, m), v in ledger_days.items() if m == model)
        expected += today.get(model, 0.0)
        assert model_counter(metrics, model) == pytest.approx(expected, abs=MONEY), model


def test_per_model_counters_stay_continuous_across_midnight_and_the_next_activity(
    simulator: Simulator, exporter: ExporterProcess
) -> None:
    window_before = activity_by_model(activity_rows(simulator))
    start = exporter.metrics()
    ended, at_midnight = cross_midnight(simulator, exporter)
    assert_no_counter_fell(counters(start), counters(at_midnight))
    closed = {(ended, m): v for m, v in analytics_by_model(simulator, ended).items()}
    assert_each_model_counts_activity_plus_today(at_midnight, simulator, window_before | closed)

    delivered = deliver_activity(simulator, exporter, ended)

    assert_no_counter_fell(counters(at_midnight), counters(delivered))
    for model in {m for _, m in closed}:  # the day is not counted twice
        assert model_counter(delivered, model) == pytest.approx(
            model_counter(at_midnight, model), abs=MONEY
        )
    window_after = activity_by_model(activity_rows(simulator))
    assert_each_model_counts_activity_plus_today(delivered, simulator, window_before | window_after)


def test_a_restart_between_midnight_and_the_next_activity_changes_nothing(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "kept"
    first = start(simulator, env=ANALYTICS, state_dir=state)
    wait_for_poll_after(first, time.time())
    ended, at_midnight = cross_midnight(simulator, first)
    first.stop(signal.SIGKILL)

    second = start(simulator, env=ANALYTICS, state_dir=state)
    restarted = wait_for_poll_after(second, time.time())

    assert counters(restarted) == pytest.approx(counters(at_midnight))
    delivered = deliver_activity(simulator, second, ended)
    assert_no_counter_fell(counters(restarted), counters(delivered))
    assert sum(counters(delivered).values()) == pytest.approx(
        sum(counters(restarted).values()), abs=MONEY
    )


# Key x model.


def test_top_pairs_and_other_add_up_to_todays_spend(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator, env={**ANALYTICS, "OPENROUTER_EXPORTER_ANALYTICS_TOP_PAIRS": "3"})
    metrics = wait_for_poll_after(exporter, time.time())
    pairs = metrics.series(PAIR_SPEND)
    others = [v for labels, v in pairs.items() if dict(labels)["key_name"] == "other"]
    assert len(pairs) == 4
    assert len(others) == 1
    assert sum(pairs.values()) == pytest.approx(todays_sum(metrics), abs=MONEY)


def test_pairs_carry_the_key_hash_of_a_unique_name(
    simulator: Simulator, exporter: ExporterProcess
) -> None:
    keys = {k["name"]: k["hash"] for k in simulator.engine.state()["keys"]}
    pair = exporter.metrics().series(PAIR_SPEND, key_name="production-chat", model=MODEL)
    assert [dict(labels)["key_hash"] for labels in pair] == [keys["production-chat"][:12]]


def test_a_repeated_key_name_is_one_series_without_a_hash(
    simulator: Simulator, exporter: ExporterProcess
) -> None:
    twin = simulator.engine.create_key(NewKey(name="production-chat"))
    spent_at = time.time()
    simulator.engine.spend_on_model(MODEL, 4.0, twin["hash"])
    wait_for_poll_after(exporter, spent_at)  # /keys has the twin by then too
    metrics = wait_for_poll_after(exporter, time.time())

    pair = metrics.series(PAIR_SPEND, key_name="production-chat", model=MODEL)
    assert [dict(labels)["key_hash"] for labels in pair] == [""]
    assert next(iter(pair.values())) > 4.0  # both keys' spend, summed


# Without analytics, and when it fails.


def test_without_a_management_key_analytics_is_not_polled(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator, key="inference", env=ANALYTICS)
    metrics = exporter.metrics()
    assert metrics.get("openrouter_up", endpoint="analytics") is None
    assert not metrics.series(TODAY_SPEND)
    assert simulator.engine.call_counts().get("analytics", 0) == 0


@pytest.mark.parametrize("mode", ["http_403", "http_404"])
def test_an_organisation_without_the_analytics_api_is_quiet(
    simulator: Simulator, start: StartExporter, mode: str
) -> None:
    simulator.engine.set_fault("analytics", mode)
    exporter = start(simulator, env=ANALYTICS)
    wait_until(lambda: simulator.engine.call_counts().get("analytics", 0) >= 3, 30, "a few tries")
    metrics = exporter.wait_for_metrics(lambda m: m.series(SPEND_TOTAL) != {}, 30, "activity")
    assert metrics.get("openrouter_up", endpoint="analytics") is None
    assert not metrics.series(TODAY_SPEND)
    errors = metrics.series("openrouter_api_errors_total", endpoint="analytics")
    assert errors
    assert all(value == 0 for value in errors.values())
    lines = [line for line in exporter.log_events() if '"endpoint": "analytics"' in line]
    assert len([line for line in lines if "not available" in line]) == 1, lines
    assert not [line for line in lines if '"level": "info"' not in line]


def test_a_failing_analytics_api_leaves_per_model_data_daily_and_says_so(
    simulator: Simulator, start: StartExporter
) -> None:
    simulator.engine.set_fault("analytics", "http_500")
    exporter = start(simulator, env=ANALYTICS)
    metrics = exporter.wait_for_metrics(
        lambda m: (
            m.get("openrouter_up", endpoint="analytics") == 0.0 and m.series(SPEND_TOTAL) != {}
        ),
        30,
        "analytics down, activity counters up",
    )
    assert not metrics.series(TODAY_SPEND)
    rows = activity_by_model(activity_rows(simulator))
    assert model_counter(metrics, MODEL) == pytest.approx(
        sum(v for (_, m), v in rows.items() if m == MODEL)
    )
    wait_until(lambda: simulator.engine.call_counts().get("analytics", 0) >= 3, 30, "a few tries")
    lines = [line for line in exporter.log_events() if '"endpoint": "analytics"' in line]
    assert len([line for line in lines if "http_" in line]) == 1, lines


def test_a_429_backs_off_for_its_retry_after(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator, env=ANALYTICS)
    wait_for_poll_after(exporter, time.time())
    simulator.engine.set_fault("analytics", "http_429", retry_after=20)
    wait_until(
        lambda: exporter.metrics().get("openrouter_up", endpoint="analytics") == 0.0,
        30,
        "the 429 seen",
    )
    calls = simulator.engine.call_counts()["analytics"]
    keys_calls = simulator.engine.call_counts()["keys"]
    wait_until(
        lambda: simulator.engine.call_counts()["keys"] >= keys_calls + 5, 30, "5 more /keys polls"
    )
    assert simulator.engine.call_counts()["analytics"] == calls
