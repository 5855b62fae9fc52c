"""The balance chart's points: every sample for a young state, one an hour after a day."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openrouter_exporter.core.ledger import Sample

HOUR = 3600.0
HOURLY_AFTER = 86400.0
MAX_POINTS = 744


@dataclass(frozen=True)
class BalancePoint:
    timestamp: float
    balance_usd: float


def balance_points(samples: Sequence[Sample]) -> tuple[tuple[BalancePoint, ...], bool]:
    """What the balance chart plots, and whether it is hourly: one point an hour once the
    samples span :data:`HOURLY_AFTER`, before that every sample (thinned to at most
    :data:`MAX_POINTS`), so that the first minutes, and a fast fall, are seen at once."""
    if not samples or samples[-1].timestamp - samples[0].timestamp >= HOURLY_AFTER:
        return hourly_balance(samples), True
    step = math.ceil(len(samples) / MAX_POINTS)
    kept = [*samples[-1::-step]][::-1]
    points = tuple(
        BalancePoint(item.timestamp, item.total_credits - item.total_usage) for item in kept
    )
    return points, False


def hourly_balance(samples: Iterable[Sample]) -> tuple[BalancePoint, ...]:
    """The latest sample of each hour (samples oldest first): the state keeps one an hour
    after a day anyway, and a month of them is a chart of at most 744 points."""
    points: list[BalancePoint] = []
    hour = None
    for sample in samples:
        point = BalancePoint(sample.timestamp, sample.total_credits - sample.total_usage)
        if sample.timestamp // HOUR == hour:
            points[-1] = point
        else:
            points.append(point)
            hour = sample.timestamp // HOUR
    return tuple(points)
