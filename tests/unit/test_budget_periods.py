"""Budget periods: calendar periods in UTC, weeks from Monday."""

from datetime import UTC, date, datetime

import pytest

from openrouter_exporter.core.budget_periods import Period, period_bounds, period_days


@pytest.mark.parametrize(
    ("period", "day", "start", "end"),
    [
        ("daily", date(2026, 12, 31), date(2026, 12, 31), date(2027, 1, 1)),
        ("weekly", date(2026, 12, 6), date(2026, 11, 30), date(2026, 12, 7)),
        ("weekly", date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 7)),
        ("monthly", date(2026, 2, 28), date(2026, 2, 1), date(2026, 3, 1)),
        ("monthly", date(2026, 12, 15), date(2026, 12, 1), date(2027, 1, 1)),
        ("quarterly", date(2026, 5, 20), date(2026, 4, 1), date(2026, 7, 1)),
        ("quarterly", date(2026, 12, 6), date(2026, 10, 1), date(2027, 1, 1)),
        ("yearly", date(2026, 1, 1), date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_the_period_holding_a_day(period: Period, day: date, start: date, end: date) -> None:
    assert period_days(period, day) == (start, end)


def test_a_period_starts_and_ends_at_midnight_utc() -> None:
    now = datetime(2026, 12, 6, 19, 52, tzinfo=UTC).timestamp()
    assert period_bounds("weekly", now) == (
        datetime(2026, 11, 30, tzinfo=UTC).timestamp(),
        datetime(2026, 12, 7, tzinfo=UTC).timestamp(),
    )


def test_midnight_belongs_to_the_period_it_starts() -> None:
    midnight = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    assert period_bounds("monthly", midnight)[0] == midnight
