"""How an amount, a number of days and a moment are written for a person, the same in the
``check`` report and on the status page."""

import math
from datetime import UTC, datetime


def usd(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def days_text(value: float) -> str:
    if math.isinf(value):
        return "unlimited"
    return f"{value:.1f} day" if value == 1 else f"{value:.1f} days"


def utc_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%a %Y-%m-%d %H:%M UTC")
