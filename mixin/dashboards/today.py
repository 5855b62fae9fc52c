"""The "Today" rows: spend, requests and tokens per model and spend per key x model since
00:00 UTC, from the exporter's polls of OpenRouter's Analytics API.

Every panel here is an instant query guarded by the latest analytics poll
(``openrouter_up{endpoint="analytics"} == 1``): the today gauges stay in the exposition
after a failed poll, and without a management key (or with analytics off) there are none
at all. Either way the panels say so in words, never with a 0.
"""

from __future__ import annotations

from mixin.config import MixinConfig
from mixin.dashboards.frame import drilldown_url
from mixin.dashboards.panels import (
    Grid,
    Json,
    Target,
    bargauge,
    data_link,
    merged_columns,
    override,
    stat,
    table,
    value_map,
    with_id,
)
from mixin.dashboards.queries import Series, dedup
from mixin.dashboards.shared import DATA_AGE_LOOKBACK, data_age, data_age_steps

ANALYTICS = "analytics"
MODEL_LABELS = "account, model"
PAIR_LABELS = "account, key_hash, key_name, model"
#: What a today panel shows with no current analytics figures.
NO_ANALYTICS_DATA = "no current Analytics API data"
WHY_EMPTY = (
    f'"{NO_ANALYTICS_DATA}" when the exporter is not scraped, its latest Analytics API poll '
    'failed (`openrouter_up{endpoint="analytics"}`), or it does not poll the Analytics API '
    "at all (no management key, or `--poll.analytics-interval` 0): never 0."
)
SPEND_TODAY = "openrouter_model_today_spend_usd"
PAIR_SPEND_TODAY = "openrouter_key_model_today_spend_usd"


def per_model_today(s: Series, metric: str, *extra: str, labels: str = MODEL_LABELS) -> str:
    """``metric`` per ``labels``, deduplicated, while the analytics poll succeeds."""
    return s.guarded(dedup(labels, s(metric, *extra)), ANALYTICS)


def pairs_today(s: Series) -> str:
    return s.guarded(dedup(PAIR_LABELS, s(PAIR_SPEND_TODAY)), ANALYTICS)


def analytics_age_stat(config: MixinConfig, s: Series) -> Json:
    return stat(
        "Analytics data age",
        "How old today's figures are: now minus the latest successful poll of the Analytics "
        "API (`openrouter_last_success_timestamp_seconds`) that Prometheus holds from the last "
        f"{DATA_AGE_LOOKBACK}, counting on when the exporter dies. Polled every 5 minutes "
        f"by default: orange after {config.stale_warning_seconds / 60:g} minutes, red after "
        f'{config.stale_critical_seconds / 3600:g} hours. "no Analytics API data" when the '
        "exporter has not polled it successfully in that time: it needs a management key "
        "and an organisation whose Analytics API answers.",
        [Target(data_age(s, "account", f'endpoint="{ANALYTICS}"'), "{{account}}")],
        unit="s",
        steps=data_age_steps(config),
        decimals=0,
        no_value=f"no Analytics API data for {DATA_AGE_LOOKBACK}",
    )


def spent_today_stat(s: Series, title: str, scope: str) -> Json:
    return stat(
        title,
        f"What {scope} spent since 00:00 UTC (OpenRouter's day): the sum over models of "
        f"`{SPEND_TODAY}`, from the Analytics API, credits only (BYOK spend is apart). "
        f"{WHY_EMPTY}",
        [Target(f"sum by (account) ({per_model_today(s, SPEND_TODAY)})", "{{account}}")],
        unit="currencyUSD",
        color_mode="none",
        decimals=2,
        no_value=NO_ANALYTICS_DATA,
    )


def open_model(config: MixinConfig) -> Json:
    return data_link(
        "Open ${__field.labels.model} in the drill-down",
        drilldown_url(config, "var-model=${__field.labels.model}"),
    )


def models_today_panel(config: MixinConfig, s: Series) -> Json:
    count = config.models_today_count
    return with_id(
        bargauge(
            "Spend today by model",
            f"The {count} models that spent most since 00:00 UTC, from `{SPEND_TODAY}` "
            "(the Analytics API; all accounts of the selection added up). Unlike the 7-day "
            "panels, today's figures move within one analytics interval: a runaway shows "
            f"which model it burns here. {WHY_EMPTY} Click a bar to open the model in the "
            "drill-down.",
            [
                Target(
                    f"sort_desc(topk({count}, sum by (model) ({per_model_today(s, SPEND_TODAY)})))",
                    "{{model}}",
                    instant=True,
                )
            ],
            unit="currencyUSD",
            decimals=2,
            minimum=0,
            no_value=NO_ANALYTICS_DATA,
            links=[open_model(config)],
        ),
        config.models_today_panel_id,
    )


def key_models_today_table(config: MixinConfig, s: Series, title: str) -> Json:
    """Today's spend per key x model pair: the exporter's top pairs and its ``other`` row."""
    open_key = data_link(
        "Open this key in the drill-down",
        drilldown_url(config, 'var-key=${__data.fields["Key hash"]}'),
    )
    columns = ["Key", "Key hash", "Model", "Account", "Spend today"]
    return table(
        title,
        f"Spend since 00:00 UTC per key and model, from `{PAIR_SPEND_TODAY}` (the Analytics "
        "API), largest first. The exporter keeps its top pairs (`--analytics.top-pairs`, "
        '20) and sums the rest into one row, shown as "other" with the model "all other '
        'pairs, summed", so the rows always add up to today\'s total. "no single key" in '
        "Key hash: the name is shared by several keys (their spend is summed), unknown to "
        "/keys, or the row is that rest. Two keys may share a name: the key hash tells them "
        f"apart. {WHY_EMPTY}",
        [Target(pairs_today(s), instant=True, table=True)],
        unit="currencyUSD",
        no_value=NO_ANALYTICS_DATA,
        transformations=[
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True},
                    "indexByName": {},
                    "renameByName": {
                        "account": "Account",
                        "key_hash": "Key hash",
                        "key_name": "Key",
                        "model": "Model",
                        "Value": "Spend today",
                    },
                },
            },
            {
                "id": "organize",
                "options": {
                    "excludeByName": {},
                    "indexByName": {name: index for index, name in enumerate(columns)},
                    "renameByName": {},
                },
            },
        ],
        overrides=[
            override("byName", "Key", links=[open_key]),
            override(
                "byName",
                "Key hash",
                links=[open_key],
                mappings=[
                    {
                        "type": "special",
                        "options": {
                            "match": "empty",
                            "result": {"color": "text", "index": 0, "text": "no single key"},
                        },
                    }
                ],
            ),
            override(
                "byName",
                "Model",
                mappings=[value_map({"other": ("all other pairs, summed", "text")})],
                links=[
                    data_link(
                        "Open ${__value.raw} in the drill-down",
                        drilldown_url(config, "var-model=${__value.raw}"),
                    )
                ],
            ),
            override("byName", "Spend today", decimals=2),
        ],
        sort_by="Spend today",
        descending=True,
    )


def overview_row(config: MixinConfig, s: Series, grid: Grid) -> None:
    """Today's spend per model and per key x model, with the age of the figures."""
    grid.row("Today (Analytics API)", panel_id=config.today_row_id)
    grid.band(
        8,
        (3, spent_today_stat(s, "Spent today", "the account")),
        (3, analytics_age_stat(config, s)),
        (8, models_today_panel(config, s)),
        (
            10,
            with_id(
                key_models_today_table(config, s, "Spend today by key and model"),
                config.key_models_today_panel_id,
            ),
        ),
    )


def models_today_table(s: Series) -> Json:
    """Today per selected model: one instant query per column, merged on the model."""

    def total(metric: str, *extra: str) -> str:
        return f"sum by (model) ({per_model_today(s, metric, *extra)})"

    spend = total(SPEND_TODAY)
    requests = total("openrouter_model_today_requests")
    columns = {
        "Value #A": ("Spend", spend),
        "Value #B": ("BYOK spend", total("openrouter_model_today_byok_spend_usd")),
        "Value #C": ("Requests", requests),
        "Value #D": ("Cost per request", f"{spend} / ({requests} > 0)"),
        **{
            f"Value #{ref}": (
                f"{kind.capitalize()} tokens",
                total("openrouter_model_today_tokens", f'type="{kind}"'),
            )
            for ref, kind in zip("EFG", ("prompt", "completion", "reasoning"), strict=True)
        },
    }
    order = ["Model", *(name for name, _ in columns.values())]
    counts = ("Requests", "Prompt tokens", "Completion tokens", "Reasoning tokens")
    return table(
        "Today by model",
        "Since 00:00 UTC, per selected model, from the Analytics API: spend "
        f"(`{SPEND_TODAY}`), BYOK spend (`openrouter_model_today_byok_spend_usd`), requests "
        "(`openrouter_model_today_requests`), cost per request (spend / requests), and "
        'prompt, completion and reasoning tokens (`openrouter_model_today_tokens` by "type"; '
        "reasoning is part of completion). A figure the organisation's Analytics API does "
        f"not offer is an empty cell. {WHY_EMPTY}",
        [Target(expr, instant=True, table=True) for _, expr in columns.values()],
        unit="currencyUSD",
        no_value=NO_ANALYTICS_DATA,
        transformations=merged_columns(
            {"model": "Model", **{ref: name for ref, (name, _) in columns.items()}},
            order,
        ),
        overrides=[
            *(override("byName", name, unit="short", decimals=0) for name in counts),
            override("byName", "Cost per request", decimals=4),
        ],
        sort_by="Spend",
        descending=True,
    )


def drilldown_row(config: MixinConfig, models: Series, keys: Series, grid: Grid) -> None:
    """Today for the selected models and keys."""
    grid.row("Today (Analytics API)")
    tokens = per_model_today(
        models, "openrouter_model_today_tokens", labels=f"{MODEL_LABELS}, type"
    )
    grid.band(
        4,
        (6, spent_today_stat(models, "Selected models: spend today", "the selected models")),
        (
            6,
            stat(
                "Selected models: requests today",
                "Requests to the selected models since 00:00 UTC, from "
                f"`openrouter_model_today_requests` (the Analytics API). {WHY_EMPTY}",
                [
                    Target(
                        "sum by (account) "
                        f"({per_model_today(models, 'openrouter_model_today_requests')})",
                        "{{account}}",
                    )
                ],
                unit="short",
                color_mode="none",
                decimals=0,
                no_value=NO_ANALYTICS_DATA,
            ),
        ),
        (
            8,
            stat(
                "Selected models: tokens today",
                "Prompt, completion and reasoning tokens of the selected models since "
                "00:00 UTC, from `openrouter_model_today_tokens` (the Analytics API; reasoning "
                f"is part of completion). {WHY_EMPTY}",
                [
                    Target(
                        f"sum by (type) ({tokens})",
                        "{{type}}",
                    )
                ],
                unit="short",
                color_mode="none",
                text_mode="value_and_name",
                no_value=NO_ANALYTICS_DATA,
            ),
        ),
        (4, analytics_age_stat(config, Series(config))),
    )
    grid.band(
        8,
        (14, models_today_table(models)),
        (10, key_models_today_table(config, keys, "Selected keys: spend today by model")),
    )
