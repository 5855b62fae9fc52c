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


def budget_rules(config: MixinConfig) -> list[Rule]:
    return [
        alert(
            config,
            "OpenRouterBudgetThresholdReached",
            "warning",
            _share("openrouter_budget_spend_usd", "actual"),
            config.budget_threshold_for,
            "An OpenRouter budget's spend in its period has reached a threshold.",
            _description("has reached"),
        ),
        alert(
            config,
            "OpenRouterBudgetForecastExceeded",
            "warning",
            _share("openrouter_budget_forecast_usd", "forecast"),
            config.budget_forecast_for,
            "An OpenRouter budget is forecast to exceed a threshold by the end of its period.",
            _description("is forecast past"),
        ),
    ]
