"""The ``openrouter_limit_*`` families: every wall that refuses requests (the balance, key
limits, workspace budgets, guardrail budgets) in one shape, from the account's limits.

A spend that is not known leaves out the spend, remaining and exhaustion series of that
limit (never a 0); a limit that never resets has no reset series; one that will not be
reached before its reset, or has no spend, has no exhaustion series."""

from collections.abc import Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric

from openrouter_exporter.core.snapshot import AccountSnapshot

LABELS = ["account", "scope", "id", "name", "period", "source"]
_SAME = (
    "labels as openrouter_limit_usd. Refreshed by the exporter's poller, never fetched on scrape."
)
_ABOUT = (
    "scope is credits (the balance), key_limit, workspace, api_key, member, "
    "workspace_default_key or workspace_default_member; period daily, weekly, monthly or "
    "lifetime; source says where the spend comes from: openrouter (OpenRouter's own figure), "
    "analytics_estimate (the Analytics API summed over the period) or key_usage_estimate (the "
    "key's period usage). Refreshed by the exporter's poller, never fetched on scrape."
)


def limit_families(accounts: Sequence[AccountSnapshot]) -> Iterator[Metric]:
    amount = GaugeMetricFamily(
        "openrouter_limit_usd",
        f"A limit that refuses requests once spent, in USD, in its current period; {_ABOUT}",
        labels=LABELS,
    )
    spend = GaugeMetricFamily(
        "openrouter_limit_spend_usd",
        f"Spend counted against the limit in its current period, in USD; absent when "
        f"unknown; {_SAME}",
        labels=LABELS,
    )
    remaining = GaugeMetricFamily(
        "openrouter_limit_remaining_usd",
        "The limit minus its spend, in USD; negative once overshot by in-flight requests; "
        f"absent when the spend is unknown; {_SAME}",
        labels=LABELS,
    )
    reset = GaugeMetricFamily(
        "openrouter_limit_reset_timestamp_seconds",
        "When the limit's period ends and its spend starts again from 0 (Unix time; 00:00 "
        "UTC, weeks on Monday, months on the 1st); absent for a limit that never resets; "
        f"{_SAME}",
        labels=LABELS,
    )
    exhaustion = GaugeMetricFamily(
        "openrouter_limit_exhaustion_timestamp_seconds",
        "When the spend reaches the limit at the period-to-date average rate (Unix time; now "
        "once reached); absent when that is after the reset or there is no spend; "
        f"{_SAME}",
        labels=LABELS,
    )
    for account in accounts:
        for limit in account.limits:
            labels = [
                account.name,
                limit.scope.value,
                limit.id,
                limit.name,
                limit.period.value,
                limit.source.value,
            ]
            amount.add_metric(labels, limit.limit_usd)
            if limit.spend_usd is not None and limit.remaining_usd is not None:
                spend.add_metric(labels, limit.spend_usd)
                remaining.add_metric(labels, limit.remaining_usd)
            if limit.reset_timestamp is not None:
                reset.add_metric(labels, limit.reset_timestamp)
            if limit.exhaustion_timestamp is not None:
                exhaustion.add_metric(labels, limit.exhaustion_timestamp)
    yield from (amount, spend, remaining, reset, exhaustion)
