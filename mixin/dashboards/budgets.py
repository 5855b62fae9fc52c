"""The overview's "Budgets" row: each budget declared in the exporter's config file, its
spend so far and its forecast at the period's end against its amount (docs/budgets.md).

The budget series are gauges, gone as soon as the exporter is not scraped, so the panels
need no liveness guard; without budgets they say so."""

from __future__ import annotations

from mixin.config import SECONDS_PER_DAY, MixinConfig
from mixin.dashboards.panels import Grid, Json, Target, bargauge, merged_columns, table
from mixin.dashboards.queries import Series, dedup

BUDGET_LABELS = "account, budget"
NO_BUDGETS = "no budgets declared (or no current data)"


def _per_budget(s: Series, metric: str) -> str:
    return dedup(BUDGET_LABELS, s(metric))


def share_bars(s: Series) -> Json:
    limit = f"({_per_budget(s, 'openrouter_budget_limit_usd')} > 0)"
    return bargauge(
        "Budgets: spent and forecast",
        "Two bars per declared budget: the spend in its current period "
        "(`openrouter_budget_spend_usd`) and the forecast at the period's end "
        "(`openrouter_budget_forecast_usd`), each as a share of its amount "
        "(`openrouter_budget_limit_usd`). Orange from 80%, red from 100%: the default "
        "thresholds of a budget. No forecast bar while there is too little history, no "
        "spend bar while the spend is unknown or the scope matches nothing.",
        [
            Target(
                f"{_per_budget(s, 'openrouter_budget_spend_usd')} / {limit}",
                "{{budget}} spent",
                instant=True,
            ),
            Target(
                f"{_per_budget(s, 'openrouter_budget_forecast_usd')} / {limit}",
                "{{budget}} forecast",
                instant=True,
            ),
        ],
        unit="percentunit",
        steps=((None, "green"), (0.8, "orange"), (1.0, "red")),
        decimals=0,
        minimum=0,
        no_value=NO_BUDGETS,
    )


def budgets_table(s: Series) -> Json:
    info = dedup(f"{BUDGET_LABELS}, period", s("openrouter_budget_info"))
    end = _per_budget(s, "openrouter_budget_period_end_timestamp_seconds")
    targets = [
        Target(info, instant=True, table=True),
        Target(_per_budget(s, "openrouter_budget_spend_usd"), instant=True, table=True),
        Target(_per_budget(s, "openrouter_budget_forecast_usd"), instant=True, table=True),
        Target(_per_budget(s, "openrouter_budget_limit_usd"), instant=True, table=True),
        Target(f"({end} - time()) / {SECONDS_PER_DAY}", instant=True, table=True),
        Target(_per_budget(s, "openrouter_budget_spend_complete"), instant=True, table=True),
    ]
    names = {
        "budget": "Budget",
        "account": "Account",
        "period": "Period",
        "Value #B": "Spent",
        "Value #C": "Forecast",
        "Value #D": "Amount",
        "Value #E": "Days left",
        "Value #F": "Whole period",
    }
    order = ["Budget", "Account", "Period", "Spent", "Forecast", "Amount", "Days left"]
    return table(
        "Budgets",
        "One row per declared budget (`openrouter_budget_info`, with its period): the spend "
        "so far (`openrouter_budget_spend_usd`), the forecast at the period's end "
        "(`openrouter_budget_forecast_usd`) and the amount (`openrouter_budget_limit_usd`), "
        "in USD, and the days left in the period "
        "(`openrouter_budget_period_end_timestamp_seconds`). Whole period "
        "(`openrouter_budget_spend_complete`) is No when the exporter's history starts inside "
        "the period (a quarter or a year on a new install): the spend is then a lower bound. "
        "An empty forecast: too little history; an empty spend: unknown, or the scope matches "
        "nothing (the exporter's log says so).",
        targets,
        unit="currencyUSD",
        overrides=[
            {
                "matcher": {"id": "byName", "options": name},
                "properties": [{"id": "unit", "value": unit}, {"id": "decimals", "value": 1}],
            }
            for name, unit in (("Days left", "d"), ("Whole period", "bool_yes_no"))
        ],
        transformations=merged_columns(names, [*order, "Whole period"], hidden=["Value #A"]),
        sort_by="Budget",
        no_value=NO_BUDGETS,
    )


def overview_row(config: MixinConfig, s: Series, grid: Grid) -> None:
    grid.row("Budgets")
    grid.band(8, (12, share_bars(s)), (12, budgets_table(s)))
