"""The forecast as properties: burn rate, days remaining, exhaustion time."""

import itertools
import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_exporter.core.forecast import (
    DAY,
    HOUR,
    burn_from_days,
    burn_from_samples,
    burn_rates,
    days_remaining,
    exhaustion_timestamp,
    forecast,
)

NOW = 1_756_000_000.0
END_DAY = date(2025, 8, 24)
Samples = list[tuple[float, float]]

balances = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
burns = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
any_balance = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
any_burn = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def sample_series(draw: st.DrawFn, *, monotone: bool) -> tuple[Samples, list[float]]:
    """``(timestamp, total_usage)`` samples ending at NOW, and the credits beside them."""
    count = draw(st.integers(min_value=2, max_value=40))
    gaps = draw(st.lists(st.floats(1.0, 6 * HOUR), min_size=count - 1, max_size=count - 1))
    if monotone:
        steps = draw(st.lists(st.floats(0.0, 50.0), min_size=count - 1, max_size=count - 1))
    else:
        steps = draw(st.lists(st.floats(-50.0, 50.0), min_size=count - 1, max_size=count - 1))
    top_ups = draw(st.lists(st.sampled_from([0.0, 0.0, 0.0, 100.0, 5000.0]), min_size=count))
    timestamps = [NOW - sum(gaps)]
    usage = [draw(st.floats(0.0, 1000.0))]
    for gap, step in zip(gaps, steps, strict=True):
        timestamps.append(timestamps[-1] + gap)
        usage.append(max(0.0, usage[-1] + step))
    credits = [300.0]
    for top_up in top_ups[1:count]:
        credits.append(credits[-1] + top_up)
    return list(zip(timestamps, usage, strict=True)), credits


def hourly(hours: float, per_hour: float, *, end: float = NOW) -> Samples:
    """One sample an hour for ``hours`` hours up to ``end``, usage growing by ``per_hour``."""
    count = int(hours)
    return [(end - (count - i) * HOUR, i * per_hour) for i in range(count + 1)]


# Days remaining and exhaustion.


@given(balances, burns)
def test_days_remaining_times_burn_is_the_balance(balance: float, burn: float) -> None:
    assert days_remaining(balance, burn) * burn == pytest.approx(balance, rel=1e-9)


@given(any_balance, any_burn, any_burn)
def test_more_burn_never_means_more_days(balance: float, burn: float, other: float) -> None:
    low, high = sorted((burn, other))
    assert days_remaining(balance, high) <= days_remaining(balance, low)


@given(balances, burns)
def test_exhaustion_is_now_plus_days_remaining(balance: float, burn: float) -> None:
    when = exhaustion_timestamp(balance, burn, NOW)
    assert when is not None
    assert when == pytest.approx(NOW + days_remaining(balance, burn) * DAY, rel=1e-12)


@given(balances)
def test_zero_burn_means_infinite_days(balance: float) -> None:
    assert days_remaining(balance, 0.0) == math.inf


@given(balances)
def test_zero_burn_means_no_exhaustion(balance: float) -> None:
    assert exhaustion_timestamp(balance, 0.0, NOW) is None


@given(st.floats(min_value=-1e9, max_value=0.0), any_burn)
def test_balance_at_or_below_zero_means_zero_days(balance: float, burn: float) -> None:
    assert days_remaining(balance, burn) == 0.0


@given(st.floats(min_value=-1e9, max_value=0.0), any_burn)
def test_balance_at_or_below_zero_is_exhausted_now(balance: float, burn: float) -> None:
    assert exhaustion_timestamp(balance, burn, NOW) == NOW


def test_forecast_gives_one_entry_per_window() -> None:
    items = forecast(100.0, {"24h": 10.0, "7d": 0.0}, NOW)
    assert [(item.window, item.burn_usd_per_day) for item in items] == [("24h", 10.0), ("7d", 0.0)]
    assert items[0].days_remaining == 10.0
    assert items[0].exhaustion_timestamp == NOW + 10 * DAY
    assert (items[1].days_remaining, items[1].exhaustion_timestamp) == (math.inf, None)


def test_forecast_of_a_negative_balance_is_zero_days_everywhere() -> None:
    items = forecast(-5.0, {"24h": 10.0, "7d": 0.0}, NOW)
    assert {item.days_remaining for item in items} == {0.0}
    assert {item.exhaustion_timestamp for item in items} == {NOW}


# Burn from samples.


@given(sample_series(monotone=True))
def test_top_ups_never_create_negative_burn(series: tuple[Samples, list[float]]) -> None:
    samples, credits = series
    # A top-up raises the balance (credits - usage) between samples; only usage is spend.
    balances = [total - used for total, (_, used) in zip(credits, samples, strict=True)]
    assert len(balances) == len(samples)
    burns = burn_rates(samples, NOW, None, None)
    assert all(burn >= 0.0 for burn in burns.values())
    burn = burn_from_samples(samples, NOW, 30 * DAY, 0.0)
    assert burn is not None
    assert burn >= 0.0


@given(sample_series(monotone=True))
def test_burn_with_monotone_usage_is_usage_growth_over_time(
    series: tuple[Samples, list[float]],
) -> None:
    samples, _credits = series
    burn = burn_from_samples(samples, NOW, 30 * DAY, 0.0)
    span = samples[-1][0] - samples[0][0]
    assert burn == pytest.approx((samples[-1][1] - samples[0][1]) / span * DAY, abs=1e-6)


@given(sample_series(monotone=False))
def test_burn_is_never_negative_whatever_usage_does(series: tuple[Samples, list[float]]) -> None:
    samples, _credits = series
    burn = burn_from_samples(samples, NOW, 30 * DAY, 0.0)
    assert burn is not None
    assert burn >= 0.0


@given(sample_series(monotone=False))
def test_usage_decreases_count_as_zero_spend(series: tuple[Samples, list[float]]) -> None:
    samples, _credits = series
    span = samples[-1][0] - samples[0][0]
    increases = sum(max(0.0, b[1] - a[1]) for a, b in itertools.pairwise(samples))
    burn = burn_from_samples(samples, NOW, 30 * DAY, 0.0)
    assert burn == pytest.approx(increases / span * DAY, abs=1e-6)


def test_usage_reset_upstream_is_not_negative_spend() -> None:
    samples = [(NOW - 2 * HOUR, 10.0), (NOW - HOUR, 2.0), (NOW, 3.0)]
    assert burn_from_samples(samples, NOW, DAY, HOUR) == pytest.approx(1.0 / 2 * 24)


def test_burn_is_absent_with_fewer_than_two_samples() -> None:
    assert burn_from_samples([], NOW, DAY, 0.0) is None
    assert burn_from_samples([(NOW, 5.0)], NOW, DAY, 0.0) is None


def test_burn_is_absent_when_history_is_shorter_than_required() -> None:
    samples = [(NOW - 59 * 60, 0.0), (NOW, 1.0)]
    assert burn_from_samples(samples, NOW, DAY, HOUR) is None


def test_baseline_sample_before_the_window_start_is_used() -> None:
    samples = [(NOW - 30 * HOUR, 0.0), (NOW - 25 * HOUR, 0.0), (NOW, 25.0)]
    assert burn_from_samples(samples, NOW, DAY, HOUR) == pytest.approx(24.0)


def test_samples_older_than_the_baseline_are_ignored() -> None:
    samples = [(NOW - 48 * HOUR, 0.0), (NOW - 24 * HOUR, 100.0), (NOW, 124.0)]
    assert burn_from_samples(samples, NOW, DAY, HOUR) == pytest.approx(24.0)


def test_gap_at_the_window_start_still_measures_the_whole_span() -> None:
    samples = [(NOW - 26 * HOUR, 10.0), (NOW - HOUR, 10.0), (NOW, 36.0)]
    assert burn_from_samples(samples, NOW, DAY, HOUR) == pytest.approx(26.0 / 26 * 24)


# Burn from completed days.


def test_burn_from_days_is_the_mean_over_the_window_with_missing_days_as_zero() -> None:
    daily = {END_DAY: 7.0, END_DAY - timedelta(days=6): 7.0}
    assert burn_from_days(daily, END_DAY, 7) == 2.0


def test_burn_from_days_ignores_days_outside_the_window() -> None:
    daily = {
        END_DAY + timedelta(days=1): 100.0,
        END_DAY - timedelta(days=7): 100.0,
        END_DAY: 14.0,
    }
    assert burn_from_days(daily, END_DAY, 7) == 2.0


def test_burn_from_days_is_never_negative() -> None:
    assert burn_from_days({END_DAY: -3.0}, END_DAY, 7) == 0.0


# Which source each window uses.


def test_24h_burn_is_absent_under_one_hour_of_history() -> None:
    samples = [(NOW - 30 * 60, 0.0), (NOW, 1.0)]
    assert "24h" not in burn_rates(samples, NOW, None, None)


def test_24h_burn_appears_with_one_hour_of_history() -> None:
    samples = [(NOW - HOUR, 0.0), (NOW, 1.0)]
    assert burn_rates(samples, NOW, None, None)["24h"] == pytest.approx(24.0)


def test_24h_burn_uses_samples_even_when_activity_is_known() -> None:
    burns = burn_rates(hourly(24, 0.5), NOW, {END_DAY: 70.0}, END_DAY)
    assert burns["24h"] == pytest.approx(12.0)


def test_long_windows_use_activity_when_known() -> None:
    daily = {END_DAY - timedelta(days=offset): 3.0 for offset in range(30)}
    burns = burn_rates(hourly(24 * 30, 1.0), NOW, daily, END_DAY)
    assert burns["7d"] == pytest.approx(3.0)
    assert burns["30d"] == pytest.approx(3.0)


def test_long_windows_use_activity_even_without_any_samples() -> None:
    burns = burn_rates([], NOW, {END_DAY: 7.0}, END_DAY)
    assert burns == {"7d": 1.0, "30d": pytest.approx(7.0 / 30)}


def test_long_window_falls_back_to_samples_covering_90_percent_of_it() -> None:
    samples = hourly(0.9 * 7 * 24 + 1, 0.25)
    burns = burn_rates(samples, NOW, None, None)
    assert burns["7d"] == pytest.approx(6.0)
    assert "30d" not in burns


def test_long_window_is_absent_when_samples_cover_less_than_90_percent() -> None:
    samples = hourly(0.9 * 7 * 24 - 1, 0.25)
    burns = burn_rates(samples, NOW, None, None)
    assert "7d" not in burns
    assert "24h" in burns


def test_30d_window_falls_back_to_27_days_of_samples() -> None:
    burns = burn_rates(hourly(27 * 24, 0.5), NOW, None, None)
    assert burns["30d"] == pytest.approx(12.0)


def test_no_samples_and_no_activity_give_no_burn_rate() -> None:
    assert burn_rates([], NOW, None, None) == {}
