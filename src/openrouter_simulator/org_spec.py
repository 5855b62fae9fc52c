"""What an account's organisation looks like: workspaces and their budgets, guardrails and
their assignments, and members (Enterprise features; ``enterprise=False`` is a personal
account: 403 on workspaces and guardrails, 404 on members).

Workspaces are named; the simulator gives each a deterministic uuid (a key's
``workspace`` names one). Keys are assigned to guardrails by name, members by user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Interval = Literal["daily", "weekly", "monthly"]


@dataclass(frozen=True)
class BudgetSpec:
    """One workspace budget: at most one per interval; ``None`` is a lifetime budget."""

    interval: Interval | None
    limit_usd: float


@dataclass(frozen=True)
class WorkspaceSpec:
    name: str
    budgets: tuple[BudgetSpec, ...] = ()
    include_byok_in_budgets: bool = False
    default_guardrail: str | None = None  # a guardrail's name


@dataclass(frozen=True)
class GuardrailSpec:
    name: str
    workspace: str
    limit_usd: float | None
    reset_interval: Interval | None
    include_byok_in_budgets: bool = False
    keys: tuple[str, ...] = ()  # key names
    members: tuple[str, ...] = ()  # user ids


@dataclass(frozen=True)
class MemberSpec:
    user_id: str
    first_name: str | None
    last_name: str | None
    email: str
    role: Literal["org:admin", "org:member"] = "org:member"

    @property
    def display_name(self) -> str | None:
        parts = [part for part in (self.first_name, self.last_name) if part]
        return " ".join(parts) or None


@dataclass(frozen=True)
class OrganizationSpec:
    """Workspaces not listed here but named by a key exist too, without budgets; members
    who created a key but are not listed here are members with generated names."""

    enterprise: bool = True
    workspaces: tuple[WorkspaceSpec, ...] = ()
    guardrails: tuple[GuardrailSpec, ...] = ()
    members: tuple[MemberSpec, ...] = ()


DEMO_CREATOR = "user_2vQm8sK3xT0pLrA9"

DEMO_ORGANIZATION = OrganizationSpec(
    workspaces=(
        WorkspaceSpec(
            "default",
            budgets=(BudgetSpec("monthly", 900.0),),
            default_guardrail="workspace-default",
        ),
    ),
    guardrails=(
        GuardrailSpec(
            "workspace-default",
            workspace="default",
            limit_usd=None,
            reset_interval=None,
        ),
        GuardrailSpec(
            "chat-weekly-cap",
            workspace="default",
            limit_usd=150.0,
            reset_interval="weekly",
            keys=("production-chat",),
        ),
        GuardrailSpec(
            "engineer-monthly",
            workspace="default",
            limit_usd=700.0,
            reset_interval="monthly",
            include_byok_in_budgets=True,
            members=(DEMO_CREATOR,),
        ),
    ),
    members=(
        MemberSpec(DEMO_CREATOR, "Ada", "Lovelace", "ada@example.com"),
        MemberSpec("user_3kTz7bQ1mN8xWcE2", "Grace", "Hopper", "grace@example.com", "org:admin"),
    ),
)

LARGE_ORGANIZATION = OrganizationSpec(
    workspaces=(
        WorkspaceSpec(
            "default",
            budgets=(BudgetSpec("daily", 4000.0), BudgetSpec("monthly", 80_000.0)),
        ),
        WorkspaceSpec("research", budgets=(BudgetSpec("weekly", 500.0),)),
    ),
    guardrails=(
        GuardrailSpec(
            "search-weekly",
            workspace="default",
            limit_usd=5000.0,
            reset_interval="weekly",
            keys=("search-svc-0000", "search-svc-0008", "search-svc-0016"),
        ),
        GuardrailSpec(
            "lead-monthly",
            workspace="default",
            limit_usd=60_000.0,
            reset_interval="monthly",
            members=(DEMO_CREATOR,),
        ),
    ),
    members=(MemberSpec(DEMO_CREATOR, "Ada", "Lovelace", "ada@example.com"),),
)
