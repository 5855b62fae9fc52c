"""Every wall that refuses requests, in one shape: the balance, a key's own limit, a
workspace budget and the guardrail budgets (issue "what stops requests first").

A :class:`Limit` is what the exporter knows of one wall in its current period: the amount,
the spend counted against it (OpenRouter's own figure or an estimate, and from which
source), when the period resets and when the spend is projected to reach the amount. The
order in which they will stop requests is :func:`in_order_of_exhaustion`.
"""

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass


class LimitScope(enum.StrEnum):
    CREDITS = "credits"
    KEY_LIMIT = "key_limit"
    WORKSPACE = "workspace"
    API_KEY = "api_key"
    MEMBER = "member"
    WORKSPACE_DEFAULT_KEY = "workspace_default_key"
    WORKSPACE_DEFAULT_MEMBER = "workspace_default_member"


class LimitPeriod(enum.StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    LIFETIME = "lifetime"


class SpendSource(enum.StrEnum):
    """Where the spend against a limit comes from; fixed per limit, so series don't churn."""

    OPENROUTER = "openrouter"  # OpenRouter's own figure (/credits, /keys, /key budgets[])
    ANALYTICS = "analytics_estimate"  # the Analytics API summed over the period
    KEY_USAGE = "key_usage_estimate"  # a key's usage_daily/weekly/monthly


@dataclass(frozen=True)
class Limit:
    """One wall in its current period. ``spend_usd`` is ``None`` while unknown (never 0)."""

    scope: LimitScope
    id: str
    name: str
    period: LimitPeriod
    limit_usd: float
    spend_usd: float | None
    source: SpendSource
    reset_timestamp: float | None  # None: never resets (lifetime, the balance)
    exhaustion_timestamp: float | None  # None: not before the reset, or no spend

    @property
    def remaining_usd(self) -> float | None:
        """May be negative: in-flight requests overshoot a limit."""
        return None if self.spend_usd is None else self.limit_usd - self.spend_usd


def in_order_of_exhaustion(limits: Iterable[Limit]) -> tuple[Limit, ...]:
    """The walls in the order they will stop requests: those already reached first, then
    by projected exhaustion, then those with no projection by the share left."""

    def key(limit: Limit) -> tuple[float, float]:
        remaining = limit.remaining_usd
        if remaining is not None and remaining <= 0:
            return (-math.inf, remaining)
        when = limit.exhaustion_timestamp if limit.exhaustion_timestamp is not None else math.inf
        share = remaining / limit.limit_usd if remaining is not None and limit.limit_usd else 1.0
        return (when, share)

    return tuple(sorted(limits, key=key))
