"""Limits end to end against the simulator: every wall with the simulator's own figures,
quiet when the account lacks Enterprise features, OpenRouter's layers winning where an
inference key reads them, and the call plan within 200 calls an hour."""

import asyncio
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from openrouter_exporter.config.loader import load_config
from openrouter_exporter.core.snapshot import SnapshotStore
from openrouter_exporter.endpoints.limits_plan import CALLS_PER_HOUR, calls_per_hour, cycle_of
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
from openrouter_exporter.storage.sqlite_state import StateStore
from openrouter_simulator import Scenario, Simulator
from tests.conftest import StartExporter, simulator_env
from tests.support.exporter import Metrics, exporter_command

LIMITS = {"OPENROUTER_EXPORTER_LIMITS_INTERVAL": "1s"}
LIMIT_ENDPOINTS = {"workspaces", "workspace_budgets", "guardrails", "guardrail_assignments"}
LIMIT_ENDPOINTS |= {"members", "budget_spend"}


def sim_get(sim: Simulator, path: str, key: str | None = None) -> Any:
    secret = key or sim.management_key
    answer = httpx.get(sim.base_url + path, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def layers(sim: Simulator, key: str) -> dict[str, dict[str, Any]]:
    data = sim_get(sim, "/key", sim.key_secrets[key])["data"]
    return {layer["scope"]: layer for layer in data["budgets"]}


def limit(metrics: Metrics, family: str, scope: str, **labels: str) -> float | None:
    """The one series of a limit family with these labels (``name`` is a label here)."""
    found = [
        value
        for series, value in metrics.series(f"openrouter_limit_{family}", scope=scope).items()
        if labels.items() <= dict(series).items()
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


def all_served(metrics: Metrics) -> bool:
    return all(
        metrics.series("openrouter_limit_spend_usd", scope=scope)
        for scope in ("credits", "key_limit", "workspace", "api_key", "member")
    )


@pytest.fixture
def demo_metrics(simulator: Simulator, start: StartExporter) -> Metrics:
    exporter = start(simulator, env=LIMITS)
    return exporter.wait_for_metrics(all_served, 30, "every scope served")


def test_a_key_limit_shows_the_simulators_month_usage_and_resets_on_the_first(
    simulator: Simulator, demo_metrics: Metrics
) -> None:
    key = next(k for k in sim_get(simulator, "/keys")["data"] if k["name"] == "nightly-evals")
    labels = {"id": key["hash"][:12], "period": "monthly", "source": "openrouter"}
    assert limit(demo_metrics, "usd", "key_limit", **labels) == key["limit"]
    assert limit(demo_metrics, "spend_usd", "key_limit", **labels) == key["usage_monthly"]
    now = datetime.now(UTC)
    first = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    assert limit(demo_metrics, "reset_timestamp_seconds", "key_limit", **labels) == (
        first.timestamp()
    )


def test_the_demo_key_limit_stops_requests_before_the_balance(demo_metrics: Metrics) -> None:
    key_at = limit(demo_metrics, "exhaustion_timestamp_seconds", "key_limit", name="nightly-evals")
    balance_at = limit(demo_metrics, "exhaustion_timestamp_seconds", "credits")
    assert key_at is not None
    assert balance_at is not None
    assert key_at < balance_at


def test_workspace_and_member_estimates_are_close_to_the_simulators_own_figures(
    simulator: Simulator, demo_metrics: Metrics
) -> None:
    own = layers(simulator, "production-chat")
    workspace = limit(demo_metrics, "spend_usd", "workspace", source="analytics_estimate")
    member = limit(demo_metrics, "spend_usd", "member", source="analytics_estimate")
    assert workspace == pytest.approx(own["workspace"]["spend_usd"], rel=0.01)
    assert member == pytest.approx(own["member"]["spend_usd"], rel=0.01)


def test_a_key_guardrail_counts_the_key_week_usage(
    simulator: Simulator, demo_metrics: Metrics
) -> None:
    own = layers(simulator, "production-chat")["api_key"]
    assert limit(demo_metrics, "usd", "api_key", name="production-chat") == own["limit_usd"]
    spend = limit(demo_metrics, "spend_usd", "api_key", source="key_usage_estimate")
    assert spend == pytest.approx(own["spend_usd"])


def test_an_account_without_enterprise_features_is_quiet(
    start: StartExporter, tmp_path: Path
) -> None:
    with Simulator(Scenario.personal(), speed=0.0) as personal:
        exporter = start(personal, env=LIMITS)
        metrics = exporter.wait_for_metrics(
            lambda m: bool(m.series("openrouter_limit_usd", scope="key_limit")), 30, "limits"
        )
        endpoints = {dict(labels)["endpoint"] for labels in metrics.series("openrouter_up")}
        scopes = {dict(labels)["scope"] for labels in metrics.series("openrouter_limit_usd")}
        lines = [line for line in exporter.log_events() if "not available" in line]
    assert not endpoints & LIMIT_ENDPOINTS
    assert scopes == {"credits", "key_limit"}
    assert all(value == 0 for value in metrics.series("openrouter_api_errors_total").values())
    said = sorted(line.split('"endpoint": "')[1].split('"')[0] for line in lines)
    assert said == ["guardrail_assignments", "guardrails", "members", "workspaces"]


def test_openrouter_layers_read_with_an_inference_key_win_over_estimates(
    simulator: Simulator, start: StartExporter
) -> None:
    env = {**LIMITS, "OPENROUTER_API_KEY": simulator.key_secrets["nightly-evals"]}
    exporter = start(simulator, env=env)
    metrics = exporter.wait_for_metrics(
        lambda m: m.get("openrouter_limit_usd", scope="workspace", source="openrouter") is not None,
        30,
        "the workspace budget from /key",
    )
    own = layers(simulator, "nightly-evals")
    assert limit(metrics, "spend_usd", "workspace") == own["workspace"]["spend_usd"]
    assert limit(metrics, "usd", "workspace", source="analytics_estimate") is None
    assert limit(metrics, "spend_usd", "member") == own["member"]["spend_usd"]


# The call plan, from one round of every endpoint against the simulator at the defaults.


@pytest.fixture(params=["demo", "large"])
def planned(request: pytest.FixtureRequest) -> Iterator[tuple[dict[str, float], int, int]]:
    scenario = getattr(Scenario, request.param)()
    with Simulator(scenario, speed=0.0) as sim:
        config = load_config(
            {"base_url": sim.base_url}, {"OPENROUTER_MANAGEMENT_KEY": sim.management_key}
        )
        account = config.accounts[0]
        store = SnapshotStore([initial_snapshot(account, config)])
        poller = AccountPoller(account, config, store, StateStore.in_memory())

        async def once() -> None:
            try:
                await poller.poll_once()
            finally:
                await poller.aclose()

        asyncio.run(once())
        snapshot = store.account(account.name)
        calls = sim.engine.call_counts()
        limits_calls = sum(calls.get(name, 0) for name in ("workspaces", "guardrails", "members"))
        # The estimates are Analytics queries filtered by workspace or member.
        estimates = cycle_of(account, snapshot)
        yield (
            calls_per_hour(config, account, snapshot),
            limits_calls + estimates.estimated_workspaces + estimates.estimated_members,
            estimates.calls,
        )


def test_the_limits_endpoints_make_the_calls_the_plan_counts(
    planned: tuple[dict[str, float], int, int],
) -> None:
    _, counted, cycle = planned
    assert counted == cycle


def test_everything_on_stays_within_200_calls_an_hour(
    planned: tuple[dict[str, float], int, int],
) -> None:
    plan, _, _ = planned
    assert plan["total"] <= CALLS_PER_HOUR + 1e-9
    assert plan["limits_interval"] >= 600.0


def test_check_says_which_features_the_account_lacks_without_failing(tmp_path: Path) -> None:
    with Simulator(Scenario.personal(), speed=0.0) as personal:
        env = {"PATH": os.environ["PATH"], **simulator_env(personal, tmp_path), **LIMITS}
        result = subprocess.run(
            exporter_command("check"), env=env, capture_output=True, text=True, timeout=60
        )
    assert "workspaces not available to this account" in " ".join(result.stdout.split())
    assert "FAILED" not in result.stdout
