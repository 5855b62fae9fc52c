"""``GET /activity`` (management key): per-model spend of the last 30 completed UTC days,
added to the exporter's ledger; feeds the 7d and 30d burn rates."""

import asyncio
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, time, timedelta

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from openrouter_exporter.config.types import AccountConfig, ExporterConfig
from openrouter_exporter.core.activity_windows import ACTIVITY_WINDOW_DAYS, summarize
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import LedgerAmounts, LedgerRow, monotonic_totals
from openrouter_exporter.core.snapshot import AccountSnapshot, ActivityReading
from openrouter_exporter.endpoints.base import POLLED, Endpoint, Poll
from openrouter_exporter.openrouter.client import ErrorKind, FetchError
from openrouter_exporter.openrouter.models import ActivityRow

_MODEL_LABELS = ["account", "model", "provider"]


class Activity(Endpoint):
    name = EndpointName.ACTIVITY
    feeds_forecast = True

    def applies(self, account: AccountConfig) -> bool:
        return account.management_key is not None

    def interval(self, config: ExporterConfig) -> float:
        return config.activity_interval

    async def poll(self, poll: Poll) -> ActivityReading:
        account = poll.account.name
        rows = await poll.client.activity(poll.count_request)
        today = datetime.now(UTC).date()
        window_start = today - timedelta(days=ACTIVITY_WINDOW_DAYS)
        if not rows and await asyncio.to_thread(poll.state.has_spend_since, account, window_start):
            # Completed days do not vanish from the window: an empty answer now is a glitch,
            # and taking it would turn the 7d and 30d burn rates into a false zero.
            raise FetchError(
                ErrorKind.INVALID_RESPONSE,
                "invalid_response",
                "/activity answered no rows although days still in its 30-day window had spend",
            )
        summary = summarize(rows, today)
        # Each ledger row is made as the store reads it: a large account's window is
        # thousands of rows, and a second list of them would only add to the poll's peak.
        ledger = (_ledger_row(row) for row in rows)
        await asyncio.to_thread(poll.state.record_activity, account, ledger, today)
        totals = await asyncio.to_thread(poll.state.model_totals, account)
        return ActivityReading(
            summary=summary,
            model_totals=monotonic_totals(poll.previous.model_totals, totals),
        )

    def families(self, accounts: Sequence[AccountSnapshot]) -> Iterator[Metric]:
        yield from _ledger_families(accounts)
        yield from _window_families(accounts)


def _ledger_families(accounts: Sequence[AccountSnapshot]) -> Iterator[Metric]:
    """The per-model counters: the ledger's sums, one family per column."""
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
            name, f"{what} per model and provider, {ledger}. {POLLED}", labels=_MODEL_LABELS
        )
        for field, (name, what) in counters.items()
    }
    for account in accounts:
        for totals in account.model_totals or ():
            labels = [account.name, totals.model, totals.provider]
            for field, family in families.items():
                family.add_metric(labels, getattr(totals.amounts, field))
    yield from families.values()


def _window_families(accounts: Sequence[AccountSnapshot]) -> Iterator[Metric]:
    """What the latest answer says: spend windows, cost per request, its newest day."""
    window_spend = GaugeMetricFamily(
        "openrouter_model_window_spend_usd",
        "Spend per model over the last N completed UTC days, all providers, in USD, from "
        f"OpenRouter /activity. {POLLED}",
        labels=["account", "model", "window"],
    )
    cost = GaugeMetricFamily(
        "openrouter_model_cost_per_request_usd",
        "Mean cost of one request per model over the last 7 completed UTC days, in USD, "
        f"from OpenRouter /activity. {POLLED}",
        labels=["account", "model"],
    )
    latest = GaugeMetricFamily(
        "openrouter_activity_latest_day_timestamp_seconds",
        "Start (UTC midnight, Unix time) of the newest completed day in OpenRouter "
        f"/activity. {POLLED}",
        labels=["account"],
    )
    for account in accounts:
        activity = account.activity
        if activity is None:
            continue
        for window, spend in activity.model_spend.items():
            for model, amount in spend.items():
                window_spend.add_metric([account.name, model, window], amount)
        for model, amount in activity.cost_per_request.items():
            cost.add_metric([account.name, model], amount)
        if activity.latest_day is not None:
            midnight = datetime.combine(activity.latest_day, time(), tzinfo=UTC)
            latest.add_metric([account.name], midnight.timestamp())
    yield from (window_spend, cost, latest)


def _ledger_row(row: ActivityRow) -> LedgerRow:
    return LedgerRow(
        day=row.date,
        model=row.model,
        provider=row.provider,
        endpoint=row.endpoint,
        amounts=LedgerAmounts(
            spend=row.usage,
            byok_spend=row.byok_usage_inference,
            requests=row.requests,
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            reasoning_tokens=row.reasoning_tokens,
        ),
    )
