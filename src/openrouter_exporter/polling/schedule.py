"""When an endpoint is polled: at start-up, then once per interval; after a failure, on an
exponential, jittered back-off that starts at the interval and honours ``Retry-After``, so
that it never retries faster than the normal schedule."""

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

MAX_BACKOFF_SECONDS = 600.0
MAX_BACKOFF_INTERVALS = 16


def retry_delay(
    interval: float, failures: int, retry_after: float | None, rng: random.Random
) -> float:
    """Seconds until the next try after ``failures`` consecutive failures (at least 1).

    Doubles from the interval up to ``max(interval, min(16 intervals, 10 min))``, with up to
    20% jitter on top, and never earlier than ``Retry-After``.
    """
    ceiling = max(interval, min(interval * MAX_BACKOFF_INTERVALS, MAX_BACKOFF_SECONDS))
    base = min(interval * 2 ** min(failures - 1, 30), ceiling)
    delay = base * (1 + 0.2 * rng.random())
    return float(max(delay, retry_after or 0.0))


@dataclass
class Schedule:
    """One endpoint's timing: its interval, its failure streak and when the next poll is due."""

    interval: float
    failures: int = 0
    next_delay: float = 0.0
    enabled: bool = True
    first_done: asyncio.Event = field(default_factory=asyncio.Event)

    def succeeded(self) -> None:
        self.failures = 0
        self.next_delay = self.interval

    def failed(self, retry_after: float | None, rng: random.Random) -> None:
        self.failures += 1
        self.next_delay = retry_delay(self.interval, self.failures, retry_after, rng)


async def run_on_schedule(
    schedule: Schedule,
    poll: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    after: Sequence[Schedule] = (),
) -> None:
    """Poll until ``stop`` or until the schedule is disabled; the first poll waits (at most
    one interval) for the first polls of the schedules in ``after``."""
    if after:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(other.first_done.wait() for other in after)), schedule.interval
            )
    while not stop.is_set():
        await poll()
        if not schedule.enabled:
            return
        try:
            await asyncio.wait_for(stop.wait(), schedule.next_delay)
        except TimeoutError:
            continue
