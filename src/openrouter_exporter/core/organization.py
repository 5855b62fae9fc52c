"""What the exporter knows of an account's organisation: workspaces and their budgets,
guardrails and who they are assigned to, members (names only), the spend estimated
against budgets, and the budget layers ``GET /key`` reports for an inference key.

None of OpenRouter's list answers carries the spend counted against a budget: the
estimates (:class:`BudgetSpend`) come from the Analytics API.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from openrouter_exporter.core.limits import LimitPeriod


@dataclass(frozen=True)
class WorkspaceReading:
    id: str
    name: str
    default_guardrail_id: str | None
    include_byok_in_budgets: bool


@dataclass(frozen=True)
class BudgetReading:
    """A workspace budget: at most one per period."""

    workspace_id: str
    period: LimitPeriod
    limit_usd: float


@dataclass(frozen=True)
class WorkspaceBudgets:
    """Every workspace's budgets (a workspace without budgets has none) and whether each
    counts bring-your-own-key spend."""

    budgets: tuple[BudgetReading, ...]
    include_byok: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class GuardrailReading:
    id: str
    name: str
    workspace_id: str
    limit_usd: float | None  # None: a guardrail without a budget
    period: LimitPeriod
    include_byok: bool


@dataclass(frozen=True)
class Assignments:
    """Which guardrail each key (by its full hash) and each member (by user id) has."""

    keys: Mapping[str, str]
    members: Mapping[str, str]


@dataclass(frozen=True)
class MemberReading:
    """An organisation member: the id and a display name; never the e-mail address."""

    id: str
    name: str


@dataclass(frozen=True)
class BudgetSpend:
    """Spend per period of each workspace (by id) and each member (by user id), estimated
    from the Analytics API: credits only, and with BYOK included (``total``)."""

    workspaces: Mapping[str, Mapping[LimitPeriod, float]]
    workspaces_total: Mapping[str, Mapping[LimitPeriod, float]]
    members: Mapping[str, Mapping[LimitPeriod, float]]
    members_total: Mapping[str, Mapping[LimitPeriod, float]]
    fetched_at: float


@dataclass(frozen=True)
class ReportedBudget:
    """One layer of ``GET /key``'s ``budgets[]``: OpenRouter's own figures."""

    scope: str
    limit_usd: float
    spend_usd: float
    period: LimitPeriod
    resets_at: float | None
    guardrail_id: str | None
    budget_id: str | None
