"""The simulator's state behind one lock, and the operations the control API offers.

The engine owns the ledger (money and keys), the activity book, the fault board, the call
log and the quirks in force. Every public method takes the lock, brings the ledger up to
the clock's "now" and then acts, so the HTTP threads and the Python API see one
consistent state. Nothing here blocks on I/O; the only waits (slow faults) happen outside
the lock, on :attr:`Engine.stopping`, so stopping the simulator cuts them short.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any

from openrouter_simulator.activity import ActivityBook
from openrouter_simulator.analytics_query import RequestLimit
from openrouter_simulator.calls import CallLog
from openrouter_simulator.faults import Fault, FaultBoard, FaultMode
from openrouter_simulator.identity import format_timestamp, make_user_id
from openrouter_simulator.key_builder import NewKey
from openrouter_simulator.keys import KeyState
from openrouter_simulator.ledger import Ledger
from openrouter_simulator.organization import Organization
from openrouter_simulator.runaway import Runaway
from openrouter_simulator.scenario import Quirks, Scenario
from openrouter_simulator.specs import LimitReset
from openrouter_simulator.spend import DAY, date_day, day_date
from openrouter_simulator.views import listed_key, money

_MAX_ERRORS = 20
_BODY_CACHE = 16


class SimulatorError(ValueError):
    """A control request that cannot be honoured; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Engine:
    def __init__(self, scenario: Scenario, speed: float, clock: Callable[[], float]) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.scenario = scenario
        self.clock = clock
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.ledger = Ledger(scenario, clock(), speed)
        self.book = ActivityBook(self.ledger)
        self.faults = FaultBoard()
        self.calls = CallLog()
        self.analytics_limit = RequestLimit()
        self.quirks = scenario.quirks
        self.errors: list[str] = []
        self.body_cache: OrderedDict[Hashable, bytes] = OrderedDict()
        self.management_user = make_user_id(scenario.seed, "owner")
        self.organization = Organization(scenario, self.ledger, self.management_user)

    # ---- secrets (never logged) -------------------------------------------------------------

    @property
    def management_key(self) -> str:
        return self.ledger.management_secret

    def inference_keys(self) -> list[str]:
        """Secrets of the keys that authenticate now, in scenario order."""
        with self.lock:
            t = self.ledger.sim_time(self.clock())
            return [k.secret for k in self.ledger.keys if k.usable(t)]

    def key_secrets(self) -> dict[str, str]:
        """Secret of every key that is not deleted, by name."""
        with self.lock:
            return {k.name: k.secret for k in self.ledger.keys if not k.deleted}

    def cached_body(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """An encoded answer from the small LRU cache (call with the lock held)."""
        body = self.body_cache.get(key)
        if body is None:
            body = build()
            self.body_cache[key] = body
            while len(self.body_cache) > _BODY_CACHE:
                self.body_cache.popitem(last=False)
        else:
            self.body_cache.move_to_end(key)
        return body

    # ---- reading --------------------------------------------------------------------------

    def record_error(self, text: str) -> None:
        with self.lock:
            self.errors = [*self.errors[-(_MAX_ERRORS - 1) :], text]

    def state(self) -> dict[str, Any]:
        with self.lock:
            now = self.clock()
            ledger = self.ledger
            ledger.sync(now)
            sim_now = ledger.sim_time(now)
            today = ledger.today(now)
            first, available, last = self.book.window(now, self.quirks)
            return {
                "scenario": self.scenario.name,
                "seed": self.scenario.seed,
                "now": now,
                "sim_time": format_timestamp(sim_now, "z"),
                "today": day_date(today).isoformat(),
                "calendar_offset_days": round(ledger.offset / DAY),
                "speed": ledger.speed,
                "total_credits": money(ledger.credits),
                "total_usage": money(ledger.usage),
                "usage_today": money(ledger.day_spend(today)),
                "balance": money(ledger.balance),
                "daily_rate": self.scenario.daily_rate,
                "current_rate_per_day": ledger.current_rate_per_day(now),
                "exhaustion_timestamp": ledger.exhaustion_timestamp(now),
                "exhausted_at": ledger.exhausted_at,
                "activity_window": {
                    "first": day_date(first).isoformat(),
                    "last": day_date(last).isoformat(),
                    "last_available": day_date(available).isoformat(),
                },
                "keys": [self._key_state(k, today, sim_now) for k in ledger.listing()],
                "runaway": ledger.runaways.describe(
                    ledger.keys, ledger.scenario.models, ledger.offset
                ),
                "faults": self.faults.describe(),
                "quirks": dataclasses.asdict(self.quirks),
                "calls": self.calls.describe(),
                "errors": list(self.errors),
            }

    @staticmethod
    def _key_state(key: KeyState, today: int, sim_now: float) -> dict[str, Any]:
        remaining = key.limit_remaining(today)
        return {
            "hash": key.hash,
            "name": key.name,
            "label": key.label,
            "workspace_id": key.workspace_id,
            "usage": money(key.usage),
            "byok_usage": money(key.byok_usage),
            "limit": key.limit,
            "limit_remaining": None if remaining is None else money(remaining),
            "limit_reset": key.limit_reset,
            "disabled": key.disabled,
            "expired": key.expired(sim_now),
            "weight": key.weight,
        }

    def call_counts(self) -> dict[str, int]:
        with self.lock:
            return self.calls.counts()

    def calls_detail(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return self.calls.describe()

    def exhaustion_timestamp(self) -> float | None:
        with self.lock:
            return self.ledger.exhaustion_timestamp(self.clock())

    def totals(self) -> dict[str, float]:
        with self.lock:
            self.ledger.sync(self.clock())
            ledger = self.ledger
            return {
                "total_credits": money(ledger.credits),
                "total_usage": money(ledger.usage),
                "balance": money(ledger.balance),
            }

    # ---- controls -------------------------------------------------------------------------

    def set_speed(self, factor: float) -> None:
        if factor < 0:
            raise SimulatorError("factor must be >= 0")
        with self.lock:
            self.ledger.set_speed(self.clock(), float(factor))

    def top_up(self, amount: float) -> dict[str, float]:
        with self.lock:
            self.ledger.top_up(self.clock(), float(amount))
        return self.totals()

    def set_usage(
        self, total_usage: float | None = None, total_credits: float | None = None
    ) -> dict[str, float]:
        with self.lock:
            self.ledger.set_totals(self.clock(), total_usage, total_credits)
        return self.totals()

    def set_fault(
        self,
        endpoint: str,
        mode: str,
        *,
        retry_after: float | None = None,
        delay: float = 5.0,
        times: int | None = None,
    ) -> None:
        try:
            fault = Fault(FaultMode(mode), retry_after, float(delay), times)
        except ValueError:
            raise SimulatorError(f"unknown fault mode {mode!r}") from None
        if (retry_after is not None and retry_after < 0) or delay < 0:
            raise SimulatorError("retry_after and delay must be >= 0")
        with self.lock:
            try:
                self.faults.set(endpoint, fault)
            except ValueError as exc:
                raise SimulatorError(str(exc)) from None

    def clear_faults(self, endpoint: str | None = None) -> None:
        with self.lock:
            self.faults.clear(endpoint)

    def faults_in_force(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return self.faults.describe()

    def set_quirks(self, **changes: Any) -> Quirks:
        with self.lock:
            try:
                quirks = dataclasses.replace(self.quirks, **changes)
            except TypeError as exc:
                raise SimulatorError(str(exc)) from None
            if quirks.inference_credits not in ("403", "real", "zero"):
                raise SimulatorError("inference_credits must be 403, real or zero")
            if quirks.activity_date_format not in ("date", "datetime"):
                raise SimulatorError("activity_date_format must be date or datetime")
            if quirks.analytics_bucket_key not in ("date", "created_at"):
                raise SimulatorError("analytics_bucket_key must be date or created_at")
            if quirks.analytics_bucket_format not in ("date", "datetime"):
                raise SimulatorError("analytics_bucket_format must be date or datetime")
            if not isinstance(quirks.activity_byok_requests, bool):
                raise SimulatorError("activity_byok_requests must be true or false")
            lag = quirks.activity_lag_seconds
            if isinstance(lag, bool) or not isinstance(lag, int | float) or lag < 0:
                raise SimulatorError("activity_lag_seconds must be a number >= 0")
            self.quirks = quirks
            return quirks

    def create_key(self, new: NewKey) -> dict[str, Any]:
        """Returns ``{"secret", "hash", "name", "key": <the /keys item>}``."""
        if new.limit_reset not in (None, "daily", "weekly", "monthly"):
            raise SimulatorError("limit_reset must be daily, weekly, monthly or null")
        with self.lock:
            now = self.clock()
            key = self.ledger.create_key(now, new)
            return {
                "secret": key.secret,
                "hash": key.hash,
                "name": key.name,
                "key": listed_key(key, self.ledger.today(now)),
            }

    def _key(self, hash_: str) -> KeyState:
        key = self.ledger.key_by_hash(hash_)
        if key is None:
            raise SimulatorError(f"no key with hash {hash_}", 404)
        return key

    def update_key(
        self,
        hash_: str,
        *,
        disabled: bool | None = None,
        weight: float | None = None,
        limit: tuple[float | None] | None = None,
        limit_reset: tuple[LimitReset | None] | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            now = self.clock()
            key = self._key(hash_)
            self.ledger.update_key(
                now, key, disabled=disabled, weight=weight, limit=limit, limit_reset=limit_reset
            )
            return listed_key(key, self.ledger.today(now))

    def delete_key(self, hash_: str) -> None:
        with self.lock:
            self.ledger.delete_key(self.clock(), self._key(hash_))

    def advance_days(self, days: int) -> dict[str, Any]:
        if days < 0:
            raise SimulatorError("days must be >= 0")
        with self.lock:
            self.ledger.advance_days(self.clock(), int(days))
        state = self.state()
        return {
            "today": state["today"],
            "calendar_offset_days": state["calendar_offset_days"],
            "activity_window": state["activity_window"],
            "total_usage": state["total_usage"],
            "balance": state["balance"],
        }

    def spend_on_model(
        self, model: str, amount: float, key_hash: str | None = None
    ) -> dict[str, Any]:
        """Spend ``amount`` USD at once on ``model`` through a key (by hash; default: the
        first key in ``/keys`` order that can spend)."""
        if isinstance(amount, bool) or not amount > 0:
            raise SimulatorError("amount must be > 0")
        slugs = [m.slug for m in self.scenario.models]
        if model not in slugs:
            raise SimulatorError(f"unknown model {model!r}", 404)
        with self.lock:
            now = self.clock()
            ledger = self.ledger
            ledger.sync(now)
            t = ledger.sim_time(now)
            if key_hash is None:
                usable = [k for k in ledger.listing() if k.usable(t) and k.weight > 0]
                if not usable:
                    raise SimulatorError("no key can spend")
                key = usable[0]
            else:
                key = self._key(key_hash)
            ledger.spend_on_model(now, key, slugs.index(model), float(amount))
            return {
                "model": model,
                "amount": float(amount),
                "key": key.hash,
                "usage_today": money(ledger.day_spend(ledger.today(now))),
                "total_usage": money(ledger.usage),
            }

    def revise_day(self, day: str | date, model: str, factor: float) -> int:
        """Scale one completed day's rows of one model; returns how many rows changed."""
        if factor < 0:
            raise SimulatorError("factor must be >= 0")
        try:
            when = day if isinstance(day, date) else date.fromisoformat(day)
        except ValueError:
            raise SimulatorError("date must be YYYY-MM-DD") from None
        with self.lock:
            now = self.clock()
            self.ledger.sync(now)
            if date_day(when) >= self.ledger.today(now):
                raise SimulatorError("only completed days can be revised")
            if not self.book.has_model(model):
                raise SimulatorError(f"unknown model {model!r}", 404)
            return self.book.revise(date_day(when), model, float(factor))

    def start_runaway(
        self, key_hash: str, model: str, factor: float, in_seconds: float = 0.0
    ) -> dict[str, Any]:
        """From ``in_seconds`` from now, the account spends ``factor`` times its rate, the
        extra through key ``key_hash`` on ``model`` (see :mod:`.runaway`)."""
        if factor < 1:
            raise SimulatorError("factor must be >= 1")
        if in_seconds < 0:
            raise SimulatorError("in_seconds must be >= 0")
        with self.lock:
            now = self.clock()
            key = self._key(key_hash)
            if not self.book.has_model(model):
                raise SimulatorError(f"unknown model {model!r}", 404)
            ledger = self.ledger
            ledger.sync(now)
            index = next(i for i, m in enumerate(self.scenario.models) if m.slug == model)
            start = ledger.sim_time(now + float(in_seconds))
            ledger.runaways.begin(Runaway(key.index, index, float(factor), start))
            described = ledger.runaways.describe(ledger.keys, ledger.scenario.models, ledger.offset)
            assert described is not None
            return described

    def stop_runaway(self) -> None:
        with self.lock:
            self.ledger.sync(self.clock())
            self.ledger.runaways.end()

    def reset_counts(self) -> None:
        with self.lock:
            self.calls.reset()
