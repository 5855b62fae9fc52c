"""The status page's Budgets card: each budget declared in the config file, its spend so far
and its forecast against its amount, in words as well as colour."""

from collections.abc import Sequence
from html import escape

from openrouter_exporter.core.budget_judgement import budget_over
from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.wording import days_text, usd
from openrouter_exporter.status_page.markup import short_time, unknown


def _share(value: float | None, amount: float) -> str:
    if value is None:
        return ""
    return f' <small class="muted">({value / amount:.0%})</small>' if amount > 0 else ""


def _row(status: BudgetStatus) -> str:
    budget = status.budget
    amount = budget.amount_usd
    if not status.matched:
        spend = unknown("scope matches nothing")
    elif status.spend_usd is None:
        spend = unknown()
    else:
        partial = "" if status.complete else ' <small class="muted">(partial)</small>'
        spend = usd(status.spend_usd) + _share(status.spend_usd, amount) + partial
    forecast = (
        unknown("too little history")
        if status.forecast_usd is None
        else usd(status.forecast_usd) + _share(status.forecast_usd, amount)
    )
    level, text = ("warning", "over") if budget_over(status) else ("ok", "on track")
    return (
        f'<tr><td class="name">{escape(budget.name)} <small class="muted">{budget.period}, '
        f"until {short_time(status.period_end)}</small></td>"
        f'<td class="num">{spend}</td><td class="num">{forecast}</td>'
        f'<td class="num">{usd(amount)}</td><td>{days_text(status.days_left)}</td>'
        f"<td class={level}>{text}</td></tr>"
    )


def budgets_card(budgets: Sequence[BudgetStatus]) -> str:
    """The card, or nothing for an account without declared budgets."""
    if not budgets:
        return ""
    rows = "".join(_row(status) for status in budgets)
    return (
        '<article class="card"><h3>Budgets</h3><table><thead><tr>'
        '<th scope=col>Budget</th><th scope=col class="num">Spent</th>'
        '<th scope=col class="num">Forecast</th><th scope=col class="num">Amount</th>'
        f"<th scope=col>Left</th><th scope=col>State</th></tr></thead><tbody>{rows}</tbody>"
        "</table></article>"
    )
