"""Now and today as pure functions: the recent pace, its runway, and the spend today."""

import math

import pytest

from openrouter_exporter.core.pace import (
    FAST_FACTOR,
    RECENT_MIN_SPAN,
    recent_pace,
    today_from_samples,
)
from openrouter_exporter.core.snapshot import WindowForecast
from openrouter_exporter.core.wording import days_text

DAY = 86400.0
NOON = 20_000 * DAY + 12 * 3600  # a UTC noon
USUAL = (WindowForecast("7d", 10.0, 5.0, NOON + 5 * DAY),)  # $10/day, $50 left


def minutes(*usage: float, step: float = 60.0) -> list[tuple[float, float]]:
    """Samples of total_usage, one a minute, the last one at NOON."""
    start = NOON - step * (len(usage) - 1)
    return [(start + index * step, value) for index, value in enumerate(usage)]


def test_the_recent_pace_is_the_spend_of_the_last_hour_per_day() -> None:
    pace = recent_pace(minutes(0.0, 1.0, 2.0), 50.0, NOON, USUAL)

    assert pace is not None
    assert pace.usd_per_day == pytest.approx(2.0 / 120 * DAY)
    assert pace.span_seconds == 120
    assert pace.exhaustion_timestamp == pytest.approx(NOON + 50.0 / pace.usd_per_day * DAY)


def test_no_recent_pace_before_the_samples_span_half_a_minute() -> None:
    assert recent_pace(minutes(0.0, 1.0, step=RECENT_MIN_SPAN - 1), 50.0, NOON, USUAL) is None
    assert recent_pace(minutes(0.0), 50.0, NOON, USUAL) is None


def test_samples_older_than_the_hour_before_its_start_do_not_count() -> None:
    samples = [(NOON - 3 * 3600, 0.0), (NOON - 3600, 100.0), (NOON, 101.0)]

    pace = recent_pace(samples, 50.0, NOON, USUAL)

    assert pace is not None
    assert pace.usd_per_day == pytest.approx(24.0)


def test_a_pace_three_times_the_usual_rate_is_fast_and_its_runway_the_shortest() -> None:
    usual_per_minute = 10.0 / 1440
    pace = recent_pace(minutes(0.0, FAST_FACTOR * usual_per_minute * 1.01), 50.0, NOON, USUAL)

    assert pace is not None
    assert pace.fast
    assert pace.shortest
    assert pace.usual_window == "7d"


def test_the_usual_pace_is_neither_fast_nor_the_runway_to_believe() -> None:
    pace = recent_pace(minutes(0.0, 10.0 / 1440), 50.0, NOON, USUAL)

    assert pace is not None
    assert not pace.fast
    assert not pace.shortest


def test_without_spend_the_recent_runway_never_ends() -> None:
    pace = recent_pace(minutes(5.0, 5.0), 50.0, NOON, USUAL)

    assert pace is not None
    assert math.isinf(pace.days_remaining)
    assert pace.exhaustion_timestamp is None
    assert not pace.shortest


def test_today_from_samples_counts_from_the_last_sample_before_midnight() -> None:
    midnight = NOON - 12 * 3600
    samples = [(midnight - 60, 10.0), (midnight + 600, 12.0), (NOON, 15.0)]

    today = today_from_samples(samples, NOON)

    assert today is not None
    assert today.usd == pytest.approx(5.0)
    assert today.source == "samples"
    assert today.since == midnight


def test_today_from_samples_that_start_later_says_since_when() -> None:
    samples = [(NOON - 600, 12.0), (NOON, 15.0)]

    today = today_from_samples(samples, NOON)

    assert today is not None
    assert today.since == NOON - 600


def test_no_spend_today_from_samples_without_two_of_them_today() -> None:
    assert today_from_samples([(NOON - DAY, 1.0), (NOON - DAY + 60, 2.0)], NOON) is None


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1.0, "1.0 day"),
        (0.99, "1.0 day"),
        (2.0, "2.0 days"),
        (0.5, "0.5 days"),
        (0.003, "4 minutes"),
    ],
)
def test_days_are_written_as_people_read_them(days: float, text: str) -> None:
    assert days_text(days) == text
