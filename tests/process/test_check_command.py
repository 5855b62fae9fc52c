"""`openrouter-exporter check` against the simulator: the report and the exit status."""

import os
import subprocess
from pathlib import Path

import pytest

from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.activity import activity_rows, burn_per_day
from tests.support.exporter import exporter_command


def _run_check(sim: Simulator, state_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], **simulator_env(sim, state_dir)}
    return subprocess.run(
        exporter_command("check"), env=env, capture_output=True, text=True, timeout=60
    )


def _set_runway(sim: Simulator, days: float) -> float:
    """Leave a balance of ``days`` at the fastest of the 7d and 30d burn rates."""
    rows = activity_rows(sim)
    fastest = max(burn_per_day(rows, 7), burn_per_day(rows, 30))
    balance = days * fastest
    sim.engine.set_usage(total_usage=sim.engine.state()["total_credits"] - balance)
    return balance


def test_healthy_account_exits_0_and_shows_the_balance(
    simulator: Simulator, tmp_path: Path
) -> None:
    balance = _set_runway(simulator, 40)

    result = _run_check(simulator, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"${balance:,.2f}" in result.stdout
    assert "Status           OK" in result.stdout
    assert "Top models (30 days)" in result.stdout


def test_runway_below_warning_exits_1_and_names_the_threshold(
    simulator: Simulator, tmp_path: Path
) -> None:
    _set_runway(simulator, 2)

    result = _run_check(simulator, tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Status           WARNING" in result.stdout
    assert "runway 2.0 days" in result.stdout
    assert "below the warning threshold of 3.0 days" in result.stdout


def test_runway_below_critical_exits_2(simulator: Simulator, tmp_path: Path) -> None:
    _set_runway(simulator, 0.5)

    result = _run_check(simulator, tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Status           CRITICAL" in result.stdout
    assert "runway 0.5 days" in result.stdout


def test_negative_balance_exits_2_and_says_requests_fail(
    simulator: Simulator, tmp_path: Path
) -> None:
    simulator.engine.set_usage(total_usage=simulator.engine.state()["total_credits"] + 3)

    result = _run_check(simulator, tmp_path)

    assert result.returncode == 2
    assert "-$3.00" in result.stdout
    assert "requests fail with 402" in result.stdout


def test_unreadable_balance_exits_2(simulator: Simulator, tmp_path: Path) -> None:
    simulator.engine.set_fault("credits", "http_500")

    result = _run_check(simulator, tmp_path)

    assert result.returncode == 2
    assert "balance unavailable: http_500" in result.stdout


def test_keys_near_their_limit_are_listed(simulator: Simulator, tmp_path: Path) -> None:
    _set_runway(simulator, 40)
    near = [
        key
        for key in simulator.engine.state()["keys"]
        if key["limit"] and not key["disabled"] and key["limit_remaining"] <= 0.1 * key["limit"]
    ]
    assert near, "the demo scenario has a key near its limit"

    result = _run_check(simulator, tmp_path)

    assert "Keys needing attention" in result.stdout
    for key in near:
        assert str(key["hash"])[:12] in result.stdout


@pytest.mark.parametrize("window", ["7d", "30d"])
def test_each_activity_window_is_reported(
    simulator: Simulator, tmp_path: Path, window: str
) -> None:
    _set_runway(simulator, 40)
    burn = burn_per_day(activity_rows(simulator), int(window[:-1]))

    result = _run_check(simulator, tmp_path)

    line = next(line for line in result.stdout.splitlines() if line.strip().startswith(window))
    assert f"${burn:,.2f}" in line
