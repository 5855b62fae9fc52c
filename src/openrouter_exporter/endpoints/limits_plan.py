"""How often the slow lists behind limits are read (workspaces, budgets, guardrails, their
assignments, members, the spend estimates and an inference key's budget layers): every
``--poll.limits-interval``, or less often when that would take the account past
``CALLS_PER_HOUR`` OpenRouter calls an hour with everything else the exporter polls.

The plan is computed from the account as last seen (how many workspaces, budgets,
guardrail assignments, pages of keys), so it follows the account as it grows.
"""

from dataclasses import dataclass

from openrouter_exporter.config.types import (
    POLITE_INTERVAL_SECONDS,
    AccountConfig,
    ExporterConfig,
)
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.limits import LimitPeriod
from openrouter_exporter.core.organization import (
    Assignments,
    GuardrailReading,
    WorkspaceBudgets,
    WorkspaceReading,
)
from openrouter_exporter.core.snapshot import AccountSnapshot
from openrouter_exporter.endpoints.keys import keys_interval, keys_pages

CALLS_PER_HOUR = 200.0
PERIODS = (LimitPeriod.DAILY, LimitPeriod.WEEKLY, LimitPeriod.MONTHLY)  # estimated periods
ANALYTICS_QUERIES_PER_POLL = 2  # per model, and key x model
ANALYTICS_META_PER_HOUR = 1.0


@dataclass(frozen=True)
class LimitsCycle:
    """The calls one round of every limits endpoint makes."""

    workspaces: int  # listed (the default one at least)
    estimated_workspaces: int  # with a budget whose spend is estimated
    estimated_members: int  # with a guardrail budget whose spend is estimated
    key_budgets: bool  # an inference key's /key read for its budget layers

    @property
    def calls(self) -> int:
        lists = 1 + self.workspaces + self.workspaces + 2 + 1  # budgets, guardrails per ws
        return lists + self.estimated_workspaces + self.estimated_members + self.key_budgets


def other_calls_per_hour(config: ExporterConfig, pages: int) -> float:
    """Calls an hour of /credits, /keys (``pages`` a poll), /activity and the Analytics API."""
    calls = 3600 / config.poll_interval
    calls += pages * 3600 / keys_interval(config.poll_interval, pages)
    calls += 3600 / config.activity_interval
    if config.analytics_interval > 0:
        calls += ANALYTICS_QUERIES_PER_POLL * 3600 / config.analytics_interval
        calls += ANALYTICS_META_PER_HOUR
    return calls


def cycle_of(account: AccountConfig, snapshot: AccountSnapshot) -> LimitsCycle:
    workspaces = snapshot.reading(EndpointName.WORKSPACES, tuple) or ()
    estimated_workspaces, estimated_members = estimated_targets(snapshot)
    return LimitsCycle(
        workspaces=max(1, len(workspaces)),
        estimated_workspaces=len(estimated_workspaces),
        estimated_members=len(estimated_members),
        key_budgets=account.api_key is not None and account.management_key is not None,
    )


def estimated_targets(snapshot: AccountSnapshot) -> tuple[set[str], set[str]]:
    """The workspaces with a periodic budget and the members under a guardrail budget
    (their own, or their workspace's default guardrail through a key they created)."""
    budgets = snapshot.reading(EndpointName.WORKSPACE_BUDGETS, WorkspaceBudgets)
    guardrails: tuple[GuardrailReading, ...] = (
        snapshot.reading(EndpointName.GUARDRAILS, tuple) or ()
    )
    assignments = snapshot.reading(EndpointName.GUARDRAIL_ASSIGNMENTS, Assignments)
    workspaces_listed: tuple[WorkspaceReading, ...] = (
        snapshot.reading(EndpointName.WORKSPACES, tuple) or ()
    )
    budgeted = {g.id for g in guardrails if g.limit_usd is not None}
    workspaces = {
        b.workspace_id for b in (budgets.budgets if budgets else ()) if b.period in PERIODS
    }
    assigned = assignments.members if assignments else {}
    members = {user for user, guardrail in assigned.items() if guardrail in budgeted}
    defaults = {w.id for w in workspaces_listed if w.default_guardrail_id in budgeted}
    members |= {
        key.creator_user_id
        for key in snapshot.keys or ()
        if key.creator_user_id and key.workspace_id in defaults
    }
    return workspaces, members


def limits_interval(
    config: ExporterConfig, account: AccountConfig, snapshot: AccountSnapshot
) -> float:
    """Seconds between rounds of the limits endpoints: the setting, or longer so that the
    account stays within ``CALLS_PER_HOUR`` calls an hour. A poll interval below the
    polite one (tests, demos) is taken as asked: those runs are not meant to be polite."""
    if config.poll_interval < POLITE_INTERVAL_SECONDS:
        return config.limits_interval
    workspaces: tuple[WorkspaceReading, ...] = (
        snapshot.reading(EndpointName.WORKSPACES, tuple) or ()
    )
    pages = keys_pages(snapshot.keys or (), max(1, len(workspaces)))
    spare = CALLS_PER_HOUR - other_calls_per_hour(config, pages)
    calls = cycle_of(account, snapshot).calls
    if spare <= 0:
        return max(config.limits_interval, 3600.0 * calls)
    return max(config.limits_interval, 3600.0 * calls / spare)


def calls_per_hour(
    config: ExporterConfig, account: AccountConfig, snapshot: AccountSnapshot
) -> dict[str, float]:
    """The account's plan: calls an hour of everything else, of the limits endpoints, and
    in all, with the interval the limits endpoints are read at."""
    workspaces = snapshot.reading(EndpointName.WORKSPACES, tuple) or ()
    other = other_calls_per_hour(config, keys_pages(snapshot.keys or (), max(1, len(workspaces))))
    interval = limits_interval(config, account, snapshot)
    limits = cycle_of(account, snapshot).calls * 3600.0 / interval if interval > 0 else 0.0
    return {
        "other": other,
        "limits": limits,
        "total": other + limits,
        "limits_interval": interval,
    }
