"""The overview dashboard: how much is left, how fast it goes and where, when it runs out."""

from __future__ import annotations

from mixin.alerts.credits import spend_rate, usual_rate
from mixin.config import SECONDS_PER_DAY, MixinConfig
from mixin.dashboards import budgets, today
from mixin.dashboards.frame import dashboard, dashboard_link, drilldown_url, runbooks_links
from mixin.dashboards.panels import (
    USD_PER_DAY,
    Grid,
    Json,
    Steps,
    Target,
    alertlist,
    bargauge,
    data_link,
    piechart,
    stat,
    threshold_line,
    thresholds,
    timeseries,
    value_map,
    with_id,
)
from mixin.dashboards.queries import ALERT_ACCOUNT, JOB, KEY_LABELS, Series, dedup, increase, rate
from mixin.dashboards.shared import (
    DATA_AGE_LOOKBACK,
    KEY_ENDPOINTS,
    activity_age_override,
    data_age,
    data_age_steps,
    keys_table,
    provider_share,
)

FILE = "openrouter-overview.json"
INFINITY_IS_NO_SPEND = value_map({"Infinity": ("no spend", "green")})


def runway_steps(config: MixinConfig) -> Steps:
    """Days remaining: red under the critical default, orange under the warning default."""
    return (
        (None, "red"),
        (config.runway_critical_days, "orange"),
        (config.runway_warning_days, "green"),
    )


def balance_stat(s: Series) -> Json:
    return stat(
        "Balance",
        "Credits left now: purchased minus used, from `openrouter_balance_usd` (refreshed "
        "by the exporter's poll of /credits). Red at or below zero: OpenRouter then "
        'refuses every request with 402, free models included. "no current data" when '
        'Prometheus holds no current value (the exporter is down or not scraped): "Data '
        'age" says since when.',
        [Target(dedup("account", s("openrouter_balance_usd")), "{{account}}")],
        unit="currencyUSD",
        steps=((None, "red"), (0.01, "green")),
        decimals=2,
    )


def days_remaining_stat(config: MixinConfig, s: Series) -> Json:
    runway = f"min by (account) ({s('openrouter_days_remaining', s.window_matcher())})"
    return stat(
        "Days remaining",
        "Runway at the more pessimistic of the "
        f"{' and '.join(config.runway_windows)} burn rates: the minimum of "
        f"`openrouter_days_remaining` over those windows, exactly what the "
        "OpenRouterCreditsRunwayLow alert reads (30d is left out: after a cut in spend "
        f"it would stay pessimistic for weeks). Red under {config.runway_critical_days:g} "
        f"day, orange under {config.runway_warning_days:g} days: the exporter's default "
        "`openrouter_runway_threshold_days` (critical, warning) that the alert compares "
        "against. Per-account thresholds tuned in the exporter's configuration move the "
        'alert, not these colours; the "Days remaining by window" graph draws the '
        'configured ones. "no spend" when nothing is being spent.',
        [Target(runway, "{{account}}")],
        unit="d",
        steps=runway_steps(config),
        mappings=[INFINITY_IS_NO_SPEND],
        decimals=1,
    )


def runs_out_stat(s: Series) -> Json:
    windows = s.window_matcher()
    return stat(
        "Runs out",
        "Projected exhaustion: the earlier `openrouter_exhaustion_timestamp_seconds` "
        'of the runway windows (the same forecast as "Days remaining" and the runway '
        "alert), converted from seconds to the milliseconds Grafana expects. "
        '"not running out" when nothing is being spent (`openrouter_burn_rate_usd_per_day` '
        "is 0 in every runway window).",
        [
            Target(
                "min by (account) "
                f"({s('openrouter_exhaustion_timestamp_seconds', windows)}) * 1000 "
                "or on (account) ("
                + dedup("account", s("openrouter_burn_rate_usd_per_day", windows))
                + " == 0) + Inf",
                "{{account}}",
            )
        ],
        unit="dateTimeFromNow",
        color_mode="none",
        mappings=[value_map({"Infinity": ("not running out", "text")})],
    )


def burn_rate_per_day_stat(s: Series) -> Json:
    return stat(
        "Burn rate per day (24h)",
        "Spend per day over the last 24 hours, from `openrouter_burn_rate_usd_per_day` "
        'with window="24h" (the exporter\'s own samples of credits used). The exporter '
        "needs an hour of history for it; until then the panel falls back to the 7-day "
        "window, and the name under the value says which window is shown.",
        [
            Target(
                dedup("account, window", s("openrouter_burn_rate_usd_per_day", 'window="24h"'))
                + " or on (account) "
                + dedup("account, window", s("openrouter_burn_rate_usd_per_day", 'window="7d"')),
                "{{window}} · {{account}}",
            )
        ],
        unit="currencyUSD",
        color_mode="none",
        text_mode="value_and_name",
        decimals=2,
    )


def keys_near_limit_stat(config: MixinConfig, s: Series) -> Json:
    return stat(
        "Keys near limit",
        f"Enabled keys with less than {config.key_near_limit_ratio:.0%} of their spending "
        "limit left: `openrouter_key_limit_remaining_usd` / `openrouter_key_limit_usd`, "
        "without the keys `openrouter_key_disabled` marks disabled (the "
        "OpenRouterKeyLimitLow alert's condition; unlimited keys never count). Zero "
        "only when `openrouter_key_info` shows keys; no value when the keys were never "
        "fetched.",
        [
            Target(
                f"count({dedup(KEY_LABELS, s('openrouter_key_limit_remaining_usd'))} "
                f"/ ({dedup(KEY_LABELS, s('openrouter_key_limit_usd'))} > 0) "
                f"< {config.key_near_limit_ratio} unless on (account, key_hash) "
                f"({dedup(KEY_LABELS, s('openrouter_key_disabled'))} == 1)) "
                f"or 0 * count({dedup(KEY_LABELS, s('openrouter_key_info'))})",
                "keys",
            )
        ],
        unit="none",
        steps=((None, "green"), (1, "orange")),
    )


def firing_alerts_stat() -> Json:
    return stat(
        "Firing alerts",
        'OpenRouter alerts firing now: `ALERTS{alertname=~"OpenRouter.*", '
        'alertstate="firing"}` for the selected accounts (or without an account '
        "label), each alert counted once whatever job or instance label copies of it "
        "carry. Prometheus keeps ALERTS series only while an alert is active, so no "
        "series means none is firing and the query falls back to `vector(0)`. It cannot "
        "tell whether the rules are loaded: check Prometheus' Status → Rules.",
        [
            Target(
                "count(group without (job, instance) "
                f'(ALERTS{{alertname=~"OpenRouter.*", alertstate="firing", '
                f"{ALERT_ACCOUNT}}})) or vector(0)",
                "firing",
            )
        ],
        unit="none",
        steps=((None, "green"), (1, "red")),
    )


def failing_endpoints_stat(s: Series) -> Json:
    up = s("openrouter_up")
    return stat(
        "Failing endpoints",
        "OpenRouter endpoints (credits, key, keys, activity) whose latest poll failed "
        "(`openrouter_up` == 0) and that the exporter keeps retrying (two or more "
        "requests in the last hour, from `openrouter_api_requests_total`), as in the "
        "OpenRouterAPIErrors alert: an endpoint the exporter stopped asking by design, "
        'such as /credits with only an inference key, does not count. "all OK" when '
        'none fails; "exporter not scraped" when Prometheus has no current '
        "`openrouter_up` (the exporter is down or not scraped). Details in the exporter "
        "health row below.",
        [
            Target(
                f"count({dedup('account, endpoint', up)} == 0 and on (account, endpoint) "
                + increase("account, endpoint", s("openrouter_api_requests_total"), "1h")
                + f" >= 2) or 0 * count({dedup('account, endpoint', up)})",
                "failing",
            )
        ],
        unit="none",
        steps=((None, "green"), (1, "red")),
        mappings=[value_map({"0": ("all OK", "green")})],
        no_value="exporter not scraped",
    )


def headline(config: MixinConfig, s: Series, grid: Grid) -> None:
    """The top band: the state, readable in five seconds. Every number is current (instant
    queries) or absent; "Data age" says how old the data behind them is."""
    grid.band(
        4,
        (
            3,
            balance_stat(s),
        ),
        (
            3,
            days_remaining_stat(config, s),
        ),
        (
            4,
            runs_out_stat(s),
        ),
        (
            3,
            burn_rate_per_day_stat(s),
        ),
        (3, data_age_stat(config, s)),
        (
            3,
            keys_near_limit_stat(config, s),
        ),
        (
            2,
            firing_alerts_stat(),
        ),
        (
            3,
            failing_endpoints_stat(s),
        ),
    )


def data_age_stat(config: MixinConfig, s: Series) -> Json:
    return stat(
        "Data age",
        "How old the balance and spend figures are: now minus the latest successful poll of "
        "/credits (`openrouter_last_success_timestamp_seconds`) that Prometheus holds from the "
        f"last {DATA_AGE_LOOKBACK}, so it keeps counting when the exporter dies or OpenRouter "
        "fails, while the numbers next to it go empty or stop moving. /credits is polled "
        f"every minute by default: orange after {config.stale_warning_seconds / 60:g} minutes, "
        f"red after {config.stale_critical_seconds / 3600:g} hours (the OpenRouterDataStale "
        "alert's thresholds).",
        [Target(data_age(s, "account", 'endpoint="credits"'), "{{account}}")],
        unit="s",
        steps=data_age_steps(config),
        decimals=0,
        no_value=f"no data for {DATA_AGE_LOOKBACK}",
    )


def recorded(s: Series, name: str) -> str:
    """A spend-rate series the alert rules record (``account:...``), in USD per day, one per
    account: the figures OpenRouterCreditsBurningFast compares."""
    return f"{dedup('account', s(name))} * {SECONDS_PER_DAY}"


def spend_now(config: MixinConfig, s: Series) -> str:
    """USD per day spent over the runaway tier's short window, while the exporter is live."""
    return s.guarded(recorded(s, spend_rate(config.burn_tiers[0].short)), "credits")


def right_now(config: MixinConfig, s: Series, grid: Grid) -> None:
    """Spend now against the usual rate, as the fast-burn alert reads them (its recorded
    series, coloured at its factors), and the keys driving it: the panels the fast-burn
    alerts link to (fixed ids, see :class:`mixin.config.MixinConfig`)."""
    fast, slow = config.burn_tiers[0], config.burn_tiers[-1]
    window, long_ = fast.short, fast.long
    now = spend_now(config, s)
    over_long = s.guarded(recorded(s, spend_rate(long_)), "credits")
    usual = recorded(s, usual_rate(long_))
    keys = s.guarded(
        rate(KEY_LABELS, s("openrouter_key_usage_usd_total"), config.key_rate_window)
        + f" * {SECONDS_PER_DAY}",
        KEY_ENDPOINTS,
    )
    ratio_steps = (
        (None, "green"),
        (slow.factor, "orange"),
        (fast.factor, "red"),
    )
    recorded_note = (
        "The series are recorded by the shipped alert rules "
        f"(`{spend_rate(window)}`, `{spend_rate(long_)}`, `{usual_rate(long_)}`): load "
        "alerts/openrouter-alerts.yml in Prometheus."
    )
    grid.row("Right now", panel_id=config.right_now_row_id)
    grid.band(
        6,
        (
            4,
            with_id(
                stat(
                    f"Spending now, per day ({window})",
                    f"What is being spent now, in USD per day: the spend rate over the last "
                    f"{window}, the short window of OpenRouterCreditsBurningFast's runaway tier. "
                    f"{recorded_note} Empty when the exporter is not scraped or its latest "
                    "/credits poll failed (`openrouter_up`).",
                    [Target(now, "{{account}}")],
                    unit="currencyUSD",
                    color_mode="none",
                    decimals=2,
                ),
                config.spend_now_panel_id,
            ),
        ),
        (
            4,
            with_id(
                stat(
                    "Now vs usual",
                    f"The spend rate over the last {long_} divided by the usual one (the highest "
                    "of the 7-day mean and this time yesterday and a week ago), as "
                    f"OpenRouterCreditsBurningFast compares them: its runaway tier fires from "
                    f"{fast.factor:g}x (red) over {long_} and {window}, its sustained tier from "
                    f"{slow.factor:g}x (orange) over {slow.long} and {slow.short}, each when the "
                    f"balance would also run out within the account's runway. {recorded_note} "
                    "The keys driving it are listed next to it. Empty when the exporter is not "
                    "scraped or its latest /credits poll failed (`openrouter_up`).",
                    [Target(f"{over_long} / on (account) ({usual})", "{{account}}")],
                    unit="suffix:x",
                    steps=ratio_steps,
                    mappings=[value_map({"Infinity": ("no usual spend to compare", "orange")})],
                    decimals=1,
                ),
                config.spend_now_ratio_panel_id,
            ),
        ),
        (
            8,
            with_id(
                timeseries(
                    f"Spend rate ({window}, {long_}) vs usual",
                    f"USD per day: the spend rate over {window} and over {long_} (the lines) "
                    "against the usual rate for that window (dashed), the series "
                    f"OpenRouterCreditsBurningFast reads. {recorded_note} The rates end when "
                    "the exporter is not scraped or its /credits poll fails (`openrouter_up`).",
                    [
                        Target(now, f"{window} · {{{{account}}}}"),
                        Target(usual, "usual · {{account}}"),
                        Target(over_long, f"{long_} · {{{{account}}}}"),
                    ],
                    unit="currencyUSD",
                    axis_label=USD_PER_DAY,
                    minimum=0,
                    interval="1m",
                    overrides=[threshold_line("usual.*", "text")],
                ),
                config.spend_now_graph_panel_id,
            ),
        ),
        (
            8,
            with_id(
                bargauge(
                    f"Keys driving it ({config.key_rate_window}), per day",
                    f"The {config.keys_now_count} keys spending most over the last "
                    f"{config.key_rate_window} (key usage moves once per /keys listing), in "
                    "USD per day: the rate of `openrouter_key_usage_usd_total` per key, named by "
                    "`key_name` with its `key_hash` (two keys may share a name). Empty when the "
                    "exporter is not scraped or its latest key poll failed (`openrouter_up`). "
                    "Click a key to open it in the drill-down.",
                    [
                        Target(
                            f"sort_desc(topk({config.keys_now_count}, {keys}))",
                            "{{key_name}} ({{key_hash}}) · {{account}}",
                            instant=True,
                        )
                    ],
                    unit="currencyUSD",
                    decimals=2,
                    minimum=0,
                    no_value="no current data",
                    steps=((None, "orange"),),
                    links=[
                        data_link(
                            "Open key ${__field.labels.key_name} in the drill-down",
                            drilldown_url(config, "var-key=${__field.labels.key_hash}"),
                        )
                    ],
                ),
                config.keys_now_panel_id,
            ),
        ),
    )


def forecast(s: Series) -> list[Json]:
    """Balance, burn rate and runway over time."""
    return [
        timeseries(
            "Balance over time",
            "Credits left over time, from `openrouter_balance_usd`. A top-up shows as a step "
            "up; the slope is the spend.",
            [Target(dedup("account", s("openrouter_balance_usd")), "{{account}}")],
            unit="currencyUSD",
            fill=15,
        ),
        timeseries(
            "Burn rate by window",
            "Mean spend per day, from `openrouter_burn_rate_usd_per_day`: 24h from the "
            "exporter's own samples (appears after an hour of history), 7d and 30d from the "
            "last 7 and 30 completed UTC days of per-model activity.",
            [
                Target(
                    dedup("account, window", s("openrouter_burn_rate_usd_per_day")),
                    "{{window}} · {{account}}",
                )
            ],
            unit="currencyUSD",
            axis_label=USD_PER_DAY,
            interpolation="stepAfter",
            fill=0,
            minimum=0,
        ),
        timeseries(
            "Days remaining by window",
            "Runway per burn-rate window, from `openrouter_days_remaining` (infinite at zero "
            "burn: such points are left out). The dashed lines are the thresholds the "
            "alerts use, from `openrouter_runway_threshold_days` (critical and warning, "
            "per account).",
            [
                Target(
                    f"{dedup('account, window', s('openrouter_days_remaining'))} < Inf",
                    "{{window}} · {{account}}",
                ),
                Target(
                    dedup("account, severity", s("openrouter_runway_threshold_days")),
                    "{{severity}} threshold · {{account}}",
                ),
            ],
            unit="d",
            interpolation="stepAfter",
            fill=0,
            minimum=0,
            overrides=[
                threshold_line(".*critical threshold.*", "red"),
                threshold_line(".*warning threshold.*", "orange"),
            ],
        ),
    ]


def money_panels(config: MixinConfig, s: Series) -> dict[str, Json]:
    """Where the money goes: this week against before, models, providers, cost per request."""

    def window_spend(window: str, offset: str = "") -> str:
        selector = s("openrouter_model_window_spend_usd", f'window="{window}"') + offset
        return f"sum by (account) ({dedup('account, model', selector)})"

    week = window_spend("7d")
    month = window_spend("30d")
    week_before = window_spend("7d", " offset 7d")
    weekly_mean_before = f"({month} - {week}) * 7 / 23"
    basis = (
        f'label_replace({week_before}, "basis", "7 days before", "", "") '
        f'or on (account) label_replace({weekly_mean_before}, "basis", '
        '"weekly mean, days 8-30", "", "")'
    )
    model_week = dedup("account, model", s("openrouter_model_window_spend_usd", 'window="7d"'))
    open_model = data_link(
        "Open ${__field.labels.model} in the drill-down",
        drilldown_url(config, "var-model=${__field.labels.model}"),
    )
    return {
        "week": stat(
            "This week vs before",
            "Spend of the last 7 completed UTC days (`openrouter_model_window_spend_usd` with "
            'window="7d") against the 7 days before it (the same gauge 7 days ago). While '
            "Prometheus holds less than 7 days of history, the comparison is the weekly "
            'mean of days 8 to 30, from the window="30d" gauge; the name under the value '
            "says which. The change turns orange from +10% and red from +25%. All three "
            "go empty with the current week's figure.",
            [
                Target(week, "{{account}} last 7 days"),
                Target(f"({basis}) and on (account) {week}", "{{account}} {{basis}}"),
                Target(
                    f"{week} / on (account) ({week_before} or on (account) "
                    f"{weekly_mean_before}) - 1",
                    "{{account}} change",
                ),
            ],
            unit="currencyUSD",
            steps=((None, "text"),),
            color_mode="value",
            text_mode="value_and_name",
            decimals=2,
            overrides=[
                {
                    "matcher": {"id": "byFrameRefID", "options": "C"},
                    "properties": [
                        {"id": "unit", "value": "percentunit"},
                        {"id": "decimals", "value": 0},
                        {
                            "id": "thresholds",
                            "value": thresholds(((None, "green"), (0.1, "orange"), (0.25, "red"))),
                        },
                    ],
                }
            ],
        ),
        "top": bargauge(
            "Top models by spend (7 days)",
            "The ten models that spent most over the last 7 completed UTC days, from "
            '`openrouter_model_window_spend_usd` with window="7d" (all providers). '
            "Click a bar to open the model in the drill-down.",
            [
                Target(
                    f"sort_desc(topk(10, sum by (model) ({model_week})))",
                    "{{model}}",
                    instant=True,
                )
            ],
            unit="currencyUSD",
            decimals=2,
            minimum=0,
            links=[open_model],
        ),
        "share": piechart(
            "Model share (7 days)",
            "Each model's share of the spend over the last 7 completed UTC days, from "
            '`openrouter_model_window_spend_usd` with window="7d".',
            [Target(f"sum by (model) ({model_week})", "{{model}}", instant=True)],
            unit="currencyUSD",
            links=[open_model],
        ),
        "providers": provider_share(s),
        "cost": bargauge(
            "Cost per request",
            "Mean cost of one request per model over the last 7 completed UTC days, from "
            "`openrouter_model_cost_per_request_usd`. A jump means a pricier model version, "
            "longer prompts or more reasoning.",
            [
                Target(
                    f"sort_desc(max by (model) ({s('openrouter_model_cost_per_request_usd')}))",
                    "{{model}}",
                    instant=True,
                )
            ],
            unit="currencyUSD",
            decimals=4,
            minimum=0,
            steps=((None, "purple"),),
        ),
    }


def endpoint_status_stat(s: Series) -> Json:
    return stat(
        "Endpoint status",
        "Latest poll of each OpenRouter endpoint, from `openrouter_up` (1: succeeded). "
        "A failing endpoint keeps its last good values in every other panel, which "
        'then grow stale: see "Data age". With only an inference key, /credits shows '
        "FAILING by design (it needs a management key).",
        [
            Target(
                dedup("account, endpoint", s("openrouter_up")),
                "{{endpoint}} · {{account}}",
            )
        ],
        unit="none",
        steps=((None, "red"), (1, "green")),
        mappings=[value_map({"0": ("FAILING", "red"), "1": ("OK", "green")})],
        text_mode="value_and_name",
        no_value="exporter not scraped",
    )


def data_age_by_endpoint_panel(config: MixinConfig, s: Series) -> Json:
    return bargauge(
        "Data age by endpoint",
        "Time since the latest successful poll of each endpoint that Prometheus holds "
        f"from the last {DATA_AGE_LOOKBACK}: now minus "
        "`openrouter_last_success_timestamp_seconds`, growing when the exporter dies. "
        "credits, key and keys are polled every minute by default: orange after "
        f"{config.stale_warning_seconds / 60:g} minutes, red after "
        f"{config.stale_critical_seconds / 3600:g} hours; activity every 30 minutes: "
        f"orange after {config.activity_stale_warning_seconds / 3600:g} hours. These are "
        "the thresholds of the OpenRouterDataStale alert.",
        [
            Target(
                data_age(s, "account, endpoint"),
                "{{endpoint}} · {{account}}",
                instant=True,
            )
        ],
        unit="s",
        steps=data_age_steps(config),
        overrides=[activity_age_override(config)],
        minimum=0,
    )


def poll_errors_panel(s: Series) -> Json:
    return timeseries(
        "Poll errors (last hour)",
        "Failed requests to OpenRouter in the trailing hour, by endpoint and reason "
        "(`http_401`, `http_429`, `timeout`, `invalid_response`, ...), from "
        "`openrouter_api_errors_total`. Endpoints without any error series show 0, "
        "taken from `openrouter_api_requests_total`, so a flat zero means polls were "
        "made and none failed.",
        [
            Target(
                increase("account, endpoint, reason", s("openrouter_api_errors_total"), "1h")
                + " or on (account, endpoint) 0 * "
                + increase("account, endpoint", s("openrouter_api_requests_total"), "1h"),
                "{{endpoint}} {{reason}} · {{account}}",
            )
        ],
        unit="short",
        minimum=0,
        decimals=0,
    )


def poll_duration_panel(s: Series) -> Json:
    return timeseries(
        "Poll duration",
        "How long the latest poll of each endpoint took, from `openrouter_poll_duration_seconds`.",
        [
            Target(
                dedup("account, endpoint", s("openrouter_poll_duration_seconds")),
                "{{endpoint}} · {{account}}",
            )
        ],
        unit="s",
        minimum=0,
    )


def requests_to_openrouter_panel(s: Series) -> Json:
    return timeseries(
        "Requests to OpenRouter (last hour)",
        "Requests the exporter sent to OpenRouter in the trailing hour, by endpoint, "
        "from `openrouter_api_requests_total`: the cost of monitoring to OpenRouter, "
        "whatever the number of scrapers (the count of one exporter: pick its job when "
        "several exporters poll the same account).",
        [
            Target(
                increase("account, endpoint", s("openrouter_api_requests_total"), "1h"),
                "{{endpoint}} · {{account}}",
            )
        ],
        unit="short",
        minimum=0,
        decimals=0,
    )


def per_model_data_lag_stat(s: Series) -> Json:
    return stat(
        "Per-model data lag",
        "Age of the newest completed UTC day in the per-model data, from "
        "`openrouter_activity_latest_day_timestamp_seconds`. OpenRouter's /activity "
        "reports completed days only, so 1 to 2 days is normal; orange after 2 days "
        "and an hour, red after 3.",
        [
            Target(
                "time() - "
                + dedup("account", s("openrouter_activity_latest_day_timestamp_seconds")),
                "{{account}}",
            )
        ],
        unit="s",
        steps=(
            (None, "green"),
            (2 * SECONDS_PER_DAY + 3600, "orange"),
            (3 * SECONDS_PER_DAY, "red"),
        ),
        decimals=1,
    )


def exporter_version_stat(config: MixinConfig) -> Json:
    return stat(
        "Exporter version",
        "Version of the running exporter, the source revision it was built from "
        '("unknown" when the build could not tell, as in an editable install) and its '
        "Python, from `openrouter_exporter_build_info`.",
        [
            Target(
                dedup(
                    "version, revision, python_version",
                    Series(config, (JOB,))("openrouter_exporter_build_info"),
                ),
                "v{{version}} ({{revision}}) · Python {{python_version}}",
            )
        ],
        unit="none",
        color_mode="none",
        text_mode="name",
        no_value="exporter not scraped",
    )


def exporter_health(config: MixinConfig, s: Series, grid: Grid) -> None:
    grid.row("Exporter health and data freshness")
    grid.band(
        6,
        (
            6,
            endpoint_status_stat(s),
        ),
        (
            6,
            data_age_by_endpoint_panel(config, s),
        ),
        (
            6,
            poll_errors_panel(s),
        ),
        (
            6,
            poll_duration_panel(s),
        ),
    )
    grid.band(
        5,
        (
            12,
            requests_to_openrouter_panel(s),
        ),
        (
            6,
            per_model_data_lag_stat(s),
        ),
        (
            6,
            exporter_version_stat(config),
        ),
    )


def overview(config: MixinConfig) -> Json:
    s = Series(config)
    grid = Grid()
    headline(config, s, grid)
    right_now(config, s, grid)
    grid.row("Forecast and where the money goes")
    balance, burn, runway = forecast(s)
    money = money_panels(config, s)
    grid.band(7, (6, balance), (6, burn), (6, runway), (6, money["top"]))
    grid.band(
        8, (4, money["week"]), (7, money["share"]), (7, money["providers"]), (6, money["cost"])
    )
    today.overview_row(config, s, grid)
    budgets.overview_row(config, s, grid)
    grid.row("Keys and alerts")
    grid.band(
        9,
        (16, keys_table(config, s, "Keys")),
        (
            8,
            alertlist(
                "OpenRouter alerts",
                'Firing and pending Prometheus alerts whose name contains "OpenRouter" (the '
                "rules shipped in alerts/), from Grafana's alert list. It lists rules of data "
                'sources with "Manage alerts via Alerting UI" on (`manageAlerts: true` in the '
                'provisioned data source). The "Firing alerts" stat above counts the same '
                "alerts from the `ALERTS` series.",
                "OpenRouter",
            ),
        ),
    )
    exporter_health(config, s, grid)
    return dashboard(
        config,
        uid=config.overview_uid,
        title="OpenRouter credits: overview",
        description=(
            "How much is left, how fast it goes and where, and when it runs out: the "
            "openrouter-exporter overview."
        ),
        variables=[],
        links=[
            dashboard_link(
                "Models and keys",
                config.drilldown_uid,
                "Drill down into models, providers and keys",
            ),
            *runbooks_links(config),
        ],
        panels=grid.panels,
    )
