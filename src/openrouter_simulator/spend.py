"""The spend curve: how much the account spends when, and on which model endpoints.

Simulated time is a float of seconds since the Unix epoch on the *simulated* calendar
(real UTC time plus a whole number of days); a "day" is an epoch-day number
(``floor(t / 86400)``). At speed 1 the account spends, per simulated second,

    rate(t) = day_total(day) * rhythm(x) / 86400,   x = fraction of the day elapsed,
    rhythm(x) = 1 + A * cos(2*pi*(x - phi))          (phi = peak hour / 24),

whose integral over a day is ``day_total(day)``. The cumulative fraction of a day's spend
reached at ``x`` has the closed form ``R(x) = x + A/(2*pi) * (sin(2*pi*(x-phi)) +
sin(2*pi*phi))``, so spend between any two instants is exact and cheap, and the instant at
which a given amount is reached is found by bisection. ``day_total`` and the day's model
mix are deterministic in (seed, day) and cached.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from openrouter_simulator.scenario import Scenario

DAY = 86_400.0
_EPOCH = date(1970, 1, 1)


def epoch_day(t: float) -> int:
    """The simulated day (days since 1970-01-01) containing instant ``t``."""
    return math.floor(t / DAY)


@lru_cache(maxsize=4096)
def day_date(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def date_day(value: date) -> int:
    return (value - _EPOCH).days


def weekday(day: int) -> int:
    """Monday is 0 (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def week_start(day: int) -> int:
    return day - weekday(day)


def month_start(day: int) -> int:
    return date_day(day_date(day).replace(day=1))


@dataclass(frozen=True)
class MixEntry:
    """Part ``share`` of a day's spend went to endpoint ``endpoint`` of model ``model``."""

    model: int
    endpoint: int
    share: float


@dataclass(frozen=True)
class DayMix:
    entries: tuple[MixEntry, ...]
    byok_ratio: float  # BYOK spend per USD of credit spend, over the whole day


class SpendModel:
    """Deterministic spend of a scenario at speed 1; ``start_day`` is the day of start."""

    def __init__(self, scenario: Scenario, start_day: int) -> None:
        self.scenario = scenario
        self.start_day = start_day
        self._amplitude = scenario.rhythm_amplitude
        self._phase = scenario.rhythm_peak_hour / 24.0
        self._offset = math.sin(2 * math.pi * self._phase)
        wf = scenario.weekend_factor
        self._weekday_norm = 7.0 / (5.0 + 2.0 * wf)
        self._totals: dict[int, float] = {}
        self._mixes: dict[int, DayMix] = {}

    # ---- the curve ----------------------------------------------------------------------

    def day_total(self, day: int) -> float:
        """Spend of a whole simulated day at speed 1."""
        cached = self._totals.get(day)
        if cached is not None:
            return cached
        sc = self.scenario
        rng = random.Random(f"{sc.seed}:day:{day}")
        factor = sc.weekend_factor if weekday(day) >= 5 else 1.0
        noise = 1.0 + sc.day_noise * (2.0 * rng.random() - 1.0)
        trend = 1.0
        if day < self.start_day:
            trend = max(0.2, 1.0 - sc.history_trend * (self.start_day - day))
        total = sc.daily_rate * factor * self._weekday_norm * noise * trend
        self._totals[day] = total
        return total

    def fraction(self, x: float) -> float:
        """Part of a day's spend made by fraction ``x`` (0..1) of the day."""
        a, two_pi = self._amplitude, 2 * math.pi
        return x + a / two_pi * (math.sin(two_pi * (x - self._phase)) + self._offset)

    def rhythm(self, x: float) -> float:
        return 1.0 + self._amplitude * math.cos(2 * math.pi * (x - self._phase))

    def rate_at(self, t: float) -> float:
        """Spend per simulated second at instant ``t``, speed 1."""
        day = epoch_day(t)
        return self.day_total(day) * self.rhythm(t / DAY - day) / DAY

    def spend_between(self, a: float, b: float) -> float:
        """Spend at speed 1 between instants ``a <= b``."""
        total = 0.0
        t = a
        while t < b:
            day = epoch_day(t)
            end = min(b, (day + 1) * DAY)
            done = self.fraction(end / DAY - day) - self.fraction(t / DAY - day)
            total += self.day_total(day) * done
            t = end
        return total

    def time_for_spend(self, a: float, amount: float, limit: float) -> float:
        """The instant in ``[a, limit]`` (one day at most) at which ``amount`` has been spent
        since ``a`` at speed 1; ``limit`` if it never is."""
        if amount <= 0:
            return a
        if self.spend_between(a, limit) <= amount:
            return limit
        lo, hi = a, limit
        for _ in range(64):
            mid = (lo + hi) / 2
            if self.spend_between(a, mid) < amount:
                lo = mid
            else:
                hi = mid
        return hi

    def time_to_spend(self, t: float, amount: float, max_days: int) -> float | None:
        """The instant at which ``amount`` has been spent since ``t`` at speed 1, following
        the curve day by day; ``None`` if it is not within ``max_days``."""
        for _ in range(max_days):
            end = (epoch_day(t) + 1) * DAY
            spend = self.spend_between(t, end)
            if spend >= amount:
                return self.time_for_spend(t, amount, end)
            amount -= spend
            t = end
        return None

    # ---- the model mix --------------------------------------------------------------------

    def mix(self, day: int) -> DayMix:
        """How a day's spend splits over (model, endpoint): weights jittered per day, models
        with ``active_probability < 1`` absent on some days."""
        cached = self._mixes.get(day)
        if cached is not None:
            return cached
        models = self.scenario.models
        rng = random.Random(f"{self.scenario.seed}:mix:{day}")
        raw: list[tuple[int, int, float]] = []
        for mi, model in enumerate(models):
            present = rng.random() < model.active_probability
            jitter = 1.0 + 0.25 * (2.0 * rng.random() - 1.0)
            if not present or model.weight <= 0:
                continue
            shares = [e.share * (1.0 + 0.2 * (2.0 * rng.random() - 1.0)) for e in model.endpoints]
            total_share = sum(shares)
            for ei, share in enumerate(shares):
                raw.append((mi, ei, model.weight * jitter * share / total_share))
        if not raw:
            best = max(range(len(models)), key=lambda i: models[i].weight)
            raw = [(best, 0, 1.0)]
        norm = sum(w for _, _, w in raw)
        entries = tuple(MixEntry(mi, ei, w / norm) for mi, ei, w in raw)
        byok = sum(e.share * models[e.model].endpoints[e.endpoint].byok_ratio for e in entries)
        result = DayMix(entries, byok)
        self._mixes[day] = result
        return result
