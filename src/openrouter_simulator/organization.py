"""Workspaces, budgets, guardrails, their assignments and organisation members, shaped as
``openrouter-limit-schemas.json``; and the budget layers ``GET /key`` reports for a key.

Spend against a budget is the simulator's own truth: the period usage of the keys the
budget covers (the workspace's keys, the member's keys, the key itself), BYOK included
where the budget counts it. No list answer carries spend, as on OpenRouter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from openrouter_simulator.identity import make_uuid
from openrouter_simulator.keys import PeriodKind, period_start
from openrouter_simulator.org_spec import GuardrailSpec, MemberSpec, WorkspaceSpec
from openrouter_simulator.reply import Reply, error_reply
from openrouter_simulator.specs import DEFAULT_WORKSPACE
from openrouter_simulator.spend import DAY, month_start, week_start

if TYPE_CHECKING:
    from openrouter_simulator.keys import KeyState
    from openrouter_simulator.ledger import Ledger
    from openrouter_simulator.scenario import Scenario

CREATED = "2025-08-24T10:30:00Z"
ENTERPRISE_ONLY = "This feature is only available to Enterprise organizations"
MAX_PAGE = 100
DEFAULT_PAGE = 50
Query = Mapping[str, list[str]]


def endpoint_of(path: str) -> str | None:
    if path == "/workspaces" or path.startswith("/workspaces/"):
        return "workspaces"
    if path == "/guardrails" or path.startswith("/guardrails/"):
        return "guardrails"
    if path == "/organization/members":
        return "members"
    return None


class Organization:
    """The organisation of a scenario, resolved against the ledger's keys and workspaces."""

    def __init__(self, scenario: Scenario, ledger: Ledger, owner: str) -> None:
        self.scenario = scenario
        self.ledger = ledger
        self.owner = owner  # the management key's user: an admin
        self.spec = scenario.organization
        seed = scenario.seed
        named = {w.name: w for w in self.spec.workspaces}
        names = [DEFAULT_WORKSPACE, *named, *(k_ws for k_ws in ledger.workspaces)]
        self.workspaces = [named.get(n, WorkspaceSpec(n)) for n in dict.fromkeys(names)]
        for workspace in self.workspaces:
            ledger.workspace_id(workspace.name)
        self.guardrail_ids = {
            g.name: make_uuid(seed, "guardrail", g.name) for g in self.spec.guardrails
        }
        self.members = self._members()

    def _members(self) -> list[MemberSpec]:
        listed = {m.user_id: m for m in self.spec.members}
        owner = self.owner
        ids = [*listed, owner, *(k.creator_user_id for k in self.ledger.keys)]
        members = []
        for user_id in dict.fromkeys(i for i in ids if i):
            generated = MemberSpec(
                user_id,
                "Member",
                user_id[-4:],
                f"{user_id}@example.com",
                "org:admin" if user_id == owner else "org:member",
            )
            members.append(listed.get(user_id, generated))
        return members

    # ---- answers ----------------------------------------------------------------------

    def answer(self, endpoint: str, path: str, query: Query) -> dict[str, Any] | Reply:
        if not self.spec.enterprise:
            if endpoint == "members":
                return error_reply(404, "Organization not found")
            return error_reply(403, ENTERPRISE_ONLY)
        page = _page(query)
        if isinstance(page, Reply):
            return page
        if endpoint == "members":
            return _paged([_member(m) for m in self.members], page)
        if endpoint == "workspaces":
            return self._workspaces(path, page)
        return self._guardrails(path, query, page)

    def _workspaces(self, path: str, page: tuple[int, int]) -> dict[str, Any] | Reply:
        if path == "/workspaces":
            return _paged([self._workspace(w) for w in self.workspaces], page)
        parts = path.removeprefix("/workspaces/").split("/")
        workspace = self._find_workspace(parts[0])
        if workspace is None or len(parts) > 2 or (len(parts) == 2 and parts[1] != "budgets"):
            return error_reply(404, "Workspace not found")
        if len(parts) == 1:
            return {"data": self._workspace(workspace)}
        if not workspace.budgets:  # OpenRouter's quirk: no budgets is a 404
            return error_reply(404, "Workspace not found")
        ws_id = self.ledger.workspace_id(workspace.name)
        seed = self.scenario.seed
        budgets = [
            {
                "id": make_uuid(seed, "budget", workspace.name, budget.interval),
                "workspace_id": ws_id,
                "limit_usd": budget.limit_usd,
                "reset_interval": budget.interval,
                "created_at": CREATED,
                "updated_at": CREATED,
            }
            for budget in workspace.budgets
        ]
        return {"data": budgets, "include_byok_in_budgets": workspace.include_byok_in_budgets}

    def _guardrails(self, path: str, query: Query, page: tuple[int, int]) -> dict[str, Any] | Reply:
        ledger = self.ledger
        if path == "/guardrails":
            wanted = _one(query, "workspace_id") or ledger.workspace_id(DEFAULT_WORKSPACE)
            chosen = [g for g in self.spec.guardrails if ledger.workspace_id(g.workspace) == wanted]
            return _paged([self._guardrail(g) for g in chosen], page)
        if path == "/guardrails/assignments/keys":
            return _paged(self._key_assignments(), page)
        if path == "/guardrails/assignments/members":
            return _paged(self._member_assignments(), page)
        found = [g for g in self.spec.guardrails if self.guardrail_ids[g.name] == path[12:]]
        if not found:
            return error_reply(404, "Guardrail not found")
        return {"data": self._guardrail(found[0])}

    def _workspace(self, workspace: WorkspaceSpec) -> dict[str, Any]:
        default = workspace.default_guardrail
        return {
            "id": self.ledger.workspace_id(workspace.name),
            "name": workspace.name,
            "slug": workspace.name,
            "description": None,
            # Always an id: an unconfigured default guardrail answers 404 until configured.
            "default_guardrail_id": (
                self.guardrail_ids[default]
                if default
                else make_uuid(self.scenario.seed, "default-guardrail", workspace.name)
            ),
            "default_text_model": None,
            "default_image_model": None,
            "default_provider_sort": None,
            "include_byok_in_budgets": workspace.include_byok_in_budgets,
            "is_observability_io_logging_enabled": False,
            "is_observability_broadcast_enabled": False,
            "is_data_discount_logging_enabled": True,
            "io_logging_sampling_rate": 1,
            "io_logging_api_key_ids": None,
            "created_at": CREATED,
            "updated_at": None,
            "created_by": self.owner,
        }

    def _guardrail(self, guardrail: GuardrailSpec) -> dict[str, Any]:
        return {
            "id": self.guardrail_ids[guardrail.name],
            "name": guardrail.name,
            "workspace_id": self.ledger.workspace_id(guardrail.workspace),
            "limit_usd": guardrail.limit_usd,
            "reset_interval": guardrail.reset_interval,
            "include_byok_in_budgets": guardrail.include_byok_in_budgets,
            "allowed_models": None,
            "allowed_providers": None,
            "ignored_models": None,
            "ignored_providers": None,
            "enforce_zdr": False,
            "created_at": CREATED,
            "updated_at": None,
        }

    def _key_assignments(self) -> list[dict[str, Any]]:
        rows = []
        for guardrail in self.spec.guardrails:
            for key in self._keys_named(guardrail.keys):
                rows.append(
                    {
                        "id": make_uuid(self.scenario.seed, "assign", guardrail.name, key.hash),
                        "key_hash": key.hash,
                        "guardrail_id": self.guardrail_ids[guardrail.name],
                        "key_name": key.name,
                        "key_label": key.label,
                        "assigned_by": self.owner,
                        "created_at": CREATED,
                    }
                )
        return rows

    def _member_assignments(self) -> list[dict[str, Any]]:
        seed = self.scenario.seed
        return [
            {
                "id": make_uuid(seed, "assign", guardrail.name, user),
                "user_id": user,
                "organization_id": "org_" + make_uuid(seed, "org")[:12],
                "guardrail_id": self.guardrail_ids[guardrail.name],
                "assigned_by": self.owner,
                "created_at": CREATED,
            }
            for guardrail in self.spec.guardrails
            for user in guardrail.members
        ]

    def _keys_named(self, names: tuple[str, ...]) -> list[KeyState]:
        return [k for k in self.ledger.keys if k.name in names and not k.deleted]

    def _find_workspace(self, ident: str) -> WorkspaceSpec | None:
        ledger = self.ledger
        for workspace in self.workspaces:
            if ident in (workspace.name, ledger.workspace_id(workspace.name)):
                return workspace
        return None

    def member_labels(self) -> dict[str, tuple[str | None, str]]:
        """Display name and e-mail address of each member, by user id (Analytics rows)."""
        return {m.user_id: (m.display_name, m.email) for m in self.members}

    # ---- the budget layers of one key (GET /key) --------------------------------------

    def key_budgets(self, key: KeyState, day: int) -> list[dict[str, Any]]:
        """Every layer enforcement checks for ``key``, in OpenRouter's order: guardrails
        (workspace default against the member, against the key; the member's; the key's),
        workspace budgets, the key's own limit."""
        layers: list[dict[str, Any]] = []
        if self.spec.enterprise:
            layers.extend(self._guardrail_layers(key, day))
            layers.extend(self._workspace_layers(key, day))
        if key.limit is not None:
            reset, byok = key.limit_reset, key.include_byok_in_limit
            spend = _spend([key], reset, day, byok)
            layers.append(_layer("key_limit", key.limit, spend, reset, day, byok))
        return layers

    def _workspace_of(self, key: KeyState) -> WorkspaceSpec | None:
        ledger = self.ledger
        return next(
            (w for w in self.workspaces if ledger.workspace_id(w.name) == key.workspace_id), None
        )

    def _guardrail_layers(self, key: KeyState, day: int) -> list[dict[str, Any]]:
        workspace = self._workspace_of(key)
        default = workspace.default_guardrail if workspace else None
        creator_keys = [k for k in self.ledger.keys if k.creator_user_id == key.creator_user_id]
        chosen: list[tuple[str, GuardrailSpec, list[KeyState]]] = []
        for guardrail in self.spec.guardrails:
            if guardrail.name == default:
                chosen.append(("workspace_default_member", guardrail, creator_keys))
                chosen.append(("workspace_default_key", guardrail, [key]))
        chosen.extend(
            ("member", g, creator_keys)
            for g in self.spec.guardrails
            if key.creator_user_id in g.members
        )
        chosen.extend(("api_key", g, [key]) for g in self.spec.guardrails if key.name in g.keys)
        layers = []
        for scope, guardrail, keys in chosen:
            if guardrail.limit_usd is None:
                continue
            byok = guardrail.include_byok_in_budgets
            spend = _spend(keys, guardrail.reset_interval, day, byok)
            layer = _layer(scope, guardrail.limit_usd, spend, guardrail.reset_interval, day, byok)
            layers.append(layer | {"guardrail_id": self.guardrail_ids[guardrail.name]})
        return layers

    def _workspace_layers(self, key: KeyState, day: int) -> list[dict[str, Any]]:
        workspace = self._workspace_of(key)
        if workspace is None:
            return []
        keys = [k for k in self.ledger.keys if k.workspace_id == key.workspace_id]
        byok = workspace.include_byok_in_budgets
        seed = self.scenario.seed
        return [
            _layer(
                "workspace",
                budget.limit_usd,
                _spend(keys, budget.interval, day, byok),
                budget.interval,
                day,
                byok,
            )
            | {"budget_id": make_uuid(seed, "budget", workspace.name, budget.interval)}
            for budget in workspace.budgets
        ]


def _spend(keys: list[KeyState], interval: PeriodKind | None, day: int, byok: bool) -> float:
    total = 0.0
    for key in keys:
        if interval is None:
            usage, extra = key.usage, key.byok_usage
        else:
            usage, extra = key.period_usage(interval, day)
        total += usage + (extra if byok else 0.0)
    return total


def resets_at(interval: PeriodKind | None, day: int) -> str | None:
    if interval is None:
        return None
    start = period_start(interval, day)
    if interval == "daily":
        nxt = start + 1
    elif interval == "weekly":
        nxt = week_start(start) + 7
    else:
        nxt = month_start(start + 31)
    moment = datetime.fromtimestamp(nxt * DAY, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _layer(
    scope: str, limit: float, spend: float, interval: PeriodKind | None, day: int, byok: bool
) -> dict[str, Any]:
    return {
        "scope": scope,
        "limit_usd": limit,
        "spend_usd": round(spend, 10),
        "remaining_usd": round(limit - spend, 10),
        "reset_interval": interval,
        "resets_at": resets_at(interval, day),
        "guardrail_id": None,
        "budget_id": None,
        "include_byok": byok,
    }


def _member(member: MemberSpec) -> dict[str, Any]:
    return {
        "id": member.user_id,
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "role": member.role,
    }


def _one(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _page(query: Query) -> tuple[int, int] | Reply:
    raw_offset, raw_limit = _one(query, "offset") or "0", _one(query, "limit") or str(DEFAULT_PAGE)
    if not raw_offset.isdigit() or not raw_limit.isdigit():
        return error_reply(400, "offset and limit must be non-negative integers")
    limit = int(raw_limit)
    if not 1 <= limit <= MAX_PAGE:
        return error_reply(400, f"limit must be from 1 to {MAX_PAGE}")
    return int(raw_offset), limit


def _paged(items: list[dict[str, Any]], page: tuple[int, int]) -> dict[str, Any]:
    offset, limit = page
    return {"data": items[offset : offset + limit], "total_count": len(items)}
