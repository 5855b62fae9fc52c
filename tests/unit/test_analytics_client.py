"""The Analytics API at the HTTP boundary: the request sent, every documented answer shape
and quirk read, every failure mapped to a reason.

OpenRouter is replaced by ``httpx.MockTransport`` answering with the reference fixtures.
"""

import json
from datetime import UTC, date, datetime

import pytest

from openrouter_exporter.openrouter.analytics_models import AnalyticsQuery, AnalyticsResult
from openrouter_exporter.openrouter.client import ErrorKind
from tests.unit.test_client import KEY, answer, call, fail, fixture

START = datetime(2026, 6, 6, tzinfo=UTC)
END = datetime(2026, 6, 8, tzinfo=UTC)
MODEL_METRICS = (
    "credits_usage",
    "byok_usage",
    "total_usage",
    "request_count",
    "tokens_prompt",
    "tokens_completion",
    "reasoning_tokens",
)
BY_MODEL = AnalyticsQuery(MODEL_METRICS, ("model",), START, END, granularity="day")


def query(name: str, asked: AnalyticsQuery = BY_MODEL) -> AnalyticsResult:
    result, _ = call(answer(200, fixture(name)), lambda c, n: c.analytics_query(asked, n))
    return result


# The request.


def test_query_is_a_post_with_the_documented_body() -> None:
    asked = AnalyticsQuery(
        ("credits_usage",), ("api_key_id", "model"), START, END, order_by="credits_usage", limit=50
    )
    _, recorder = call(
        answer(200, fixture("analytics_query_key_model.json")),
        lambda c, n: c.analytics_query(asked, n),
    )
    sent = recorder.requests[0]
    assert (sent.method, sent.url.path) == ("POST", "/api/v1/analytics/query")
    assert json.loads(sent.content) == {
        "metrics": ["credits_usage"],
        "dimensions": ["api_key_id", "model"],
        "time_range": {"start": "2026-06-06T00:00:00Z", "end": "2026-06-08T00:00:00Z"},
        "order_by": {"field": "credits_usage", "direction": "desc"},
        "limit": 50,
    }
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.headers["Content-Type"] == "application/json"


def test_query_with_a_granularity_asks_for_it() -> None:
    _, recorder = call(
        answer(200, fixture("analytics_query_model_day.json")),
        lambda c, n: c.analytics_query(BY_MODEL, n),
    )
    assert json.loads(recorder.requests[0].content)["granularity"] == "day"


def test_meta_is_a_get() -> None:
    _, recorder = call(
        answer(200, fixture("analytics_meta.json")), lambda c, n: c.analytics_meta(n)
    )
    assert (recorder.requests[0].method, recorder.requests[0].url.path) == (
        "GET",
        "/api/v1/analytics/meta",
    )
    assert recorder.callbacks == 1


# Answers and their quirks.


def test_counts_sent_as_strings_are_numbers() -> None:
    row = query("analytics_query_model_day.json").rows[0]
    assert row.metrics["request_count"] == 312.0
    assert row.metrics["tokens_prompt"] == 561600.0


def test_money_is_read_as_sent() -> None:
    row = query("analytics_query_model_day.json").rows[1]
    assert (row.metric("credits_usage"), row.metric("byok_usage")) == (1.5, 0.25)


def test_a_null_usage_component_is_unused_and_counts_as_zero() -> None:
    row = query("analytics_query_model_day.json").rows[0]
    assert row.metrics["byok_usage"] is None
    assert row.metric("byok_usage") == 0.0


def test_the_day_bucket_is_read_from_date_key() -> None:
    rows = query("analytics_query_model_day.json").rows
    assert [row.bucket for row in rows] == [date(2026, 6, 7), date(2026, 6, 7), date(2026, 6, 6)]


def test_the_day_bucket_is_read_from_created_at_key_as_a_datetime() -> None:
    rows = query("analytics_query_model_created_at.json").rows
    assert {row.bucket for row in rows} == {date(2026, 6, 7)}


def test_a_null_dimension_value_is_kept_as_none() -> None:
    rows = query("analytics_query_model_created_at.json").rows
    assert rows[1].dimensions["model"] is None


def test_warnings_and_cached_at_are_kept() -> None:
    result = query("analytics_query_model_created_at.json")
    assert result.warnings == (
        "Results served from cache",
        "Per-request data is sampled for ranges over 31 days",
    )
    assert result.cached_at == datetime(2026, 6, 7, tzinfo=UTC).timestamp()


def test_an_answer_without_warnings_or_cached_at_has_none() -> None:
    result = query("analytics_query_model_day.json")
    assert (result.warnings, result.cached_at, result.truncated) == ((), None, False)


def test_truncation_is_reported() -> None:
    result = query("analytics_query_truncated.json")
    assert result.truncated
    assert result.warnings == ("Result truncated to 2 rows",)


def test_the_cookbook_answer_without_granularity_is_read() -> None:
    asked = AnalyticsQuery(("total_usage", "request_count"), ("model",), START, END)
    result = query("analytics_query_cookbook.json", asked)
    assert result.rows[0].dimensions == {"model": "openrouter/owl-alpha"}
    assert result.rows[0].metrics == {"total_usage": 0.005, "request_count": 6.0}
    assert result.rows[0].bucket is None


def test_key_names_come_back_as_names_repeats_and_nulls_included() -> None:
    asked = AnalyticsQuery(("credits_usage",), ("api_key_id", "model"), START, END)
    rows = query("analytics_query_key_model.json", asked).rows
    assert [row.dimensions["api_key_id"] for row in rows] == [
        "production-chat",
        "batch",
        "batch",
        None,
    ]


def test_unknown_fields_are_ignored() -> None:
    body = fixture("analytics_query_model_day.json")
    body["data"]["data"][0]["native_tokens_cached"] = "12"
    body["data"]["metadata"]["shard"] = "eu-1"
    body["data"]["trace_id"] = "abc"
    result, _ = call(answer(200, body), lambda c, n: c.analytics_query(BY_MODEL, n))
    assert result.rows[0].metrics["request_count"] == 312.0


def test_a_row_that_is_not_an_object_is_dropped() -> None:
    body = fixture("analytics_query_model_day.json")
    body["data"]["data"].append("garbage")
    result, _ = call(answer(200, body), lambda c, n: c.analytics_query(BY_MODEL, n))
    assert len(result.rows) == 3


def test_an_empty_answer_is_no_rows() -> None:
    body = {
        "data": {"data": [], "metadata": {"query_time_ms": 1, "row_count": 0, "truncated": False}}
    }
    result, _ = call(answer(200, body), lambda c, n: c.analytics_query(BY_MODEL, n))
    assert result.rows == ()


def test_meta_lists_the_names_the_organisation_has() -> None:
    meta, _ = call(answer(200, fixture("analytics_meta.json")), lambda c, n: c.analytics_meta(n))
    assert {"credits_usage", "request_count", "reasoning_tokens"} <= meta.metrics
    assert {"model", "api_key_id"} <= meta.dimensions
    assert "day" in meta.granularities
    assert "in" in meta.operators


def test_meta_items_without_a_name_are_skipped() -> None:
    body = fixture("analytics_meta_minimal.json")
    body["data"]["metrics"].append({"display_label": "nameless"})
    meta, _ = call(answer(200, body), lambda c, n: c.analytics_meta(n))
    assert meta.metrics == frozenset({"total_usage", "request_count"})


# Failures.


@pytest.mark.parametrize(
    "body",
    [
        {"data": []},
        {"data": {"metadata": {}}},
        {"rows": []},
        {"data": {"data": [{"unrelated": 1}], "metadata": {}}},
    ],
)
def test_an_answer_without_the_envelope_is_invalid(body: object) -> None:
    error = fail(answer(200, body), lambda c, n: c.analytics_query(BY_MODEL, n))
    assert (error.kind, error.reason) == (ErrorKind.INVALID_RESPONSE, "invalid_response")
    assert "/analytics/query" in error.message


def test_meta_without_metrics_is_invalid() -> None:
    body: dict[str, object] = {
        "data": {"metrics": [], "dimensions": [], "operators": [], "granularities": []}
    }
    error = fail(answer(200, body), lambda c, n: c.analytics_meta(n))
    assert error.reason == "invalid_response"


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, "error_400_analytics.json", ErrorKind.CLIENT),
        (403, "error_403.json", ErrorKind.FORBIDDEN),
        (408, "error_408.json", ErrorKind.TIMEOUT),
        (429, "error_429.json", ErrorKind.RATE_LIMITED),
    ],
)
def test_errors_keep_their_status_and_message(status: int, body: str, kind: ErrorKind) -> None:
    error = fail(answer(status, fixture(body)), lambda c, n: c.analytics_query(BY_MODEL, n))
    assert (error.kind, error.reason, error.status) == (kind, f"http_{status}", status)
    assert fixture(body)["error"]["message"] in error.message


def test_a_404_for_an_organisation_without_analytics_is_a_client_error() -> None:
    error = fail(
        answer(404, {"error": {"code": 404, "message": "Not Found"}}),
        lambda c, n: c.analytics_meta(n),
    )
    assert (error.kind, error.reason) == (ErrorKind.CLIENT, "http_404")


def test_retry_after_of_a_429_is_kept() -> None:
    error = fail(
        answer(429, fixture("error_429.json"), {"Retry-After": "7"}),
        lambda c, n: c.analytics_query(BY_MODEL, n),
    )
    assert error.retry_after == 7.0


def test_the_answers_date_header_gives_openrouters_clock() -> None:
    headers = {"Date": "Sun, 07 Jun 2026 23:59:30 GMT"}
    result, _ = call(
        answer(200, fixture("analytics_query_model_day.json"), headers),
        lambda c, n: c.analytics_query(BY_MODEL, n),
    )
    assert result.server_time == datetime(2026, 6, 7, 23, 59, 30, tzinfo=UTC).timestamp()


def test_an_answer_without_a_date_header_has_no_server_time() -> None:
    assert query("analytics_query_model_day.json").server_time is None
