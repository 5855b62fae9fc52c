"""Wire models of workspaces, budgets, guardrails, assignments, members and ``/key``'s
budget layers, against OpenRouter's own examples (``tests/fixtures/limits``), tolerant of
drift; and the client's paging and the budgets' 404 quirk."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr

from openrouter_exporter.endpoints.key_budgets import reported_budgets
from openrouter_exporter.openrouter.client import FetchError, OpenRouterClient
from openrouter_exporter.openrouter.limit_models import (
    Guardrail,
    KeyAssignment,
    Member,
    MemberAssignment,
    Workspace,
    WorkspaceBudget,
)
from openrouter_exporter.openrouter.models import CurrentKeyResponse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "limits"
BASE_URL = "https://openrouter.test/api/v1"
T = TypeVar("T")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def call(
    handler: Callable[[httpx.Request], httpx.Response],
    fetch: Callable[[OpenRouterClient], Awaitable[T]],
) -> T:
    async def run() -> T:
        client = OpenRouterClient(
            BASE_URL,
            SecretStr("sk-or-v1-test"),
            timeout=5.0,
            transport=httpx.MockTransport(handler),
        )
        try:
            return await fetch(client)
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_a_workspace_is_read_from_the_official_example() -> None:
    workspace = Workspace.model_validate(fixture("workspaces.json")["data"][0])
    assert (workspace.id, workspace.name, workspace.default_guardrail_id) == (
        "550e8400-e29b-41d4-a716-446655440000",
        "Production",
        "595d5849-7e86-51fd-a7c0-705c34e4afff",
    )
    assert workspace.include_byok_in_budgets is False


def test_a_workspace_budget_is_read_from_the_official_example() -> None:
    budget = WorkspaceBudget.model_validate(fixture("workspace_budgets.json")["data"][0])
    assert (budget.limit_usd, budget.reset_interval) == (100.0, "monthly")


def test_a_guardrail_is_read_from_the_official_example() -> None:
    guardrail = Guardrail.model_validate(fixture("guardrails.json")["data"][0])
    assert (guardrail.limit_usd, guardrail.reset_interval, guardrail.include_byok_in_budgets) == (
        100.0,
        "monthly",
        False,
    )


def test_assignments_are_read_from_the_official_examples() -> None:
    key = KeyAssignment.model_validate(fixture("key_assignments.json")["data"][0])
    member = MemberAssignment.model_validate(fixture("member_assignments.json")["data"][0])
    assert key.key_hash.startswith("c56454edb818")
    assert (member.user_id, member.guardrail_id) == (
        "user_abc123",
        "550e8400-e29b-41d4-a716-446655440001",
    )


def test_a_member_keeps_a_display_name_and_never_the_email_address() -> None:
    member = Member.model_validate(fixture("members.json")["data"][0])
    assert member.display_name == "Jane Doe"
    assert "example.com" not in repr(member)


def test_a_member_without_a_name_is_shown_by_id() -> None:
    assert Member.model_validate({"id": "user_x", "first_name": None}).display_name == "user_x"


def test_key_budget_layers_are_read_from_the_sdk_example() -> None:
    answer = CurrentKeyResponse.model_validate(fixture("key_with_budgets.json")).data
    layers = reported_budgets(answer)
    assert layers is not None
    assert [layer.scope for layer in layers] == [
        item["scope"] for item in fixture("key_with_budgets.json")["data"]["budgets"]
    ]
    assert layers[0].resets_at is not None


def test_an_older_key_answer_has_no_budget_layers() -> None:
    body = {"data": {"label": "sk-or-v1-a...b", "usage": 1}}
    assert reported_budgets(CurrentKeyResponse.model_validate(body).data) is None


def test_a_budget_layer_that_cannot_be_read_is_dropped_not_the_answer() -> None:
    body = fixture("key_with_budgets.json")
    body["data"]["budgets"].append({"scope": "member", "limit_usd": "n/a"})
    body["data"]["unknown_new_field"] = {"x": 1}
    answer = CurrentKeyResponse.model_validate(body).data
    assert answer.budgets is not None
    assert len(answer.budgets) == len(body["data"]["budgets"]) - 1


def test_lists_are_paged_until_the_total_count() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        seen.append(request.url.params["limit"])
        items = [{"id": f"user_{n}"} for n in range(offset, min(offset + 100, 150))]
        return httpx.Response(200, json={"data": items, "total_count": 150})

    members = call(handler, lambda c: c.listed("organization/members", Member, lambda: None))
    assert len(members) == 150
    assert seen == ["100", "100"]


def test_a_workspace_without_budgets_answers_404_meaning_none() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"code": 404, "message": "Workspace not found"}})

    assert call(handler, lambda c: c.workspace_budgets("ws", lambda: None)) == ([], None)


def test_a_forbidden_budget_list_is_an_error_to_the_endpoint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error": {"code": 403, "message": "Enterprise only"}})

    with pytest.raises(FetchError) as caught:
        call(handler, lambda c: c.workspace_budgets("ws", lambda: None))
    assert caught.value.status == 403
