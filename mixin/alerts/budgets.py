"""The budget alerts: a declared budget's actual spend at a threshold, and its forecast
at the period's end over one. Both compare the exporter's own figures: the spend and the
forecast against each threshold it publishes (``openrouter_budget_threshold_ratio``), so a
threshold is changed in the exporter's config file, not here. The period's end guard makes
them resolve at midnight of a new period even before the exporter's next poll."""

from __future__ import annotations

from mixin.alerts.build import Rule, alert
from mixin.alerts.templates import first_label, first_money, first_value, sentences
from mixin.config import SECONDS_PER_DAY, MixinConfig

BUDGET = "$labels.account $labels.budget"
_OF = "{account=%q,budget=%q}"
_CURRENT = "and on (account, budget) (openrouter_budget_period_end_timestamp_seconds > time())"


def _share(numerator: str, basis: str) -> str:
    return f"""
(
  {numerator} / on (account, budget) openrouter_budget_limit_usd
)
  >= on (account, budget) group_right ()
openrouter_budget_threshold_ratio{{basis="{basis}"}}
{_CURRENT}
"""


def _description(verb: str) -> str:
    period = first_label(f"openrouter_budget_info{_OF}", "period", BUDGET, "unknown")
    amount = first_money(f"openrouter_budget_limit_usd{_OF}", BUDGET, fallback="?")
    spend = first_money(f"openrouter_budget_spend_usd{_OF}", BUDGET)
    forecast = first_money(
        f"openrouter_budget_forecast_usd{_OF}",
        BUDGET,
        fallback="not known yet (too little history)",
    )
    ends = first_value(
        f"openrouter_budget_period_end_timestamp_seconds{_OF}", "humanizeTimestamp", BUDGET
    )
    left = first_value(
        f"(openrouter_budget_period_end_timestamp_seconds{_OF} - time()) / {SECONDS_PER_DAY}",
        'printf "%.1f"',
        BUDGET,
    )
    partial = (
        f"{{{{ with printf `openrouter_budget_spend_complete{_OF} == 0` {BUDGET} | query }}}}"
        " (a lower bound: the exporter's history starts inside the period){{ end }}"
    )
    return sentences(
        f"Budget {{{{ $labels.budget }}}} of account {{{{ $labels.account }}}} ({period},",
        f"{amount}) {verb} its {{{{ $labels.percent }}}}% threshold:",
        f"{spend} spent so far{partial}, forecast {forecast} at the period's end",
        f"({ends}, {left} days left).",
    )


def _summary(basis: str) -> str:
    """The pager line: the budget's spend (or forecast) against its amount. Read by queries,
    not ``$value``: the comparison keeps the left side's value, a share of the amount."""
    amount = first_money(f"openrouter_budget_limit_usd{_OF}", BUDGET, fallback="?")
    if basis == "actual":
        spend = first_money(f"openrouter_budget_spend_usd{_OF}", BUDGET)
        figure = f"has spent {spend} of {amount}"
    else:
        forecast = first_money(f"openrouter_budget_forecast_usd{_OF}", BUDGET)
        # The period ends at 00:00 UTC of the next one: its last day is a second before.
        last_day = (
            f"{{{{ with printf `openrouter_budget_period_end_timestamp_seconds{_OF} - 1` "
            f"{BUDGET} | query }}}} by {{{{ (. | first | value | toTime).Format "
            '"Jan 2" }}{{ end }}'
        )
        figure = f"is forecast at {forecast} of {amount}{last_day}"
    return (
        f"{{{{ $labels.account }}}}: budget {{{{ $labels.budget }}}} {figure} "
        "({{ $labels.percent }}% threshold)"
    )


def budget_rules(config: MixinConfig) -> list[Rule]:
    return [
        alert(
            config,
            "OpenRouterBudgetThresholdReached",
            "warning",
            _share("openrouter_budget_spend_usd", "actual"),
            config.budget_threshold_for,
            _summary("actual"),
            _description("has reached"),
        ),
        alert(
            config,
            "OpenRouterBudgetForecastExceeded",
            "warning",
            _share("openrouter_budget_forecast_usd", "forecast"),
            config.budget_forecast_for,
            _summary("forecast"),
            _description("is forecast past"),
        ),
    ]
