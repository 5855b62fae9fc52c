"""Calendar periods in UTC, as OpenRouter's own key limits count them: a day starts at
00:00 UTC, a week on Monday, a month on the 1st, a quarter in January, April, July or
October, a year on the 1st of January."""

from datetime import UTC, date, datetime, timedelta

from openrouter_exporter.config.schema import BudgetPeriod

Period = BudgetPeriod


def _month_start(year: int, month: int) -> date:
    """The 1st of ``month``, which may run past 12 into the following years."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_days(period: Period, day: date) -> tuple[date, date]:
    """The first day of the period holding ``day`` and the first day of the next one."""
    if period == "daily":
        return day, day + timedelta(days=1)
    if period == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    months = {"monthly": 1, "quarterly": 3, "yearly": 12}[period]
    first = day.month - (day.month - 1) % months
    return _month_start(day.year, first), _month_start(day.year, first + months)


def period_bounds(period: Period, now: float) -> tuple[float, float]:
    """Unix times of the start and the end of the period holding ``now``."""
    start, end = period_days(period, datetime.fromtimestamp(now, UTC).date())
    return _midnight(start), _midnight(end)


def _midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
