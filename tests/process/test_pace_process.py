"""Now and today on the status page, from the real exporter process, under the simulator's
runaway control: the pace of the last hour or so, and what was spent today."""

from typing import Any

import pytest

from openrouter_exporter.core.pace import RECENT_MIN_SPAN
from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.exporter import ExporterProcess, wait_until

MODEL = "anthropic/claude-sonnet-4"
FACTOR = 50
WITHIN_SECONDS = 60  # the promise: the page says so within a minute


def _account(exporter: ExporterProcess) -> dict[str, Any]:
    account: dict[str, Any] = exporter.get("/status.json").json()["accounts"][0]
    return account


def test_the_page_says_the_money_is_going_fast_within_a_minute_of_a_runaway(
    simulator: Simulator, start: StartExporter
) -> None:
    simulator.engine.set_speed(1)
    exporter = start(simulator)
    wait_until(
        lambda: _account(exporter)["recent"] is not None,
        RECENT_MIN_SPAN + 30,
        "the recent pace is measured",
    )
    assert not _account(exporter)["recent"]["fast"], "the normal rate is not fast"
    assert "The money is going fast" not in exporter.get("/").text
    key = next(
        k
        for k in simulator.engine.state()["keys"]
        if k["limit"] is None and not k["disabled"] and not k["expired"]
    )

    simulator.engine.start_runaway(key["hash"], MODEL, FACTOR)

    wait_until(
        lambda: "The money is going fast" in exporter.get("/").text,
        WITHIN_SECONDS,
        "the page says the money is going fast",
    )
    page = exporter.get("/").text
    assert "at this pace the credits run out" in page
    recent = _account(exporter)["recent"]
    assert recent["fast"]
    assert recent["shortest"]
    assert recent["exhaustion_at"] is not None
    assert 'class="runway recent"' in page  # the recent pace's runway, marked as such


def test_the_page_shows_the_spend_today_by_the_analytics_api_with_its_age(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator, env={"OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": "1s"})
    wait_until(
        lambda: (_account(exporter)["today"] or {}).get("source") == "analytics",
        30,
        "today's spend comes from the Analytics API",
    )

    today = _account(exporter)["today"]
    per_model = exporter.metrics().series("openrouter_model_today_spend_usd")
    page = exporter.get("/").text
    assert today["spend_usd"] > 0
    assert today["spend_usd"] == pytest.approx(sum(per_model.values()))  # as the gauges
    assert "today</small>" in page
    assert "(Analytics API, read" in page
