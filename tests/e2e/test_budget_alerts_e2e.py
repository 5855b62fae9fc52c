"""End to end: a budget declared in the config file alerts through the shipped rules.

The exporter reads the simulator with a config file declaring a monthly budget smaller
than the month's spend so far; a real Prometheus scrapes it with the shipped rule file and
sends to a real Alertmanager with the example configuration, whose receivers are a webhook.
The rules are unchanged, so the alert's `for:` is served in full.
"""

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.activity import activity_rows, row_day
from tests.support.budgets import budget_config
from tests.support.exporter import start_exporter
from tests.support.prometheus import alerting_stack

pytestmark = pytest.mark.timeout(900)

REACHED = "OpenRouterBudgetThresholdReached"
FOR_SECONDS = 300.0  # the shipped `for:` of the threshold rule


def test_a_budget_spent_past_its_thresholds_notifies_with_its_period_spend_and_days_left(
    simulator: Simulator, tmp_path: Path
) -> None:
    month = datetime.now(UTC).date().replace(day=1)
    spent = sum(
        float(str(row["usage"])) for row in activity_rows(simulator) if row_day(row) >= month
    )
    amount = max(round(spent / 2, 2), 0.01)  # spent 200%, or at least something of $0.01
    config = budget_config(
        simulator,
        tmp_path / "exporter.yml",
        f"      - {{name: llm-monthly, amount_usd: {amount}, period: monthly}}\n",
    )
    environment = simulator_env(simulator, tmp_path / "state", key="none")
    environment["OPENROUTER_EXPORTER_CONFIG"] = str(config)
    environment["OPENROUTER_EXPORTER_ANALYTICS_INTERVAL"] = "1s"  # today's spend too
    exporter = start_exporter([], environment, tmp_path / "exporter.log")
    with exporter, alerting_stack(tmp_path, exporter.url) as stack:
        prometheus, webhook = stack.prometheus, stack.webhook
        prometheus.wait_for_targets_up(timeout=30)
        prometheus.wait_for_query(
            'openrouter_budget_spend_usd{budget="llm-monthly"} > 0', timeout=60
        )
        started = time.time()
        note = webhook.wait_for_alert(
            REACHED, timeout=FOR_SECONDS + 120, budget="llm-monthly", percent="100"
        )
        delay = time.time() - started
        print(f"\n{REACHED} notified {delay:.0f}s after the spend was scraped")

    alert = next(a for a in note["alerts"] if a["labels"].get("percent") == "100")
    assert alert["labels"]["basis"] == "actual"
    assert alert["labels"]["severity"] == "warning"
    summary = alert["annotations"]["summary"]
    assert re.fullmatch(
        rf"default: budget llm-monthly has spent \$\d+\.\d\d of \${amount:.2f} \(100% threshold\)",
        summary,
    ), summary
    description = alert["annotations"]["description"]
    assert description.startswith(
        f"Budget llm-monthly of account default (monthly, ${amount:.2f}) has reached its 100% "
        "threshold: $"
    ), description
    assert re.search(r"\(\d{4}-\d\d-01 00:00:00 \+0000 UTC, \d+\.\d days left\)\.$", description)
