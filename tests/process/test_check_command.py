"""`openrouter-exporter check` against the simulator: the report and the exit status."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.storage.sqlite_state import StateStore
from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.activity import activity_rows, burn_per_day
from tests.support.exporter import exporter_command


def _run_check(
    sim: Simulator, state_dir: Path, **changes: str | None
) -> subprocess.CompletedProcess[str]:
    """``check`` against ``sim``; ``changes`` set (or, as ``None``, remove) variables."""
    env = {"PATH": os.environ["PATH"], **simulator_env(sim, state_dir)}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
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


def test_unreadable_balance_exits_3_unknown_with_the_reason(
    simulator: Simulator, tmp_path: Path
) -> None:
    simulator.engine.set_fault("credits", "http_500")

    result = _run_check(simulator, tmp_path)

    assert result.returncode == 3, result.stdout + result.stderr
    assert "Status           UNKNOWN" in result.stdout
    assert "balance unknown: /credits failed (http_500)" in result.stdout
    assert "server error" in result.stdout  # the advice, in the report itself


def test_a_rejected_key_exits_3_and_the_report_says_which_key_and_what_to_do(
    simulator: Simulator, tmp_path: Path
) -> None:
    result = _run_check(simulator, tmp_path, OPENROUTER_MANAGEMENT_KEY="sk-or-v1-wrong")

    assert result.returncode == 3, result.stdout + result.stderr
    assert "Status           UNKNOWN" in result.stdout
    assert "none at or near their limit" not in result.stdout
    assert "Keys             unknown: /keys failed (http_401)" in result.stdout
    assert "OpenRouter rejected the management key" in result.stdout
    assert "Create a new key" in result.stdout
    assert "(the management key sha256:" in result.stdout
    assert "sk-or-v1-wrong" not in result.stdout + result.stderr


def test_a_refused_connection_exits_3_and_names_the_base_url_advice(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ["PATH"],
        "OPENROUTER_BASE_URL": f"http://127.0.0.1:{port}/api/v1",
        "OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-anything",
        "OPENROUTER_EXPORTER_STATE_DIR": str(tmp_path),
        "OPENROUTER_EXPORTER_REQUEST_TIMEOUT": "2s",
    }

    result = subprocess.run(
        exporter_command("check"), env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 3, result.stdout + result.stderr
    assert "balance unknown: /credits failed (connection)" in result.stdout
    assert "check the network and base URL" in result.stdout


def test_a_configuration_error_exits_3(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "OPENROUTER_EXPORTER_STATE_DIR": str(tmp_path)}

    result = subprocess.run(
        exporter_command("check"), env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 3
    assert "configuration error" in result.stderr


def test_check_logs_only_warnings_and_errors_by_default(
    simulator: Simulator, tmp_path: Path
) -> None:
    _set_runway(simulator, 40)

    result = _run_check(simulator, tmp_path, OPENROUTER_EXPORTER_LOG_LEVEL=None)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


def test_check_reports_spend_today_and_the_recent_pace_from_the_kept_samples(
    simulator: Simulator, tmp_path: Path
) -> None:
    """A runaway seen in the samples a running exporter left in the state directory:
    $20 in the last ten minutes is $2,880/day, and its runway is the one that counts."""
    balance = _set_runway(simulator, 40)
    total = simulator.engine.state()["total_credits"]
    now = time.time()
    state = StateStore.open(tmp_path)
    for minutes_ago, spent in ((10, 0.0), (5, 10.0)):
        used = total - balance - 20.0 + spent
        state.add_sample("default", Sample(now - minutes_ago * 60, used, total))
    state.close()

    result = _run_check(simulator, tmp_path)

    assert "Spent today      $20.00 since" in result.stdout
    assert "(from the exporter's own samples of /credits)" in result.stdout
    pace = next(line for line in result.stdout.splitlines() if "Spending now" in line)
    assert "FAST: $2,8" in pace  # $20 in a little more than 10 minutes
    assert "/day over the last 10 min" in pace
    assert "recent" in result.stdout
    assert result.returncode == 2, result.stdout  # $balance at $2,880/day: under a day


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
