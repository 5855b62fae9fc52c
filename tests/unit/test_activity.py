"""Per-model spend windows over completed UTC days, with OpenRouter's day of lag."""

from datetime import date, timedelta

import pytest

from openrouter_exporter.core.activity_windows import summarize, window_end
from openrouter_exporter.openrouter.models import ACTIVITY_ROW, ActivityRow

TODAY = date(2025, 8, 25)
YESTERDAY = TODAY - timedelta(days=1)
DAY_BEFORE = TODAY - timedelta(days=2)


def row(
    day: date,
    model: str = "openai/gpt-4.1",
    provider: str = "OpenAI",
    usage: float = 1.0,
    requests: float = 10.0,
) -> ActivityRow:
    return ACTIVITY_ROW.validate_python(
        {
            "date": day.isoformat(),
            "model": model,
            "provider_name": provider,
            "endpoint_id": f"{provider}-endpoint",
            "usage": usage,
            "requests": requests,
        }
    )


def days_ago(count: int) -> date:
    return TODAY - timedelta(days=count)


# Where the windows end.


def test_windows_end_yesterday_when_yesterday_is_present() -> None:
    assert summarize([row(YESTERDAY)], TODAY).end_day == YESTERDAY


def test_windows_end_the_day_before_yesterday_while_yesterday_lags() -> None:
    assert summarize([row(days_ago(3))], TODAY).end_day == DAY_BEFORE


def test_windows_end_the_day_before_yesterday_without_any_rows() -> None:
    assert summarize([], TODAY).end_day == DAY_BEFORE


def test_window_end_never_goes_before_the_day_before_yesterday() -> None:
    assert window_end(days_ago(10), TODAY) == DAY_BEFORE


def test_latest_day_is_the_newest_day_in_the_data() -> None:
    assert summarize([row(days_ago(5)), row(days_ago(3))], TODAY).latest_day == days_ago(3)


def test_latest_day_is_unknown_without_rows() -> None:
    assert summarize([], TODAY).latest_day is None


# Window sums.


def test_windows_sum_every_provider_of_a_model() -> None:
    rows = [row(YESTERDAY, provider="OpenAI", usage=4.0), row(YESTERDAY, provider="Azure")]
    assert summarize(rows, TODAY).model_spend["1d"]["openai/gpt-4.1"] == 5.0


@pytest.mark.parametrize(("window", "expected"), [("1d", 1.0), ("7d", 3.0), ("30d", 7.0)])
def test_each_window_covers_its_number_of_days_ending_at_the_end_day(
    window: str, expected: float
) -> None:
    rows = [
        row(YESTERDAY, usage=1.0),  # in 1d, 7d and 30d
        row(days_ago(7), usage=2.0),  # the 7th day back from yesterday: in 7d and 30d
        row(days_ago(8), usage=0.5),  # just outside 7d
        row(days_ago(30), usage=3.5),  # the 30th day back from yesterday: in 30d
        row(days_ago(31), usage=100.0),  # outside every window
    ]
    assert summarize(rows, TODAY).model_spend[window]["openai/gpt-4.1"] == pytest.approx(expected)


def test_lagging_day_shifts_the_windows_back_by_one_day() -> None:
    rows = [row(DAY_BEFORE, usage=2.0), row(days_ago(31), usage=8.0)]
    spend = summarize(rows, TODAY).model_spend
    assert spend["1d"]["openai/gpt-4.1"] == 2.0
    assert spend["30d"]["openai/gpt-4.1"] == 10.0


def test_windows_are_kept_per_model() -> None:
    rows = [row(YESTERDAY, model="a/one", usage=1.0), row(YESTERDAY, model="b/two", usage=2.0)]
    assert summarize(rows, TODAY).model_spend["1d"] == {"a/one": 1.0, "b/two": 2.0}


def test_every_window_is_present() -> None:
    assert set(summarize([row(YESTERDAY)], TODAY).model_spend) == {"1d", "7d", "30d"}


# Known zeros.


def test_model_without_rows_in_a_window_gets_an_explicit_zero_when_seen_within_30_days() -> None:
    rows = [row(YESTERDAY, model="a/busy"), row(days_ago(20), model="b/quiet", usage=4.0)]
    spend = summarize(rows, TODAY).model_spend
    assert spend["1d"]["b/quiet"] == 0.0
    assert spend["7d"]["b/quiet"] == 0.0
    assert spend["30d"]["b/quiet"] == 4.0


def test_model_not_seen_within_30_days_is_absent_from_every_window() -> None:
    rows = [row(YESTERDAY, model="a/busy"), row(days_ago(31), model="b/gone")]
    spend = summarize(rows, TODAY).model_spend
    for window in ("1d", "7d", "30d"):
        assert "b/gone" not in spend[window]


def test_no_rows_means_empty_windows() -> None:
    assert summarize([], TODAY).model_spend == {"1d": {}, "7d": {}, "30d": {}}


# Cost per request.


def test_cost_per_request_is_spend_over_requests_across_7_days_and_providers() -> None:
    rows = [
        row(YESTERDAY, provider="OpenAI", usage=3.0, requests=100),
        row(days_ago(7), provider="Azure", usage=1.0, requests=100),
        row(days_ago(8), usage=50.0, requests=1),  # outside the 7 days
    ]
    assert summarize(rows, TODAY).cost_per_request["openai/gpt-4.1"] == pytest.approx(0.02)


def test_cost_per_request_is_absent_at_zero_requests() -> None:
    rows = [row(YESTERDAY, model="a/free", usage=0.5, requests=0)]
    assert "a/free" not in summarize(rows, TODAY).cost_per_request


def test_cost_per_request_is_absent_for_a_model_idle_for_7_days() -> None:
    rows = [row(days_ago(10), model="a/idle", usage=1.0, requests=10), row(YESTERDAY)]
    assert "a/idle" not in summarize(rows, TODAY).cost_per_request


def test_cost_per_request_of_free_requests_is_zero() -> None:
    rows = [row(YESTERDAY, model="a/free", usage=0.0, requests=10)]
    assert summarize(rows, TODAY).cost_per_request["a/free"] == 0.0


# Daily totals for the forecast.


def test_daily_spend_sums_every_model_and_provider_per_day() -> None:
    rows = [
        row(YESTERDAY, model="a/one", usage=1.0),
        row(YESTERDAY, model="b/two", provider="X", usage=2.0),
        row(days_ago(3), usage=0.25),
    ]
    assert summarize(rows, TODAY).daily_spend == {YESTERDAY: 3.0, days_ago(3): 0.25}


def test_summary_accepts_any_iterable_of_rows() -> None:
    summary = summarize(iter([row(YESTERDAY, usage=2.0)]), TODAY)
    assert summary.model_spend["1d"]["openai/gpt-4.1"] == 2.0
    assert summary.daily_spend == {YESTERDAY: 2.0}
