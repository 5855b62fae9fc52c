"""Budgets declared in the config file, served on /metrics from the simulator's figures."""

import os
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.activity import activity_rows, row_day
from tests.support.budgets import budget_config
from tests.support.exporter import exporter_command

_BUDGETS = """\
      - {name: all-monthly, amount_usd: 2000, period: monthly}
      - {name: gpt-weekly, amount_usd: 50, period: weekly, scope: {models: [MODEL]}}
      - {name: key-weekly, amount_usd: 300, period: weekly, scope: {keys: [KEY]}}
      - {name: nobody, amount_usd: 10, period: daily, scope: {keys: [no-such-key]}}
"""


def _keys(sim: Simulator) -> list[dict[str, object]]:
    response = httpx.get(
        f"{sim.base_url}/keys",
        headers={"Authorization": f"Bearer {sim.management_key}"},
        timeout=10,
    )
    response.raise_for_status()
    keys: list[dict[str, object]] = response.json()["data"]
    return keys


def _spend_since(rows: list[dict[str, object]], first: date, model: str | None = None) -> float:
    return sum(
        float(str(row["usage"]))
        for row in rows
        if row_day(row) >= first and (model is None or row["model"] == model)
    )


def test_declared_budgets_are_served_with_the_simulators_spend(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    rows = activity_rows(simulator)
    model = str(rows[0]["model"])
    key = _keys(simulator)[0]
    text = _BUDGETS.replace("MODEL", model).replace("KEY", str(key["name"]))
    config = budget_config(simulator, tmp_path / "exporter.yml", text)
    exporter = start(simulator, key="none", env={"OPENROUTER_EXPORTER_CONFIG": str(config)})
    metrics = exporter.wait_for_metrics(
        lambda m: (
            m.get("openrouter_budget_spend_usd", budget="all-monthly") is not None
            and m.get("openrouter_budget_spend_usd", budget="key-weekly") is not None
        ),
        30,
        "budget spend served",
    )

    today = datetime.now(UTC).date()
    month, week = today.replace(day=1), today - timedelta(days=today.weekday())
    spend = {
        name: metrics.get("openrouter_budget_spend_usd", budget=name)
        for name in ("all-monthly", "gpt-weekly", "key-weekly", "nobody")
    }
    assert spend["all-monthly"] == pytest.approx(_spend_since(rows, month))
    assert spend["gpt-weekly"] == pytest.approx(_spend_since(rows, week, model))
    assert spend["key-weekly"] == pytest.approx(float(str(key["usage_weekly"])))
    assert spend["nobody"] is None
    assert metrics.get("openrouter_budget_limit_usd", budget="all-monthly") == 2000
    assert metrics.get("openrouter_budget_spend_complete", budget="all-monthly") == 1


def test_a_budget_whose_scope_matches_nothing_is_logged_once(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    config = budget_config(
        simulator,
        tmp_path / "exporter.yml",
        "      - {name: nobody, amount_usd: 10, period: daily, scope: {models: [no/such]}}\n",
    )
    exporter = start(simulator, key="none", env={"OPENROUTER_EXPORTER_CONFIG": str(config)})
    exporter.wait_for_metrics(
        lambda m: m.get("openrouter_up", endpoint="activity") == 1, 30, "/activity polled"
    )
    exporter.wait_for_metrics(
        lambda m: (m.get("openrouter_api_requests_total", endpoint="credits") or 0) >= 3,
        30,
        "a few more polls",
    )
    warnings = [line for line in exporter.log_events() if "budget scope matches no" in line]
    assert len(warnings) == 1, warnings


def test_check_warns_of_a_budget_forecast_over_its_amount(
    simulator: Simulator, tmp_path: Path
) -> None:
    rows = activity_rows(simulator)
    credits = simulator.engine.state()["total_credits"]
    simulator.engine.set_usage(total_usage=credits / 100)  # a long runway: only the budget
    today = datetime.now(UTC).date()
    amount = round(_spend_since(rows, today.replace(day=1)) + 0.01, 2)
    config = budget_config(
        simulator,
        tmp_path / "exporter.yml",
        f"      - {{name: tight, amount_usd: {amount}, period: monthly}}\n",
    )
    env = {
        "PATH": os.environ["PATH"],
        "OPENROUTER_EXPORTER_CONFIG": str(config),
        "OPENROUTER_EXPORTER_STATE_DIR": str(tmp_path / "state"),
        "OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": "0",
    }
    result = subprocess.run(
        exporter_command("check"), env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "monthly budget tight is forecast at" in result.stdout
    assert f"over its ${amount:,.2f}" in result.stdout
    assert "  Budgets\n    tight                monthly   spent $" in result.stdout
