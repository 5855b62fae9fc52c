"""What the exporter asks the Analytics API for, and how it reads today per model and the
top key x model pairs (pure logic, fixtures shaped like the reference)."""

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from openrouter_exporter.core.snapshot import KeyReading
from openrouter_exporter.endpoints.analytics_readings import (
    OTHER,
    AnalyticsPlan,
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
from openrouter_exporter.openrouter.analytics_models import (
    AnalyticsMeta,
    AnalyticsQuery,
    AnalyticsResult,
    parse_meta_answer,
    parse_query_answer,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
DAY = date(2026, 6, 7)


def load(name: str) -> object:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


FULL = parse_meta_answer(load("analytics_meta.json"))
MINIMAL = parse_meta_answer(load("analytics_meta_minimal.json"))


def answer(name: str, query: AnalyticsQuery) -> AnalyticsResult:
    return parse_query_answer(load(name), query)


def key(name: str, key_hash: str) -> KeyReading:
    return KeyReading(key_hash, name, "sk-or-v1-a...", "", "", False, 1.0, 0.0, None, None, None)


# The plan.


def test_a_full_organisation_gets_credits_usage_counts_and_tokens() -> None:
    chosen = plan(FULL)
    assert chosen.spend == "credits_usage"
    assert chosen.model_metrics == (
        "credits_usage",
        "byok_usage",
        "request_count",
        "tokens_prompt",
        "tokens_completion",
        "reasoning_tokens",
    )
    assert chosen.pairs


def test_without_credits_usage_spend_is_total_usage() -> None:
    chosen = plan(MINIMAL)
    assert (chosen.spend, chosen.byok, dict(chosen.counts)) == (
        "total_usage",
        None,
        {"requests": "request_count"},
    )
    assert not chosen.pairs


@pytest.mark.parametrize(
    ("meta", "missing"),
    [
        (dataclasses.replace(FULL, dimensions=frozenset({"api_key_id"})), "`model`"),
        (dataclasses.replace(FULL, metrics=frozenset({"request_count"})), "`credits_usage`"),
        (dataclasses.replace(FULL, granularities=frozenset({"hour"})), "`day`"),
    ],
)
def test_a_missing_name_is_unsupported_and_says_which(meta: AnalyticsMeta, missing: str) -> None:
    with pytest.raises(UnsupportedError, match=missing):
        plan(meta)


# The queries.


def test_per_model_query_spans_yesterday_to_tomorrow_by_day() -> None:
    query = model_query(plan(FULL), DAY)
    body = query.body()
    assert body["time_range"] == {"start": "2026-06-06T00:00:00Z", "end": "2026-06-09T00:00:00Z"}
    assert (body["dimensions"], body["granularity"]) == (["model"], "day")


def test_pairs_query_asks_for_today_by_key_and_model_largest_first() -> None:
    body = pairs_query(plan(FULL), DAY, 20).body()
    assert body["dimensions"] == ["api_key_id", "model"]
    assert body["metrics"] == ["credits_usage"]
    assert body["order_by"] == {"field": "credits_usage", "direction": "desc"}
    assert body["limit"] == 180
    assert body["time_range"] == {"start": "2026-06-07T00:00:00Z", "end": "2026-06-08T00:00:00Z"}


def test_todays_day_is_openrouters_by_its_date_header() -> None:
    late = datetime(2026, 6, 7, 23, 59, tzinfo=UTC).timestamp()
    result = AnalyticsResult(rows=(), truncated=False, server_time=late)
    assert server_day(result, fallback=late + 120) == DAY
    assert server_day(dataclasses.replace(result, server_time=None), late + 120) == date(2026, 6, 8)


# Reading per model.


def test_today_and_yesterday_are_told_apart_by_bucket() -> None:
    chosen = plan(FULL)
    days = model_days(answer("analytics_query_model_day.json", model_query(chosen, DAY)), chosen)
    today = todays_models(days, DAY)
    assert [m.model for m in today] == ["anthropic/claude-sonnet-4", "openai/gpt-4.1"]
    assert today[0].spend == 4.21875
    assert today[0].requests == 312.0
    assert today[0].byok_spend == 0.0  # a null component: unused
    assert days[(date(2026, 6, 6), "anthropic/claude-sonnet-4")].spend == 9.8


def test_a_figure_the_organisation_lacks_is_unknown_not_zero() -> None:
    chosen = plan(MINIMAL)
    result = AnalyticsResult(
        rows=answer(
            "analytics_query_model_created_at.json",
            dataclasses.replace(model_query(chosen, DAY), metrics=("total_usage", "request_count")),
        ).rows,
        truncated=False,
    )
    figures = todays_models(model_days(result, chosen), DAY)[0]
    assert figures.requests == 58.0
    assert (figures.prompt_tokens, figures.byok_spend) == (None, None)


def test_a_null_model_is_counted_as_unknown() -> None:
    chosen = plan(FULL)
    days = model_days(
        answer("analytics_query_model_created_at.json", model_query(chosen, DAY)), chosen
    )
    assert (DAY, "unknown") in days


def test_total_usage_minus_byok_is_the_spend_when_credits_usage_is_missing() -> None:
    meta = dataclasses.replace(FULL, metrics=FULL.metrics - {"credits_usage"})
    chosen = plan(meta)
    days = model_days(answer("analytics_query_model_day.json", model_query(chosen, DAY)), chosen)
    assert days[(DAY, "openai/gpt-4.1")].spend == pytest.approx(1.5)


def test_ledger_rows_keep_the_ledgers_field_order() -> None:
    chosen = plan(FULL)
    days = model_days(answer("analytics_query_model_day.json", model_query(chosen, DAY)), chosen)
    rows = {(d, m): f for d, m, f in ledger_rows(days)}
    assert rows[(DAY, "openai/gpt-4.1")] == (1.5, 0.25, 97.0, 174600.0, 43650.0, 0.0)


# Key x model pairs.


def pairs_answer(chosen: AnalyticsPlan) -> AnalyticsResult:
    return answer("analytics_query_key_model.json", pairs_query(chosen, DAY, 20))


def test_a_unique_name_gets_its_keys_hash() -> None:
    chosen = plan(FULL)
    keys = [key("production-chat", "aaaa11112222"), key("batch", "bbbb11112222")]
    pairs, _ = top_pairs(pairs_answer(chosen), chosen, keys, 20, 4.75)
    assert pairs[0].key_hash == "aaaa11112222"
    assert (pairs[0].key_name, pairs[0].model) == ("production-chat", "anthropic/claude-sonnet-4")


def test_a_repeated_name_gets_no_hash() -> None:
    chosen = plan(FULL)
    keys = [key("batch", "bbbb11112222"), key("batch", "cccc11112222")]
    pairs, _ = top_pairs(pairs_answer(chosen), chosen, keys, 20, 4.75)
    assert {p.key_hash for p in pairs if p.key_name == "batch"} == {""}


def test_a_name_not_in_keys_and_a_null_name_get_no_hash() -> None:
    chosen = plan(FULL)
    pairs, _ = top_pairs(pairs_answer(chosen), chosen, [], 20, 4.75)
    assert {(p.key_hash, p.key_name) for p in pairs} >= {("", "batch"), ("", "unknown")}


def test_only_the_top_pairs_are_kept_and_the_rest_is_other() -> None:
    chosen = plan(FULL)
    pairs, other = top_pairs(pairs_answer(chosen), chosen, [], 2, 4.75)
    assert [p.spend for p in pairs] == [3.1, 0.9]
    assert other == pytest.approx(0.7 + 0.05)
    assert OTHER == "other"


def test_a_truncated_answer_takes_other_from_the_total() -> None:
    chosen = plan(FULL)
    truncated = dataclasses.replace(pairs_answer(chosen), truncated=True)
    pairs, other = top_pairs(truncated, chosen, [], 2, 10.0)
    assert other == pytest.approx(10.0 - 4.0)
    assert len(pairs) == 2


def test_pairs_with_one_name_for_several_keys_merge_into_one_series() -> None:
    chosen = plan(FULL)
    doubled = dataclasses.replace(
        pairs_answer(chosen), rows=pairs_answer(chosen).rows + pairs_answer(chosen).rows[1:2]
    )
    keys = [key("batch", "bbbb11112222"), key("batch", "cccc11112222")]
    pairs, _ = top_pairs(doubled, chosen, keys, 20, 10.0)
    sonnet = [p for p in pairs if (p.key_name, p.model) == ("batch", "anthropic/claude-sonnet-4")]
    assert [p.spend for p in sonnet] == [pytest.approx(1.8)]
