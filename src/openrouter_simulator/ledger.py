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
from dataclasses import dataclass

from openrouter_simulator.identity import (
    format_timestamp,
    key_hash,
    key_label,
    make_secret,
    make_uuid,
)
from openrouter_simulator.keys import PERIODS, KeyState, Period, PeriodKind, period_start
from openrouter_simulator.runaway import Runaways
from openrouter_simulator.scenario import (
    DEFAULT_WORKSPACE,
    KeySpec,
    LimitReset,
    Scenario,
    TimestampStyle,
)
from openrouter_simulator.spend import DAY, SpendModel, epoch_day

_MAX_FORECAST_DAYS = 3660
_EPS = 1e-12


@dataclass(frozen=True)
class NewKey:
    """Settings of a key created at run time (control API ``POST /_sim/keys``)."""

    name: str
    weight: float = 1.0
    limit: float | None = None
    limit_reset: LimitReset | None = None
    include_byok_in_limit: bool = False
    disabled: bool = False
    expires_in_days: float | None = None  # from creation, on the simulated calendar
    workspace: str = DEFAULT_WORKSPACE
    creator_user_id: str | None = None


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
            self._add_key(self._key_from_spec(spec))
        self.usage = self._seed_usage() + scenario.other_usage
        self.credits = self.usage + scenario.balance
        if self.credits - self.usage <= 0:
            self.exhausted_at = start_real

    # ---- keys -----------------------------------------------------------------------------

    def workspace_id(self, name: str) -> str:
        if name not in self.workspaces:
            self.workspaces[name] = make_uuid(self.scenario.seed, "workspace", name)
        return self.workspaces[name]

    def _key_from_spec(self, spec: KeySpec) -> KeyState:
        seed, start, style = self.scenario.seed, self.start, spec.timestamp_style
        secret = make_secret(seed, "key:" + spec.name)
        created = start - spec.created_days_ago * DAY
        disabled_at = start - spec.disabled_days_ago * DAY if spec.disabled else None
        updated = disabled_at
        if updated is None and spec.updated_days_ago is not None:
            updated = start - spec.updated_days_ago * DAY
        expires = None if spec.expires_in_days is None else start + spec.expires_in_days * DAY
        return KeyState(
            index=len(self.keys),
            name=spec.name,
            secret=secret,
            hash=key_hash(secret),
            label=key_label(secret),
            weight=spec.weight,
            limit=spec.limit,
            limit_reset=spec.limit_reset,
            include_byok_in_limit=spec.include_byok_in_limit,
            disabled=spec.disabled,
            created_at=created,
            created_str=format_timestamp(created, style),
            updated_str=None if updated is None else format_timestamp(updated, style),
            expires_at=expires,
            expires_str=None if expires is None else format_timestamp(expires, style),
            expires_field=spec.expires_field,
            workspace_id=self.workspace_id(spec.workspace),
            creator_user_id=spec.creator_user_id,
            timestamp_style=style,
            disabled_at=disabled_at,
        )

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
        t = self.sim_time(now)
        secret = make_secret(self.scenario.seed, f"created:{len(self.keys)}:{new.name}")
        style: TimestampStyle = "micro"
        key = KeyState(
            index=len(self.keys),
            name=new.name,
            secret=secret,
            hash=key_hash(secret),
            label=key_label(secret),
            weight=new.weight,
            limit=new.limit,
            limit_reset=new.limit_reset,
            include_byok_in_limit=new.include_byok_in_limit,
            disabled=new.disabled,
            created_at=t,
            created_str=format_timestamp(t, style),
            updated_str=None,
            expires_at=None if new.expires_in_days is None else t + new.expires_in_days * DAY,
            expires_str=None,
            expires_field="null",
            workspace_id=self.workspace_id(new.workspace),
            creator_user_id=new.creator_user_id,
            timestamp_style=style,
            disabled_at=t if new.disabled else None,
            live_created=True,
        )
        if key.expires_at is not None:
            key.expires_str = format_timestamp(key.expires_at, style)
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
                    period = key.periods.setdefault(kind, _period(kind, start_day))
                    if period_start(kind, day) == period.start:
                        period.usage += amount
                        period.byok += amount * ratio
        ratio = self.model.mix(start_day).byok_ratio
        for spec, key in zip(self.scenario.keys, self.keys, strict=True):
            for kind in PERIODS:
                key.periods.setdefault(kind, _period(kind, start_day))
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
        self.runaways.accrue(self, day, a, b, speed, real_at)
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
        if room > _EPS:
            self._spend(day, a, min(full * self.scenario.overdraft_rate, room))

    def _spenders(self, day: int, t: float, ratio: float) -> list[tuple[KeyState, float]]:
        result = []
        for key in self.keys:
            if key.weight > 0 and key.usable(t):
                capacity = key.capacity(day, ratio)
                if capacity > _EPS:
                    result.append((key, capacity))
        return result

    def _spend(self, day: int, t: float, amount: float) -> None:
        """Spread ``amount`` over the keys that can spend, honouring their limits."""
        ratio = self.model.mix(day).byok_ratio
        candidates = self._spenders(day, t, ratio)
        shares: dict[int, float] = {}
        pending = amount
        while pending > _EPS and candidates:
            weight = sum(k.weight for k, _ in candidates)
            capped = [(k, c) for k, c in candidates if pending * k.weight / weight >= c]
            if not capped:
                for key, _ in candidates:
                    shares[key.index] = shares.get(key.index, 0.0) + pending * key.weight / weight
                pending = 0.0
                break
            for key, capacity in capped:
                shares[key.index] = shares.get(key.index, 0.0) + capacity
                pending -= capacity
            done = {k.index for k, _ in capped}
            candidates = [(k, c) for k, c in candidates if k.index not in done]
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
        key.add_spend(day, amount, amount * ratio)
        day_live = self.live.setdefault(day, {})
        day_live[key.index] = day_live.get(key.index, 0.0) + amount
        day_targeted = self.targeted.setdefault(day, {})
        day_targeted[(key.index, model)] = day_targeted.get((key.index, model), 0.0) + amount
        self.usage += amount
        self._recheck_exhaustion(now)

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
        return rate * self.scenario.overdraft_rate if room > _EPS else 0.0

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
        t = self.sim_time(now)
        need = balance / self.speed
        for _ in range(_MAX_FORECAST_DAYS):
            day = epoch_day(t)
            end = (day + 1) * DAY
            spend = self.model.spend_between(t, end)
            if spend >= need:
                return self.model.time_for_spend(t, need, end) - self.offset
            need -= spend
            t = end
        return None


def _period(kind: PeriodKind, day: int) -> Period:
    return Period(period_start(kind, day))
