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

import json
import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from openrouter_simulator.activity import ActivityBook, BaseRow
from openrouter_simulator.ledger import Ledger
from openrouter_simulator.reply import Reply, error_reply
from openrouter_simulator.scenario import Quirks
from openrouter_simulator.spend import DAY, day_date, epoch_day, month_start, week_start

if TYPE_CHECKING:
    from openrouter_simulator.engine import Engine

METRICS: dict[str, tuple[str, str]] = {
    "total_usage": ("Total usage", "currency"),
    "credits_usage": ("Credits usage", "currency"),
    "byok_usage": ("BYOK usage", "currency"),
    "request_count": ("Requests", "number"),
    "tokens_prompt": ("Prompt tokens", "number"),
    "tokens_completion": ("Completion tokens", "number"),
    "reasoning_tokens": ("Reasoning tokens", "number"),
    "cached_tokens": ("Cached tokens", "number"),
}
COUNTS = frozenset(
    {"request_count", "tokens_prompt", "tokens_completion", "reasoning_tokens", "cached_tokens"}
)
NULL_WHEN_ZERO = frozenset({"byok_usage", "reasoning_tokens", "cached_tokens"})
DIMENSIONS = {
    "model": "Model",
    "api_key_id": "API key",
    "workspace": "Workspace",
    "provider": "Provider",
    "app": "App",
    "user": "User",
    "variant": "Variant",
}
PER_REQUEST_DIMENSIONS = frozenset({"provider"})
OPERATORS = {
    "eq": "scalar",
    "neq": "scalar",
    "in": "array",
    "not_in": "array",
    "gt": "scalar",
    "gte": "scalar",
    "lt": "scalar",
    "lte": "scalar",
}
GRANULARITIES = {"day": "Day", "week": "Week", "month": "Month"}
MAX_DIMENSIONS = 2
MAX_FILTERS = 20
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
MAX_RANGE_DAYS = 365
PER_REQUEST_MAX_DAYS = 31
DEFAULT_RANGE_DAYS = 7
REQUESTS_PER_MINUTE = 64
_FILTER_OPERATORS = ("eq", "neq", "in", "not_in")


def meta_body() -> dict[str, Any]:
    return {
        "data": {
            "metrics": [
                {"name": name, "display_label": label, "is_rate": False, "display_format": fmt}
                for name, (label, fmt) in METRICS.items()
            ],
            "dimensions": [
                {"name": name, "display_label": label} for name, label in DIMENSIONS.items()
            ],
            "operators": [{"name": name, "value_type": kind} for name, kind in OPERATORS.items()],
            "granularities": [
                {"name": name, "display_label": label} for name, label in GRANULARITIES.items()
            ],
        }
    }


@dataclass
class RequestLimit:
    """A sliding minute of request times per key. Not locked: the engine locks."""

    per_minute: int = REQUESTS_PER_MINUTE
    _times: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, who: str, now: float) -> float | None:
        """``None`` when the request may go ahead (and counts it), else seconds to wait."""
        times = self._times.setdefault(who, deque())
        while times and times[0] <= now - 60.0:
            times.popleft()
        if len(times) >= self.per_minute:
            return times[0] + 60.0 - now
        times.append(now)
        return None


@dataclass(frozen=True)
class Filter:
    field: str
    operator: str
    values: tuple[str, ...]

    def keeps(self, value: str | None) -> bool:
        inside = value in self.values
        return inside if self.operator in ("eq", "in") else not inside


@dataclass(frozen=True)
class Query:
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...]
    filters: tuple[Filter, ...]
    granularity: str | None
    start: float
    end: float
    order_by: str | None
    descending: bool
    limit: int


class BadQueryError(ValueError):
    """A query the API answers with 400; the message is the API's."""


def parse_query(raw: bytes, now: float) -> Query:
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise BadQueryError("Request body must be JSON") from None
    if not isinstance(body, dict):
        raise BadQueryError("Request body must be a JSON object")
    metrics = _names(body.get("metrics"), "metrics")
    if not metrics:
        raise BadQueryError("At least one metric is required")
    for name in metrics:
        if name not in METRICS:
            raise BadQueryError(f"Unknown metric: {name}")
    dimensions = _names(body.get("dimensions", []), "dimensions")
    if len(dimensions) > MAX_DIMENSIONS:
        raise BadQueryError(f"At most {MAX_DIMENSIONS} dimensions are allowed")
    for name in dimensions:
        if name not in DIMENSIONS:
            raise BadQueryError(f"Unknown dimension: {name}")
    granularity = body.get("granularity")
    if granularity is not None and granularity not in GRANULARITIES:
        raise BadQueryError(f"Unsupported granularity: {granularity}")
    start, end = _time_range(body.get("time_range"), now)
    if any(name in PER_REQUEST_DIMENSIONS for name in dimensions) and (
        end - start > PER_REQUEST_MAX_DAYS * DAY
    ):
        raise BadQueryError(f"Per-request dimensions need a range of {PER_REQUEST_MAX_DAYS} days")
    order_by, descending = _order(body.get("order_by"), metrics, dimensions)
    limit = body.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadQueryError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return Query(
        metrics=metrics,
        dimensions=dimensions,
        filters=_filters(body.get("filters", [])),
        granularity=granularity,
        start=start,
        end=end,
        order_by=order_by,
        descending=descending,
        limit=limit,
    )


def _names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadQueryError(f"{what} must be an array of names")
    return tuple(value)


def _instant(value: Any, what: str) -> float:
    if not isinstance(value, str):
        raise BadQueryError(f"time_range.{what} must be an ISO date-time")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadQueryError(f"time_range.{what} must be an ISO date-time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _time_range(value: Any, now: float) -> tuple[float, float]:
    if value is None:
        return now - DEFAULT_RANGE_DAYS * DAY, now
    if not isinstance(value, dict):
        raise BadQueryError("time_range must be an object with start and end")
    start = _instant(value.get("start"), "start")
    end = _instant(value.get("end"), "end")
    if end <= start:
        raise BadQueryError("time_range.end must be after time_range.start")
    if end - start > MAX_RANGE_DAYS * DAY:
        raise BadQueryError(f"time_range may span at most {MAX_RANGE_DAYS} days")
    return start, end


def _order(
    value: Any, metrics: tuple[str, ...], dimensions: tuple[str, ...]
) -> tuple[str | None, bool]:
    if value is None:
        return None, True
    if not isinstance(value, dict):
        raise BadQueryError("order_by must be an object with field and direction")
    name, direction = value.get("field"), value.get("direction", "desc")
    if name not in (*metrics, *dimensions, "request_count", "date"):
        raise BadQueryError(f"Cannot order by {name}")
    if direction not in ("asc", "desc"):
        raise BadQueryError("order_by.direction must be asc or desc")
    return str(name), direction == "desc"


def _filters(value: Any) -> tuple[Filter, ...]:
    if not isinstance(value, list):
        raise BadQueryError("filters must be an array")
    if len(value) > MAX_FILTERS:
        raise BadQueryError(f"At most {MAX_FILTERS} filters are allowed")
    filters = []
    for item in value:
        if not isinstance(item, dict):
            raise BadQueryError("each filter must be an object")
        name, operator, raw = item.get("field"), item.get("operator"), item.get("value")
        if name not in DIMENSIONS:
            raise BadQueryError(f"Unknown filter field: {name}")
        if operator not in OPERATORS:
            raise BadQueryError(f"Unknown operator: {operator}")
        if operator not in _FILTER_OPERATORS:
            raise BadQueryError(f"Operator {operator} does not apply to {name}")
        values = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(v, str) for v in values):
            raise BadQueryError(f"filter values of {name} must be strings")
        filters.append(Filter(str(name), str(operator), tuple(str(v) for v in values)))
    return tuple(filters)


@dataclass(frozen=True)
class _Cell:
    """Part ``scale`` of one ``/activity`` base row (a day's model endpoint), spent through
    one key (``key`` -1: all keys together)."""

    day: int
    key: int
    row: BaseRow
    scale: float

    def value(self, metric: str, reasons: bool) -> float:
        row, scale = self.row, self.scale
        if metric == "credits_usage":
            return row.usage * scale
        if metric == "byok_usage":
            return row.byok * scale
        if metric == "total_usage":
            return (row.usage + row.byok) * scale
        if metric == "request_count":
            return row.requests * scale
        if metric == "tokens_prompt":
            return row.prompt * scale
        if metric == "tokens_completion":
            return row.completion * scale
        if metric == "reasoning_tokens":
            return row.reasoning * scale if reasons else 0.0
        return row.prompt * scale / 4  # cached_tokens


def _cells(
    ledger: Ledger, book: ActivityBook, days: Iterable[int], today: int, per_key: bool
) -> Iterator[_Cell]:
    for day in days:
        rows = book.current_rows(day) if day >= today else book.base_rows(day)
        if not rows:
            continue
        if not per_key:
            for row in rows:
                yield _Cell(day, -1, row, book.revisions.get((day, row.model), 1.0))
            continue
        spend = ledger.key_day_spend(day)
        targeted = ledger.targeted.get(day, {})
        aimed: dict[int, float] = {}
        for (key, _model), amount in targeted.items():
            aimed[key] = aimed.get(key, 0.0) + amount
        shares = {(e.model, e.endpoint): e.share for e in ledger.model.mix(day).entries}
        for row in rows:
            if row.usage <= 0:
                continue
            revision = book.revisions.get((day, row.model), 1.0)
            share = shares.get((row.model, row.endpoint), 0.0)
            for key, amount in spend.items():
                usage = share * (amount - aimed.get(key, 0.0))
                if row.endpoint == 0:
                    usage += targeted.get((key, row.model), 0.0)
                if usage > 0:
                    yield _Cell(day, key, row, usage / row.usage * revision)


def answer_query(
    ledger: Ledger, book: ActivityBook, query: Query, now: float, quirks: Quirks
) -> dict[str, Any]:
    """The 200 body (call with the engine's lock held)."""
    # The range is on the simulated calendar (what the answers' Date header shows).
    t_start, t_end = query.start, query.end
    today = ledger.today(now)
    # Whole days: the simulator keeps spend per day, and the exporter asks for whole days.
    first, last = epoch_day(t_start), min(today, epoch_day(t_end - 1e-6))
    days = range(max(first, ledger.start_day - ledger.scenario.history_days), last + 1)
    warnings: list[str] = []
    keys_allowed = _key_filter(ledger, query.filters, warnings)
    per_key = keys_allowed is not None or any(
        name in ("api_key_id", "workspace")
        for name in (*query.dimensions, *(f.field for f in query.filters))
    )
    summed = list(query.metrics)
    if query.order_by in METRICS and query.order_by not in summed:
        summed.append(query.order_by)
    groups: dict[tuple[Any, ...], dict[str, float]] = {}
    for cell in _cells(ledger, book, days, today, per_key):
        if keys_allowed is not None and cell.key not in keys_allowed:
            continue
        labels = {name: _dimension(ledger, cell, name) for name in DIMENSIONS}
        if not all(f.keeps(labels[f.field]) for f in query.filters if f.field != "api_key_id"):
            continue
        bucket = _bucket(cell.day, query.granularity) if query.granularity else None
        # Rows are per key, shown by name: two keys of the same name make two rows.
        group = (
            bucket,
            *(
                _KeyName(labels[name], cell.key) if name == "api_key_id" else labels[name]
                for name in query.dimensions
            ),
        )
        sums = groups.setdefault(group, dict.fromkeys(summed, 0.0))
        reasons = ledger.scenario.models[cell.row.model].reasoning_ratio > 0
        for name in summed:
            sums[name] += cell.value(name, reasons)
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


def _dimension(ledger: Ledger, cell: _Cell, name: str) -> str | None:
    model = ledger.scenario.models[cell.row.model]
    if name == "model":
        return model.slug
    if cell.key < 0:
        return None
    if name == "api_key_id":
        return ledger.keys[cell.key].name
    if name == "provider":
        return model.endpoints[cell.row.endpoint].provider_name
    if name == "workspace":
        workspace_id = ledger.keys[cell.key].workspace_id
        names = [n for n, i in ledger.workspaces.items() if i == workspace_id]
        return names[0] if names else None
    return None  # app, user, variant: the simulated requests carry none


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
        row[name] = value.name if isinstance(value, _KeyName) else value
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
    name = query.order_by
    if name is not None and name in METRICS:
        return sorted(groups, key=lambda pair: pair[1][name], reverse=query.descending)
    if name is not None and name in query.dimensions:
        index = 1 + query.dimensions.index(name)
        return sorted(groups, key=lambda pair: str(pair[0][index] or ""), reverse=query.descending)
    if query.granularity is not None:
        descending = query.descending if name == "date" else True
        return sorted(groups, key=lambda pair: pair[0][0], reverse=descending)
    return groups


def today_credits_usage(ledger: Ledger, now: float) -> float:
    """Credits used since the simulated UTC midnight, as ``/analytics/query`` sums them."""
    return ledger.day_spend(ledger.today(now))


def analytics_answer(
    engine: Engine, path: str, body: bytes, now: float, quirks: Quirks
) -> dict[str, Any] | Reply:
    """Answer an authenticated management request (call with the engine's lock held)."""
    wait = engine.analytics_limit.retry_after(engine.management_key, now)
    if wait is not None:
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
        return error_reply(429, "Rate limit exceeded", headers)
    if path == "/analytics/meta":
        return meta_body()
    try:
        query = parse_query(body, engine.ledger.sim_time(now))
    except BadQueryError as error:
        return error_reply(400, str(error))
    return answer_query(engine.ledger, engine.book, query, now, quirks)
