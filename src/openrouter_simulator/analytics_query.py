"""The Analytics API's vocabulary (``GET /analytics/meta``) and the parsing of a query: the
metrics, dimensions, operators and granularities, and every limit a query is checked
against (400 with the API's message when it breaks one)."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from openrouter_simulator.spend import DAY

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
