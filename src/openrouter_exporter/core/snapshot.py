"""Immutable snapshots of what the poller knows, and the store that swaps them atomically.

A scrape renders the current snapshot and never waits for, or triggers, a poll. A reading
that is absent means "never fetched": the collector leaves such series out instead of
inventing a zero. Each poll replaces its account's snapshot once, whole (readings, forecast
and health together), so that no scrape sees figures from two different polls.
"""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

from openrouter_exporter.config.types import Thresholds
from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import ModelTotals, UsageCounter, monotonic_totals
from openrouter_exporter.core.limits import Limit, LimitPeriod
from openrouter_exporter.core.organization import ReportedBudget

_ReadingT = TypeVar("_ReadingT")


@dataclass(frozen=True)
class EndpointHealth:
    up: bool = False
    polled: bool = False
    absent: bool = False  # the account lacks the feature (403/404): neither up nor down
    last_success: float | None = None
    last_duration: float | None = None
    requests: int = 0
    errors: Mapping[str, int] = field(default_factory=dict)
    # While failing: what the last failure means and what to do, naming the key.
    advice: str | None = None


@dataclass(frozen=True)
class CreditsReading:
    total_credits: float
    total_usage: float
    fetched_at: float
    #: The credits-used counter beside OpenRouter's figure; None: equal to ``total_usage``,
    #: no refund seen.
    counter: UsageCounter | None = None

    @property
    def used_total(self) -> float:
        return self.counter.used if self.counter else self.total_usage

    @property
    def refunded_total(self) -> float:
        return self.counter.refunded if self.counter else 0.0

    @property
    def balance(self) -> float:
        return self.total_credits - self.total_usage


@dataclass(frozen=True, slots=True)
class KeyReading:
    key_hash: str
    name: str
    label: str
    workspace_id: str
    limit_reset: str
    disabled: bool
    usage: float | None
    byok_usage: float | None
    limit: float | None
    limit_remaining: float | None
    expires_at: float | None
    # Spend in the current UTC day, week (from Monday) and month; None when not sent.
    usage_daily: float | None = None
    usage_weekly: float | None = None
    usage_monthly: float | None = None
    period_usage: Mapping[LimitPeriod, float] = field(default_factory=dict)  # day, week, month
    period_byok_usage: Mapping[LimitPeriod, float] = field(default_factory=dict)
    include_byok_in_limit: bool = False
    creator_user_id: str | None = None
    # GET /key with an inference key, newer answers: every budget layer, OpenRouter's figures.
    budgets: tuple[ReportedBudget, ...] | None = None


@dataclass(frozen=True)
class ActivitySummary:
    """What the latest ``/activity`` answer says, per model and per completed UTC day."""

    latest_day: date | None
    end_day: date
    daily_spend: Mapping[date, float]
    model_spend: Mapping[str, Mapping[str, float]]  # window -> model -> USD
    cost_per_request: Mapping[str, float]  # model -> USD, last 7 days


@dataclass(frozen=True)
class ActivityReading:
    """What an ``/activity`` poll leaves: the latest answer's summary and the ledger's sums."""

    summary: ActivitySummary
    model_totals: tuple[ModelTotals, ...]


@dataclass(frozen=True)
class WindowForecast:
    window: str
    burn_usd_per_day: float
    days_remaining: float
    exhaustion_timestamp: float | None


@dataclass(frozen=True)
class AccountSnapshot:
    """One account: the latest good reading of each endpoint (by its name), the forecast
    made from them, the thresholds, and the health of each endpoint's polls."""

    name: str
    thresholds: Thresholds
    readings: Mapping[EndpointName, Any] = field(default_factory=dict)
    forecasts: tuple[WindowForecast, ...] = ()
    health: Mapping[EndpointName, EndpointHealth] = field(default_factory=dict)
    limits: tuple[Limit, ...] = ()
    budgets: tuple[BudgetStatus, ...] = ()

    def reading(self, endpoint: EndpointName, kind: type[_ReadingT]) -> _ReadingT | None:
        """The latest good reading of ``endpoint``, or ``None`` if it was never fetched."""
        value = self.readings.get(endpoint)
        return value if isinstance(value, kind) else None

    @property
    def credits(self) -> CreditsReading | None:
        return self.reading(EndpointName.CREDITS, CreditsReading)

    @property
    def keys(self) -> tuple[KeyReading, ...] | None:
        """Every key (``/keys``, management key) or the calling key (``/key``)."""
        return self.reading(EndpointName.KEYS, tuple) or self.reading(EndpointName.KEY, tuple)

    @property
    def activity(self) -> ActivitySummary | None:
        reading = self.reading(EndpointName.ACTIVITY, ActivityReading)
        return reading.summary if reading else None

    @property
    def model_totals(self) -> tuple[ModelTotals, ...] | None:
        """The ledger's per-model sums: ``/activity`` and the Analytics API (today's
        provisional figures) both write the ledger, and both readings carry its sums; the
        ledger only grows, so the higher of each is the latest."""
        found = [
            totals
            for reading in self.readings.values()
            if (totals := getattr(reading, "model_totals", None)) is not None
        ]
        if not found:
            return None
        merged: tuple[ModelTotals, ...] = found[0]
        for totals in found[1:]:
            merged = monotonic_totals(merged, totals)
        return merged


@dataclass(frozen=True)
class Snapshot:
    version: int
    accounts: tuple[AccountSnapshot, ...]
    ready: bool


class SnapshotStore:
    """Holds the current :class:`Snapshot`; updates replace it whole, under a lock, and wake
    whoever waits for a newer version (the exposition cache)."""

    def __init__(self, accounts: list[AccountSnapshot]) -> None:
        self._changed = threading.Condition()
        self._snapshot = Snapshot(version=0, accounts=tuple(accounts), ready=False)

    def current(self) -> Snapshot:
        return self._snapshot

    def account(self, name: str) -> AccountSnapshot:
        for snapshot in self._snapshot.accounts:
            if snapshot.name == name:
                return snapshot
        raise LookupError(name)

    def update(self, account: str, change: Callable[[AccountSnapshot], AccountSnapshot]) -> None:
        """Publish one new version in which ``change`` has replaced the account's snapshot."""
        with self._changed:
            accounts = tuple(
                change(item) if item.name == account else item for item in self._snapshot.accounts
            )
            self._publish(replace(self._snapshot, accounts=accounts))

    def mark_ready(self) -> None:
        with self._changed:
            self._publish(replace(self._snapshot, ready=True))

    def wait_newer(self, version: int, timeout: float) -> Snapshot | None:
        """The current snapshot once its version is past ``version``; ``None`` on timeout."""
        with self._changed:
            if self._changed.wait_for(lambda: self._snapshot.version > version, timeout):
                return self._snapshot
        return None

    def _publish(self, snapshot: Snapshot) -> None:
        self._snapshot = replace(snapshot, version=self._snapshot.version + 1)
        self._changed.notify_all()
