"""End to end: a key whose monthly limit will be reached within hours raises the limit
warning, and the status page and /status.json name it as what stops requests first.

The demo account's key "nightly-evals" has a monthly limit with $0.40 left at start and
spends about $2.50 a day: its limit is reached within hours, days before the balance runs
out. The real exporter polls the simulator (at speed 1) with a management key, a real
Prometheus evaluates the shipped rules, a real Alertmanager with the example configuration
sends to a webhook. Poll, scrape and evaluation run every second; the warning's `for` (5m)
runs in full.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.exporter import start_exporter
from tests.support.prometheus import alerting_stack

pytestmark = pytest.mark.timeout(900)

ALERT = "OpenRouterLimitReachedSoon"
KEY = "nightly-evals"
GRAFANA_URL = "https://grafana.example.com"


def next_month_utc(now: datetime) -> str:
    """The monthly reset after ``now`` as Prometheus' humanizeTimestamp writes it."""
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return f"{year:04d}-{month:02d}-01 00:00:00 +0000 UTC"


def test_a_key_on_a_monthly_limit_reached_within_hours_warns_and_is_the_first_limit(
    simulator: Simulator, tmp_path: Path
) -> None:
    simulator.engine.set_speed(1)
    exporter = start_exporter(
        [], simulator_env(simulator, tmp_path / "state"), tmp_path / "exporter.log"
    )
    with (
        exporter,
        alerting_stack(
            tmp_path, exporter.url, external_labels={"grafana_url": GRAFANA_URL}
        ) as stack,
    ):
        prometheus, webhook = stack.prometheus, stack.webhook
        prometheus.wait_for_targets_up(timeout=30)
        projected = (
            f'openrouter_limit_exhaustion_timestamp_seconds{{scope="key_limit",name="{KEY}"}}'
        )
        prometheus.wait_for_query(f"{projected} - time() < 86400", timeout=60)
        (series,) = prometheus.query(projected)
        key_hash = series.labels["id"]

        note = webhook.wait_for_alert(ALERT, timeout=600, severity="warning", name=KEY)

        alert = next(
            a
            for a in note["alerts"]
            if a["labels"]["alertname"] == ALERT and a["labels"]["name"] == KEY
        )
        labels, annotations = alert["labels"], alert["annotations"]
        assert (labels["scope"], labels["id"], labels["period"]) == (
            "key_limit",
            key_hash,
            "monthly",
        )
        assert note["receiver"] == "chat"
        summary = annotations["summary"]
        assert summary.startswith(f"default: key {KEY}'s monthly limit will be reached in "), (
            summary
        )
        assert "(00:00 UTC)" not in annotations["description"]
        assert annotations["description"].endswith(
            f"Resets: {next_month_utc(datetime.now(UTC))}."
        ), annotations["description"]
        assert annotations["dashboard_url"].startswith(f"{GRAFANA_URL}/d/openrouter-overview")

        first = exporter.get("/status.json").json()["accounts"][0]["first_limit"]
        assert (first["scope"], first["id"], first["name"], first["period"]) == (
            "key_limit",
            key_hash,
            KEY,
            "monthly",
        )
        assert first["exhaustion"] is not None
        assert 0 < first["remaining_usd"] < 1
        page = exporter.get("/").text
        card = page[page.index("What stops requests first") :]
        assert card.index(f"key {KEY}&#x27;s monthly limit") < card.index("the balance")
