"""The live state of one inference key: identity, limit, all-time and per-period usage.

Per-period usage (``usage_daily``/``_weekly``/``_monthly`` and their BYOK twins) is kept as
one running total per period, tagged with the epoch day the period started on; a total
whose tag is not the current period's start reads as 0. That is how the counters "reset"
at 00:00 UTC of the simulated calendar (weeks run Monday to Sunday) without any timer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from openrouter_simulator.specs import LimitReset, TimestampStyle
from openrouter_simulator.spend import epoch_day, month_start, week_start

PeriodKind = Literal["daily", "weekly", "monthly"]
PERIODS: tuple[PeriodKind, ...] = ("daily", "weekly", "monthly")
EPS = 1e-12  # below this many USD, nothing is left to spend


@lru_cache(maxsize=4096)
def period_start(kind: PeriodKind, day: int) -> int:
    if kind == "daily":
        return day
    if kind == "weekly":
        return week_start(day)
    return month_start(day)


@dataclass
class Period:
    start: int
    usage: float = 0.0
    byok: float = 0.0

    def add(self, start: int, usage: float, byok: float) -> None:
        if start != self.start:
            self.start, self.usage, self.byok = start, 0.0, 0.0
        self.usage += usage
        self.byok += byok

    def read(self, start: int) -> tuple[float, float]:
        return (self.usage, self.byok) if start == self.start else (0.0, 0.0)


@dataclass
class KeyState:
    """One key. Times (``created_at``, ``disabled_at``, ``expires_at``) are simulated instants;
    the ``*_str`` fields are the exact strings the API shows."""

    index: int
    name: str
    secret: str = field(repr=False)
    hash: str
    label: str
    weight: float
    limit: float | None
    limit_reset: LimitReset | None
    include_byok_in_limit: bool
    disabled: bool
    created_at: float
    created_str: str
    updated_str: str | None
    expires_at: float | None
    expires_str: str | None
    expires_field: Literal["absent", "null"]
    workspace_id: str
    creator_user_id: str | None
    timestamp_style: TimestampStyle
    disabled_at: float | None = None
    live_created: bool = False
    deleted: bool = False
    usage: float = 0.0
    byok_usage: float = 0.0
    periods: dict[PeriodKind, Period] = field(default_factory=dict)

    def add_spend(self, day: int, usage: float, byok: float) -> None:
        self.usage += usage
        self.byok_usage += byok
        for kind in PERIODS:
            period = self.periods.setdefault(kind, Period(period_start(kind, day)))
            period.add(period_start(kind, day), usage, byok)

    def period_usage(self, kind: PeriodKind, day: int) -> tuple[float, float]:
        period = self.periods.get(kind)
        return period.read(period_start(kind, day)) if period else (0.0, 0.0)

    def consumed(self, day: int) -> float:
        """What counts against the limit in the current limit period."""
        if self.limit_reset is None:
            usage, byok = self.usage, self.byok_usage
        else:
            usage, byok = self.period_usage(self.limit_reset, day)
        return usage + byok if self.include_byok_in_limit else usage

    def limit_remaining(self, day: int) -> float | None:
        if self.limit is None:
            return None
        return max(0.0, self.limit - self.consumed(day))

    def capacity(self, day: int, byok_ratio: float) -> float:
        """How much more credit spend the limit allows in the current period."""
        left = self.limit_remaining(day)
        if left is None:
            return math.inf
        return left / (1.0 + byok_ratio) if self.include_byok_in_limit else left

    def expired(self, t: float) -> bool:
        return self.expires_at is not None and t >= self.expires_at

    def usable(self, t: float) -> bool:
        """Whether the key authenticates at simulated instant ``t``."""
        return not (self.deleted or self.disabled or self.expired(t))

    def active_on_history_day(self, day: int) -> bool:
        """Whether the key spent on a day before start (history is shared by weight)."""
        if self.live_created or self.weight <= 0 or epoch_day(self.created_at) > day:
            return False
        if self.disabled_at is not None and day >= epoch_day(self.disabled_at):
            return False
        return self.expires_at is None or day < epoch_day(self.expires_at)


def water_fill(amount: float, candidates: list[tuple[KeyState, float]]) -> dict[int, float]:
    """Spread ``amount`` over ``(key, capacity)`` pairs by weight: a key that reaches its
    capacity gets no more and its share goes to the others. By key index."""
    shares: dict[int, float] = {}
    pending = amount
    while pending > EPS and candidates:
        weight = sum(k.weight for k, _ in candidates)
        capped = [(k, c) for k, c in candidates if pending * k.weight / weight >= c]
        if not capped:
            for key, _ in candidates:
                shares[key.index] = shares.get(key.index, 0.0) + pending * key.weight / weight
            break
        for key, capacity in capped:
            shares[key.index] = shares.get(key.index, 0.0) + capacity
            pending -= capacity
        done = {k.index for k, _ in capped}
        candidates = [(k, c) for k, c in candidates if k.index not in done]
    return shares
