"""The simulator's workspaces, budgets, guardrails, members and ``/key`` budget layers:
shaped as OpenRouter's schemas, with spend that follows the simulator's own keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openrouter_simulator import Scenario, Simulator

_HERE = Path(__file__).resolve()
SCHEMAS = next(
    (
        path
        for path in (
            _HERE.parents[2].parent / "shared" / "openrouter-limit-schemas.json",
            _HERE.parents[4] / "shared" / "openrouter-limit-schemas.json",
        )
        if path.is_file()
    ),
    None,
)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    simulator = Simulator(Scenario.demo(), speed=0.0)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def get(http: httpx.Client, sim: Simulator, path: str, key: str | None = None) -> httpx.Response:
    secret = key or sim.management_key
    return http.get(sim.base_url + path, headers={"Authorization": f"Bearer {secret}"})


def workspace_id(http: httpx.Client, sim: Simulator) -> str:
    return str(get(http, sim, "/workspaces").json()["data"][0]["id"])


SCHEMA_CASES = {
    "workspaces": ("GET /workspaces", "/workspaces"),
    "workspace": ("GET /workspaces/{id}", "/workspaces/{ws}"),
    "budgets": ("GET /workspaces/{id}/budgets", "/workspaces/{ws}/budgets"),
    "guardrails": ("GET /guardrails", "/guardrails?workspace_id={ws}"),
    "key assignments": ("GET /guardrails/assignments/keys", "/guardrails/assignments/keys"),
    "member assignments": (
        "GET /guardrails/assignments/members",
        "/guardrails/assignments/members",
    ),
    "members": ("GET /organization/members", "/organization/members"),
}


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=list(SCHEMA_CASES))
def test_organisation_answers_validate_against_the_limit_schemas(
    sim: Simulator, http: httpx.Client, case: str
) -> None:
    if SCHEMAS is None:
        pytest.skip("openrouter-limit-schemas.json not found beside the checkout")
    from jsonschema import Draft202012Validator

    name, path = SCHEMA_CASES[case]
    response = get(http, sim, path.replace("{ws}", workspace_id(http, sim)))
    assert response.status_code == 200
    Draft202012Validator(json.loads(SCHEMAS.read_text())[name]["response_200"]).validate(
        response.json()
    )


def test_key_answer_with_budgets_validates_against_the_sdk_schema(
    sim: Simulator, http: httpx.Client
) -> None:
    if SCHEMAS is None:
        pytest.skip("openrouter-limit-schemas.json not found beside the checkout")
    from jsonschema import Draft202012Validator

    body = get(http, sim, "/key", sim.key_secrets["production-chat"]).json()
    schema = json.loads(SCHEMAS.read_text())["GET /key (SDK 2026-10)"]["response_200"]
    # The simulator leaves out what it does not model (regions, free-model requests...).
    schema["properties"]["data"]["required"] = ["budgets", "effective_budget", "usage"]
    Draft202012Validator(schema).validate(body)


def test_lists_are_paged_by_offset_and_limit_with_a_total_count(
    sim: Simulator, http: httpx.Client
) -> None:
    whole = get(http, sim, "/organization/members").json()
    page = get(http, sim, "/organization/members?offset=1&limit=1").json()
    assert page["total_count"] == whole["total_count"] >= 3
    assert page["data"] == whole["data"][1:2]


def test_a_workspace_without_budgets_answers_404() -> None:
    with Simulator(Scenario.small(), speed=0.0) as small, httpx.Client() as http:
        response = get(http, small, f"/workspaces/{workspace_id(http, small)}/budgets")
    assert response.status_code == 404


def test_a_personal_account_answers_403_on_workspaces_and_guardrails() -> None:
    with Simulator(Scenario.personal(), speed=0.0) as personal, httpx.Client() as http:
        statuses = [
            get(http, personal, path).status_code
            for path in ("/workspaces", "/guardrails", "/organization/members")
        ]
        layers = get(http, personal, "/key", personal.key_secrets["nightly-evals"]).json()
    assert statuses == [403, 403, 404]
    assert [layer["scope"] for layer in layers["data"]["budgets"]] == ["key_limit"]


def _layers(http: httpx.Client, sim: Simulator, key: str) -> dict[str, dict[str, Any]]:
    data = get(http, sim, "/key", sim.key_secrets[key]).json()["data"]
    return {layer["scope"]: layer for layer in data["budgets"]}


def test_workspace_budget_spend_is_the_month_usage_of_its_keys(
    sim: Simulator, http: httpx.Client
) -> None:
    keys = get(http, sim, "/keys?include_disabled=true").json()["data"]
    layer = _layers(http, sim, "production-chat")["workspace"]
    assert layer["reset_interval"] == "monthly"
    assert layer["spend_usd"] == pytest.approx(sum(k["usage_monthly"] for k in keys))


def test_key_guardrail_spend_is_the_key_period_usage(sim: Simulator, http: httpx.Client) -> None:
    key = get(http, sim, "/key", sim.key_secrets["production-chat"]).json()["data"]
    layer = _layers(http, sim, "production-chat")["api_key"]
    assert (layer["limit_usd"], layer["reset_interval"]) == (150.0, "weekly")
    assert layer["spend_usd"] == pytest.approx(key["usage_weekly"])
    assert layer["resets_at"].endswith("T00:00:00.000Z")


def test_demo_key_has_a_monthly_limit_nearly_spent(sim: Simulator, http: httpx.Client) -> None:
    data = get(http, sim, "/key", sim.key_secrets["nightly-evals"]).json()["data"]
    assert data["limit_reset"] == "monthly"
    assert data["limit_remaining"] == pytest.approx(0.4, abs=0.01)
    assert data["effective_budget"]["scope"] == "key_limit"


def _analytics(http: httpx.Client, sim: Simulator, field: str, value: str) -> list[Any]:
    body = {
        "metrics": ["credits_usage"],
        "dimensions": [field],
        "filters": [{"field": field, "operator": "eq", "value": value}],
        "granularity": "day",
    }
    headers = {"Authorization": f"Bearer {sim.management_key}"}
    answer = http.post(sim.base_url + "/analytics/query", json=body, headers=headers)
    assert answer.status_code == 200
    return list(answer.json()["data"]["data"])


def test_analytics_filters_workspace_by_uuid_and_shows_its_name(
    sim: Simulator, http: httpx.Client
) -> None:
    rows = _analytics(http, sim, "workspace", workspace_id(http, sim))
    assert rows
    assert {row["workspace"] for row in rows} == {"default"}


def test_analytics_filters_user_by_id_and_shows_name_and_email(
    sim: Simulator, http: httpx.Client
) -> None:
    member = get(http, sim, "/organization/members").json()["data"][0]
    rows = _analytics(http, sim, "user", member["id"])
    assert rows
    assert {(row["user"], row["user_email"]) for row in rows} == {
        (f"{member['first_name']} {member['last_name']}", member["email"])
    }
