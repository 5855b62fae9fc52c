"""Summaries of ``/activity`` rows: per-model spend windows, cost per request, daily totals.

OpenRouter serves the last 30 completed UTC days; yesterday's rows appear some time after
midnight and may lag. The windows therefore end at yesterday when yesterday's rows are
present, and otherwise at the day before yesterday, so that a late day does not count as a
day of zero spend. A model without rows on a day inside the data's range spent nothing
that day: that zero is known, not invented.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from openrouter_exporter.core.snapshot import ActivitySummary
from openrouter_exporter.openrouter.models import ActivityRow

# OpenRouter's /activity serves this many completed UTC days.
ACTIVITY_WINDOW_DAYS = 30
SPEND_WINDOWS = {"1d": 1, "7d": 7, "30d": ACTIVITY_WINDOW_DAYS}
COST_PER_REQUEST_DAYS = 7


def window_end(latest_day: date | None, today: date) -> date:
    """The last completed day the windows cover."""
    settled = today - timedelta(days=2)
    if latest_day is None:
        return settled
    return max(latest_day, settled)


def summarize(rows: Iterable[ActivityRow], today: date) -> ActivitySummary:
    rows = list(rows)
    latest_day = max((row.date for row in rows), default=None)
    end = window_end(latest_day, today)
    daily: dict[date, float] = defaultdict(float)
    for row in rows:
        daily[row.date] += row.usage

    model_spend: dict[str, dict[str, float]] = {}
    models = {row.model for row in rows if end - row.date < timedelta(days=ACTIVITY_WINDOW_DAYS)}
    for window, days in SPEND_WINDOWS.items():
        start = end - timedelta(days=days - 1)
        spend = dict.fromkeys(models, 0.0)
        for row in rows:
            if start <= row.date <= end and row.model in spend:
                spend[row.model] += row.usage
        model_spend[window] = spend

    cost_start = end - timedelta(days=COST_PER_REQUEST_DAYS - 1)
    usage_7d: dict[str, float] = defaultdict(float)
    requests_7d: dict[str, float] = defaultdict(float)
    for row in rows:
        if cost_start <= row.date <= end:
            usage_7d[row.model] += row.usage
            requests_7d[row.model] += row.requests
    cost_per_request = {
        model: usage_7d[model] / count for model, count in requests_7d.items() if count > 0
    }
    return ActivitySummary(
        latest_day=latest_day,
        end_day=end,
        daily_spend=dict(daily),
        model_spend=model_spend,
        cost_per_request=cost_per_request,
    )
