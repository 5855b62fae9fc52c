"""What the exporter knows of a declared budget in its current period."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from openrouter_exporter.config.schema import Budget


@dataclass(frozen=True)
class DaySpend:
    """The ledger's spend of one (model, provider) on one UTC day (today's provisional)."""

    day: date
    model: str
    provider: str
    spend: float


@dataclass(frozen=True)
class LedgerDays:
    """The ledger's spend per day, and the first day whose spend it holds whole (the
    earliest day ``/activity`` served at the first poll, or the oldest day not yet folded
    into the archive)."""

    first_day: date
    rows: tuple[DaySpend, ...]


@dataclass(frozen=True)
class BudgetStatus:
    """One budget in its current period. ``spend_usd`` is ``None`` while unknown (no
    source yet, or the scope matches nothing), never 0; ``forecast_usd`` is ``None`` while
    there is too little history to forecast from."""

    budget: Budget
    computed_at: float
    period_start: float
    period_end: float
    spend_usd: float | None
    forecast_usd: float | None
    complete: bool  # the spend covers the whole period so far
    matched: bool  # the scope matches a key, model, provider or workspace the exporter knows
    # Key budgets over a quarter or a year: each key's all-time usage at the first reading
    # of the period, so the spend since then is counted even after the month turns.
    key_baselines: Mapping[str, float] = field(default_factory=dict)

    @property
    def days_left(self) -> float:
        return max(0.0, (self.period_end - self.computed_at) / 86400)
