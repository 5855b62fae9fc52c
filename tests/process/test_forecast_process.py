"""The forecast served by the real exporter: the 24h window from persisted samples."""

import time
from pathlib import Path

import pytest

from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.storage.sqlite_state import StateStore
from openrouter_simulator import Simulator
from tests.conftest import StartExporter

HOUR = 3600.0
DAY = 86400.0


def _seed_samples(sim: Simulator, state_dir: Path, rate_per_day: float, hours: float) -> None:
    """Write the samples an exporter would have taken over the last ``hours`` at that rate."""
    totals = sim.engine.state()
    now = time.time()
    store = StateStore.open(state_dir)
    try:
        for minutes_ago in range(int(hours * 60), 0, -10):
            spent_since = rate_per_day * minutes_ago * 60 / DAY
            store.add_sample(
                "default",
                Sample(
                    now - minutes_ago * 60,
                    totals["total_usage"] - spent_since,
                    totals["total_credits"],
                ),
            )
    finally:
        store.close()


def test_24h_window_is_absent_without_an_hour_of_history(
    simulator: Simulator, start: StartExporter
) -> None:
    metrics = start(simulator).metrics()

    assert metrics.get("openrouter_burn_rate_usd_per_day", window="24h") is None
    assert metrics.get("openrouter_days_remaining", window="24h") is None
    assert metrics.get("openrouter_burn_rate_usd_per_day", window="7d") is not None


def test_24h_window_comes_from_persisted_samples(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    _seed_samples(simulator, state, rate_per_day=48.0, hours=2)

    metrics = start(simulator, state_dir=state).metrics()

    burn = metrics.get("openrouter_burn_rate_usd_per_day", window="24h")
    balance = metrics.get("openrouter_balance_usd")
    assert burn is not None
    assert burn == pytest.approx(48.0, rel=0.02)
    assert balance is not None
    assert metrics.get("openrouter_days_remaining", window="24h") == pytest.approx(balance / burn)


def test_top_up_does_not_look_like_negative_spend(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    _seed_samples(simulator, state, rate_per_day=48.0, hours=2)
    exporter = start(simulator, state_dir=state)
    before = exporter.metrics()

    simulator.engine.top_up(500)
    after = exporter.wait_for_metrics(
        lambda m: (
            (m.get("openrouter_balance_usd") or 0)
            > (before.get("openrouter_balance_usd") or 0) + 499
        ),
        timeout=15,
        message="the top-up shows in the balance",
    )

    assert after.get("openrouter_burn_rate_usd_per_day", window="24h") == pytest.approx(
        before.get("openrouter_burn_rate_usd_per_day", window="24h"), rel=0.02
    )
    days_before = before.get("openrouter_days_remaining", window="24h")
    days_after = after.get("openrouter_days_remaining", window="24h")
    assert days_before is not None
    assert days_after is not None
    assert days_after > days_before


def test_zero_burn_means_infinite_days_and_no_exhaustion_time(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    _seed_samples(simulator, state, rate_per_day=0.0, hours=2)

    metrics = start(simulator, state_dir=state).metrics()

    assert metrics.get("openrouter_burn_rate_usd_per_day", window="24h") == 0.0
    assert metrics.get("openrouter_days_remaining", window="24h") == float("inf")
    assert metrics.get("openrouter_exhaustion_timestamp_seconds", window="24h") is None


def test_thresholds_are_exported_per_account(simulator: Simulator, start: StartExporter) -> None:
    metrics = start(
        simulator,
        env={
            "OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS": "5",
            "OPENROUTER_EXPORTER_BALANCE_CRITICAL_USD": "25",
        },
    ).metrics()

    assert metrics.get("openrouter_runway_threshold_days", severity="warning") == 5.0
    assert metrics.get("openrouter_runway_threshold_days", severity="critical") == 1.0
    assert metrics.get("openrouter_balance_threshold_usd", severity="critical") == 25.0
    assert metrics.get("openrouter_balance_threshold_usd", severity="warning") is None
