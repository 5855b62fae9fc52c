"""``POST /analytics/query`` (management key): today per model and per key x model, and the
per-model counters moved by today's figures (see
:mod:`openrouter_exporter.endpoints.analytics_readings` for what is asked,
:mod:`openrouter_exporter.core.reconcile` for how it meets ``/activity``)."""

import asyncio
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric

from openrouter_exporter.config.types import AccountConfig, ExporterConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import monotonic_totals
from openrouter_exporter.core.snapshot import AccountSnapshot
from openrouter_exporter.endpoints.analytics_readings import (
    OTHER,
    AnalyticsReading,
    ModelToday,
    PairToday,
    UnsupportedError,
    ledger_rows,
    model_days,
    model_query,
    pairs_query,
    plan,
    server_day,
    todays_models,
    top_pairs,
)
from openrouter_exporter.endpoints.base import POLLED, Endpoint, Poll
from openrouter_exporter.openrouter.analytics_models import AnalyticsMeta, AnalyticsResult
from openrouter_exporter.openrouter.client import ErrorKind, FetchError

META_REFRESH_SECONDS = 3600.0
UNSUPPORTED = "unsupported"
log = structlog.get_logger("openrouter_exporter.analytics")


class Analytics(Endpoint):
    name = EndpointName.ANALYTICS
    # Optional: the exporter is ready without it, and today's figures come within a poll.
    readiness_waits = False
    # Key names are mapped to hashes through /keys; provider splits come from /activity.
    polls_after = (EndpointName.KEYS, EndpointName.ACTIVITY)
    own_error_reasons = (UNSUPPORTED,)
    # An organisation without the Analytics API: quiet, not an error.
    absent_statuses = frozenset({403, 404})

    def applies(self, account: AccountConfig) -> bool:
        return account.management_key is not None

    def interval(self, config: ExporterConfig) -> float:
        return config.analytics_interval

    async def poll(self, poll: Poll) -> AnalyticsReading:
        previous = poll.previous.reading(self.name, AnalyticsReading)
        meta, meta_at = await _meta(poll, previous)
        try:
            chosen = plan(meta)
        except UnsupportedError as error:
            raise FetchError(ErrorKind.CLIENT, UNSUPPORTED, str(error)) from None
        now = time.time()
        around = (
            datetime.fromtimestamp(previous.server_time + now - previous.fetched_at, UTC).date()
            if previous is not None
            else datetime.fromtimestamp(now, UTC).date()
        )
        result = await poll.client.analytics_query(model_query(chosen, around), poll.count_request)
        day = server_day(result, time.time())
        if abs((day - around).days) > 1:  # OpenRouter's calendar is elsewhere: ask again
            result = await poll.client.analytics_query(model_query(chosen, day), poll.count_request)
            day = server_day(result, time.time())
        fetched_at = time.time()
        _report_truncation(poll.account.name, result)
        days = model_days(result, chosen)
        models = todays_models(days, day)
        account = poll.account.name
        await asyncio.to_thread(poll.state.record_provisional, account, ledger_rows(days), day)
        pairs: tuple[PairToday, ...] | None = None
        other: float | None = None
        count = poll.config.analytics_top_pairs
        total = sum(model.spend for model in models)
        if count == 0:
            pairs, other = (), total
        elif chosen.pairs:
            answer = await poll.client.analytics_query(
                pairs_query(chosen, day, count), poll.count_request
            )
            pairs, other = top_pairs(answer, chosen, poll.previous.keys or (), count, total)
        totals = await asyncio.to_thread(poll.state.model_totals, account)
        return AnalyticsReading(
            day=day,
            server_time=result.server_time if result.server_time is not None else fetched_at,
            fetched_at=fetched_at,
            models=models,
            pairs=pairs,
            other_spend=other,
            model_totals=monotonic_totals(poll.previous.model_totals, totals),
            meta=meta,
            meta_fetched_at=meta_at,
        )

    def families(self, accounts: Sequence[AccountSnapshot]) -> Iterator[Metric]:
        source = "from OpenRouter's Analytics API"
        spend = GaugeMetricFamily(
            "openrouter_model_today_spend_usd",
            f"Spend per model since 00:00 UTC (OpenRouter's clock), in USD, {source} "
            f"(credits_usage). {POLLED}",
            labels=["account", "model"],
        )
        byok = GaugeMetricFamily(
            "openrouter_model_today_byok_spend_usd",
            f"Bring-your-own-key spend per model since 00:00 UTC, in USD, {source}. {POLLED}",
            labels=["account", "model"],
        )
        requests = GaugeMetricFamily(
            "openrouter_model_today_requests",
            f"Requests per model since 00:00 UTC, {source}. {POLLED}",
            labels=["account", "model"],
        )
        tokens = GaugeMetricFamily(
            "openrouter_model_today_tokens",
            f"Tokens per model since 00:00 UTC by type (reasoning is part of completion), "
            f"{source}. {POLLED}",
            labels=["account", "model", "type"],
        )
        pairs = GaugeMetricFamily(
            "openrouter_key_model_today_spend_usd",
            "Spend since 00:00 UTC of the top key x model pairs, in USD, the rest summed as "
            'key_name="other", model="other"; key_hash is empty when several keys share the '
            f"name; {source}. {POLLED}",
            labels=["account", "key_hash", "key_name", "model"],
        )
        now = time.time()
        for account in accounts:
            reading = account.reading(self.name, AnalyticsReading)
            if reading is None or not reading.current(now):
                continue
            for model in reading.models:
                _add_model(account.name, model, spend, byok, requests, tokens)
            for pair in reading.pairs or ():
                pairs.add_metric(
                    [account.name, pair.key_hash, pair.key_name, pair.model], pair.spend
                )
            if reading.other_spend is not None:
                pairs.add_metric([account.name, "", OTHER, OTHER], reading.other_spend)
        yield from (spend, byok, requests, tokens, pairs)


def _add_model(
    account: str,
    model: ModelToday,
    spend: GaugeMetricFamily,
    byok: GaugeMetricFamily,
    requests: GaugeMetricFamily,
    tokens: GaugeMetricFamily,
) -> None:
    labels = [account, model.model]
    spend.add_metric(labels, model.spend)
    if model.byok_spend is not None:
        byok.add_metric(labels, model.byok_spend)
    if model.requests is not None:
        requests.add_metric(labels, model.requests)
    for kind, value in (
        ("prompt", model.prompt_tokens),
        ("completion", model.completion_tokens),
        ("reasoning", model.reasoning_tokens),
    ):
        if value is not None:
            tokens.add_metric([*labels, kind], value)


async def _meta(poll: Poll, previous: AnalyticsReading | None) -> tuple[AnalyticsMeta, float]:
    now = time.time()
    if previous is not None and now - previous.meta_fetched_at < META_REFRESH_SECONDS:
        return previous.meta, previous.meta_fetched_at
    return await poll.client.analytics_meta(poll.count_request), now


def _report_truncation(account: str, result: AnalyticsResult) -> None:
    """A per-model answer cut short leaves out the smallest models: worth a line. (The key
    x model answer is cut on purpose; OpenRouter's warnings are notes on caching.)"""
    if result.truncated:
        log.warning(
            "the Analytics API truncated its per-model answer: the smallest models are "
            "missing from today's figures until /activity has the day",
            account=account,
            rows=len(result.rows),
            warnings=list(result.warnings),
        )
