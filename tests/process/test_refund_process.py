"""A refund (OpenRouter lowering total_usage) never lowers the credits-used counter, across
restarts too: the decrease is counted apart and the balance shows OpenRouter's figure."""

import signal
from pathlib import Path

import httpx
import pytest

from openrouter_simulator import Simulator
from tests.conftest import StartExporter

USED = "openrouter_credits_used_usd_total"
REFUNDED = "openrouter_credits_refunded_usd_total"


def test_a_refund_is_counted_apart_and_the_used_counter_never_falls_across_a_restart(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    state = tmp_path / "kept-state"
    first = start(simulator, state_dir=state)
    before = first.metrics().get(USED)
    assert before is not None
    assert before > 1
    assert first.metrics().get(REFUNDED) == 0

    httpx.post(
        simulator.control_url + "/usage", json={"total_usage": before - 0.43}, timeout=10
    ).raise_for_status()
    refunded = first.wait_for_metrics(
        lambda m: (m.get(REFUNDED) or 0) > 0, 20, "the refund counted"
    )
    assert refunded.get(USED) == pytest.approx(before)
    assert refunded.get(REFUNDED) == pytest.approx(0.43)
    balance = simulator.engine.state()["balance"]
    assert refunded.get("openrouter_balance_usd") == pytest.approx(balance)

    first.stop(signal.SIGKILL)
    second = start(simulator, state_dir=state)
    after = second.metrics()
    assert after.get(USED) == pytest.approx(before)
    assert after.get(REFUNDED) == pytest.approx(0.43)
