"""UTC periods of limits: days from 00:00, weeks from Monday, months from the 1st."""

from datetime import UTC, datetime

import pytest

from openrouter_exporter.core.limit_projection import MIN_ELAPSED_SECONDS, exhaustion, project
from openrouter_exporter.core.limits import LimitPeriod
from openrouter_exporter.core.periods import next_reset, period_of, period_start


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


SUNDAY_EVENING = at("2026-12-06T21:30:00")


def test_a_day_runs_from_midnight_utc_to_the_next() -> None:
    assert period_start(LimitPeriod.DAILY, SUNDAY_EVENING) == at("2026-12-06T00:00:00")
    assert next_reset(LimitPeriod.DAILY, SUNDAY_EVENING) == at("2026-12-07T00:00:00")


def test_a_week_runs_from_monday_midnight_utc() -> None:
    assert period_start(LimitPeriod.WEEKLY, SUNDAY_EVENING) == at("2026-11-30T00:00:00")
    assert next_reset(LimitPeriod.WEEKLY, SUNDAY_EVENING) == at("2026-12-07T00:00:00")


def test_a_week_starts_on_monday_at_midnight_itself() -> None:
    monday = at("2026-12-07T00:00:00")
    assert period_start(LimitPeriod.WEEKLY, monday) == monday


def test_a_month_runs_from_the_first_to_the_first_across_the_year() -> None:
    assert period_start(LimitPeriod.MONTHLY, SUNDAY_EVENING) == at("2026-12-01T00:00:00")
    assert next_reset(LimitPeriod.MONTHLY, SUNDAY_EVENING) == at("2027-01-01T00:00:00")


def test_a_lifetime_limit_has_no_period_and_never_resets() -> None:
    assert period_start(LimitPeriod.LIFETIME, SUNDAY_EVENING) is None
    assert next_reset(LimitPeriod.LIFETIME, SUNDAY_EVENING) is None


@pytest.mark.parametrize(
    ("given", "period"),
    [
        (None, LimitPeriod.LIFETIME),
        ("", LimitPeriod.LIFETIME),
        ("daily", LimitPeriod.DAILY),
        ("Weekly", LimitPeriod.WEEKLY),
        ("monthly", LimitPeriod.MONTHLY),
        ("quarterly", None),
    ],
)
def test_reset_values_map_to_periods_and_an_unknown_one_is_not_guessed(
    given: str | None, period: LimitPeriod | None
) -> None:
    assert period_of(given) == period


def test_exhaustion_follows_the_period_to_date_average() -> None:
    # 95 USD spent since the 1st against 100: the last 5 at the month-to-date average.
    reset, when = project(LimitPeriod.MONTHLY, 100.0, 95.0, SUNDAY_EVENING)
    elapsed = SUNDAY_EVENING - at("2026-12-01T00:00:00")
    assert reset == at("2027-01-01T00:00:00")
    assert when == pytest.approx(SUNDAY_EVENING + 5.0 / (95.0 / elapsed))


def test_no_exhaustion_when_the_limit_resets_first() -> None:
    _, when = project(LimitPeriod.DAILY, 25.0, 20.0, SUNDAY_EVENING)
    assert when is None


def test_no_exhaustion_without_spend() -> None:
    _, when = project(LimitPeriod.MONTHLY, 25.0, 0.0, SUNDAY_EVENING)
    assert when is None


def test_a_limit_already_reached_is_exhausted_now() -> None:
    _, when = project(LimitPeriod.DAILY, 25.0, 25.5, SUNDAY_EVENING)
    assert when == SUNDAY_EVENING


def test_no_projection_from_less_than_the_minimum_part_of_a_period() -> None:
    early = at("2026-12-06T00:00:00") + MIN_ELAPSED_SECONDS - 1
    _, when = project(LimitPeriod.DAILY, 25.0, 20.0, early)
    assert when is None


def test_no_rate_means_no_projection() -> None:
    assert exhaustion(10.0, 5.0, None, None, SUNDAY_EVENING) is None
