"""The UTC periods OpenRouter's limits and budgets count in: a day from 00:00 UTC, a week
from Monday 00:00 UTC, a month from the 1st 00:00 UTC; a lifetime limit never resets."""

from openrouter_exporter.config.schema import BudgetPeriod
from openrouter_exporter.core.budget_periods import period_bounds
from openrouter_exporter.core.limits import LimitPeriod

# The limits' periods are the budgets' calendar periods; a lifetime limit has none.
_CALENDAR: dict[LimitPeriod, BudgetPeriod] = {
    LimitPeriod.DAILY: "daily",
    LimitPeriod.WEEKLY: "weekly",
    LimitPeriod.MONTHLY: "monthly",
}


def period_of(reset: str | None) -> LimitPeriod | None:
    """The period of an answer's ``limit_reset`` / ``reset_interval`` (``null``: lifetime);
    ``None`` for a value OpenRouter may add later, which is not guessed."""
    if reset is None or reset == "":
        return LimitPeriod.LIFETIME
    try:
        period = LimitPeriod(reset.strip().lower())
    except ValueError:
        return None
    return period


def period_start(period: LimitPeriod, now: float) -> float | None:
    """When the current period began (Unix time); ``None`` for a lifetime limit."""
    calendar = _CALENDAR.get(period)
    return None if calendar is None else period_bounds(calendar, now)[0]


def next_reset(period: LimitPeriod, now: float) -> float | None:
    """When the current period ends and the limit resets (Unix time); ``None`` never."""
    calendar = _CALENDAR.get(period)
    return None if calendar is None else period_bounds(calendar, now)[1]
