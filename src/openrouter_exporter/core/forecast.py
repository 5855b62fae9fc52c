"""The forecast as pure functions: burn rate, days remaining, exhaustion time.

Burn rates are USD per day. The 24h window comes from the exporter's own samples of
``total_usage`` (real time); 7d and 30d from completed UTC days of activity, or from the
samples when no activity is available and the samples cover the window. Only increases of
``total_usage`` count as spend: a top-up raises ``total_credits``, never ``total_usage``,
so it cannot look like negative spend, and a decrease (a reset upstream) counts as none.
"""

import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from openrouter_exporter.core.activity_windows import ACTIVITY_WINDOW_DAYS
from openrouter_exporter.core.snapshot import WindowForecast

DAY = 86400.0
HOUR = 3600.0
MIN_HISTORY_24H = HOUR
ACTIVITY_WINDOWS = {"7d": 7, "30d": ACTIVITY_WINDOW_DAYS}
SAMPLE_WINDOWS = {"24h": DAY, **{window: days * DAY for window, days in ACTIVITY_WINDOWS.items()}}
# Long windows from samples need most of the window covered to deserve their name.
LONG_WINDOW_COVERAGE = 0.9


def burn_from_samples(
    samples: Sequence[tuple[float, float]], now: float, window: float, min_history: float
) -> float | None:
    """USD/day from ``(timestamp, total_usage)`` samples, oldest first; ``None`` if too short.

    The sample just before the window start is used as the baseline so that a window with a
    sample gap at its start still measures the whole window.
    """
    start = now - window
    baseline = 0
    for index, (timestamp, _) in enumerate(samples):
        if timestamp <= start:
            baseline = index
        else:
            break
    used = samples[baseline:]
    if len(used) < 2:
        return None
    span = used[-1][0] - used[0][0]
    if span < min_history or span <= 0:
        return None
    spent = sum(max(0.0, later[1] - earlier[1]) for earlier, later in itertools.pairwise(used))
    return spent / span * DAY


def burn_from_days(daily_spend: Mapping[date, float], end_day: date, days: int) -> float:
    """Mean daily spend over the ``days`` completed days ending at ``end_day``."""
    start = end_day - timedelta(days=days - 1)
    total = sum(spend for day, spend in daily_spend.items() if start <= day <= end_day)
    return max(0.0, total) / days


def days_remaining(balance: float, burn_per_day: float) -> float:
    """0 when the balance is gone, ``+Inf`` at zero burn, else balance ÷ burn."""
    if balance <= 0:
        return 0.0
    if burn_per_day <= 0:
        return math.inf
    return balance / burn_per_day


def exhaustion_timestamp(balance: float, burn_per_day: float, now: float) -> float | None:
    """When the balance reaches 0 at this rate; ``now`` if it already has; ``None`` at zero
    burn with money left."""
    if balance <= 0:
        return now
    if burn_per_day <= 0:
        return None
    return now + balance / burn_per_day * DAY


def forecast(balance: float, burns: Mapping[str, float], now: float) -> tuple[WindowForecast, ...]:
    return tuple(
        WindowForecast(
            window=window,
            burn_usd_per_day=burn,
            days_remaining=days_remaining(balance, burn),
            exhaustion_timestamp=exhaustion_timestamp(balance, burn, now),
        )
        for window, burn in burns.items()
    )


def burn_rates(
    samples: Sequence[tuple[float, float]],
    now: float,
    daily_spend: Mapping[date, float] | None,
    end_day: date | None,
) -> dict[str, float]:
    """Every burn rate that can honestly be given, keyed by window."""
    burns: dict[str, float] = {}
    short = burn_from_samples(samples, now, SAMPLE_WINDOWS["24h"], MIN_HISTORY_24H)
    if short is not None:
        burns["24h"] = short
    for window, days in ACTIVITY_WINDOWS.items():
        if daily_spend is not None and end_day is not None:
            burns[window] = burn_from_days(daily_spend, end_day, days)
            continue
        length = SAMPLE_WINDOWS[window]
        long = burn_from_samples(samples, now, length, length * LONG_WINDOW_COVERAGE)
        if long is not None:
            burns[window] = long
    return burns
