"""Today per model and per key x model from the Analytics API: what to ask, how to read it.

``/analytics/meta`` is the authority on names: the spend is ``credits_usage`` (what
``/activity`` calls ``usage``), else ``total_usage`` minus ``byok_usage``; counts and tokens
are asked for only when the organisation has them, and a figure not asked for is unknown,
never 0. Per model, one query with a day granularity covers yesterday, today and tomorrow
(by OpenRouter's clock, the answers' ``Date`` header): today's bucket gives the today
gauges, and every bucket goes to the ledger as provisional figures (so the closing minutes
of yesterday are counted at the first poll after midnight). Per key x model, a second query
ordered by spend gives the top pairs; the rest are summed into one ``other`` series.

The Analytics API groups keys by display name, not hash. A name that exactly one key in
``/keys`` has gets that key's ``key_hash``; a name shared by several keys, or not in
``/keys`` (a deleted key, another workspace), gets ``key_hash=""`` and its keys' spend is
summed into one series per model under that name.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import ModelTotals
from openrouter_exporter.core.pace import SpendToday
from openrouter_exporter.core.reconcile import Figures
from openrouter_exporter.core.snapshot import AccountSnapshot, KeyReading
from openrouter_exporter.openrouter.analytics_models import (
    AnalyticsMeta,
    AnalyticsQuery,
    AnalyticsResult,
    AnalyticsRow,
)

MAX_ROWS = 10_000
PAIR_ROWS_PER_PAIR = 4
PAIR_ROWS_SPARE = 100
UNKNOWN = "unknown"
OTHER = "other"
# Ledger field -> Analytics API metric (spend and BYOK spend are handled apart).
_COUNT_METRICS = {
    "requests": "request_count",
    "prompt_tokens": "tokens_prompt",
    "completion_tokens": "tokens_completion",
    "reasoning_tokens": "reasoning_tokens",
}


class UnsupportedError(Exception):
    """The organisation's Analytics API lacks a name this exporter needs."""


@dataclass(frozen=True)
class AnalyticsPlan:
    """The metric names to ask for, chosen from ``/analytics/meta``."""

    spend: str  # credits_usage, or total_usage (then minus byok_usage)
    byok: str | None
    counts: Mapping[str, str]  # ledger field -> metric, for those the organisation has
    pairs: bool  # whether api_key_id can be grouped by

    @property
    def model_metrics(self) -> tuple[str, ...]:
        names = [self.spend, *([self.byok] if self.byok else []), *self.counts.values()]
        return tuple(dict.fromkeys(names))

    def spend_of(self, row: AnalyticsRow) -> float:
        if self.spend == "total_usage" and self.byok:
            return row.metric(self.spend) - row.metric(self.byok)
        return row.metric(self.spend)


def plan(meta: AnalyticsMeta) -> AnalyticsPlan:
    if "model" not in meta.dimensions:
        raise UnsupportedError("/analytics/meta lists no `model` dimension")
    if meta.granularities and "day" not in meta.granularities:
        raise UnsupportedError("/analytics/meta lists no `day` granularity")
    if "credits_usage" in meta.metrics:
        spend = "credits_usage"
    elif "total_usage" in meta.metrics:
        spend = "total_usage"
    else:
        raise UnsupportedError("/analytics/meta lists neither `credits_usage` nor `total_usage`")
    return AnalyticsPlan(
        spend=spend,
        byok="byok_usage" if "byok_usage" in meta.metrics else None,
        counts={field: name for field, name in _COUNT_METRICS.items() if name in meta.metrics},
        pairs="api_key_id" in meta.dimensions,
    )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def model_query(chosen: AnalyticsPlan, around: date) -> AnalyticsQuery:
    """Per model and day, from the day before ``around`` to the day after it."""
    return AnalyticsQuery(
        metrics=chosen.model_metrics,
        dimensions=("model",),
        start=_midnight(around - timedelta(days=1)),
        end=_midnight(around + timedelta(days=2)),
        granularity="day",
        limit=MAX_ROWS,
    )


def pairs_query(chosen: AnalyticsPlan, day: date, count: int) -> AnalyticsQuery:
    """Today's spend per key x model, largest first: enough rows for the top ``count``
    even when several keys share a name (the rest is the account's total minus them)."""
    byok = [chosen.byok] if chosen.spend == "total_usage" and chosen.byok else []
    return AnalyticsQuery(
        metrics=(chosen.spend, *byok),
        dimensions=("api_key_id", "model"),
        start=_midnight(day),
        end=_midnight(day + timedelta(days=1)),
        order_by=chosen.spend,
        limit=min(MAX_ROWS, PAIR_ROWS_PER_PAIR * count + PAIR_ROWS_SPARE),
    )


def server_day(result: AnalyticsResult, fallback: float) -> date:
    """The UTC day OpenRouter's clock shows (the local clock when it sent no ``Date``)."""
    moment = result.server_time if result.server_time is not None else fallback
    return datetime.fromtimestamp(moment, UTC).date()


@dataclass(frozen=True)
class ModelToday:
    """One model's figures so far today; ``None``: the organisation does not offer it."""

    model: str
    spend: float
    byok_spend: float | None
    requests: float | None
    prompt_tokens: float | None
    completion_tokens: float | None
    reasoning_tokens: float | None


def model_days(
    result: AnalyticsResult, chosen: AnalyticsPlan
) -> dict[tuple[date, str], ModelToday]:
    """Figures per (day, model); rows without a day bucket cannot be placed and are left out."""
    found: dict[tuple[date, str], ModelToday] = {}
    for row in result.rows:
        if row.bucket is None:
            continue
        model = row.dimensions.get("model") or UNKNOWN
        figures = ModelToday(
            model=model,
            spend=chosen.spend_of(row),
            byok_spend=row.metric(chosen.byok) if chosen.byok else None,
            **{
                field: (row.metric(chosen.counts[field]) if field in chosen.counts else None)
                for field in _COUNT_METRICS
            },
        )
        previous = found.get((row.bucket, model))
        found[(row.bucket, model)] = figures if previous is None else _add(previous, figures)
    return found


def _add(a: ModelToday, b: ModelToday) -> ModelToday:
    def plus(x: float | None, y: float | None) -> float | None:
        return None if x is None or y is None else x + y

    return ModelToday(
        model=a.model,
        spend=a.spend + b.spend,
        byok_spend=plus(a.byok_spend, b.byok_spend),
        requests=plus(a.requests, b.requests),
        prompt_tokens=plus(a.prompt_tokens, b.prompt_tokens),
        completion_tokens=plus(a.completion_tokens, b.completion_tokens),
        reasoning_tokens=plus(a.reasoning_tokens, b.reasoning_tokens),
    )


def ledger_rows(days: Mapping[tuple[date, str], ModelToday]) -> list[tuple[date, str, Figures]]:
    """Provisional ledger figures (in the ledger's field order); a figure the organisation
    does not offer is left to ``/activity`` (0 here)."""
    rows: list[tuple[date, str, Figures]] = []
    for (day, model), today in days.items():
        if today.spend <= 0 and not today.requests:
            continue
        rows.append(
            (
                day,
                model,
                (
                    today.spend,
                    today.byok_spend or 0.0,
                    today.requests or 0.0,
                    today.prompt_tokens or 0.0,
                    today.completion_tokens or 0.0,
                    today.reasoning_tokens or 0.0,
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class PairToday:
    key_hash: str  # "" when the name is not one key's alone
    key_name: str
    model: str
    spend: float


def top_pairs(
    result: AnalyticsResult,
    chosen: AnalyticsPlan,
    keys: Iterable[KeyReading],
    count: int,
    total_spend: float,
) -> tuple[tuple[PairToday, ...], float]:
    """The ``count`` pairs that spent most today, and what all others spent together."""
    hashes = _hash_by_unique_name(keys)
    spend: dict[tuple[str, str, str], float] = {}
    for row in result.rows:
        name = row.dimensions.get("api_key_id") or UNKNOWN
        key = (hashes.get(name, ""), name, row.dimensions.get("model") or UNKNOWN)
        spend[key] = spend.get(key, 0.0) + chosen.spend_of(row)
    ranked = sorted(spend.items(), key=lambda item: (-item[1], item[0]))
    top = tuple(
        PairToday(key_hash, name, model, amount)
        for (key_hash, name, model), amount in ranked[:count]
        if amount > 0
    )
    rest = sum(amount for _, amount in ranked[len(top) :])
    if result.truncated:
        # The rows left out are the smallest: the account's total tells what they add up to.
        rest = max(rest, total_spend - sum(pair.spend for pair in top))
    return top, max(rest, 0.0)


def _hash_by_unique_name(keys: Iterable[KeyReading]) -> dict[str, str]:
    by_name: dict[str, list[str]] = {}
    for key in keys:
        by_name.setdefault(key.name, []).append(key.key_hash)
    return {name: hashes[0] for name, hashes in by_name.items() if len(hashes) == 1}


@dataclass(frozen=True)
class AnalyticsReading:
    """What an Analytics API poll leaves: today's figures by OpenRouter's clock, and the
    ledger's per-model sums with today's provisional figures folded in."""

    day: date
    server_time: float  # OpenRouter's clock when it answered (the local one if unknown)
    fetched_at: float  # the local clock then
    models: tuple[ModelToday, ...]
    pairs: tuple[PairToday, ...] | None  # None: not asked (top pairs 0, or no api_key_id)
    other_spend: float | None
    model_totals: tuple[ModelTotals, ...]
    meta: AnalyticsMeta
    meta_fetched_at: float

    def current(self, now: float) -> bool:
        """Whether ``day`` is still today by OpenRouter's clock: after its midnight the
        figures are yesterday's, and the today gauges go until the next poll."""
        moment = self.server_time + max(0.0, now - self.fetched_at)
        return datetime.fromtimestamp(moment, UTC).date() == self.day


def analytics_today(snapshot: AccountSnapshot, now: float) -> SpendToday | None:
    """Today's spend by the Analytics API, while its figures are still today's."""
    reading = snapshot.reading(EndpointName.ANALYTICS, AnalyticsReading)
    if reading is None or not reading.current(now):
        return None
    return SpendToday(
        usd=sum(model.spend for model in reading.models),
        source="analytics",
        read_at=reading.fetched_at,
        since=_midnight(reading.day).timestamp(),
    )


def todays_models(days: Mapping[tuple[date, str], ModelToday], day: date) -> tuple[ModelToday, ...]:
    return tuple(sorted((v for (d, _), v in days.items() if d == day), key=lambda m: m.model))
