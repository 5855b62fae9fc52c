"""Every limit of an account, from what the endpoints read: which spend counts against
each, where it comes from, and OpenRouter's own figures winning over estimates."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from openrouter_exporter.config.types import Thresholds
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.limit_assembly import account_limits
from openrouter_exporter.core.limits import Limit, LimitPeriod, LimitScope, SpendSource
from openrouter_exporter.core.organization import (
    Assignments,
    BudgetReading,
    BudgetSpend,
    GuardrailReading,
    MemberReading,
    ReportedBudget,
    WorkspaceBudgets,
    WorkspaceReading,
)
from openrouter_exporter.core.snapshot import (
    AccountSnapshot,
    CreditsReading,
    KeyReading,
    WindowForecast,
)

NOW = datetime(2026, 12, 6, 21, 30, tzinfo=UTC).timestamp()
MONTH_END = datetime(2027, 1, 1, tzinfo=UTC).timestamp()
WS = "550e8400-e29b-41d4-a716-446655440000"
ADA = "user_2dHFtVWx2n56w6HkM"
DAILY, WEEKLY, MONTHLY = LimitPeriod.DAILY, LimitPeriod.WEEKLY, LimitPeriod.MONTHLY


def key(name: str = "batch", **changes: Any) -> KeyReading:
    base = KeyReading(
        key_hash=f"{name:x<12}"[:12],
        name=name,
        label="sk-or-v1-0e6...1c96",
        workspace_id=WS,
        limit_reset="monthly",
        disabled=False,
        usage=300.0,
        byok_usage=30.0,
        limit=50.0,
        limit_remaining=10.0,
        expires_at=None,
        period_usage={DAILY: 2.0, WEEKLY: 12.0, MONTHLY: 40.0},
        period_byok_usage={DAILY: 0.5, WEEKLY: 1.0, MONTHLY: 4.0},
        creator_user_id=ADA,
    )
    return replace(base, **changes)


def account(readings: Mapping[EndpointName, Any], **changes: Any) -> AccountSnapshot:
    return AccountSnapshot(name="prod", thresholds=Thresholds(), readings=readings, **changes)


def only(limits: tuple[Limit, ...], scope: LimitScope) -> Limit:
    found = [limit for limit in limits if limit.scope is scope]
    assert len(found) == 1, found
    return found[0]


def organisation(default_guardrail: str | None = None) -> dict[EndpointName, Any]:
    return {
        EndpointName.WORKSPACES: (WorkspaceReading(WS, "Production", default_guardrail, False),),
        EndpointName.MEMBERS: (MemberReading(ADA, "Ada Lovelace"),),
        EndpointName.GUARDRAILS: (
            GuardrailReading("g-week", "weekly cap", WS, 150.0, WEEKLY, False),
            GuardrailReading("g-month", "monthly cap", WS, 700.0, MONTHLY, True),
            GuardrailReading("g-rules", "rules only", WS, None, MONTHLY, False),
        ),
    }


def spend(workspace: float = 80.0, member: float = 60.0) -> BudgetSpend:
    return BudgetSpend(
        workspaces={WS: {DAILY: 5.0, WEEKLY: 30.0, MONTHLY: workspace}},
        workspaces_total={WS: {DAILY: 6.0, WEEKLY: 33.0, MONTHLY: workspace + 9.0}},
        members={ADA: {DAILY: 4.0, WEEKLY: 20.0, MONTHLY: member}},
        members_total={ADA: {DAILY: 4.5, WEEKLY: 22.0, MONTHLY: member + 7.0}},
        fetched_at=NOW,
    )


def test_the_balance_is_a_lifetime_limit_projected_by_the_account_forecast() -> None:
    snapshot = account(
        {EndpointName.CREDITS: CreditsReading(300.0, 260.0, NOW)},
        forecasts=(WindowForecast("7d", 10.0, 4.0, NOW + 4 * 86400),),
    )
    balance = only(account_limits(snapshot, NOW), LimitScope.CREDITS)
    assert (balance.limit_usd, balance.spend_usd, balance.remaining_usd) == (300.0, 260.0, 40.0)
    assert (balance.period, balance.source, balance.reset_timestamp) == (
        LimitPeriod.LIFETIME,
        SpendSource.OPENROUTER,
        None,
    )
    assert balance.exhaustion_timestamp == NOW + 4 * 86400


def test_an_overdrawn_balance_is_exhausted_now() -> None:
    snapshot = account({EndpointName.CREDITS: CreditsReading(300.0, 300.5, NOW)})
    assert only(account_limits(snapshot, NOW), LimitScope.CREDITS).exhaustion_timestamp == NOW


def test_a_key_limit_counts_the_usage_of_its_period() -> None:
    limit = only(account_limits(account({EndpointName.KEYS: (key(),)}), NOW), LimitScope.KEY_LIMIT)
    assert (limit.id, limit.name, limit.period, limit.spend_usd) == (
        "batchxxxxxxx",
        "batch",
        MONTHLY,
        40.0,
    )
    assert limit.reset_timestamp == MONTH_END
    assert limit.source is SpendSource.OPENROUTER


def test_a_key_limit_counting_byok_adds_the_period_byok_usage() -> None:
    keys = (key(include_byok_in_limit=True, limit_reset="daily"),)
    limit = only(account_limits(account({EndpointName.KEYS: keys}), NOW), LimitScope.KEY_LIMIT)
    assert limit.spend_usd == 2.5


def test_a_key_limit_that_never_resets_counts_all_time_usage() -> None:
    keys = (key(limit_reset="", limit=310.0),)
    limit = only(account_limits(account({EndpointName.KEYS: keys}), NOW), LimitScope.KEY_LIMIT)
    assert (limit.period, limit.spend_usd, limit.reset_timestamp) == (
        LimitPeriod.LIFETIME,
        300.0,
        None,
    )
    assert limit.exhaustion_timestamp is not None  # at this month's average rate


def test_a_period_usage_not_in_the_answer_is_unknown_not_zero() -> None:
    keys = (key(period_usage={}),)
    limit = only(account_limits(account({EndpointName.KEYS: keys}), NOW), LimitScope.KEY_LIMIT)
    assert limit.spend_usd is None
    assert limit.exhaustion_timestamp is None


def test_disabled_and_unlimited_keys_have_no_limit() -> None:
    keys = (key("off", disabled=True), key("free", limit=None))
    assert account_limits(account({EndpointName.KEYS: keys}), NOW) == ()


def test_a_workspace_budget_is_estimated_from_the_analytics_api() -> None:
    readings = {
        **organisation(),
        EndpointName.WORKSPACE_BUDGETS: WorkspaceBudgets((BudgetReading(WS, MONTHLY, 900.0),)),
        EndpointName.BUDGET_SPEND: spend(),
    }
    budget = only(account_limits(account(readings), NOW), LimitScope.WORKSPACE)
    assert (budget.id, budget.name, budget.spend_usd) == (WS, "Production", 80.0)
    assert budget.source is SpendSource.ANALYTICS


def test_a_workspace_budget_counting_byok_uses_the_total_usage() -> None:
    budgets = WorkspaceBudgets((BudgetReading(WS, MONTHLY, 900.0),), include_byok={WS: True})
    readings = {
        **organisation(),
        EndpointName.WORKSPACE_BUDGETS: budgets,
        EndpointName.BUDGET_SPEND: spend(),
    }
    assert only(account_limits(account(readings), NOW), LimitScope.WORKSPACE).spend_usd == 89.0


def test_a_lifetime_workspace_budget_has_no_estimate() -> None:
    readings = {
        **organisation(),
        EndpointName.WORKSPACE_BUDGETS: WorkspaceBudgets(
            (BudgetReading(WS, LimitPeriod.LIFETIME, 5000.0),)
        ),
        EndpointName.BUDGET_SPEND: spend(),
    }
    assert only(account_limits(account(readings), NOW), LimitScope.WORKSPACE).spend_usd is None


def test_a_key_guardrail_counts_the_key_period_usage() -> None:
    readings = {
        **organisation(),
        EndpointName.KEYS: (key(limit=None),),
        EndpointName.GUARDRAIL_ASSIGNMENTS: Assignments(
            keys={"batchxxxxxxx": "g-week"}, members={}
        ),
    }
    guardrail = only(account_limits(account(readings), NOW), LimitScope.API_KEY)
    assert (guardrail.limit_usd, guardrail.period, guardrail.spend_usd) == (150.0, WEEKLY, 12.0)
    assert guardrail.source is SpendSource.KEY_USAGE


def test_a_member_guardrail_is_named_after_the_member_and_estimated() -> None:
    readings = {
        **organisation(),
        EndpointName.GUARDRAIL_ASSIGNMENTS: Assignments(keys={}, members={ADA: "g-month"}),
        EndpointName.BUDGET_SPEND: spend(),
    }
    guardrail = only(account_limits(account(readings), NOW), LimitScope.MEMBER)
    assert (guardrail.id, guardrail.name) == (ADA, "Ada Lovelace")
    assert guardrail.spend_usd == 67.0  # BYOK counted: the total usage


def test_a_guardrail_without_a_budget_is_no_limit() -> None:
    readings = {
        **organisation(),
        EndpointName.KEYS: (key(limit=None),),
        EndpointName.GUARDRAIL_ASSIGNMENTS: Assignments(
            keys={"batchxxxxxxx": "g-rules"}, members={}
        ),
    }
    assert account_limits(account(readings), NOW) == ()


def test_a_workspace_default_guardrail_binds_each_key_and_each_creator() -> None:
    readings = {
        **organisation(default_guardrail="g-week"),
        EndpointName.KEYS: (key("a", limit=None), key("b", limit=None)),
        EndpointName.BUDGET_SPEND: spend(),
    }
    limits = account_limits(account(readings), NOW)
    per_key = [item for item in limits if item.scope is LimitScope.WORKSPACE_DEFAULT_KEY]
    assert sorted(item.name for item in per_key) == ["a", "b"]
    member = only(limits, LimitScope.WORKSPACE_DEFAULT_MEMBER)
    assert (member.id, member.spend_usd) == (ADA, 20.0)


def test_openrouter_budget_layers_win_over_estimates_for_the_same_limit() -> None:
    own = replace(
        key(),
        name="sk-or-v1-0e6...1c96",  # /key knows the key by its label only
        budgets=(
            ReportedBudget("workspace", 900.0, 81.5, MONTHLY, MONTH_END, None, "b1"),
            ReportedBudget("key_limit", 50.0, 40.0, MONTHLY, MONTH_END, None, None),
            ReportedBudget("future_scope", 1.0, 1.0, MONTHLY, MONTH_END, None, None),
        ),
    )
    readings = {
        **organisation(),
        EndpointName.KEYS: (key(),),
        EndpointName.KEY_BUDGETS: own,
        EndpointName.WORKSPACE_BUDGETS: WorkspaceBudgets((BudgetReading(WS, MONTHLY, 900.0),)),
        EndpointName.BUDGET_SPEND: spend(),
    }
    limits = account_limits(account(readings), NOW)
    budget = only(limits, LimitScope.WORKSPACE)
    assert (budget.spend_usd, budget.source, budget.name) == (
        81.5,
        SpendSource.OPENROUTER,
        "Production",
    )
    assert only(limits, LimitScope.KEY_LIMIT).name == "batch"  # named as /keys lists it
    assert len(limits) == 2


def test_an_inference_key_alone_shows_its_layers() -> None:
    alone = key(
        budgets=(ReportedBudget("member", 700.0, 650.0, WEEKLY, None, "g", None),),
        limit=None,
    )
    limit = only(account_limits(account({EndpointName.KEY: (alone,)}), NOW), LimitScope.MEMBER)
    assert (limit.id, limit.spend_usd, limit.remaining_usd) == (ADA, 650.0, 50.0)
    assert limit.reset_timestamp == pytest.approx(datetime(2026, 12, 7, tzinfo=UTC).timestamp())
