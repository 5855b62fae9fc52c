"""Which declared budgets need a person's attention, for ``check``, the status page and
``/status.json``: a budget whose spend has reached its amount, or whose forecast at the
period's end is over it, is a warning (a budget stops no request; a wall that does is a
critical reason of its own)."""

from collections.abc import Iterable

from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.wording import days_text, usd


def budget_over(status: BudgetStatus) -> bool:
    """Whether the spend has reached the amount, or the forecast is over it."""
    amount = status.budget.amount_usd
    spend, forecast = status.spend_usd, status.forecast_usd
    return (spend is not None and spend >= amount and spend > 0) or (
        forecast is not None and forecast > amount
    )


def budget_reasons(statuses: Iterable[BudgetStatus]) -> list[str]:
    """One line for each budget over its amount, in the spend or in the forecast."""
    reasons = []
    for status in statuses:
        if not budget_over(status):
            continue
        budget = status.budget
        spend = "unknown" if status.spend_usd is None else usd(status.spend_usd)
        if status.spend_usd is not None and status.spend_usd >= budget.amount_usd:
            what = f"has spent {spend} of its {usd(budget.amount_usd)}"
        else:
            what = (
                f"is forecast at {usd(status.forecast_usd or 0.0)} by the end of the period, "
                f"over its {usd(budget.amount_usd)} ({spend} spent so far)"
            )
        reasons.append(
            f"{budget.period} budget {budget.name} {what}; "
            f"{days_text(status.days_left)} left in the period"
        )
    return reasons
