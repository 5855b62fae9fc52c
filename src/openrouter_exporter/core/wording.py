"""How an amount, a number of days and a moment are written for a person, the same in the
``check`` report and on the status page."""

import math
from datetime import UTC, datetime

from openrouter_exporter.core.pace import RecentPace, SpendToday


def usd(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def days_text(value: float) -> str:
    if math.isinf(value):
        return "unlimited"
    if 0 < value < 0.05:  # "0.0 days" says nothing: minutes do
        minutes = max(1, round(value * 1440))
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    text = f"{value:.1f}"
    return f"{text} day" if text == "1.0" else f"{text} days"


def count_text(count: float, unit: str) -> str:
    """``1 day``, ``2 days``, ``1.5 days``: a count with its unit, singular for exactly 1."""
    return f"{count:g} {unit}" if count == 1 else f"{count:g} {unit}s"


def utc_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%a %Y-%m-%d %H:%M UTC")


# Now and today (:mod:`openrouter_exporter.core.pace`).


def span_text(recent: RecentPace) -> str:
    minutes = round(recent.span_seconds / 60)
    return f"{round(recent.span_seconds)} s" if minutes < 1 else f"{minutes} min"


def pace_text(recent: RecentPace) -> str:
    """The recent pace, against the usual rate, and when the money is gone at that pace."""
    against = (
        f", {recent.usd_per_day / recent.usual_usd_per_day:,.0f}x the {recent.usual_window} rate"
        if recent.usual_window is not None and recent.usual_usd_per_day
        else ""
    )
    gone = (
        f"; at this pace the credits run out {utc_time(recent.exhaustion_timestamp)}"
        if recent.exhaustion_timestamp is not None
        else ""
    )
    return f"{usd(recent.usd_per_day)}/day over the last {span_text(recent)}{against}{gone}"


def fast_text(recent: RecentPace) -> str:
    return f"spending fast: {pace_text(recent)}"


def today_text(today: SpendToday | None, now: float) -> str:
    if today is None:
        return (
            "unknown: needs the Analytics API (a management key) or two samples of /credits "
            "today (a running exporter keeps them; check polls once)"
        )
    return f"{usd(today.usd)} {today_source_text(today, now)}"


def today_source_text(today: SpendToday, now: float) -> str:
    """Since when the spend today is counted, and where the figure comes from."""
    since = datetime.fromtimestamp(today.since, UTC).strftime("%H:%M UTC")
    if today.source == "analytics":
        age = max(0.0, now - today.read_at)
        return f"since {since} (Analytics API, read {age:.0f}s ago)"
    return f"since {since} (from the exporter's own samples of /credits)"
