"""Now and today: the spend so far today and the pace of the last hour or so.

The windowed forecasts (24h, 7d, 30d) answer "how long at the usual rate"; a runaway is
over before the 24h window has its first hour. This module answers "what is being spent
right now": the rate over the last :data:`RECENT_WINDOW` of the exporter's own samples
(from :data:`RECENT_MIN_SPAN` of them on), the runway at that pace, and whether that pace
is fast, that is, clearly faster than the usual rate. Pure functions; samples are
``(timestamp, total_usage)`` pairs, oldest first, and only increases of ``total_usage``
count as spend (as in :mod:`.forecast`).
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from openrouter_exporter.core.forecast import DAY, days_remaining, exhaustion_timestamp
from openrouter_exporter.core.snapshot import AccountSnapshot, WindowForecast

RECENT_WINDOW = 3600.0
RECENT_MIN_SPAN = 30.0
# The recent pace is "fast" at this multiple of the usual (longest window's) rate...
FAST_FACTOR = 3.0
# ...and, with no usual rate yet, when its runway is shorter than this.
FAST_RUNWAY_DAYS = 1.0


@dataclass(frozen=True)
class SpendToday:
    """What was spent since midnight UTC."""

    usd: float
    source: Literal["analytics", "samples"]
    read_at: float  # when the figure was read
    since: float  # midnight UTC, or the first sample of the day when the samples start later


@dataclass(frozen=True)
class RecentPace:
    usd_per_day: float
    span_seconds: float  # the samples it was measured over
    days_remaining: float
    exhaustion_timestamp: float | None
    shortest: bool  # shorter than every windowed runway: the runway to believe now
    fast: bool
    usual_window: str | None  # the window ``fast`` compared with
    usual_usd_per_day: float | None


def _spent(samples: Sequence[tuple[float, float]]) -> float:
    return sum(max(0.0, later[1] - earlier[1]) for earlier, later in itertools.pairwise(samples))


def _from(samples: Sequence[tuple[float, float]], start: float) -> Sequence[tuple[float, float]]:
    """The samples from the last one at or before ``start`` on (the window's baseline)."""
    first = 0
    for index, (timestamp, _) in enumerate(samples):
        if timestamp > start:
            break
        first = index
    return samples[first:]


def recent_pace(
    samples: Sequence[tuple[float, float]],
    balance: float,
    now: float,
    forecasts: Sequence[WindowForecast],
) -> RecentPace | None:
    """The pace of the last hour or so; ``None`` until the samples span 30 seconds."""
    used = _from(samples, now - RECENT_WINDOW)
    if len(used) < 2:
        return None
    span = used[-1][0] - used[0][0]
    if span < RECENT_MIN_SPAN:
        return None
    rate = _spent(used) / span * DAY
    days = days_remaining(balance, rate)
    windowed = [item.days_remaining for item in forecasts]
    usual = max(forecasts, key=_window_length, default=None)
    if usual is not None and usual.burn_usd_per_day > 0:
        fast = rate >= FAST_FACTOR * usual.burn_usd_per_day
    else:
        fast = rate > 0 and days < FAST_RUNWAY_DAYS
    return RecentPace(
        usd_per_day=rate,
        span_seconds=span,
        days_remaining=days,
        exhaustion_timestamp=exhaustion_timestamp(balance, rate, now),
        shortest=not math.isinf(days) and all(days < other for other in windowed),
        fast=fast,
        usual_window=usual.window if usual is not None else None,
        usual_usd_per_day=usual.burn_usd_per_day if usual is not None else None,
    )


def _window_length(forecast: WindowForecast) -> float:
    unit = {"h": 3600.0, "d": DAY}.get(forecast.window[-1:], 0.0)
    try:
        return float(forecast.window[:-1]) * unit
    except ValueError:
        return 0.0


def today_from_samples(samples: Sequence[tuple[float, float]], now: float) -> SpendToday | None:
    """Spend since midnight UTC by the exporter's samples; from the first sample of the day
    when none is older (``since`` says so); ``None`` without two samples today."""
    midnight = now - now % DAY
    used = _from(samples, midnight)
    if len(used) < 2 or used[-1][0] < midnight:
        return None
    return SpendToday(
        usd=_spent(used),
        source="samples",
        read_at=used[-1][0],
        since=max(midnight, used[0][0]),
    )


@dataclass(frozen=True)
class Now:
    """What an account is spending now and spent today."""

    today: SpendToday | None
    recent: RecentPace | None


def now_and_today(
    snapshot: AccountSnapshot,
    samples: Sequence[tuple[float, float]],
    now: float,
    analytics: SpendToday | None,
) -> Now:
    """Today's spend (``analytics``, the Analytics API's figure, else the samples) and the
    recent pace of the account."""
    credits = snapshot.credits
    recent = (
        recent_pace(samples, credits.balance, now, snapshot.forecasts)
        if credits is not None
        else None
    )
    return Now(analytics or today_from_samples(samples, now), recent)
