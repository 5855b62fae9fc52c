"""The drill-down dashboard: spend, requests, tokens and cost by model and provider, and
spend and limits by key."""

from __future__ import annotations

from mixin.config import SECONDS_PER_DAY, MixinConfig
from mixin.dashboards import today
from mixin.dashboards.frame import (
    dashboard,
    dashboard_link,
    drilldown_url,
    query_variable,
    runbooks_links,
)
from mixin.dashboards.panels import (
    USD_PER_DAY,
    Grid,
    Json,
    Target,
    bargauge,
    data_link,
    merged_columns,
    override,
    stat,
    table,
    timeseries,
)
from mixin.dashboards.queries import ACCOUNT, JOB, KEY_LABELS, Series, dedup, increase, rate
from mixin.dashboards.shared import (
    DATA_AGE_LOOKBACK,
    KEY_ENDPOINTS,
    activity_age_override,
    data_age,
    data_age_steps,
    keys_table,
    provider_share,
)

FILE = "openrouter-drilldown.json"
MODEL = 'model=~"$model"'
PROVIDER = 'provider=~"$provider"'
KEY = 'key_hash=~"$key"'
#: The key variable lists ``name · hash`` and selects by hash: two keys may share a name.
KEY_DISPLAY_REGEX = '/key_display="(?<text>[^"]*)".*key_hash="(?<value>[^"]*)"/'


def variables(config: MixinConfig) -> list[Json]:
    scoped = Series(config, (JOB, ACCOUNT))
    key_info = dedup("key_hash, key_name", scoped("openrouter_key_info"))
    return [
        query_variable(
            "model",
            "Model",
            f"label_values({scoped('openrouter_model_spend_usd_total')}, model)",
            "Model slugs seen in the per-model ledger (`openrouter_model_spend_usd_total`).",
        ),
        query_variable(
            "provider",
            "Provider",
            f"label_values({scoped('openrouter_model_spend_usd_total', MODEL)}, provider)",
            "Providers that served the selected models. Only the ledger panels "
            "(`openrouter_model_*_total`) carry a provider; the window gauges do not.",
        ),
        query_variable(
            "key",
            "Key",
            f'query_result(label_join({key_info}, "key_display", " · ", "key_name", "key_hash"))',
            "Keys by name and hash (`key_name`, `key_hash` of `openrouter_key_info`); the "
            "panels select by hash, since two keys may share a name.",
            regex=KEY_DISPLAY_REGEX,
        ),
    ]


def headline(config: MixinConfig, models: Series, keys: Series, grid: Grid) -> None:
    def window_spend(window: str) -> str:
        selector = models("openrouter_model_window_spend_usd", f'window="{window}"')
        return f"sum({dedup('account, model', selector)})"

    usage = keys("openrouter_key_usage_usd_total")
    grid.band(
        4,
        (
            5,
            stat(
                "Spend, last 7 days",
                "Spend of the selected models over the last 7 completed UTC days, from "
                '`openrouter_model_window_spend_usd` with window="7d" (all providers).',
                [Target(window_spend("7d"), "7 days")],
                unit="currencyUSD",
                color_mode="none",
                decimals=2,
            ),
        ),
        (
            5,
            stat(
                "Spend, last 30 days",
                "Spend of the selected models over the last 30 completed UTC days, from "
                '`openrouter_model_window_spend_usd` with window="30d" (all providers).',
                [Target(window_spend("30d"), "30 days")],
                unit="currencyUSD",
                color_mode="none",
                decimals=2,
            ),
        ),
        (
            5,
            stat(
                "Selected keys: spend rate per day",
                "What the selected keys spend now, in USD per day: the rate of "
                f"`openrouter_key_usage_usd_total` over {config.key_rate_window} (key usage moves "
                "once per /keys listing) times 86400. Empty when the exporter is not "
                "scraped or its latest key poll failed (`openrouter_up`).",
                [
                    Target(
                        "sum("
                        + keys.guarded(
                            f"{rate(KEY_LABELS, usage, config.key_rate_window)} "
                            f"* {SECONDS_PER_DAY}",
                            KEY_ENDPOINTS,
                        )
                        + ")",
                        "USD per day",
                    )
                ],
                unit="currencyUSD",
                color_mode="none",
                decimals=2,
                interval="1m",
            ),
        ),
        (
            5,
            stat(
                "Selected keys: spend (24h)",
                "What the selected keys spent over the last 24 hours: the increase of "
                "`openrouter_key_usage_usd_total`. Empty when the exporter is not scraped or "
                "its latest key poll failed (`openrouter_up`).",
                [
                    Target(
                        "sum("
                        + keys.guarded(increase(KEY_LABELS, usage, "1d"), KEY_ENDPOINTS)
                        + ")",
                        "24 hours",
                    )
                ],
                unit="currencyUSD",
                color_mode="none",
                decimals=2,
            ),
        ),
        (
            4,
            stat(
                "Data age",
                "How old the per-model and per-key figures are: now minus the latest successful "
                "poll of /activity and of /keys (or /key) "
                "(`openrouter_last_success_timestamp_seconds`) that Prometheus holds from the "
                f"last {DATA_AGE_LOOKBACK}, counting on when the exporter dies. Keys: orange "
                f"after {config.stale_warning_seconds / 60:g} minutes, red after "
                f"{config.stale_critical_seconds / 3600:g} hours; activity (polled every 30 "
                f"minutes): orange after {config.activity_stale_warning_seconds / 3600:g} hours.",
                [
                    Target(
                        data_age(Series(config), "account, endpoint", 'endpoint=~"activity|keys?"'),
                        "{{endpoint}} · {{account}}",
                    )
                ],
                unit="s",
                steps=data_age_steps(config),
                overrides=[activity_age_override(config)],
                text_mode="value_and_name",
                decimals=0,
                no_value=f"no data for {DATA_AGE_LOOKBACK}",
            ),
        ),
    )


def model_panels(config: MixinConfig, models: Series, ledger: Series, grid: Grid) -> None:
    model_labels = "account, model"
    ledger_labels = "account, model, provider"

    def per_model(metric: str, window: str | None = None) -> str:
        extra = () if window is None else (f'window="{window}"',)
        return dedup(model_labels, models(metric, *extra))

    request_counter = ledger("openrouter_model_requests_total")

    def ledger_total(metric: str) -> str:
        return f"sum by (model) ({dedup(ledger_labels, ledger(metric))})"

    grid.row("Models")
    grid.band(
        8,
        (
            12,
            timeseries(
                "Spend of the newest completed day, by model",
                "Spend per model on the newest completed UTC day, from "
                '`openrouter_model_window_spend_usd` with window="1d" (all providers). The value '
                "changes once a day, when OpenRouter reports the day that just ended.",
                [
                    Target(
                        f"sum by (model) ({per_model('openrouter_model_window_spend_usd', '1d')})",
                        "{{model}}",
                    )
                ],
                unit="currencyUSD",
                interpolation="stepAfter",
                fill=40,
                stacked=True,
                minimum=0,
                legend_calcs=("lastNotNull",),
            ),
        ),
        (
            12,
            timeseries(
                "Cost per request by model",
                "Mean cost of one request over the last 7 completed UTC days, from "
                "`openrouter_model_cost_per_request_usd`.",
                [
                    Target(
                        f"max by (model) ({per_model('openrouter_model_cost_per_request_usd')})",
                        "{{model}}",
                    )
                ],
                unit="currencyUSD",
                interpolation="stepAfter",
                fill=0,
                minimum=0,
                decimals=4,
                legend_calcs=("lastNotNull",),
            ),
        ),
    )
    grid.band(8, (7, provider_share(ledger)), (17, model_ledger_table(config, ledger)))
    requests = ledger_total("openrouter_model_requests_total")
    completion = ledger_total("openrouter_model_completion_tokens_total")
    grid.band(
        7,
        (
            8,
            timeseries(
                "Requests per day by model (7-day mean)",
                "Mean requests per day over the last 7 completed UTC days: the 7-day spend "
                '(`openrouter_model_window_spend_usd` with window="7d") divided by the mean '
                "cost of one request over the same days (`openrouter_model_cost_per_request_usd`), "
                "divided by 7. A free model (no cost per request) counts its requests instead: "
                "the 7-day increase of `openrouter_model_requests_total`.",
                [
                    Target(
                        f"sum by (model) ({per_model('openrouter_model_window_spend_usd', '7d')} "
                        f"/ ({per_model('openrouter_model_cost_per_request_usd')} > 0)) / 7\nor "
                        "sum by (model) "
                        f"({increase(ledger_labels, request_counter, '7d')}) / 7",
                        "{{model}}",
                    )
                ],
                unit="short",
                interpolation="stepAfter",
                fill=0,
                minimum=0,
                decimals=0,
            ),
        ),
        (
            8,
            bargauge(
                "Tokens per request by model",
                "Mean prompt and completion tokens per request over the whole ledger: "
                "`openrouter_model_prompt_tokens_total` and "
                "`openrouter_model_completion_tokens_total` divided by "
                "`openrouter_model_requests_total` (reasoning tokens are part of completion).",
                [
                    Target(
                        f"{ledger_total('openrouter_model_prompt_tokens_total')} / {requests}",
                        "{{model}} · prompt",
                        instant=True,
                    ),
                    Target(f"{completion} / {requests}", "{{model}} · completion", instant=True),
                ],
                unit="short",
                decimals=0,
                minimum=0,
            ),
        ),
        (
            8,
            bargauge(
                "Reasoning share of completion tokens",
                "Share of completion tokens spent on reasoning, per model, over the whole "
                "ledger: `openrouter_model_reasoning_tokens_total` divided by "
                "`openrouter_model_completion_tokens_total`.",
                [
                    Target(
                        f"sort_desc({ledger_total('openrouter_model_reasoning_tokens_total')} "
                        f"/ {completion})",
                        "{{model}}",
                        instant=True,
                    )
                ],
                unit="percentunit",
                decimals=1,
                minimum=0,
                steps=((None, "purple"),),
            ),
        ),
    )


def key_panels(config: MixinConfig, keys: Series, grid: Grid) -> None:
    usage = keys("openrouter_key_usage_usd_total")
    legend = "{{key_name}} ({{key_hash}}) · {{account}}"
    grid.row("Keys")
    grid.band(
        8,
        (
            12,
            timeseries(
                "Spend rate by key (real time)",
                "What each key spends now, in USD per day: the rate of "
                f"`openrouter_key_usage_usd_total` over {config.key_rate_window} (key usage moves "
                "once per /keys listing) times 86400, while the exporter is scraped and "
                "its key poll succeeds (`openrouter_up`).",
                [
                    Target(
                        keys.guarded(
                            rate(KEY_LABELS, usage, config.key_rate_window)
                            + f" * {SECONDS_PER_DAY}",
                            KEY_ENDPOINTS,
                        ),
                        legend,
                    )
                ],
                unit="currencyUSD",
                axis_label=USD_PER_DAY,
                fill=30,
                stacked=True,
                minimum=0,
                interval="1m",
                legend_calcs=("mean", "lastNotNull"),
            ),
        ),
        (
            12,
            timeseries(
                "Remaining limit by key",
                "Spending limit left per key, from `openrouter_key_limit_remaining_usd` "
                "(unlimited keys have none). Limits with a reset period refill at 00:00 UTC.",
                [Target(dedup(KEY_LABELS, keys("openrouter_key_limit_remaining_usd")), legend)],
                unit="currencyUSD",
                fill=0,
                minimum=0,
                legend_calcs=("lastNotNull",),
            ),
        ),
    )
    grid.band(9, (24, keys_table(config, keys, "Selected keys")))
    grid.band(
        7,
        (
            12,
            bargauge(
                "All-time usage by key",
                "Everything spent through each key since it was created, from "
                "`openrouter_key_usage_usd_total`.",
                [
                    Target(
                        f"sort_desc({dedup(KEY_LABELS, keys('openrouter_key_usage_usd_total'))})",
                        legend,
                        instant=True,
                    )
                ],
                unit="currencyUSD",
                decimals=2,
                minimum=0,
            ),
        ),
        (
            12,
            bargauge(
                "BYOK usage by key",
                "Bring-your-own-key spend through each key (paid to your own provider "
                "accounts, not from credits), from `openrouter_key_byok_usage_usd_total`.",
                [
                    Target(
                        "sort_desc("
                        f"{dedup(KEY_LABELS, keys('openrouter_key_byok_usage_usd_total'))})",
                        legend,
                        instant=True,
                    )
                ],
                unit="currencyUSD",
                decimals=2,
                minimum=0,
                steps=((None, "purple"),),
            ),
        ),
    )


def model_ledger_table(config: MixinConfig, ledger: Series) -> Json:
    """Ledger totals per (model, provider), one instant query per column, merged."""

    def total(metric: str) -> str:
        return f"sum by (model, provider) ({dedup('account, model, provider', ledger(metric))})"

    spend = total("openrouter_model_spend_usd_total")
    requests = total("openrouter_model_requests_total")
    columns = {
        "Value #A": ("Spend", spend),
        "Value #B": ("BYOK spend", total("openrouter_model_byok_spend_usd_total")),
        "Value #C": ("Requests", requests),
        "Value #D": ("Cost per request", f"{spend} / {requests}"),
        "Value #E": ("Prompt tokens", total("openrouter_model_prompt_tokens_total")),
        "Value #F": ("Completion tokens", total("openrouter_model_completion_tokens_total")),
        "Value #G": ("Reasoning tokens", total("openrouter_model_reasoning_tokens_total")),
    }
    order = ["Model", "Provider", *(name for name, _ in columns.values())]
    counts = ("Requests", "Prompt tokens", "Completion tokens", "Reasoning tokens")
    return table(
        "Ledger totals by model and provider",
        "Totals of the per-model ledger, which starts with the 30 days seeded at the "
        "exporter's first start and grows by one completed UTC day at a time: spend "
        "(`openrouter_model_spend_usd_total`), BYOK spend "
        "(`openrouter_model_byok_spend_usd_total`), requests "
        "(`openrouter_model_requests_total`), cost per request (spend / requests), and "
        "prompt, completion and reasoning tokens (`openrouter_model_prompt_tokens_total`, "
        "`openrouter_model_completion_tokens_total`, `openrouter_model_reasoning_tokens_total`).",
        [Target(expr, instant=True, table=True) for _, expr in columns.values()],
        unit="currencyUSD",
        transformations=merged_columns(
            {
                "model": "Model",
                "provider": "Provider",
                **{ref: name for ref, (name, _) in columns.items()},
            },
            order,
        ),
        overrides=[
            *(override("byName", name, unit="short", decimals=0) for name in counts),
            override("byName", "Cost per request", decimals=4),
            override(
                "byName",
                "Model",
                links=[
                    data_link(
                        "Show only ${__value.raw}",
                        drilldown_url(config, "var-model=${__value.raw}"),
                    )
                ],
            ),
        ],
        sort_by="Spend",
        descending=True,
    )


def drilldown(config: MixinConfig) -> Json:
    s = Series(config)
    models = s.narrowed(MODEL)
    ledger = models.narrowed(PROVIDER)
    keys = s.narrowed(KEY)
    grid = Grid()
    headline(config, models, keys, grid)
    today.drilldown_row(config, models, keys, grid)
    model_panels(config, models, ledger, grid)
    key_panels(config, keys, grid)
    return dashboard(
        config,
        uid=config.drilldown_uid,
        title="OpenRouter credits: models and keys",
        description=(
            "Where the money goes: spend, requests, tokens and cost per request by model and "
            "provider, and spend and limits by key. Pick models, providers and keys above."
        ),
        variables=variables(config),
        links=[
            dashboard_link(
                "Overview", config.overview_uid, "Back to the OpenRouter credits overview"
            ),
            *runbooks_links(config),
        ],
        panels=grid.panels,
    )
