"""End to end: OpenRouter lowers total_usage (a refund) and nothing pages.

A real exporter polls the simulator (speed 1, the demo account), a real Prometheus with the
shipped rules scrapes it every second. Once the spend-rate recording rules have data, the
simulator's total_usage falls by $0.50: the refunds counter moves, the spend counter does not
fall, so no recorded rate jumps and OpenRouterCreditsBurningFast is not even pending. (When
the exporter published the lower figure, Prometheus read a counter reset and the 5-minute
rate jumped to hundreds of thousands of dollars a day.)
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.exporter import start_exporter, wait_until
from tests.support.prometheus import PrometheusServer, alerting_stack

pytestmark = pytest.mark.timeout(300)

RATE = "account:openrouter_credits_spend_usd_per_second:rate5m"
REFUND_USD = 0.5


def _evaluated_since(prometheus: PrometheusServer, since: float) -> bool:
    return all(
        datetime.fromisoformat(group["lastEvaluation"]).timestamp() > since
        for group in prometheus.rule_groups()
    )


def test_a_refund_neither_pages_nor_moves_the_recorded_spend_rate(
    simulator: Simulator, tmp_path: Path
) -> None:
    simulator.engine.set_speed(1)
    exporter = start_exporter(
        [], simulator_env(simulator, tmp_path / "state"), tmp_path / "exporter.log"
    )
    with exporter, alerting_stack(tmp_path, exporter.url) as stack:
        prometheus = stack.prometheus
        prometheus.wait_for_targets_up(timeout=30)
        prometheus.wait_for_query(f"{RATE} > 0", timeout=60)
        usual = prometheus.query_value(f"max_over_time({RATE}[1m])")
        assert usual is not None

        usage = simulator.engine.state()["total_usage"]
        httpx.post(
            simulator.control_url + "/usage", json={"total_usage": usage - REFUND_USD}, timeout=10
        ).raise_for_status()
        prometheus.wait_for_query("openrouter_credits_refunded_usd_total > 0", timeout=30)
        seen = time.time()
        wait_until(lambda: _evaluated_since(prometheus, seen + 2), 30, "rules evaluated since")

        highest = prometheus.query_value(f"max_over_time({RATE}[1m])")
        assert highest is not None
        assert highest < 3 * usual, (usual, highest)
        assert prometheus.alerts("OpenRouterCreditsBurningFast") == []
        assert prometheus.alerts("OpenRouterSpendSpike") == []
        refunded = prometheus.query_value("openrouter_credits_refunded_usd_total")
        assert refunded == pytest.approx(REFUND_USD, abs=0.05)
