"""Declared budgets: the spend in the current period and the forecast at its end.

Sources, by scope (``docs/budgets.md``): the whole account, models and providers from the
per-model ledger (completed days from ``/activity``, today from the Analytics API); keys and
workspaces from OpenRouter's own ``usage_daily``/``usage_weekly``/``usage_monthly`` of the
keys, or for a quarter or a year from the keys' all-time counters since the period's first
reading. The forecast is the spend so far plus the scope's recent daily rate times the days
left: the mean of the last 7 completed days in the ledger, or for keys the longer of the
week and the month so far; no forecast from less than a day.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from openrouter_exporter.config.schema import Budget, BudgetScope
from openrouter_exporter.core.activity_windows import window_end
from openrouter_exporter.core.budget_periods import period_bounds, period_days
from openrouter_exporter.core.budget_status import BudgetStatus, DaySpend, LedgerDays
from openrouter_exporter.core.snapshot import KeyReading

RATE_DAYS = 7
_DAY = 86400.0
_MIN_KEY_HASH = 6  # shorter values are names, never the start of a hash


def budget_statuses(
    budgets: Iterable[Budget],
    *,
    now: float,
    ledger: LedgerDays | None,
    keys: tuple[KeyReading, ...] | None,
    previous: Iterable[BudgetStatus] = (),
) -> tuple[BudgetStatus, ...]:
    """Every budget in its period at ``now``; ``previous`` carries the key baselines."""
    before = {status.budget.name: status for status in previous}
    statuses = []
    for budget in budgets:
        if budget.scope.by_key:
            status = _key_budget(budget, now, keys, before.get(budget.name))
        else:
            status = _ledger_budget(budget, now, ledger)
        statuses.append(status)
    return tuple(statuses)


def _unknown(budget: Budget, now: float, *, matched: bool = True) -> BudgetStatus:
    start, end = period_bounds(budget.period, now)
    return BudgetStatus(budget, now, start, end, None, None, False, matched)


def _in_scope(row: DaySpend, scope: BudgetScope) -> bool:
    return (not scope.models or row.model in scope.models) and (
        not scope.providers or row.provider in scope.providers
    )


def _ledger_budget(budget: Budget, now: float, ledger: LedgerDays | None) -> BudgetStatus:
    if ledger is None:
        return _unknown(budget, now)
    rows = [row for row in ledger.rows if _in_scope(row, budget.scope)]
    if not rows and (budget.scope.models or budget.scope.providers):
        return _unknown(budget, now, matched=False)
    today = datetime.fromtimestamp(now, UTC).date()
    start_day, _ = period_days(budget.period, today)
    start, end = period_bounds(budget.period, now)
    spend = sum(row.spend for row in rows if start_day <= row.day <= today)
    rate = _ledger_rate(rows, ledger, today)
    forecast = None if rate is None else spend + rate * max(0.0, end - _covered(ledger, now)) / _DAY
    return BudgetStatus(
        budget, now, start, end, spend, forecast, ledger.first_day <= start_day, True
    )


def _covered(ledger: LedgerDays, now: float) -> float:
    """Until when the ledger holds the spend: now when it has today's figures (the Analytics
    API), else the end of its latest day; the days after it are forecast at the rate."""
    latest = max((row.day for row in ledger.rows), default=None)
    today = datetime.fromtimestamp(now, UTC).date()
    if latest is None or latest >= today:
        return now
    after = latest + timedelta(days=1)
    return datetime(after.year, after.month, after.day, tzinfo=UTC).timestamp()


def _ledger_rate(rows: list[DaySpend], ledger: LedgerDays, today: date) -> float | None:
    """Mean spend a day over the last 7 completed days the ledger holds whole; a late
    day (yesterday before ``/activity`` has it) is left out rather than counted as 0."""
    latest = max((row.day for row in ledger.rows if row.day < today), default=None)
    last = window_end(latest, today)
    first = max(ledger.first_day, last - timedelta(days=RATE_DAYS - 1))
    days = (last - first).days + 1
    if days < 1:
        return None
    return sum(row.spend for row in rows if first <= row.day <= last) / days


def _selected(budget: Budget, keys: Iterable[KeyReading]) -> list[KeyReading]:
    scope = budget.scope

    def named(key: KeyReading) -> bool:
        return not scope.keys or any(
            value == key.name
            or (len(value) >= _MIN_KEY_HASH and key.key_hash.startswith(value.rstrip("…")))
            for value in scope.keys
        )

    return [
        key
        for key in keys
        if named(key) and (not scope.workspaces or key.workspace_id in scope.workspaces)
    ]


def _key_budget(
    budget: Budget, now: float, keys: tuple[KeyReading, ...] | None, previous: BudgetStatus | None
) -> BudgetStatus:
    if keys is None:
        return _unknown(budget, now)
    selected = _selected(budget, keys)
    if not selected:
        return _unknown(budget, now, matched=False)
    start, end = period_bounds(budget.period, now)
    baselines: dict[str, float] = {}
    field = {"daily": "usage_daily", "weekly": "usage_weekly"}.get(budget.period, "usage_monthly")
    spend = _sum(getattr(key, field) for key in selected)
    month_start, _ = period_bounds("monthly", now)
    complete = budget.period in ("daily", "weekly", "monthly") or month_start <= start
    if not complete:
        carried = previous.key_baselines if previous and previous.period_start == start else {}
        baselines = {
            key.key_hash: carried.get(key.key_hash, key.usage)
            for key in selected
            if key.usage is not None
        }
        since = sum(key.usage - baselines[key.key_hash] for key in selected if key.usage)
        spend = None if spend is None else max(spend, since)
    rate = _key_rate(selected, now)
    forecast = None if spend is None or rate is None else spend + rate * (end - now) / _DAY
    return BudgetStatus(budget, now, start, end, spend, forecast, complete, True, baselines)


def _key_rate(keys: list[KeyReading], now: float) -> float | None:
    """Spend a day over the longer of the week and the month so far, once a day long."""
    candidates: Mapping[str, float] = {
        "usage_weekly": now - period_bounds("weekly", now)[0],
        "usage_monthly": now - period_bounds("monthly", now)[0],
    }
    field, elapsed = max(candidates.items(), key=lambda item: item[1])
    spend = _sum(getattr(key, field) for key in keys)
    if spend is None or elapsed < _DAY:
        return None
    return spend / (elapsed / _DAY)


def _sum(values: Iterable[float | None]) -> float | None:
    """The sum, or ``None`` when any value is unknown."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total
