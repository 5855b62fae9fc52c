"""The account's declared budgets made afresh after a poll, from its readings and the
ledger's days."""

import asyncio
import time
from datetime import UTC, datetime

from structlog.typing import FilteringBoundLogger

from openrouter_exporter.config.types import AccountConfig
from openrouter_exporter.core.budget_status import BudgetStatus, LedgerDays
from openrouter_exporter.core.budgets import budget_statuses
from openrouter_exporter.core.snapshot import AccountSnapshot
from openrouter_exporter.storage.sqlite_state import StateStore


async def load_ledger_days(state: StateStore, account: AccountConfig) -> LedgerDays | None:
    """The ledger's days for ``account``'s budgets (none to load without budgets)."""
    if not account.budgets:
        return None
    today = datetime.now(UTC).date()
    return await asyncio.to_thread(state.ledger_days, account.name, today)


def refreshed_budgets(
    account: AccountConfig, snapshot: AccountSnapshot, ledger: LedgerDays | None
) -> tuple[BudgetStatus, ...]:
    return budget_statuses(
        account.budgets,
        now=time.time(),
        ledger=ledger,
        keys=snapshot.keys,
        previous=snapshot.budgets,
    )


def report_unmatched(
    log: FilteringBoundLogger, reported: set[str], statuses: tuple[BudgetStatus, ...]
) -> None:
    """One warning when a budget's scope comes to match nothing the exporter knows;
    ``reported`` holds the budgets warned about, and forgets those that match again."""
    for status in statuses:
        name = status.budget.name
        if status.matched:
            reported.discard(name)
            continue
        if name in reported:
            continue
        reported.add(name)
        log.warning(
            "budget scope matches no key, model, provider or workspace the exporter knows: "
            "its spend is left out and it raises no alert; check the names in the config file",
            budget=name,
            scope=status.budget.scope.model_dump(exclude_defaults=True),
        )
