"""The status page's Budgets card: each budget declared in the config file, its spend so far
and its forecast against its amount, in words as well as colour."""

from collections.abc import Sequence
from html import escape

from openrouter_exporter.core.budget_judgement import budget_over
from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.wording import days_text, usd
from openrouter_exporter.status_page.markup import short_time, unknown


def _share(value: float, amount: float) -> str:
    if amount <= 0:
        return ""
    share = value / amount
    return "over 999%" if share > 9.99 else f"{share:.0%}"


def _row(status: BudgetStatus) -> str:
    budget = status.budget
    amount = budget.amount_usd
    if not status.matched:
        spend = unknown("scope matches nothing")
    elif status.spend_usd is None:
        spend = unknown()
    else:
        partial = ", partial" if not status.complete else ""
        share = _share(status.spend_usd, amount)
        spend = f"{usd(status.spend_usd)}<br><small class=muted>{share}{partial}</small>"
    forecast = (
        unknown("too little history")
        if status.forecast_usd is None
        else f"{usd(status.forecast_usd)}<br><small class=muted>"
        f"{_share(status.forecast_usd, amount)}</small>"
    )
    level, text = ("warning", "over") if budget_over(status) else ("ok", "on track")
    return (
        f'<tr><td class="name">{escape(budget.name)} <span class={level}>{text}</span><br>'
        f"<small class=muted>{usd(amount)} {budget.period}, {days_text(status.days_left)} "
        f"left (until {short_time(status.period_end)})</small></td>"
        f'<td class="num">{spend}</td><td class="num">{forecast}</td></tr>'
    )


def budgets_card(budgets: Sequence[BudgetStatus]) -> str:
    """The card, or nothing for an account without declared budgets."""
    if not budgets:
        return ""
    rows = "".join(_row(status) for status in budgets)
    return (
        '<article class="card budgets-card"><h3>Budgets</h3><table><thead><tr>'
        '<th scope=col>Budget</th><th scope=col class="num">Spent</th>'
        '<th scope=col class="num">Forecast</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></article>"
    )
