"""Render a :class:`Snapshot` as Prometheus metric families. No I/O, no global metrics.

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
from datetime import UTC, datetime, time

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from openrouter_exporter import __version__
from openrouter_exporter.revision import installed_revision
from openrouter_exporter.snapshot import AccountSnapshot, Snapshot, SnapshotStore

_POLLED = "Refreshed by the exporter's poller, never fetched on scrape."
_KEY_LABELS = ["account", "key_hash", "key_name"]
_MODEL_LABELS = ["account", "model", "provider"]


class SnapshotCollector(Collector):
    def __init__(self, store: SnapshotStore) -> None:
        self._store = store

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        yield from render(self._store.current())


def render(snapshot: Snapshot) -> Iterator[Metric]:
    accounts = snapshot.accounts
    yield from _account_families(accounts)
    yield from _key_families(accounts)
    yield from _model_families(accounts)
    yield from _forecast_families(accounts)
    yield from _health_families(accounts)
    build = GaugeMetricFamily(
        "openrouter_exporter_build_info",
        "Version of the exporter, the git commit it was built from and the Python it runs "
        "on; always 1.",
        labels=["version", "revision", "python_version"],
    )
    build.add_metric([__version__, installed_revision(), platform.python_version()], 1.0)
    yield build


def _account_families(accounts: Iterable[AccountSnapshot]) -> Iterator[Metric]:
    purchased = GaugeMetricFamily(
        "openrouter_credits_purchased_usd",
        f"Total credits bought, in USD, from OpenRouter /credits total_credits. {_POLLED}",
        labels=["account"],
    )
    used = CounterMetricFamily(
        "openrouter_credits_used_usd",
        "Total credits used, in USD, from OpenRouter /credits total_usage; rate() is the "
        f"spend rate. {_POLLED}",
        labels=["account"],
    )
    balance = GaugeMetricFamily(
        "openrouter_balance_usd",
        "Credits purchased minus used, in USD, from OpenRouter /credits; negative when usage "
        f"exceeds purchases (requests then fail with 402). {_POLLED}",
        labels=["account"],
    )
    for account in accounts:
        if account.credits is None:
            continue
        purchased.add_metric([account.name], account.credits.total_credits)
        used.add_metric([account.name], account.credits.total_usage)
        balance.add_metric([account.name], account.credits.balance)
    yield from (purchased, used, balance)


def _key_families(accounts: Iterable[AccountSnapshot]) -> Iterator[Metric]:
    source = "from OpenRouter /keys (management key) or /key (inference key)"
    info = GaugeMetricFamily(
        "openrouter_key_info",
        f"One series per API key, value 1, {source}; key_label is OpenRouter's masked key. "
        f"{_POLLED}",
        labels=[*_KEY_LABELS, "key_label", "workspace_id", "limit_reset"],
    )
    usage = CounterMetricFamily(
        "openrouter_key_usage_usd",
        f"All-time spend through the key, in USD, {source}. {_POLLED}",
        labels=_KEY_LABELS,
    )
    byok = CounterMetricFamily(
        "openrouter_key_byok_usage_usd",
        f"All-time bring-your-own-key spend through the key, in USD, {source}. {_POLLED}",
        labels=_KEY_LABELS,
    )
    limit = GaugeMetricFamily(
        "openrouter_key_limit_usd",
        f"Spending limit of the key, in USD; absent when unlimited, {source}. {_POLLED}",
        labels=_KEY_LABELS,
    )
    remaining = GaugeMetricFamily(
        "openrouter_key_limit_remaining_usd",
        f"Limit left on the key, in USD; absent when unlimited, {source}. {_POLLED}",
        labels=_KEY_LABELS,
    )
    disabled = GaugeMetricFamily(
        "openrouter_key_disabled",
        f"1 when the key is disabled, else 0, {source}. {_POLLED}",
        labels=_KEY_LABELS,
    )
    expiry = GaugeMetricFamily(
        "openrouter_key_expiry_timestamp_seconds",
        f"When the key expires (Unix time); absent when it never expires, {source}. {_POLLED}",
        labels=_KEY_LABELS,
    )
    for account in accounts:
        for key in account.keys or ():
            labels = [account.name, key.key_hash, key.name]
            info.add_metric([*labels, key.label, key.workspace_id, key.limit_reset], 1.0)
            if key.usage is not None:
                usage.add_metric(labels, key.usage)
            if key.byok_usage is not None:
                byok.add_metric(labels, key.byok_usage)
            if key.limit is not None:
                limit.add_metric(labels, key.limit)
                if key.limit_remaining is not None:
                    remaining.add_metric(labels, key.limit_remaining)
            disabled.add_metric(labels, 1.0 if key.disabled else 0.0)
            if key.expires_at is not None:
                expiry.add_metric(labels, key.expires_at)
    yield from (info, usage, byok, limit, remaining, disabled, expiry)


def _model_families(accounts: Iterable[AccountSnapshot]) -> Iterator[Metric]:
    ledger = (
        "from the exporter's ledger of OpenRouter /activity rows (completed UTC days; "
        "kept after they leave OpenRouter's 30-day window)"
    )
    counters = {
        "spend": ("openrouter_model_spend_usd", "Spend, in USD,"),
        "byok_spend": ("openrouter_model_byok_spend_usd", "Bring-your-own-key spend, in USD,"),
        "requests": ("openrouter_model_requests", "Requests"),
        "prompt_tokens": ("openrouter_model_prompt_tokens", "Prompt tokens"),
        "completion_tokens": (
            "openrouter_model_completion_tokens",
            "Completion tokens (reasoning tokens included)",
        ),
        "reasoning_tokens": (
            "openrouter_model_reasoning_tokens",
            "Reasoning tokens (already part of completion tokens)",
        ),
    }
    families = {
        field: CounterMetricFamily(
            name, f"{what} per model and provider, {ledger}. {_POLLED}", labels=_MODEL_LABELS
        )
        for field, (name, what) in counters.items()
    }
    window_spend = GaugeMetricFamily(
        "openrouter_model_window_spend_usd",
        "Spend per model over the last N completed UTC days, all providers, in USD, from "
        f"OpenRouter /activity. {_POLLED}",
        labels=["account", "model", "window"],
    )
    cost = GaugeMetricFamily(
        "openrouter_model_cost_per_request_usd",
        "Mean cost of one request per model over the last 7 completed UTC days, in USD, from "
        f"OpenRouter /activity. {_POLLED}",
        labels=["account", "model"],
    )
    latest = GaugeMetricFamily(
        "openrouter_activity_latest_day_timestamp_seconds",
        "Start (UTC midnight, Unix time) of the newest completed day in OpenRouter /activity. "
        f"{_POLLED}",
        labels=["account"],
    )
    for account in accounts:
        for totals in account.model_totals or ():
            labels = [account.name, totals.model, totals.provider]
            for field, family in families.items():
                family.add_metric(labels, getattr(totals, field))
        if account.activity is None:
            continue
        for window, spend in account.activity.model_spend.items():
            for model, amount in spend.items():
                window_spend.add_metric([account.name, model, window], amount)
        for model, amount in account.activity.cost_per_request.items():
            cost.add_metric([account.name, model], amount)
        if account.activity.latest_day is not None:
            midnight = datetime.combine(account.activity.latest_day, time(), tzinfo=UTC)
            latest.add_metric([account.name], midnight.timestamp())
    yield from families.values()
    yield from (window_spend, cost, latest)


def _forecast_families(accounts: Iterable[AccountSnapshot]) -> Iterator[Metric]:
    windows = (
        "window=24h from the exporter's own persisted samples of credits used (needs 1h of "
        "history); 7d and 30d from completed UTC days of OpenRouter /activity"
    )
    burn = GaugeMetricFamily(
        "openrouter_burn_rate_usd_per_day",
        f"Spend rate in USD per day; {windows}. {_POLLED}",
        labels=["account", "window"],
    )
    days = GaugeMetricFamily(
        "openrouter_days_remaining",
        "Balance divided by the burn rate of the window, in days; +Inf at zero burn, 0 when "
        f"the balance is at or below zero. {_POLLED}",
        labels=["account", "window"],
    )
    exhaustion = GaugeMetricFamily(
        "openrouter_exhaustion_timestamp_seconds",
        "When the balance reaches zero at the window's burn rate (Unix time); absent at zero "
        f"burn. {_POLLED}",
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
        "Failed polls of the OpenRouter endpoint, by reason (http_<status>, timeout, "
        "connection, invalid_response, zero_credits, internal).",
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
