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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openrouter_simulator.keys import KeyState
from openrouter_simulator.specs import ModelSpec


@dataclass(frozen=True)
class Runaway:
    key_index: int
    model_index: int
    factor: float
    start: float  # simulated Unix time


@dataclass(frozen=True)
class RunawaySpend:
    """The extra spend a runaway asks for over an interval, before the key's limit and the
    balance cap it: the ledger applies it."""

    key_index: int
    model_index: int
    begin: float  # simulated time the extra spend starts at
    amount: float


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

    def extra_spend(
        self, a: float, b: float, speed: float, spend_between: Callable[[float, float], float]
    ) -> RunawaySpend | None:
        """The extra spend over the simulated interval ``[a, b)`` (within one day), at
        ``speed`` on the account's curve ``spend_between``; ``None`` outside a runaway."""
        runaway = self.current
        if runaway is None or b <= runaway.start:
            return None
        begin = max(a, runaway.start)
        amount = (runaway.factor - 1.0) * speed * spend_between(begin, b)
        return RunawaySpend(runaway.key_index, runaway.model_index, begin, amount)

    def describe(
        self, keys: Sequence[KeyState], models: Sequence[ModelSpec], offset: float
    ) -> dict[str, Any] | None:
        runaway = self.current
        if runaway is None:
            return None
        key = keys[runaway.key_index]
        return {
            "key": key.hash,
            "key_name": key.name,
            "model": models[runaway.model_index].slug,
            "factor": runaway.factor,
            "start": runaway.start - offset,
        }
