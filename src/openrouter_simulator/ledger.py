"""The account's money: credits, usage, keys, and the spend of every simulated day.

State is computed lazily: nothing ticks in the background. Every read first calls
:meth:`Ledger.sync` with the current real time, which accrues the spend of the interval
since the previous sync in closed form (see :mod:`.spend`), split at simulated midnights:

* the amount is ``speed * spend_between(a, b)``, spread over the keys that can spend
  (enabled, not deleted, not expired, weight > 0) in proportion to their weights; a key
  that reaches its limit gets no more and its share goes to the others ("water filling"),
  so the account's rate does not change while one key without limit can spend;
* while the balance is positive the full amount is spent; the instant the balance reaches
  0 is recorded (``exhausted_at``); past 0, requests "fail with 402", so spend continues at
  ``overdraft_rate`` of the curve only until the balance is ``-overdraft_limit``;
* each key's spend is recorded per simulated day (``live``), which is what later feeds
  ``/activity`` for that day.

Days before start are "history": a day's total (see :meth:`SpendModel.day_total`) shared
by weight among the keys active that day; the start day is history up to the start
instant, then live. ``advance_days`` jumps the calendar forward and spends the skipped
interval at speed 1, so new completed days have rows and ``total_usage`` stays at least
the sum of any activity window.
"""

from __future__ import annotations

from collections.abc import Callable

from openrouter_simulator.identity import (
    format_timestamp,
    make_secret,
    make_uuid,
)
from openrouter_simulator.key_builder import NewKey, created_key, key_from_spec
from openrouter_simulator.keys import (
    EPS,
    PERIODS,
    KeyState,
    Period,
    period_start,
    water_fill,
)
from openrouter_simulator.runaway import Runaways
from openrouter_simulator.scenario import Scenario
from openrouter_simulator.specs import LimitReset
from openrouter_simulator.spend import DAY, SpendModel, epoch_day

MAX_FORECAST_DAYS = 3660


class Ledger:
    """All money state. Not thread-safe by itself: the engine holds one lock around it."""

    def __init__(self, scenario: Scenario, start_real: float, speed: float = 1.0) -> None:
        self.scenario = scenario
        self.start = start_real  # the calendar offset is 0 at start
        self.start_day = epoch_day(start_real)
        self.model = SpendModel(scenario, self.start_day)
        self.offset = 0.0
        self.last_real = start_real
        self.speed = float(speed)
        self.exhausted_at: float | None = None
        self.management_secret = make_secret(scenario.seed, "management:" + scenario.name)
        self.workspaces: dict[str, str] = {}
        self.keys: list[KeyState] = []
        self.live: dict[int, dict[int, float]] = {}
        # Spend made on one model on purpose (control API), by day and (key, model) index;
        # it is part of ``live`` too, but outside the day's model mix.
        self.targeted: dict[int, dict[tuple[int, int], float]] = {}
        self._by_hash: dict[str, KeyState] = {}
        self._by_secret: dict[str, KeyState] = {}
        self._listing: list[KeyState] | None = None
        self.runaways = Runaways()
        self._hist_shares: dict[int, dict[int, float]] = {}
        self._start_fraction = self.model.fraction(start_real / DAY - self.start_day)
        for spec in scenario.keys:
            self._add_key(
                key_from_spec(
                    spec,
                    len(self.keys),
                    scenario.seed,
                    start_real,
                    self.workspace_id(spec.workspace),
                )
            )
        self.usage = self._seed_usage() + scenario.other_usage
        self.credits = self.usage + scenario.balance
        if self.credits - self.usage <= 0:
            self.exhausted_at = start_real

    # ---- keys -----------------------------------------------------------------------------

    def workspace_id(self, name: str) -> str:
        if name not in self.workspaces:
            self.workspaces[name] = make_uuid(self.scenario.seed, "workspace", name)
        return self.workspaces[name]

    def _add_key(self, key: KeyState) -> None:
        self.keys.append(key)
        self._by_hash[key.hash] = key
        self._by_secret[key.secret] = key
        self._listing = None

    def key_by_hash(self, hash_: str) -> KeyState | None:
        key = self._by_hash.get(hash_)
        return None if key is None or key.deleted else key

    def known_hash(self, hash_: str) -> KeyState | None:
        """Also deleted keys: their past spend stays in the activity history."""
        return self._by_hash.get(hash_)

    def key_by_secret(self, secret: str) -> KeyState | None:
        return self._by_secret.get(secret)

    def listing(self) -> list[KeyState]:
        """Keys as ``/keys`` orders them: newest first, then by hash."""
        if self._listing is None:
            alive = [k for k in self.keys if not k.deleted]
            self._listing = sorted(alive, key=lambda k: (-k.created_at, k.hash))
        return self._listing

    def create_key(self, now: float, new: NewKey) -> KeyState:
        self.sync(now)
        key = created_key(
            new,
            len(self.keys),
            self.scenario.seed,
            self.sim_time(now),
            self.workspace_id(new.workspace),
        )
        self._add_key(key)
        return key

    def update_key(
        self,
        now: float,
        key: KeyState,
        *,
        disabled: bool | None = None,
        weight: float | None = None,
        limit: tuple[float | None] | None = None,
        limit_reset: tuple[LimitReset | None] | None = None,
    ) -> None:
        """Change a key; ``limit``/``limit_reset`` are 1-tuples so that ``None`` can be set."""
        self.sync(now)
        t = self.sim_time(now)
        if disabled is not None and disabled != key.disabled:
            key.disabled = disabled
            key.disabled_at = t if disabled else key.disabled_at
        if weight is not None:
            key.weight = weight
        if limit is not None:
            key.limit = limit[0]
        if limit_reset is not None:
            key.limit_reset = limit_reset[0]
        key.updated_str = format_timestamp(t, key.timestamp_style)

    def delete_key(self, now: float, key: KeyState) -> None:
        self.sync(now)
        key.deleted = True
        self._by_secret.pop(key.secret, None)
        self._listing = None

    # ---- history --------------------------------------------------------------------------

    def _history_part(self, day: int) -> float:
        """Spend of ``day`` that happened before start (at speed 1)."""
        if day > self.start_day or day < self.start_day - self.scenario.history_days:
            return 0.0
        total = self.model.day_total(day)
        return total * self._start_fraction if day == self.start_day else total

    def _history_shares(self, day: int) -> dict[int, float]:
        cached = self._hist_shares.get(day)
        if cached is None:
            active = [k for k in self.keys if k.active_on_history_day(day)]
            weight = sum(k.weight for k in active)
            cached = {k.index: k.weight / weight for k in active} if weight > 0 else {}
            self._hist_shares[day] = cached
        return cached

    def _seed_usage(self) -> float:
        """Give every key its usage at start: history days plus earlier spend."""
        start_day = self.start_day
        for day in range(start_day - self.scenario.history_days, start_day + 1):
            part = self._history_part(day)
            ratio = self.model.mix(day).byok_ratio
            for index, share in self._history_shares(day).items():
                key, amount = self.keys[index], part * share
                key.usage += amount
                key.byok_usage += amount * ratio
                for kind in PERIODS:
                    period = key.periods.setdefault(kind, Period(period_start(kind, start_day)))
                    if period_start(kind, day) == period.start:
                        period.usage += amount
                        period.byok += amount * ratio
        ratio = self.model.mix(start_day).byok_ratio
        for spec, key in zip(self.scenario.keys, self.keys, strict=True):
            for kind in PERIODS:
                key.periods.setdefault(kind, Period(period_start(kind, start_day)))
            key.usage += spec.usage_before_history
            key.byok_usage += spec.usage_before_history * ratio
            target = spec.limit_remaining_at_start
            if target is not None and spec.limit is not None and spec.limit_reset is None:
                key.usage += max(0.0, spec.limit - target - key.consumed(start_day))
            elif target is not None and spec.limit is not None:
                key.limit = round(key.consumed(start_day) + target, 2)
        return sum(k.usage for k in self.keys)

    # ---- time -----------------------------------------------------------------------------

    def sim_time(self, now: float) -> float:
        return now + self.offset

    def today(self, now: float) -> int:
        return epoch_day(self.sim_time(now))

    def key_day_spend(self, day: int) -> dict[int, float]:
        """Credit spend of every key on ``day`` (history part plus live part)."""
        result: dict[int, float] = {}
        part = self._history_part(day)
        if part > 0:
            for index, share in self._history_shares(day).items():
                result[index] = part * share
        for index, amount in self.live.get(day, {}).items():
            result[index] = result.get(index, 0.0) + amount
        return result

    def day_spend(self, day: int) -> float:
        return sum(self.key_day_spend(day).values())

    # ---- accrual --------------------------------------------------------------------------

    @property
    def balance(self) -> float:
        return self.credits - self.usage

    def sync(self, now: float) -> None:
        """Accrue spend from the previous sync up to real time ``now``."""
        if now <= self.last_real:
            return
        offset = self.offset
        self._accrue(self.last_real + offset, now + offset, self.speed, lambda t: t - offset)
        self.last_real = now

    def advance_days(self, now: float, days: int) -> None:
        """Move the calendar ``days`` forward; the skipped days spend at speed 1."""
        self.sync(now)
        start = self.sim_time(now)
        self.offset += days * DAY
        self._accrue(start, self.sim_time(now), 1.0, lambda _t: now)

    def _accrue(self, a: float, b: float, speed: float, real_at: Callable[[float], float]) -> None:
        t = a
        while t < b:
            day = epoch_day(t)
            end = min(b, (day + 1) * DAY)
            if speed > 0:
                self._accrue_piece(day, t, end, speed, real_at)
            t = end

    def _accrue_piece(
        self, day: int, a: float, b: float, speed: float, real_at: Callable[[float], float]
    ) -> None:
        self._accrue_runaway(day, a, b, speed, real_at)
        full = speed * self.model.spend_between(a, b)
        if full <= 0:
            return
        balance = self.balance
        if balance > 0:
            if full <= balance:
                self._spend(day, a, full)
                return
            crossing = self.model.time_for_spend(a, balance / speed, b)
            self._spend(day, a, balance)
            if self.exhausted_at is None:
                self.exhausted_at = real_at(crossing)
            a, full = crossing, speed * self.model.spend_between(crossing, b)
        room = self.scenario.overdraft_limit + min(0.0, self.balance)
        if room > EPS:
            self._spend(day, a, min(full * self.scenario.overdraft_rate, room))

    def _accrue_runaway(
        self, day: int, a: float, b: float, speed: float, real_at: Callable[[float], float]
    ) -> None:
        """Charge a runaway's extra spend over ``[a, b)``: it stops while its key cannot
        spend and at a balance of 0."""
        extra = self.runaways.extra_spend(a, b, speed, self.model.spend_between)
        if extra is None:
            return
        key = self.keys[extra.key_index]
        if not key.usable(extra.begin) or self.balance <= 0:
            return
        amount = min(extra.amount, key.capacity(day, 0.0), self.balance)
        if amount <= 0:
            return
        self._charge(day, key, extra.model_index, amount, 0.0)
        if self.balance <= 0 and self.exhausted_at is None:
            self.exhausted_at = real_at(b)

    def _spenders(self, day: int, t: float, ratio: float) -> list[tuple[KeyState, float]]:
        result = []
        for key in self.keys:
            if key.weight > 0 and key.usable(t):
                capacity = key.capacity(day, ratio)
                if capacity > EPS:
                    result.append((key, capacity))
        return result

    def _spend(self, day: int, t: float, amount: float) -> None:
        """Spread ``amount`` over the keys that can spend, honouring their limits."""
        ratio = self.model.mix(day).byok_ratio
        shares = water_fill(amount, self._spenders(day, t, ratio))
        if not shares:
            return
        day_live = self.live.setdefault(day, {})
        for index, share in shares.items():
            self.keys[index].add_spend(day, share, share * ratio)
            day_live[index] = day_live.get(index, 0.0) + share
        self.usage += sum(shares.values())

    # ---- controls -------------------------------------------------------------------------

    def set_speed(self, now: float, factor: float) -> None:
        self.sync(now)
        self.speed = factor

    def top_up(self, now: float, amount: float) -> None:
        self.sync(now)
        self.credits += amount
        self._recheck_exhaustion(now)

    def spend_on_model(self, now: float, key: KeyState, model: int, amount: float) -> None:
        """Spend ``amount`` at once through ``key`` on ``model`` (its first endpoint)."""
        self.sync(now)
        day = self.today(now)
        ratio = self.scenario.models[model].endpoints[0].byok_ratio
        self._charge(day, key, model, amount, amount * ratio)
        self._recheck_exhaustion(now)

    def _charge(self, day: int, key: KeyState, model: int, amount: float, byok: float) -> None:
        """Spend on one model on purpose: the key's, the day's, and apart from the mix."""
        key.add_spend(day, amount, byok)
        day_live = self.live.setdefault(day, {})
        day_live[key.index] = day_live.get(key.index, 0.0) + amount
        day_targeted = self.targeted.setdefault(day, {})
        day_targeted[(key.index, model)] = day_targeted.get((key.index, model), 0.0) + amount
        self.usage += amount

    def set_totals(self, now: float, usage: float | None, credits: float | None) -> None:
        self.sync(now)
        if usage is not None:
            self.usage = usage
        if credits is not None:
            self.credits = credits
        self._recheck_exhaustion(now)

    def _recheck_exhaustion(self, now: float) -> None:
        if self.balance > 0:
            self.exhausted_at = None
        elif self.exhausted_at is None:
            self.exhausted_at = now

    # ---- forecast -------------------------------------------------------------------------

    def can_spend_now(self, now: float) -> bool:
        t = self.sim_time(now)
        day = epoch_day(t)
        return bool(self._spenders(day, t, self.model.mix(day).byok_ratio))

    def current_rate_per_day(self, now: float) -> float:
        """Instantaneous spend rate in USD per day (rhythm, speed and overdraft included)."""
        if not self.can_spend_now(now):
            return 0.0
        t = self.sim_time(now)
        rate = self.speed * self.model.rate_at(t) * DAY * self.runaways.factor_at(t)
        if self.balance > 0:
            return rate
        room = self.scenario.overdraft_limit + self.balance
        return rate * self.scenario.overdraft_rate if room > EPS else 0.0

    def exhaustion_timestamp(self, now: float) -> float | None:
        """The real instant at which the balance reaches 0 at the current speed, following
        the curve (day totals and rhythm); the recorded instant if it is already <= 0; None
        when nothing can spend (speed 0, no usable key with weight and limit left).

        Exact as long as some usable key without a limit can spend: the spread over keys
        then never changes the account's rate. Key expiries and limits that would stop
        every remaining key are not foreseen."""
        self.sync(now)
        balance = self.balance
        if balance <= 0:
            return self.exhausted_at if self.exhausted_at is not None else now
        if self.speed <= 0 or self.scenario.daily_rate <= 0 or not self.can_spend_now(now):
            return None
        moment = self.model.time_to_spend(
            self.sim_time(now), balance / self.speed, MAX_FORECAST_DAYS
        )
        return None if moment is None else moment - self.offset
