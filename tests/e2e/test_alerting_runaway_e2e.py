"""End to end: a runaway key pages within minutes, and the page names the key.

The simulator spends at its normal rate (speed 1, the demo account: about $15/day, $55
left), then one key starts spending 50 times the account's rate on one model. The real
exporter polls it, a real Prometheus evaluates the shipped rules, a real Alertmanager with
the example configuration sends to a webhook. Poll, scrape and evaluation run every second
and Alertmanager's group timers are one second; the rules are the shipped ones, so their
windows (30m/5m) and `for` (2m) run in real minutes: the measured delay is what a
production setup sees, plus its poll (60s), scrape and evaluation intervals and
Alertmanager's group_wait (30s).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.exporter import start_exporter
from tests.support.prometheus import alerting_stack

pytestmark = pytest.mark.timeout(1200)

BURN = "OpenRouterCreditsBurningFast"
KEY_ALERT = "OpenRouterKeySpendRunaway"
FACTOR = 50
MODEL = "anthropic/claude-sonnet-4"
PAGE_WITHIN_SECONDS = 15 * 60  # the target for 50x


def test_a_50x_runaway_pages_within_minutes_naming_the_key(
    simulator: Simulator, tmp_path: Path
) -> None:
    key = next(
        k
        for k in simulator.engine.state()["keys"]
        if k["limit"] is None and not k["disabled"] and not k["expired"]
    )
    simulator.engine.set_speed(1)
    exporter = start_exporter(
        [], simulator_env(simulator, tmp_path / "state"), tmp_path / "exporter.log"
    )
    with exporter, alerting_stack(tmp_path, exporter.url) as stack:
        prometheus, webhook = stack.prometheus, stack.webhook
        prometheus.wait_for_targets_up(timeout=30)
        prometheus.wait_for_query('openrouter_burn_rate_usd_per_day{window="7d"} > 0', timeout=60)
        prometheus.wait_for_query(
            "account:openrouter_credits_spend_usd_per_second:rate5m > 0", timeout=60
        )

        (info,) = prometheus.query(f'openrouter_key_info{{key_name="{key["name"]}"}}')
        key_hash = info.labels["key_hash"]  # the exporter's label for the key
        assert prometheus.alerts(BURN) == [], "nothing burns at the normal rate"
        started = time.time()
        simulator.engine.start_runaway(key["hash"], MODEL, FACTOR)
        page = webhook.wait_for_alert(
            BURN, timeout=PAGE_WITHIN_SECONDS, severity="critical", account="default"
        )
        delay = time.time() - started
        named = webhook.wait_for_alert(KEY_ALERT, timeout=180, account="default")
        key_delay = time.time() - started
        print(
            f"\n{FACTOR}x runaway: critical page {delay:.0f}s ({delay / 60:.1f} min) after its"
            f" start; the key named by {KEY_ALERT} after {key_delay:.0f}s"
        )

        alert = next(
            a
            for a in page["alerts"]
            if a["labels"]["alertname"] == BURN and a["labels"]["severity"] == "critical"
        )
        assert page["receiver"] == "pager"
        description = alert["annotations"]["description"]
        top_keys = description.split("Top keys (30m):")[1]
        assert top_keys.lstrip().startswith(f"{key['name']} $"), description
        assert alert["annotations"]["runbook"] == "docs/runbooks.md#openroutercreditsburningfast"
        key_alert = next(a for a in named["alerts"] if a["labels"]["alertname"] == KEY_ALERT)
        assert (key_alert["labels"]["key_hash"], key_alert["labels"]["key_name"]) == (
            key_hash,
            key["name"],
        )
        assert simulator.engine.state()["balance"] > 0, "paged before the credits ran out"
