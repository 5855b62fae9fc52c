"""The per-model ledger's types and its pure rules, apart from where they are stored.

A ledger row is one completed UTC day of one (model, provider, provider endpoint); the
per-model counters are the ledger's sums, and within one process they never fall.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class LedgerAmounts:
    """The ledger's columns: what one (model, provider) cost and carried."""

    spend: float = 0.0
    byok_spend: float = 0.0
    requests: float = 0.0
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0  # reasoning tokens included
    reasoning_tokens: float = 0.0

    def values(self) -> tuple[float, ...]:
        """The columns in their order."""
        return (
            self.spend,
            self.byok_spend,
            self.requests,
            self.prompt_tokens,
            self.completion_tokens,
            self.reasoning_tokens,
        )

    def plus(self, other: "LedgerAmounts") -> "LedgerAmounts":
        pairs = zip(self.values(), other.values(), strict=True)
        return LedgerAmounts(*(mine + theirs for mine, theirs in pairs))


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One completed UTC day of one (model, provider, provider endpoint)."""

    day: date
    model: str
    provider: str
    endpoint: str
    amounts: LedgerAmounts


@dataclass(frozen=True, slots=True)
class ModelTotals:
    """The ledger's sums for one (model, provider): the per-model counters."""

    model: str
    provider: str
    amounts: LedgerAmounts


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading of the credits used and bought, as the exporter stored it."""

    timestamp: float
    total_usage: float
    total_credits: float


@dataclass(frozen=True)
class UsageCounter:
    """The credits-used counter kept apart from OpenRouter's ``total_usage``, which can fall
    (a refund, a revised charge): ``used`` advances by its increases only, ``refunded`` by
    its decreases, and ``last_usage`` is the figure they were last advanced to."""

    last_usage: float
    used: float
    refunded: float = 0.0


def advance_usage(previous: UsageCounter | None, total_usage: float) -> UsageCounter:
    """The counter after OpenRouter reported ``total_usage``: starts at that figure, then
    moves up with each increase, and counts each decrease as refunded instead."""
    if previous is None:
        return UsageCounter(total_usage, total_usage)
    change = total_usage - previous.last_usage
    return UsageCounter(
        total_usage,
        previous.used + max(change, 0.0),
        previous.refunded + max(-change, 0.0),
    )


def monotonic_totals(
    previous: tuple[ModelTotals, ...] | None, current: tuple[ModelTotals, ...]
) -> tuple[ModelTotals, ...]:
    """Never let a counter fall within one process, whatever the ledger says: each field
    of each (model, provider) at the higher of ``previous`` and ``current``."""
    if not previous:
        return current
    before = {(item.model, item.provider): item for item in previous}
    merged = []
    for item in current:
        old = before.pop((item.model, item.provider), None)
        if old is None:
            merged.append(item)
            continue
        highest = {
            field.name: max(getattr(item.amounts, field.name), getattr(old.amounts, field.name))
            for field in dataclasses.fields(LedgerAmounts)
        }
        merged.append(dataclasses.replace(item, amounts=LedgerAmounts(**highest)))
    merged.extend(before.values())
    return tuple(sorted(merged, key=lambda item: (item.model, item.provider)))
