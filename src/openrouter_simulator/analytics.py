"""``POST /analytics/query`` and ``GET /analytics/meta``: spend by model and key, today included.

Answers come from the same spend as ``/activity``, ``/keys`` and ``/credits``: a day's rows
per (model, provider endpoint) (today's so far, growing) split over the keys by their spend
that day, plus the spend made on one model on purpose. So today's ``credits_usage`` over all
models is the credits used since the simulated UTC midnight, and a completed day's figures
per model are that day's ``/activity`` rows summed over providers (to rounding).

As the reference describes: counts are strings; unused usage components (``byok_usage``
without BYOK spend, ``reasoning_tokens`` of a model that does not reason) are ``null``;
``api_key_id`` groups by the key's name (names may repeat) and filters by its hash (an
unknown hash: no rows and a warning); ``app``, ``user`` and ``variant`` are ``null`` (the
simulated requests carry none); buckets are ``date__<granularity>`` or, per the
``analytics_bucket_key`` quirk, ``created_at__<granularity>``, as dates or date-times
(``analytics_bucket_format``); with a granularity and no ``order_by`` rows are newest
first; ``limit`` cuts the rows and sets ``metadata.truncated``. Limits: at most 2
dimensions, 20 filters, ``limit`` 1..10,000, a year's range, ``provider`` only for ranges
of 31 days or less, 64 requests a minute per key (then 429 with ``Retry-After``). The
simulator offers the granularities day, week and month (``/analytics/meta`` says so).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from openrouter_simulator.activity import ActivityBook, BaseRow
from openrouter_simulator.analytics_query import (
    COUNTS,
    METRICS,
    NULL_WHEN_ZERO,
    Filter,
    Query,
)
from openrouter_simulator.ledger import Ledger
from openrouter_simulator.scenario import Quirks
from openrouter_simulator.spend import day_date, epoch_day, month_start, week_start


def _unscaled(row: BaseRow, metric: str, reasons: bool) -> float:
    """A base row's figure for ``metric``; a cell of it adds this times its scale."""
    if metric == "credits_usage":
        return row.usage
    if metric == "byok_usage":
        return row.byok
    if metric == "total_usage":
        return row.usage + row.byok
    if metric == "request_count":
        return float(row.requests)
    if metric == "tokens_prompt":
        return float(row.prompt)
    if metric == "tokens_completion":
        return float(row.completion)
    if metric == "reasoning_tokens":
        return float(row.reasoning) if reasons else 0.0
    return row.prompt / 4  # cached_tokens


_KEY_DIMENSIONS = frozenset({"api_key_id", "workspace", "user"})


@dataclass
class _Unit:
    """Rows of one day that no requested dimension tells apart (one model's endpoints
    unless ``provider`` is asked for): their labels, and what they add to each summed
    metric per USD a key spent through the day's mix (``mixed``) or on the model on
    purpose (``aimed``), or in all (``total``)."""

    labels: dict[str, str | None]
    model: int
    mixed: list[float]
    aimed: list[float]
    total: list[float]


def _units(
    ledger: Ledger, book: ActivityBook, day: int, today: int, summed: list[str], by_provider: bool
) -> dict[tuple[int, int], _Unit]:
    rows = book.current_rows(day) if day >= today else book.base_rows(day)
    models = ledger.scenario.models
    shares = {(e.model, e.endpoint): e.share for e in ledger.model.mix(day).entries}
    units: dict[tuple[int, int], _Unit] = {}
    for row in rows:
        if row.usage <= 0:
            continue
        model = models[row.model]
        where = (row.model, row.endpoint if by_provider else -1)
        unit = units.get(where)
        if unit is None:
            labels: dict[str, str | None] = {"model": model.slug}
            if by_provider:
                labels["provider"] = model.endpoints[row.endpoint].provider_name
            zero = [0.0] * len(summed)
            unit = units[where] = _Unit(labels, row.model, zero, list(zero), list(zero))
        revision = book.revisions.get((day, row.model), 1.0)
        reasons = model.reasoning_ratio > 0
        share = shares.get((row.model, row.endpoint), 0.0)
        for index, metric in enumerate(summed):
            value = _unscaled(row, metric, reasons) * revision
            unit.total[index] += value
            unit.mixed[index] += value * share / row.usage
            if row.endpoint == 0:
                unit.aimed[index] += value / row.usage
    return units


Members = Mapping[str, tuple[str | None, str]]
"""Organisation members by user id: display name and e-mail address."""


def _key_labels(ledger: Ledger, key: int, members: Members) -> dict[str, Any]:
    """What a key's rows show for the key dimensions, and what filters compare: the
    workspace is filtered by uuid and shown by name; the member (``user``: who created the
    key) is filtered by ``user_…`` id and shown by display name, with ``user_email``."""
    state = ledger.keys[key]
    workspace = next((n for n, i in ledger.workspaces.items() if i == state.workspace_id), None)
    member = members.get(state.creator_user_id or "")
    return {
        "api_key_id": state.name,
        "workspace": workspace,
        "user": _UserName(*member) if member else None,
        _FILTERED_AS["workspace"]: state.workspace_id,
        _FILTERED_AS["user"]: state.creator_user_id,
    }


_FILTERED_AS = {"workspace": "workspace#id", "user": "user#id"}


class _UserName(NamedTuple):
    name: str | None
    email: str


@dataclass(frozen=True)
class _Day:
    """One day's inputs, copied under the engine's lock."""

    bucket: int | None
    units: list[_Unit]
    spenders: list[tuple[int, float, dict[str, Any]]]  # key (-1: all), USD via mix, labels
    targeted: dict[tuple[int, int], float]


def answer_query(
    ledger: Ledger,
    book: ActivityBook,
    query: Query,
    now: float,
    quirks: Quirks,
    members: Members | None = None,
) -> Callable[[], dict[str, Any]]:
    """Gathers the inputs (call with the engine's lock held) and returns what builds the
    200 body from them, to be called without the lock: summing a large account's keys x
    models takes a while and must not hold up the other endpoints.

    A day's spend is its ``/activity`` base rows (today's so far), split over the keys by
    their spend that day through the day's model mix, plus what each key spent on one
    model on purpose."""
    today = ledger.today(now)
    # Whole days, on the simulated calendar (what the answers' Date header shows): the
    # simulator keeps spend per day, and the exporter asks for whole days.
    first, last = epoch_day(query.start), min(today, epoch_day(query.end - 1e-6))
    days = range(max(first, ledger.start_day - ledger.scenario.history_days), last + 1)
    warnings: list[str] = []
    keys_allowed = _key_filter(ledger, query.filters, warnings)
    filters = [f for f in query.filters if f.field != "api_key_id"]
    needed = {*query.dimensions, *(f.field for f in filters)}
    per_key = keys_allowed is not None or bool(needed & _KEY_DIMENSIONS)
    summed = list(query.metrics)
    if query.order_by in METRICS and query.order_by not in summed:
        summed.append(query.order_by)
    inputs = []
    for day in days:
        units = [
            unit
            for unit in _units(ledger, book, day, today, summed, "provider" in needed).values()
            if all(f.keeps(unit.labels.get(f.field)) for f in filters if f.field in unit.labels)
        ]
        targeted = dict(ledger.targeted.get(day, {})) if per_key else {}
        spenders: list[_Spender] = [(-1, 1.0, {})]
        if per_key:
            spenders = _spenders(ledger, day, targeted, keys_allowed, filters, members or {})
        bucket = _bucket(day, query.granularity) if query.granularity else None
        inputs.append(_Day(bucket, units, spenders, targeted))

    def build() -> dict[str, Any]:
        groups = _summed(inputs, query, summed)
        ordered = _ordered(list(groups.items()), query)
        truncated = len(ordered) > query.limit
        if truncated:
            warnings.append(f"Result truncated to {query.limit} rows")
        rows = [_row(group, sums, query, quirks) for group, sums in ordered[: query.limit]]
        metadata = {
            "query_time_ms": 3 + len(rows) // 50,
            "row_count": len(rows),
            "truncated": truncated,
        }
        data: dict[str, Any] = {"data": rows, "metadata": metadata}
        if warnings:
            data["warnings"] = warnings
        return {"data": data}

    return build


_Spender = tuple[int, float, dict[str, Any]]
"""A key's index, what it spent through the day's model mix, and its labels."""


def _spenders(
    ledger: Ledger,
    day: int,
    targeted: dict[tuple[int, int], float],
    keys_allowed: set[int] | None,
    filters: list[Filter],
    members: Members,
) -> list[_Spender]:
    """The keys that spent on ``day`` and pass the filters."""
    aimed: dict[int, float] = {}
    for (key, _model), amount in targeted.items():
        aimed[key] = aimed.get(key, 0.0) + amount
    spenders = []
    for key, amount in ledger.key_day_spend(day).items():
        labels = _key_labels(ledger, key, members)
        if (keys_allowed is None or key in keys_allowed) and all(
            f.keeps(labels.get(_FILTERED_AS.get(f.field, f.field)))
            for f in filters
            if f.field in labels
        ):
            spenders.append((key, amount - aimed.get(key, 0.0), labels))
    return spenders


def _summed(
    inputs: list[_Day], query: Query, summed: list[str]
) -> dict[tuple[Any, ...], dict[str, float]]:
    sums_by_group: dict[tuple[Any, ...], list[float]] = {}
    for day in inputs:
        for key, amount, labels in day.spenders:
            for unit in day.units:
                if key < 0:
                    adds = unit.total
                else:
                    extra = day.targeted.get((key, unit.model), 0.0) if day.targeted else 0.0
                    adds = [amount * value for value in unit.mixed]
                    if extra:
                        adds = [a + extra * v for a, v in zip(adds, unit.aimed, strict=True)]
                    elif adds[0] <= 0:
                        continue
                # Rows are per key, shown by name: two keys of one name make two rows.
                group = (
                    day.bucket,
                    *(
                        _KeyName(labels.get(name), key)
                        if name == "api_key_id"
                        else unit.labels.get(name, labels.get(name))
                        for name in query.dimensions
                    ),
                )
                sums = sums_by_group.get(group)
                if sums is None:
                    sums_by_group[group] = list(adds)
                else:
                    for index, value in enumerate(adds):
                        sums[index] += value
    return {group: dict(zip(summed, sums, strict=True)) for group, sums in sums_by_group.items()}


def _key_filter(ledger: Ledger, filters: Iterable[Filter], warnings: list[str]) -> set[int] | None:
    allowed: set[int] | None = None
    for item in filters:
        if item.field != "api_key_id":
            continue
        known = {h: ledger.known_hash(h) for h in item.values}
        for hash_, key in known.items():
            if key is None:
                warnings.append(f"Unknown api_key_id filter value: {hash_}")
        chosen = {key.index for key in known.values() if key is not None}
        if item.operator in ("neq", "not_in"):
            chosen = {key.index for key in ledger.keys} - chosen
        allowed = chosen if allowed is None else allowed & chosen
    return allowed


class _KeyName(NamedTuple):
    name: str | None
    key: int


def _bucket(day: int, granularity: str) -> int:
    if granularity == "week":
        return week_start(day)
    if granularity == "month":
        return month_start(day)
    return day


def _row(
    group: tuple[Any, ...], sums: dict[str, float], query: Query, quirks: Quirks
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    bucket = group[0]
    if query.granularity is not None:
        text = day_date(bucket).isoformat()
        if quirks.analytics_bucket_format == "datetime":
            text += "T00:00:00.000Z"
        row[f"{quirks.analytics_bucket_key}__{query.granularity}"] = text
    for name, value in zip(query.dimensions, group[1:], strict=True):
        row[name] = value.name if isinstance(value, _KeyName | _UserName) else value
        if name == "user":
            row["user_email"] = value.email if isinstance(value, _UserName) else None
    for name in query.metrics:
        value = sums[name]
        if name in COUNTS:
            row[name] = None if name in NULL_WHEN_ZERO and value < 0.5 else str(round(value))
        elif name in NULL_WHEN_ZERO and value <= 0:
            row[name] = None
        else:
            row[name] = round(value, 10)
    return row


def _ordered(
    groups: list[tuple[tuple[Any, ...], dict[str, float]]], query: Query
) -> list[tuple[tuple[Any, ...], dict[str, float]]]:
    """The groups in the asked order; by a metric, only the first ``limit + 1`` (enough
    to know whether the answer is truncated)."""
    name = query.order_by
    if name is not None and name in METRICS:
        pick = heapq.nlargest if query.descending else heapq.nsmallest
        return pick(query.limit + 1, groups, key=lambda pair: pair[1][name])
    if name is not None and name in query.dimensions:
        index = 1 + query.dimensions.index(name)
        return sorted(groups, key=lambda pair: str(pair[0][index] or ""), reverse=query.descending)
    if query.granularity is not None:
        descending = query.descending if name == "date" else True
        return sorted(groups, key=lambda pair: pair[0][0], reverse=descending)
    return groups
