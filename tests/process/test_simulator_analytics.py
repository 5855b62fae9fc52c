"""The simulator's Analytics API: real HTTP, a fake clock, answers checked against the
reference schema, its limits, and its own ``/activity``, ``/keys`` and ``/credits``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from openrouter_simulator import NewKey, Scenario, Simulator
from tests.process.test_simulator import (
    HOUR,
    SCHEMAS,
    FakeClock,
    activity,
    all_keys,
    bearer,
    get,
    today,
)

MONEY = 1e-6


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[Simulator]:
    simulator = Simulator(Scenario.demo(seed=7), speed=1.0, clock=clock)
    simulator.start("127.0.0.1", 0)
    yield simulator
    simulator.stop()
    assert simulator.engine.state()["errors"] == []


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client


def day_range(first: date, days: int = 1) -> dict[str, str]:
    return {
        "start": f"{first.isoformat()}T00:00:00Z",
        "end": f"{(first + timedelta(days=days)).isoformat()}T00:00:00Z",
    }


def post(http: httpx.Client, sim: Simulator, body: Any, key: str | None = None) -> httpx.Response:
    headers = bearer(sim.management_key if key is None else key)
    return http.post(sim.base_url + "/analytics/query", headers=headers, json=body)


def rows(http: httpx.Client, sim: Simulator, **body: Any) -> list[dict[str, Any]]:
    response = post(http, sim, body)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]["data"]
    return found


def by_model(http: httpx.Client, sim: Simulator, day: date, metric: str) -> dict[str, float]:
    found = rows(http, sim, metrics=[metric], dimensions=["model"], time_range=day_range(day))
    return {row["model"]: float(row[metric] or 0) for row in found}


def schema(name: str) -> Any:
    if not SCHEMAS.exists():
        pytest.skip(f"reference schemas not found at {SCHEMAS} (not part of a clean clone)")
    return json.loads(SCHEMAS.read_text())[name]["response_200"]


# Shapes.


def test_meta_answer_validates_against_the_reference_schema(
    sim: Simulator, http: httpx.Client
) -> None:
    from jsonschema import Draft202012Validator

    response = get(http, sim, "/analytics/meta")
    assert response.status_code == 200
    Draft202012Validator(schema("GET /analytics/meta")).validate(response.json())


def test_query_answer_validates_against_the_reference_schema(
    sim: Simulator, http: httpx.Client
) -> None:
    from jsonschema import Draft202012Validator

    body = {"metrics": ["credits_usage"], "dimensions": ["model"], "granularity": "day"}
    response = post(http, sim, body)
    assert response.status_code == 200
    Draft202012Validator(schema("POST /analytics/query")).validate(response.json())


def test_counts_are_strings_and_money_numbers(sim: Simulator, http: httpx.Client) -> None:
    row = rows(http, sim, metrics=["credits_usage", "request_count"], dimensions=["model"])[0]
    assert isinstance(row["request_count"], str)
    assert isinstance(row["credits_usage"], float)


def test_unused_byok_component_is_null(sim: Simulator, http: httpx.Client) -> None:
    found = by_row_model(http, sim, ["byok_usage"])
    assert found["openai/gpt-4.1"]["byok_usage"] is None  # served without BYOK
    assert found["anthropic/claude-sonnet-4"]["byok_usage"] > 0  # partly on Bedrock BYOK


def by_row_model(
    http: httpx.Client, sim: Simulator, metrics: list[str]
) -> dict[str, dict[str, Any]]:
    return {row["model"]: row for row in rows(http, sim, metrics=metrics, dimensions=["model"])}


def test_buckets_are_newest_first_under_date_key(sim: Simulator, http: httpx.Client) -> None:
    day = today(sim)
    found = rows(
        http,
        sim,
        metrics=["credits_usage"],
        granularity="day",
        time_range=day_range(day - timedelta(days=2), 3),
    )
    assert [row["date__day"] for row in found] == [
        (day - timedelta(days=n)).isoformat() for n in range(3)
    ]


def test_bucket_quirk_created_at_as_datetime(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_quirks(analytics_bucket_key="created_at", analytics_bucket_format="datetime")
    found = rows(http, sim, metrics=["credits_usage"], granularity="day")
    assert found[0]["created_at__day"] == f"{today(sim).isoformat()}T00:00:00.000Z"
    assert "date__day" not in found[0]


def test_dimensions_without_simulated_values_are_null(sim: Simulator, http: httpx.Client) -> None:
    found = rows(http, sim, metrics=["credits_usage"], dimensions=["app"])
    assert [row["app"] for row in found] == [None]


def test_date_header_follows_the_simulated_calendar(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.advance_days(2)
    response = get(http, sim, "/analytics/meta")
    assert parsedate_to_datetime(response.headers["Date"]).date() == today(sim)


# Consistency with the other endpoints.


def test_todays_spend_over_models_is_the_credits_used_since_midnight(
    sim: Simulator, http: httpx.Client, clock: FakeClock
) -> None:
    before = get(http, sim, "/credits").json()["data"]["total_usage"]
    spent_before = sum(by_model(http, sim, today(sim), "credits_usage").values())
    clock.advance(3 * HOUR)
    after = get(http, sim, "/credits").json()["data"]["total_usage"]
    spent_after = sum(by_model(http, sim, today(sim), "credits_usage").values())
    assert spent_after - spent_before == pytest.approx(after - before, abs=MONEY)
    assert spent_after == pytest.approx(sim.engine.state()["usage_today"], abs=MONEY)


def test_a_completed_day_per_model_is_its_activity_summed_over_providers(
    sim: Simulator, http: httpx.Client
) -> None:
    yesterday = today(sim) - timedelta(days=1)
    expected: dict[str, float] = defaultdict(float)
    requests: dict[str, float] = defaultdict(float)
    for row in activity(http, sim, date=yesterday.isoformat()):
        expected[row["model"]] += row["usage"]
        requests[row["model"]] += row["requests"]
    found = by_row_model_on(http, sim, yesterday)
    assert {m: r["credits_usage"] for m, r in found.items()} == pytest.approx(expected)
    for model, row in found.items():
        assert abs(int(row["request_count"]) - requests[model]) <= 2  # rounding per provider


def by_row_model_on(http: httpx.Client, sim: Simulator, day: date) -> dict[str, dict[str, Any]]:
    found = rows(
        http,
        sim,
        metrics=["credits_usage", "request_count"],
        dimensions=["model"],
        time_range=day_range(day),
    )
    return {row["model"]: row for row in found}


def test_todays_spend_per_key_is_the_keys_daily_usage(sim: Simulator, http: httpx.Client) -> None:
    found = rows(
        http,
        sim,
        metrics=["credits_usage"],
        dimensions=["api_key_id"],
        time_range=day_range(today(sim)),
    )
    spent = {row["api_key_id"]: row["credits_usage"] for row in found}
    daily = {key["name"]: key["usage_daily"] for key in all_keys(http, sim) if key["usage_daily"]}
    assert spent == pytest.approx(daily, abs=MONEY)


def test_a_spend_on_a_model_shows_in_its_figures_today_and_in_activity_tomorrow(
    sim: Simulator, http: httpx.Client
) -> None:
    sim.engine.set_speed(0.0)
    day = today(sim)
    before = by_model(http, sim, day, "credits_usage")
    sim.engine.spend_on_model("openai/gpt-4.1", 5.0)
    after = by_model(http, sim, day, "credits_usage")
    assert after["openai/gpt-4.1"] - before["openai/gpt-4.1"] == pytest.approx(5.0)
    assert {m: v for m, v in after.items() if m != "openai/gpt-4.1"} == pytest.approx(
        {m: v for m, v in before.items() if m != "openai/gpt-4.1"}
    )
    sim.engine.advance_days(1)
    completed = sum(
        r["usage"]
        for r in activity(http, sim, date=day.isoformat())
        if r["model"] == "openai/gpt-4.1"
    )
    assert completed == pytest.approx(by_model(http, sim, day, "credits_usage")["openai/gpt-4.1"])


# Keys: names out, hashes in.


def test_keys_are_grouped_by_name_and_a_repeated_name_gives_two_rows(
    sim: Simulator, http: httpx.Client, clock: FakeClock
) -> None:
    sim.engine.create_key(NewKey(name="production-chat", weight=6.0))
    clock.advance(HOUR)
    found = rows(
        http,
        sim,
        metrics=["credits_usage"],
        dimensions=["api_key_id"],
        time_range=day_range(today(sim)),
    )
    names = [row["api_key_id"] for row in found]
    assert names.count("production-chat") == 2


def test_a_key_filter_by_hash_selects_that_key(sim: Simulator, http: httpx.Client) -> None:
    key = next(k for k in all_keys(http, sim) if k["name"] == "batch-summariser")
    found = rows(
        http,
        sim,
        metrics=["credits_usage"],
        dimensions=["api_key_id"],
        filters=[{"field": "api_key_id", "operator": "eq", "value": key["hash"]}],
        time_range=day_range(today(sim)),
    )
    assert [row["api_key_id"] for row in found] == ["batch-summariser"]
    assert found[0]["credits_usage"] == pytest.approx(key["usage_daily"], abs=MONEY)


def test_an_unknown_hash_filter_gives_no_rows_and_a_warning(
    sim: Simulator, http: httpx.Client
) -> None:
    body = {
        "metrics": ["credits_usage"],
        "filters": [{"field": "api_key_id", "operator": "eq", "value": "0" * 64}],
    }
    answer = post(http, sim, body).json()["data"]
    assert answer["data"] == []
    assert answer["warnings"] == [f"Unknown api_key_id filter value: {'0' * 64}"]


def test_limit_cuts_the_rows_and_marks_them_truncated(sim: Simulator, http: httpx.Client) -> None:
    body = {
        "metrics": ["credits_usage"],
        "dimensions": ["api_key_id", "model"],
        "order_by": {"field": "credits_usage", "direction": "desc"},
        "limit": 3,
    }
    answer = post(http, sim, body).json()["data"]
    spends = [row["credits_usage"] for row in answer["data"]]
    assert len(spends) == 3
    assert spends == sorted(spends, reverse=True)
    assert answer["metadata"]["truncated"] is True


# Errors and limits.


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"metrics": ["credits_used"]}, "Unknown metric: credits_used"),
        ({"metrics": ["credits_usage"], "dimensions": ["colour"]}, "Unknown dimension: colour"),
        (
            {"metrics": ["credits_usage"], "dimensions": ["model", "api_key_id", "app"]},
            "At most 2 dimensions are allowed",
        ),
        ({"metrics": []}, "At least one metric is required"),
        ({"metrics": ["credits_usage"], "limit": 10_001}, "limit must be an integer from 1"),
        (
            {
                "metrics": ["credits_usage"],
                "time_range": {"start": "2026-01-02", "end": "2026-01-01"},
            },
            "time_range.end must be after time_range.start",
        ),
    ],
)
def test_bad_queries_answer_400_with_the_reason(
    sim: Simulator, http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    response = post(http, sim, body)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


def test_an_inference_key_gets_403(sim: Simulator, http: httpx.Client) -> None:
    response = post(http, sim, {"metrics": ["credits_usage"]}, key=sim.inference_keys[0])
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only management keys can perform this operation"


def test_query_must_be_a_post(sim: Simulator, http: httpx.Client) -> None:
    assert get(http, sim, "/analytics/query").status_code == 405


def test_the_65th_request_in_a_minute_is_rate_limited(
    sim: Simulator, http: httpx.Client, clock: FakeClock
) -> None:
    statuses = [get(http, sim, "/analytics/meta").status_code for _ in range(65)]
    assert statuses == [200] * 64 + [429]
    limited = get(http, sim, "/analytics/meta")
    assert int(limited.headers["Retry-After"]) >= 1
    clock.advance(61)
    assert get(http, sim, "/analytics/meta").status_code == 200


def test_faults_apply_to_the_analytics_endpoint(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("analytics", "http_429", retry_after=30, times=1)
    response = post(http, sim, {"metrics": ["credits_usage"]})
    assert (response.status_code, response.headers["Retry-After"]) == (429, "30")
    assert post(http, sim, {"metrics": ["credits_usage"]}).status_code == 200


def test_calls_are_counted_under_analytics(sim: Simulator, http: httpx.Client) -> None:
    post(http, sim, {"metrics": ["credits_usage"]})
    get(http, sim, "/analytics/meta")
    assert sim.engine.call_counts()["analytics"] == 2


def test_a_spend_control_over_http(sim: Simulator, http: httpx.Client) -> None:
    response = http.post(
        sim.control_url + "/spend", json={"model": "openai/o4-mini", "amount": 1.25}
    )
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "openai/o4-mini"
    unknown = http.post(sim.control_url + "/spend", json={"model": "x/y", "amount": 1.0})
    assert unknown.status_code == 404


def test_naive_times_in_the_range_are_utc(sim: Simulator, http: httpx.Client) -> None:
    day = today(sim)
    naive = {"start": f"{day.isoformat()}T00:00:00", "end": f"{day.isoformat()}T23:59:59"}
    found = rows(http, sim, metrics=["credits_usage"], time_range=naive)
    assert found[0]["credits_usage"] == pytest.approx(sim.engine.state()["usage_today"], abs=MONEY)
    assert datetime.fromisoformat(naive["start"]).tzinfo is None
