"""Immutable snapshots of what the poller knows, and the store that swaps them atomically.

A scrape renders the current snapshot and never waits for, or triggers, a poll. ``None``
everywhere means "never fetched": the collector leaves such series out instead of
inventing a zero.
"""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from openrouter_exporter.config import Thresholds

ENDPOINTS = ("credits", "key", "keys", "activity")
SPEND_WINDOWS = {"1d": 1, "7d": 7, "30d": 30}


@dataclass(frozen=True)
class EndpointHealth:
    up: bool = False
    polled: bool = False
    last_success: float | None = None
    last_duration: float | None = None
    requests: int = 0
    errors: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CreditsReading:
    total_credits: float
    total_usage: float
    fetched_at: float

    @property
    def balance(self) -> float:
        return self.total_credits - self.total_usage


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ModelTotals:
    """Ledger sums for one (model, provider): the per-model counters."""

    model: str
    provider: str
    spend: float
    byok_spend: float
    requests: float
    prompt_tokens: float
    completion_tokens: float
    reasoning_tokens: float


@dataclass(frozen=True)
class ActivitySummary:
    """What the latest ``/activity`` answer says, per model and per completed UTC day."""

    latest_day: date | None
    end_day: date
    daily_spend: Mapping[date, float]
    model_spend: Mapping[str, Mapping[str, float]]  # window -> model -> USD
    cost_per_request: Mapping[str, float]  # model -> USD, last 7 days


@dataclass(frozen=True)
class WindowForecast:
    window: str
    burn_usd_per_day: float
    days_remaining: float
    exhaustion_timestamp: float | None


@dataclass(frozen=True)
class AccountSnapshot:
    name: str
    thresholds: Thresholds
    credits: CreditsReading | None = None
    keys: tuple[KeyReading, ...] | None = None
    activity: ActivitySummary | None = None
    model_totals: tuple[ModelTotals, ...] | None = None
    forecasts: tuple[WindowForecast, ...] = ()
    health: Mapping[str, EndpointHealth] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    version: int
    accounts: tuple[AccountSnapshot, ...]
    ready: bool


class SnapshotStore:
    """Holds the current :class:`Snapshot`; updates replace it whole, under a lock."""

    def __init__(self, accounts: list[AccountSnapshot]) -> None:
        self._lock = threading.Lock()
        self._snapshot = Snapshot(version=0, accounts=tuple(accounts), ready=False)

    def current(self) -> Snapshot:
        return self._snapshot

    def update(self, account: str, change: Callable[[AccountSnapshot], AccountSnapshot]) -> None:
        with self._lock:
            accounts = tuple(
                change(item) if item.name == account else item for item in self._snapshot.accounts
            )
            self._snapshot = replace(
                self._snapshot, version=self._snapshot.version + 1, accounts=accounts
            )

    def mark_ready(self) -> None:
        with self._lock:
            self._snapshot = replace(self._snapshot, version=self._snapshot.version + 1, ready=True)
