"""Render a :class:`Snapshot` as Prometheus metric families. No I/O, no global metrics.

Each endpoint definition renders the families of its own readings; this module adds the
forecast, the thresholds, the health of every endpoint and the build info.

Exposition for one account with one key and one model (abridged)::

    openrouter_credits_purchased_usd{account="a"} 300.0
    openrouter_credits_used_usd_total{account="a"} 60.74
    openrouter_balance_usd{account="a"} 239.26
    openrouter_key_info{account="a",key_hash="f01d…",key_name="prod",key_label="sk-or-v1-a...9ee",
                        workspace_id="",limit_reset="monthly"} 1.0
    openrouter_key_usage_usd_total{account="a",key_hash="f01d…",key_name="prod"} 25.5
    openrouter_model_spend_usd_total{account="a",model="openai/gpt-4.1",provider="OpenAI"} 42.0
    openrouter_model_window_spend_usd{account="a",model="openai/gpt-4.1",window="7d"} 9.8
    openrouter_burn_rate_usd_per_day{account="a",window="7d"} 1.4
    openrouter_days_remaining{account="a",window="7d"} 170.9
    openrouter_runway_threshold_days{account="a",severity="warning"} 3.0
    openrouter_up{account="a",endpoint="credits"} 1.0
    openrouter_exporter_build_info{python_version="3.11.7",revision="37243bf…",version="0.1.0"} 1.0

A value never fetched is left out; a value fetched before keeps its last good reading while
``openrouter_up`` says whether the latest poll worked.
"""

import platform
from collections.abc import Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from openrouter_exporter import __version__
from openrouter_exporter.core.snapshot import AccountSnapshot, Snapshot, SnapshotStore
from openrouter_exporter.endpoints import ENDPOINTS
from openrouter_exporter.endpoints.base import POLLED
from openrouter_exporter.openrouter.client import KNOWN_ERROR_REASONS
from openrouter_exporter.serving.budget_families import budget_families
from openrouter_exporter.serving.limit_families import limit_families
from openrouter_exporter.serving.revision import installed_revision

# Every value of the ``reason`` label: the client's, then the endpoints' own.
ERROR_REASONS = (
    "http_<status>",
    *(reason for reason in KNOWN_ERROR_REASONS if not reason.startswith("http_")),
    *dict.fromkeys(reason for endpoint in ENDPOINTS for reason in endpoint.own_error_reasons),
)


class SnapshotCollector(Collector):
    def __init__(self, store: SnapshotStore) -> None:
        self._store = store

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        yield from render(self._store.current())


def render(snapshot: Snapshot) -> Iterator[Metric]:
    accounts = snapshot.accounts
    for endpoint in ENDPOINTS:
        yield from endpoint.families(accounts)
    yield from _forecast_families(accounts)
    yield from budget_families(accounts)
    yield from limit_families(accounts)
    yield from _health_families(accounts)
    build = GaugeMetricFamily(
        "openrouter_exporter_build_info",
        "Version of the exporter, the git commit it was built from and the Python it runs "
        "on; always 1.",
        labels=["version", "revision", "python_version"],
    )
    build.add_metric([__version__, installed_revision(), platform.python_version()], 1.0)
    yield build


def _forecast_families(accounts: Iterable[AccountSnapshot]) -> Iterator[Metric]:
    windows = (
        "window=24h from the exporter's own persisted samples of credits used (needs 1h of "
        "history); 7d and 30d from completed UTC days of OpenRouter /activity"
    )
    burn = GaugeMetricFamily(
        "openrouter_burn_rate_usd_per_day",
        f"Spend rate in USD per day; {windows}. {POLLED}",
        labels=["account", "window"],
    )
    days = GaugeMetricFamily(
        "openrouter_days_remaining",
        "Balance divided by the burn rate of the window, in days; +Inf at zero burn, 0 when "
        f"the balance is at or below zero. {POLLED}",
        labels=["account", "window"],
    )
    exhaustion = GaugeMetricFamily(
        "openrouter_exhaustion_timestamp_seconds",
        "When the balance reaches zero at the window's burn rate (Unix time); absent at zero "
        f"burn. {POLLED}",
        labels=["account", "window"],
    )
    runway = GaugeMetricFamily(
        "openrouter_runway_threshold_days",
        "Runway alert threshold in days from the exporter's configuration; alert rules compare "
        "openrouter_days_remaining against it.",
        labels=["account", "severity"],
    )
    floor = GaugeMetricFamily(
        "openrouter_balance_threshold_usd",
        "Balance floor in USD from the exporter's configuration; absent when not configured.",
        labels=["account", "severity"],
    )
    for account in accounts:
        for item in account.forecasts:
            labels = [account.name, item.window]
            burn.add_metric(labels, item.burn_usd_per_day)
            days.add_metric(labels, item.days_remaining)
            if item.exhaustion_timestamp is not None:
                exhaustion.add_metric(labels, item.exhaustion_timestamp)
        thresholds = account.thresholds
        runway.add_metric([account.name, "warning"], thresholds.runway_warning_days)
        runway.add_metric([account.name, "critical"], thresholds.runway_critical_days)
        if thresholds.balance_warning_usd is not None:
            floor.add_metric([account.name, "warning"], thresholds.balance_warning_usd)
        if thresholds.balance_critical_usd is not None:
            floor.add_metric([account.name, "critical"], thresholds.balance_critical_usd)
    yield from (burn, days, exhaustion, runway, floor)


def _health_families(accounts: Iterable[AccountSnapshot]) -> Iterator[Metric]:
    up = GaugeMetricFamily(
        "openrouter_up",
        "1 when the exporter's latest poll of the OpenRouter endpoint succeeded, else 0.",
        labels=["account", "endpoint"],
    )
    last_success = GaugeMetricFamily(
        "openrouter_last_success_timestamp_seconds",
        "When the latest successful poll of the OpenRouter endpoint finished (Unix time).",
        labels=["account", "endpoint"],
    )
    duration = GaugeMetricFamily(
        "openrouter_poll_duration_seconds",
        "How long the latest poll of the OpenRouter endpoint took, all pages included.",
        labels=["account", "endpoint"],
    )
    requests = CounterMetricFamily(
        "openrouter_api_requests",
        "HTTP requests the exporter's poller sent to the OpenRouter endpoint, pages included.",
        labels=["account", "endpoint"],
    )
    errors = CounterMetricFamily(
        "openrouter_api_errors",
        f"Failed polls of the OpenRouter endpoint, by reason ({', '.join(ERROR_REASONS)}).",
        labels=["account", "endpoint", "reason"],
    )
    for account in accounts:
        for endpoint, health in account.health.items():
            labels = [account.name, endpoint]
            if health.polled:
                up.add_metric(labels, 1.0 if health.up else 0.0)
            if health.last_success is not None:
                last_success.add_metric(labels, health.last_success)
            if health.last_duration is not None:
                duration.add_metric(labels, health.last_duration)
            requests.add_metric(labels, float(health.requests))
            for reason, count in sorted(health.errors.items()):
                errors.add_metric([*labels, reason], float(count))
    yield from (up, last_success, duration, requests, errors)
