"""Counters survive restarts, window slides and revisions; bad state never stops serving."""

import signal
from pathlib import Path

import pytest

from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.activity import (
    activity_rows,
    burn_per_day,
    row_day,
    spend_by_model_provider,
)
from tests.support.exporter import ExporterProcess, Metrics, wait_until

MODEL_COUNTERS = (
    "openrouter_model_spend_usd_total",
    "openrouter_model_byok_spend_usd_total",
    "openrouter_model_requests_total",
    "openrouter_model_prompt_tokens_total",
    "openrouter_model_completion_tokens_total",
    "openrouter_model_reasoning_tokens_total",
)


def _counters(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (name, labels): value
        for name in MODEL_COUNTERS
        for labels, value in metrics.series(name).items()
    }


def _assert_no_counter_fell(
    before: dict[tuple[str, frozenset[tuple[str, str]]], float],
    after: dict[tuple[str, frozenset[tuple[str, str]]], float],
) -> None:
    assert before, "there were counters to compare"
    for series, value in before.items():
        assert series in after, f"{series} vanished"
        assert after[series] >= value, f"{series} fell from {value} to {after[series]}"


def _polled_activity_again(exporter: ExporterProcess, sim: Simulator) -> Metrics:
    calls = sim.engine.call_counts().get("activity", 0)
    wait_until(
        lambda: sim.engine.call_counts().get("activity", 0) >= calls + 2,
        20,
        "two more activity polls",
    )
    return exporter.metrics()


def test_counters_survive_sigkill_and_restart(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "kept-state"
    first = start(simulator, state_dir=state)
    before = _counters(first.metrics())

    first.stop(signal.SIGKILL)
    second = start(simulator, state_dir=state)

    _assert_no_counter_fell(before, _counters(second.metrics()))


def test_days_sliding_out_of_the_window_stay_counted(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "kept-state"
    exporter = start(simulator, state_dir=state)
    before = _counters(exporter.metrics())
    oldest = min(row_day(row) for row in activity_rows(simulator))

    simulator.engine.advance_days(3)
    rows = activity_rows(simulator)
    assert min(row_day(row) for row in rows) > oldest, "the oldest days left the window"
    after_slide = _counters(_polled_activity_again(exporter, simulator))
    exporter.stop(signal.SIGKILL)
    restarted = _counters(start(simulator, state_dir=state).metrics())

    _assert_no_counter_fell(before, after_slide)
    _assert_no_counter_fell(after_slide, restarted)
    window = spend_by_model_provider(rows)
    kept_more = [
        (model, provider)
        for (model, provider), amount in window.items()
        if restarted[
            (
                "openrouter_model_spend_usd_total",
                frozenset({("account", "default"), ("model", model), ("provider", provider)}),
            )
        ]
        > amount + 1e-9
    ]
    assert kept_more, "the counters include days OpenRouter no longer serves"


def test_a_day_revised_down_never_lowers_a_counter(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator)
    rows = activity_rows(simulator)
    day = max(row_day(row) for row in rows)
    model = str(next(row["model"] for row in rows if row_day(row) == day))
    before = exporter.metrics()
    window_before = before.get("openrouter_model_window_spend_usd", model=model, window="30d")

    simulator.engine.revise_day(day.isoformat(), model, 0.5)
    after = _polled_activity_again(exporter, simulator)

    _assert_no_counter_fell(_counters(before), _counters(after))
    window_after = after.get("openrouter_model_window_spend_usd", model=model, window="30d")
    assert window_before is not None
    assert window_after is not None
    assert window_after < window_before, "the windowed gauge shows the revised figure"


def test_a_day_revised_up_raises_the_counter(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator)
    rows = activity_rows(simulator)
    day = max(row_day(row) for row in rows)
    model = str(next(row["model"] for row in rows if row_day(row) == day))
    before = exporter.metrics().series("openrouter_model_spend_usd_total", model=model)

    simulator.engine.revise_day(day.isoformat(), model, 2.0)
    after = _polled_activity_again(exporter, simulator).series(
        "openrouter_model_spend_usd_total", model=model
    )

    assert sum(after.values()) > sum(before.values())


def test_corrupt_state_file_is_moved_aside_and_replaced(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "broken-state"
    state.mkdir()
    (state / "state.sqlite3").write_bytes(b"this is not a database" * 100)

    exporter = start(simulator, state_dir=state)

    assert exporter.metrics().get("openrouter_balance_usd") is not None
    assert list(state.glob("state.sqlite3.broken-*"))
    assert "state file unusable" in exporter.logs()


def test_unwritable_state_dir_runs_without_persistence(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    exporter = start(simulator, state_dir=blocker / "state")

    assert exporter.metrics().get("openrouter_balance_usd") is not None
    assert "running without persistence" in exporter.logs()


@pytest.mark.parametrize("window", ["7d", "30d"])
def test_burn_rate_matches_the_completed_days(
    simulator: Simulator, start: StartExporter, window: str
) -> None:
    expected = burn_per_day(activity_rows(simulator), int(window[:-1]))

    burn = start(simulator).metrics().get("openrouter_burn_rate_usd_per_day", window=window)

    assert burn == pytest.approx(expected)
