"""``/activity`` rows: one per (completed UTC day, model, provider endpoint).

A day's credit spend (from the ledger: history plus live accrual) is split over the day's
model mix (:meth:`SpendModel.mix`). Requests and tokens follow from the spend and the
model's list prices, with deterministic jitter: ``usage + byok_usage_inference`` is what the
tokens cost (``prompt * prompt_price + completion * completion_price``, to rounding), and
reasoning tokens are a part of the completion tokens, never added on top.

Rows of a completed day never change (the calendar only moves forward), so they are
cached per day. Revisions (control API) are multipliers per (day, model) applied when
rows are emitted. Rows filtered to one key or grouped per workspace are the account's rows
scaled by that key's (workspace's) share of the day's spend.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openrouter_simulator.identity import make_uuid
from openrouter_simulator.ledger import Ledger
from openrouter_simulator.scenario import Quirks
from openrouter_simulator.spend import DAY, MixEntry, day_date

WINDOW_DAYS = 30


@dataclass(frozen=True)
class BaseRow:
    model: int
    endpoint: int
    usage: float
    byok: float
    requests: int
    prompt: int
    completion: int
    reasoning: int
    byok_requests: int


class ActivityBook:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.scenario = ledger.scenario
        self.revisions: dict[tuple[int, int], float] = {}
        self.version = 0
        self._rows: dict[int, tuple[BaseRow, ...]] = {}
        self._model_index = {m.slug: i for i, m in enumerate(self.scenario.models)}
        seed = self.scenario.seed
        self._endpoint_ids = [
            [make_uuid(seed, "endpoint", m.slug, e.provider_name) for e in m.endpoints]
            for m in self.scenario.models
        ]

    # ---- the window -----------------------------------------------------------------------

    def window(self, now: float, quirks: Quirks) -> tuple[int, int, int]:
        """``(first, last_available, last)``: the 30 completed days are ``first..last``;
        with the lag quirk, yesterday may not be available yet (``last_available < last``)."""
        t = self.ledger.sim_time(now)
        today = self.ledger.today(now)
        last = today - 1
        available = last
        if t - today * DAY < quirks.activity_lag_seconds:
            available = last - 1
        return today - WINDOW_DAYS, available, last

    # ---- rows -----------------------------------------------------------------------------

    def base_rows(self, day: int) -> tuple[BaseRow, ...]:
        """The account's rows of a completed day, unrevised."""
        cached = self._rows.get(day)
        if cached is None:
            cached = self._build(day)
            self._rows[day] = cached
        return cached

    def _build(self, day: int) -> tuple[BaseRow, ...]:
        runaway = self.ledger.runaways.spent_on(day)  # extra spend on one model each
        total = self.ledger.day_spend(day) - sum(runaway.values())
        if total + sum(runaway.values()) <= 0:
            return ()
        rng = random.Random(f"{self.scenario.seed}:tokens:{day}")
        rows: list[BaseRow] = []
        entries = list(self.ledger.model.mix(day).entries)
        mixed = {entry.model for entry in entries}
        entries += [MixEntry(m, 0, 0.0) for m in runaway if m not in mixed]
        for entry in entries:
            model = self.scenario.models[entry.model]
            endpoint = model.endpoints[entry.endpoint]
            usage = total * entry.share + runaway.pop(entry.model, 0.0)
            byok = usage * endpoint.byok_ratio
            u1, u2, u3 = rng.random(), rng.random(), rng.random()
            if usage < 1e-9:
                continue
            basis = usage + byok
            p_in, p_out = model.prompt_price, model.completion_price
            per_request = model.avg_prompt_tokens * p_in + model.avg_completion_tokens * p_out
            if per_request <= 0:
                requests = max(1, round(total * 20 * entry.share))
                prompt = round(requests * model.avg_prompt_tokens * (0.8 + 0.4 * u2))
                completion = float(requests * model.avg_completion_tokens)
            else:
                requests = max(1, round(basis / per_request * (0.85 + 0.3 * u1)))
                prompt = round(requests * model.avg_prompt_tokens * (0.8 + 0.4 * u2))
                completion = (basis - prompt * p_in) / p_out if p_out > 0 else 0.0
                if completion < requests and p_in > 0 and p_out > 0:
                    prompt = round(basis * 0.6 / p_in)
                    completion = basis * 0.4 / p_out
            completion_tokens = max(1, round(completion))
            reasoning_share = model.reasoning_ratio * (0.8 + 0.4 * u3)
            reasoning = min(completion_tokens, round(completion_tokens * reasoning_share))
            byok_requests = round(requests * byok / basis) if byok > 0 else 0
            rows.append(
                BaseRow(
                    entry.model,
                    entry.endpoint,
                    usage,
                    byok,
                    requests,
                    prompt,
                    completion_tokens,
                    reasoning,
                    byok_requests,
                )
            )
        return tuple(rows)

    def revise(self, day: int, model_slug: str, factor: float) -> int:
        """Scale ``day``'s rows of one model by ``factor`` (cumulative); returns the number of
        rows affected. The day must be completed."""
        model = self._model_index[model_slug]
        key = (day, model)
        self.revisions[key] = self.revisions.get(key, 1.0) * factor
        self.version += 1
        return sum(1 for row in self.base_rows(day) if row.model == model)

    def has_model(self, slug: str) -> bool:
        return slug in self._model_index

    def rows(
        self,
        days: Iterable[int],
        quirks: Quirks,
        *,
        keys: set[int] | None = None,
        by_workspace: bool = False,
    ) -> list[dict[str, Any]]:
        """Rows for ``days``, for the whole account or only ``keys`` (key indices); with
        ``by_workspace`` one set of rows per workspace, tagged ``workspace_id``."""
        out: list[dict[str, Any]] = []
        for day in days:
            base = self.base_rows(day)
            if not base:
                continue
            for fraction, workspace in self._fractions(day, keys, by_workspace):
                out.extend(self._emit(day, base, fraction, workspace, quirks))
        return out

    def _fractions(
        self, day: int, keys: set[int] | None, by_workspace: bool
    ) -> list[tuple[float, str | None]]:
        if keys is None and not by_workspace:
            return [(1.0, None)]
        spend = self.ledger.key_day_spend(day)
        total = sum(spend.values())
        if total <= 0:
            return []
        if not by_workspace:
            part = sum(v for k, v in spend.items() if keys is None or k in keys)
            return [(part / total, None)] if part > 0 else []
        per_workspace: dict[str, float] = {}
        for index, amount in spend.items():
            if keys is None or index in keys:
                workspace = self.ledger.keys[index].workspace_id
                per_workspace[workspace] = per_workspace.get(workspace, 0.0) + amount
        return [(v / total, w) for w, v in sorted(per_workspace.items()) if v > 0]

    def _emit(
        self,
        day: int,
        base: tuple[BaseRow, ...],
        fraction: float,
        workspace: str | None,
        quirks: Quirks,
    ) -> Iterable[dict[str, Any]]:
        date_text = day_date(day).isoformat()
        if quirks.activity_date_format == "datetime":
            date_text += " 00:00:00"
        models = self.scenario.models
        for row in base:
            scale = fraction * self.revisions.get((day, row.model), 1.0)
            usage = row.usage * scale
            if usage <= 0:
                continue
            model = models[row.model]
            item: dict[str, Any] = {
                "date": date_text,
                "model": model.slug,
                "model_permaslug": model.permaslug,
                "endpoint_id": self._endpoint_ids[row.model][row.endpoint],
                "provider_name": model.endpoints[row.endpoint].provider_name,
                "usage": round(usage, 10),
                "byok_usage_inference": round(row.byok * scale, 10),
                "requests": max(1, round(row.requests * scale)),
                "prompt_tokens": round(row.prompt * scale),
                "completion_tokens": round(row.completion * scale),
                "reasoning_tokens": round(row.reasoning * scale),
            }
            if item["reasoning_tokens"] > item["completion_tokens"]:
                item["reasoning_tokens"] = item["completion_tokens"]
            if quirks.activity_byok_requests:
                item["byok_requests"] = round(row.byok_requests * scale)
            if workspace is not None:
                item["workspace_id"] = workspace
            yield item
