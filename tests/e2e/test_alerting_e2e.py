"""End to end: the shipped rules page through a real Alertmanager while credits drain.

Real Prometheus and Alertmanager (Debian's packages) on loopback, the shipped rule file and
the example Alertmanager configuration with its receivers pointed at a webhook written for
the test. The intervals are short (poll, scrape and evaluation every second, Alertmanager
group timers of one second); the rules are the shipped ones, unchanged, so every `for:`
is served in full and the measured delays are honest.
"""

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.activity import activity_rows, burn_per_day
from tests.support.exporter import start_exporter
from tests.support.prometheus import alerting_stack

pytestmark = pytest.mark.timeout(900)

RUNWAY = "OpenRouterCreditsRunwayLow"
FOR_SECONDS = 300.0  # the shipped `for:` of the runway rules
START_DAYS = 3.4  # runway at the start: healthy, just above the 3-day warning
STOP_DAYS = 0.6  # freeze the drain here: below the 1-day critical, short of zero
DRAIN_SECONDS = 50.0  # from START_DAYS to STOP_DAYS
GRAFANA_URL = "https://grafana.example.com"  # Prometheus' external label grafana_url


@dataclass
class Crossings:
    """When the simulated runway (balance over the 7-day burn rate) fell below each level."""

    burn_7d: float
    times: dict[float, float] = field(default_factory=dict)


def _watch_drain(sim: Simulator, crossings: Crossings, stop: threading.Event) -> None:
    while not stop.is_set():
        runway = sim.engine.state()["balance"] / crossings.burn_7d
        now = time.time()
        for level in (3.0, 1.0):
            if runway < level and level not in crossings.times:
                crossings.times[level] = now
        if runway <= STOP_DAYS:
            sim.engine.set_speed(0)
            return
        time.sleep(0.05)


def test_runway_warning_then_critical_page_before_the_credits_run_out_and_resolve_on_top_up(
    simulator: Simulator, tmp_path: Path
) -> None:
    burn_7d = burn_per_day(activity_rows(simulator), 7)
    credits = simulator.engine.state()["total_credits"]
    simulator.engine.set_usage(total_usage=credits - START_DAYS * burn_7d)
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
        prometheus.wait_for_query('openrouter_days_remaining{window="7d"} > 3', timeout=30)

        # Drain at a constant simulated speed from 3.4 days of runway to 0.6.
        rate_now = simulator.engine.state()["current_rate_per_day"] or burn_7d
        spend = (START_DAYS - STOP_DAYS) * burn_7d
        crossings = Crossings(burn_7d)
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_drain, args=(simulator, crossings, stop))
        simulator.engine.set_speed(spend / rate_now * 86400 / DRAIN_SECONDS)
        watcher.start()
        try:
            warning = webhook.wait_for_alert(
                RUNWAY, timeout=FOR_SECONDS + 240, severity="warning", account="default"
            )
            warning_at = time.time()
            critical = webhook.wait_for_alert(
                RUNWAY, timeout=FOR_SECONDS + 240, severity="critical", account="default"
            )
            critical_at = time.time()
        finally:
            stop.set()
            watcher.join(timeout=10)
        assert simulator.engine.state()["balance"] > 0, "the pages came before the credits ran out"

        warning_delay = warning_at - crossings.times[3.0]
        critical_delay = critical_at - crossings.times[1.0]
        print(
            f"\nrunway warning notified {warning_delay:.1f}s after the simulated crossing of "
            f"3 days; critical {critical_delay:.1f}s after the crossing of 1 day "
            f"(rules hold for {FOR_SECONDS:.0f}s)"
        )
        assert warning_delay >= FOR_SECONDS - 5
        assert critical_delay >= FOR_SECONDS - 5
        assert critical_at > warning_at

        for note, severity in ((warning, "warning"), (critical, "critical")):
            alert = next(
                item
                for item in note["alerts"]
                if item["labels"]["alertname"] == RUNWAY and item["status"] == "firing"
            )
            assert alert["labels"]["severity"] == severity
            assert alert["labels"]["account"] == "default"
            summary = alert["annotations"]["summary"]
            days = re.fullmatch(r"default: (\d+\.\d) days of credits left .*", summary)
            assert days, summary
            assert float(days.group(1)) < (3.0 if severity == "warning" else 1.0)
            assert alert["annotations"]["runbook"] == "docs/runbooks.md#openroutercreditsrunwaylow"
            assert alert["annotations"]["dashboard_url"] == (
                f"{GRAFANA_URL}/d/openrouter-overview?var-account=default"
            )

        topped_up_at = time.time()
        simulator.engine.top_up(100 * burn_7d)
        webhook.wait_for_alert(
            RUNWAY, timeout=120, status="resolved", severity="critical", account="default"
        )
        print(f"resolved notification {time.time() - topped_up_at:.1f}s after the top-up")
