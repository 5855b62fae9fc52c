"""The Analytics API (``POST /analytics/query``, ``GET /analytics/meta``): requests and answers.

Rows are flat objects keyed by the requested metric and dimension names, so they are parsed
against the request that asked for them. Every documented quirk is accepted: counts as
strings, ``null`` usage components (an unused component: 0) and ``null`` dimension values,
the time bucket under ``date__<granularity>`` or ``created_at__<granularity>`` as a date or
a date-time, ``metadata.truncated``, ``warnings`` and an optional ``cachedAt``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import Field, ValidationError

from openrouter_exporter.openrouter.lenient import (
    Flag,
    Money,
    Text,
    Tolerant,
    lenient_datetime,
    lenient_number,
)

Granularity = Literal["minute", "hour", "day", "week", "month"]
BUCKET_PREFIXES = ("date__", "created_at__")


@dataclass(frozen=True)
class AnalyticsQuery:
    """One query: what is asked for decides how the rows are read."""

    metrics: tuple[str, ...]
    dimensions: tuple[str, ...]
    start: datetime
    end: datetime
    granularity: Granularity | None = None
    order_by: str | None = None
    limit: int | None = None
    filters: tuple[tuple[str, str], ...] = ()  # (dimension, value): equal to

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "metrics": list(self.metrics),
            "dimensions": list(self.dimensions),
            "time_range": {"start": _iso(self.start), "end": _iso(self.end)},
        }
        if self.granularity is not None:
            body["granularity"] = self.granularity
        if self.order_by is not None:
            body["order_by"] = {"field": self.order_by, "direction": "desc"}
        if self.limit is not None:
            body["limit"] = self.limit
        if self.filters:
            body["filters"] = [
                {"field": name, "operator": "eq", "value": value} for name, value in self.filters
            ]
        return body


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class AnalyticsRow:
    """One row: dimension values (``None`` when the API sent ``null``), metric values
    (``None`` when sent ``null`` or not sent) and the bucket's day when a granularity
    was asked for and the row carries one."""

    dimensions: Mapping[str, str | None]
    metrics: Mapping[str, float | None]
    bucket: date | None = None

    def metric(self, name: str) -> float:
        """A metric's value, with an unused (``null``) component as 0."""
        return self.metrics.get(name) or 0.0


@dataclass(frozen=True)
class AnalyticsResult:
    rows: tuple[AnalyticsRow, ...]
    truncated: bool
    row_count: int | None = None
    warnings: tuple[str, ...] = ()
    cached_at: float | None = None  # Unix seconds
    server_time: float | None = None  # OpenRouter's clock (the answer's Date header)


class _Metadata(Tolerant):
    query_time_ms: Money = None
    row_count: Money = None
    truncated: Flag = None


class _Envelope(Tolerant):
    data: list[Any]
    metadata: _Metadata = Field(default_factory=_Metadata)
    cachedAt: Money = None  # noqa: N815 - OpenRouter's spelling
    warnings: list[Any] = Field(default_factory=list)


class _QueryAnswer(Tolerant):
    data: _Envelope


class InvalidAnswerError(ValueError):
    """The answer does not have the documented envelope; the message says where."""


def parse_query_answer(body: Any, query: AnalyticsQuery) -> AnalyticsResult:
    try:
        envelope = _QueryAnswer.model_validate(body).data
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        location = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidAnswerError(f"no analytics envelope at {location}: {first['msg']}") from None
    rows = tuple(row for item in envelope.data if (row := parse_row(item, query)) is not None)
    if envelope.data and not rows:
        raise InvalidAnswerError(f"none of the {len(envelope.data)} rows has the requested fields")
    row_count = envelope.metadata.row_count
    return AnalyticsResult(
        rows=rows,
        truncated=bool(envelope.metadata.truncated),
        row_count=int(row_count) if row_count is not None else None,
        warnings=tuple(str(item) for item in envelope.warnings if isinstance(item, str)),
        cached_at=envelope.cachedAt / 1000.0 if envelope.cachedAt is not None else None,
    )


def parse_row(item: Any, query: AnalyticsQuery) -> AnalyticsRow | None:
    """A row, or ``None`` when it is not an object or carries none of the requested
    metrics (a row of something else)."""
    if not isinstance(item, dict):
        return None
    metrics = {name: lenient_number(item.get(name)) for name in query.metrics}
    if not any(name in item for name in query.metrics):
        return None
    dimensions = {name: _dimension_value(item.get(name)) for name in query.dimensions}
    bucket = _bucket(item, query.granularity) if query.granularity else None
    return AnalyticsRow(dimensions=dimensions, metrics=metrics, bucket=bucket)


def _dimension_value(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _bucket(item: Mapping[str, Any], granularity: str) -> date | None:
    for prefix in BUCKET_PREFIXES:
        value = item.get(prefix + granularity)
        if value is None:
            continue
        moment = lenient_datetime(value)
        if isinstance(moment, datetime):
            return moment.astimezone(UTC).date()
    return None


class _Named(Tolerant):
    name: str = Field(min_length=1)
    display_label: Text = None


class _MetaData(Tolerant):
    metrics: list[Any] = Field(default_factory=list)
    dimensions: list[Any] = Field(default_factory=list)
    operators: list[Any] = Field(default_factory=list)
    granularities: list[Any] = Field(default_factory=list)


class _MetaAnswer(Tolerant):
    data: _MetaData


@dataclass(frozen=True)
class AnalyticsMeta:
    """The names an organisation's Analytics API knows: the authority on what to ask."""

    metrics: frozenset[str] = field(default_factory=frozenset)
    dimensions: frozenset[str] = field(default_factory=frozenset)
    operators: frozenset[str] = field(default_factory=frozenset)
    granularities: frozenset[str] = field(default_factory=frozenset)


def parse_meta_answer(body: Any) -> AnalyticsMeta:
    try:
        data = _MetaAnswer.model_validate(body).data
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        location = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidAnswerError(f"no analytics meta at {location}: {first['msg']}") from None
    meta = AnalyticsMeta(
        metrics=_names(data.metrics),
        dimensions=_names(data.dimensions),
        operators=_names(data.operators),
        granularities=_names(data.granularities),
    )
    if not meta.metrics or not meta.dimensions:
        raise InvalidAnswerError("analytics meta lists no metrics or no dimensions")
    return meta


def _names(items: Sequence[Any]) -> frozenset[str]:
    names: set[str] = set()
    for item in items:
        try:
            names.add(_Named.model_validate(item).name)
        except ValidationError:
            continue
    return frozenset(names)
