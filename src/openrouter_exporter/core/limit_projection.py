"""When a limit will be reached at its current spend rate.

The rate is the period-to-date average: the spend counted in the current period divided
by the time elapsed in it. It needs no history (it is known from the first poll, and a
restart loses nothing) and it is the rate OpenRouter's own counter has seen; it reacts
slowly to a sudden surge (a runaway is what the burn-rate and runaway alerts are for).
It is not used before ``MIN_ELAPSED_SECONDS`` of the period have passed: a few minutes
after midnight, one request would project a wall within the hour.
"""

from openrouter_exporter.core.limits import LimitPeriod
from openrouter_exporter.core.periods import next_reset, period_start

MIN_ELAPSED_SECONDS = 3600.0


def period_rate(period: LimitPeriod, spend: float, now: float) -> float | None:
    """USD per second over the elapsed part of the current period; ``None`` when less than
    ``MIN_ELAPSED_SECONDS`` of it has passed or it is a lifetime period."""
    start = period_start(period, now)
    if start is None or now - start < MIN_ELAPSED_SECONDS:
        return None
    return max(spend, 0.0) / (now - start)


def exhaustion(
    limit_usd: float, spend: float, reset: float | None, rate: float | None, now: float
) -> float | None:
    """When ``spend`` reaches ``limit_usd`` at ``rate`` USD/s: ``now`` once reached; ``None``
    with no rate or no spend, or when the limit resets first."""
    remaining = limit_usd - spend
    if remaining <= 0:
        return now
    if rate is None or rate <= 0:
        return None
    when = now + remaining / rate
    if reset is not None and when >= reset:
        return None
    return when


def project(
    period: LimitPeriod, limit_usd: float, spend: float, now: float
) -> tuple[float | None, float | None]:
    """The reset and the projected exhaustion of a limit counted over ``period``."""
    reset = next_reset(period, now)
    return reset, exhaustion(limit_usd, spend, reset, period_rate(period, spend, now), now)
