"""A runaway: from a given moment one key spends N times the account's rate on one model.

It stands for an agent stuck in a loop, a leaked key or a batch pointed at an expensive
model. While it runs, the account spends ``factor`` times what it would (the rhythm and the
speed factor included): the extra ``(factor - 1)`` part goes through the runaway's key and
onto its model. The extra spend is real spend everywhere the API shows spend: the total
usage of ``/credits``, the key's usage (and its limit) in ``/keys``, the key's spend of the
day, and, once the day is completed, that model's ``/activity`` rows. It stops by itself
while the key cannot spend (disabled, deleted, expired, at its limit) and at a balance of 0
(requests fail with 402 there); a new runaway replaces the previous one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openrouter_simulator.ledger import Ledger


@dataclass(frozen=True)
class Runaway:
    key_index: int
    model_index: int
    factor: float
    start: float  # simulated Unix time


class Runaways:
    """The runaway in force (at most one). Its extra spend is the ledger's spend targeted at
    one (key, model), as ``POST /_sim/spend`` records it, so /activity and the Analytics API
    attribute it alike."""

    def __init__(self) -> None:
        self.current: Runaway | None = None

    def begin(self, runaway: Runaway) -> None:
        self.current = runaway

    def end(self) -> None:
        self.current = None

    def factor_at(self, t: float) -> float:
        runaway = self.current
        return runaway.factor if runaway is not None and t >= runaway.start else 1.0

    def accrue(
        self,
        ledger: Ledger,
        day: int,
        a: float,
        b: float,
        speed: float,
        real_at: Callable[[float], float],
    ) -> None:
        """Charge the extra spend of the simulated interval ``[a, b)`` within ``day``."""
        runaway = self.current
        if runaway is None or b <= runaway.start:
            return
        begin = max(a, runaway.start)
        key = ledger.keys[runaway.key_index]
        if not key.usable(begin) or ledger.balance <= 0:
            return
        extra = (runaway.factor - 1.0) * speed * ledger.model.spend_between(begin, b)
        extra = min(extra, key.capacity(day, 0.0), ledger.balance)
        if extra <= 0:
            return
        key.add_spend(day, extra, 0.0)
        live = ledger.live.setdefault(day, {})
        live[key.index] = live.get(key.index, 0.0) + extra
        ledger.usage += extra
        targeted = ledger.targeted.setdefault(day, {})
        pair = (key.index, runaway.model_index)
        targeted[pair] = targeted.get(pair, 0.0) + extra
        if ledger.balance <= 0 and ledger.exhausted_at is None:
            ledger.exhausted_at = real_at(b)

    def describe(self, ledger: Ledger) -> dict[str, Any] | None:
        runaway = self.current
        if runaway is None:
            return None
        key = ledger.keys[runaway.key_index]
        return {
            "key": key.hash,
            "key_name": key.name,
            "model": ledger.scenario.models[runaway.model_index].slug,
            "factor": runaway.factor,
            "start": runaway.start - ledger.offset,
        }
