"""The UTC periods OpenRouter's limits and budgets count in: a day from 00:00 UTC, a week
from Monday 00:00 UTC, a month from the 1st 00:00 UTC; a lifetime limit never resets."""

from datetime import UTC, datetime, timedelta

from openrouter_exporter.core.limits import LimitPeriod


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
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period is LimitPeriod.DAILY:
        start = day
    elif period is LimitPeriod.WEEKLY:
        start = day - timedelta(days=day.weekday())
    elif period is LimitPeriod.MONTHLY:
        start = day.replace(day=1)
    else:
        return None
    return start.timestamp()


def next_reset(period: LimitPeriod, now: float) -> float | None:
    """When the current period ends and the limit resets (Unix time); ``None`` never."""
    start = period_start(period, now)
    if start is None:
        return None
    begun = datetime.fromtimestamp(start, UTC)
    if period is LimitPeriod.DAILY:
        end = begun + timedelta(days=1)
    elif period is LimitPeriod.WEEKLY:
        end = begun + timedelta(days=7)
    else:
        end = (begun + timedelta(days=32)).replace(day=1)
    return end.timestamp()
