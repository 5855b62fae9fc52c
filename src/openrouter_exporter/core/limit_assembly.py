"""Every limit of an account, built from what the endpoints read: the balance, each key's
own limit, workspace budgets, guardrail budgets (per key, per member, and a workspace's
default guardrail), and OpenRouter's own figures from ``GET /key``'s ``budgets[]``, which
win over the estimates for the same limit. Spend that is not known stays ``None``."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.limit_projection import exhaustion, period_rate, project
from openrouter_exporter.core.limits import Limit, LimitPeriod, LimitScope, SpendSource
from openrouter_exporter.core.organization import (
    Assignments,
    BudgetSpend,
    GuardrailReading,
    MemberReading,
    ReportedBudget,
    WorkspaceBudgets,
    WorkspaceReading,
)
from openrouter_exporter.core.periods import next_reset, period_of
from openrouter_exporter.core.snapshot import AccountSnapshot, KeyReading

BALANCE_WINDOWS = ("24h", "7d", "30d")  # the balance's projection: the first one known
_KEY_SCOPES = (LimitScope.KEY_LIMIT, LimitScope.API_KEY, LimitScope.WORKSPACE_DEFAULT_KEY)
_MEMBER_SCOPES = (LimitScope.MEMBER, LimitScope.WORKSPACE_DEFAULT_MEMBER)


@dataclass(frozen=True)
class _Account:
    """The readings limits are built from, with names looked up by id."""

    snapshot: AccountSnapshot
    keys: tuple[KeyReading, ...]
    workspaces: dict[str, WorkspaceReading]
    guardrails: dict[str, GuardrailReading]
    members: dict[str, str]
    spend: BudgetSpend | None
    now: float

    @classmethod
    def of(cls, snapshot: AccountSnapshot, now: float) -> "_Account":
        workspaces: tuple[WorkspaceReading, ...] = (
            snapshot.reading(EndpointName.WORKSPACES, tuple) or ()
        )
        guardrails: tuple[GuardrailReading, ...] = (
            snapshot.reading(EndpointName.GUARDRAILS, tuple) or ()
        )
        members: tuple[MemberReading, ...] = snapshot.reading(EndpointName.MEMBERS, tuple) or ()
        return cls(
            snapshot=snapshot,
            keys=tuple(key for key in snapshot.keys or () if not key.disabled),
            workspaces={w.id: w for w in workspaces},
            guardrails={g.id: g for g in guardrails if g.limit_usd is not None},
            members={m.id: m.name for m in members},
            spend=snapshot.reading(EndpointName.BUDGET_SPEND, BudgetSpend),
            now=now,
        )

    def limit(
        self,
        scope: LimitScope,
        ident: str,
        name: str,
        period: LimitPeriod,
        amount: float,
        spend: float | None,
        source: SpendSource,
        rate_basis: float | None = None,
    ) -> Limit:
        """A limit with its reset and projected exhaustion; a lifetime limit is projected at
        the month-to-date rate of ``rate_basis`` (this month's spend), when given."""
        reset = next_reset(period, self.now)
        when = None
        if spend is not None and period is LimitPeriod.LIFETIME:
            rate = (
                None
                if rate_basis is None
                else period_rate(LimitPeriod.MONTHLY, rate_basis, self.now)
            )
            when = exhaustion(amount, spend, None, rate, self.now)
        elif spend is not None:
            reset, when = project(period, amount, spend, self.now)
        return Limit(scope, ident, name, period, amount, spend, source, reset, when)


def account_limits(snapshot: AccountSnapshot, now: float) -> tuple[Limit, ...]:
    account = _Account.of(snapshot, now)
    found: dict[tuple[LimitScope, str, LimitPeriod], Limit] = {}
    for item in (
        *_balance(account),
        *_key_limits(account),
        *_workspace_budgets(account),
        *_guardrail_limits(account),
        *_reported(account),  # last: OpenRouter's own figures replace estimates
    ):
        found[(item.scope, item.id, item.period)] = item
    return tuple(found.values())


def _balance(account: _Account) -> Iterator[Limit]:
    credits = account.snapshot.credits
    if credits is None:
        return
    forecasts = {item.window: item for item in account.snapshot.forecasts}
    chosen = next((forecasts[w] for w in BALANCE_WINDOWS if w in forecasts), None)
    when = chosen.exhaustion_timestamp if chosen is not None else None
    if credits.balance <= 0:
        when = account.now
    yield Limit(
        LimitScope.CREDITS,
        "",
        "balance",
        LimitPeriod.LIFETIME,
        credits.total_credits,
        credits.total_usage,
        SpendSource.OPENROUTER,
        None,
        when,
    )


def key_spend(key: KeyReading, period: LimitPeriod, byok: bool) -> float | None:
    """A key's spend in the current ``period`` (all-time for lifetime), BYOK included when
    ``byok``; ``None`` when OpenRouter's answer did not carry it."""
    if period is LimitPeriod.LIFETIME:
        usage, extra = key.usage, key.byok_usage
    else:
        usage, extra = key.period_usage.get(period), key.period_byok_usage.get(period)
    if usage is None:
        return None
    return usage + ((extra or 0.0) if byok else 0.0)


def _key_limits(account: _Account) -> Iterator[Limit]:
    for key in account.keys:
        period = period_of(key.limit_reset)
        if key.limit is None or period is None:
            continue
        byok = key.include_byok_in_limit
        yield account.limit(
            LimitScope.KEY_LIMIT,
            key.key_hash,
            key.name,
            period,
            key.limit,
            key_spend(key, period, byok),
            SpendSource.OPENROUTER,
            key_spend(key, LimitPeriod.MONTHLY, byok),
        )


def _workspace_budgets(account: _Account) -> Iterator[Limit]:
    budgets = account.snapshot.reading(EndpointName.WORKSPACE_BUDGETS, WorkspaceBudgets)
    for budget in budgets.budgets if budgets else ():
        byok = budgets.include_byok.get(budget.workspace_id, False) if budgets else False
        spend = _estimate(account.spend, False, budget.workspace_id, budget.period, byok)
        workspace = account.workspaces.get(budget.workspace_id)
        yield account.limit(
            LimitScope.WORKSPACE,
            budget.workspace_id,
            workspace.name if workspace else budget.workspace_id,
            budget.period,
            budget.limit_usd,
            spend,
            SpendSource.ANALYTICS,
        )


def _estimate(
    spend: BudgetSpend | None, members: bool, ident: str, period: LimitPeriod, byok: bool
) -> float | None:
    """The Analytics estimate of a workspace's or member's spend in ``period`` (none for a
    lifetime budget: the Analytics API reaches back a year at most)."""
    if spend is None or period is LimitPeriod.LIFETIME:
        return None
    if members:
        table = spend.members_total if byok else spend.members
    else:
        table = spend.workspaces_total if byok else spend.workspaces
    return table.get(ident, {}).get(period)


def _guardrail_limits(account: _Account) -> Iterator[Limit]:
    assignments = account.snapshot.reading(EndpointName.GUARDRAIL_ASSIGNMENTS, Assignments)
    keyed = assignments.keys if assignments else {}
    for key in account.keys:
        guardrail = account.guardrails.get(keyed.get(key.key_hash, ""))
        if guardrail is not None:
            yield _key_guardrail(account, LimitScope.API_KEY, guardrail, key)
    for user, guardrail_id in (assignments.members if assignments else {}).items():
        guardrail = account.guardrails.get(guardrail_id)
        if guardrail is not None:
            yield _member_guardrail(account, LimitScope.MEMBER, guardrail, user)
    for workspace in account.workspaces.values():
        default = account.guardrails.get(workspace.default_guardrail_id or "")
        if default is None:
            continue
        keys = [key for key in account.keys if key.workspace_id == workspace.id]
        for key in keys:
            yield _key_guardrail(account, LimitScope.WORKSPACE_DEFAULT_KEY, default, key)
        for user in sorted({key.creator_user_id for key in keys if key.creator_user_id}):
            yield _member_guardrail(account, LimitScope.WORKSPACE_DEFAULT_MEMBER, default, user)


def _key_guardrail(
    account: _Account, scope: LimitScope, guardrail: GuardrailReading, key: KeyReading
) -> Limit:
    assert guardrail.limit_usd is not None
    byok = guardrail.include_byok
    return account.limit(
        scope,
        key.key_hash,
        key.name,
        guardrail.period,
        guardrail.limit_usd,
        key_spend(key, guardrail.period, byok),
        SpendSource.KEY_USAGE,
        key_spend(key, LimitPeriod.MONTHLY, byok),
    )


def _member_guardrail(
    account: _Account, scope: LimitScope, guardrail: GuardrailReading, user: str
) -> Limit:
    assert guardrail.limit_usd is not None
    spend = _estimate(account.spend, True, user, guardrail.period, guardrail.include_byok)
    return account.limit(
        scope,
        user,
        account.members.get(user, user),
        guardrail.period,
        guardrail.limit_usd,
        spend,
        SpendSource.ANALYTICS,
    )


def _reporting_keys(account: _Account) -> Iterable[KeyReading]:
    """The keys read through ``GET /key``, named and placed as ``/keys`` lists them
    (``/key`` knows neither the key's name nor, in older answers, its workspace)."""
    snapshot = account.snapshot
    listed = {key.key_hash: key for key in account.keys}
    own = snapshot.reading(EndpointName.KEY_BUDGETS, KeyReading)
    for key in (*(snapshot.reading(EndpointName.KEY, tuple) or ()), *([own] if own else [])):
        known = listed.get(key.key_hash)
        if known is not None:
            key = replace(
                key,
                name=known.name,
                workspace_id=key.workspace_id or known.workspace_id,
                creator_user_id=key.creator_user_id or known.creator_user_id,
            )
        yield key


def _reported(account: _Account) -> Iterator[Limit]:
    for key in _reporting_keys(account):
        for layer in key.budgets or ():
            found = _reported_limit(account, key, layer)
            if found is not None:
                yield found


def _reported_limit(account: _Account, key: KeyReading, layer: ReportedBudget) -> Limit | None:
    try:
        scope = LimitScope(layer.scope)
    except ValueError:
        return None  # a layer OpenRouter added later: not guessed at
    if scope in _KEY_SCOPES:
        ident, name = key.key_hash, key.name
    elif scope in _MEMBER_SCOPES:
        ident = key.creator_user_id or ""
        name = account.members.get(ident, ident)
    elif scope is LimitScope.WORKSPACE:
        ident = key.workspace_id
        workspace = account.workspaces.get(ident)
        name = workspace.name if workspace else ident
    else:
        return None
    found = account.limit(
        scope, ident, name, layer.period, layer.limit_usd, layer.spend_usd, SpendSource.OPENROUTER
    )
    if layer.resets_at is None or layer.period is LimitPeriod.LIFETIME:
        return found
    return replace(found, reset_timestamp=layer.resets_at)  # OpenRouter's own reset time
