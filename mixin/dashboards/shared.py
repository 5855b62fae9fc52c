"""What both dashboards show: the keys table, the provider share, the age of the data."""

from __future__ import annotations

from mixin.config import SECONDS_PER_DAY, MixinConfig
from mixin.dashboards.frame import drilldown_url
from mixin.dashboards.panels import (
    Json,
    Steps,
    Target,
    data_link,
    merged_columns,
    override,
    piechart,
    table,
    thresholds,
    value_map,
)
from mixin.dashboards.queries import KEY_LABELS, Series, dedup, increase

#: The endpoints per-key data comes from (/keys with a management key, else /key).
KEY_ENDPOINTS = "keys?"
#: How far back a data age looks for the latest successful poll.
DATA_AGE_LOOKBACK = "7d"


def data_age(s: Series, labels: str, *matchers: str) -> str:
    """Seconds since the latest successful poll Prometheus holds (stale markers skipped, so
    the age keeps growing after the exporter dies)."""
    last = s("openrouter_last_success_timestamp_seconds", *matchers)
    return f"time() - max by ({labels}) (last_over_time({last}[{DATA_AGE_LOOKBACK}]))"


def data_age_steps(config: MixinConfig) -> Steps:
    """The OpenRouterDataStale alert's thresholds for credits, key and keys."""
    return (
        (None, "green"),
        (config.stale_warning_seconds, "orange"),
        (config.stale_critical_seconds, "red"),
    )


def activity_age_override(config: MixinConfig) -> Json:
    """/activity is polled every 30 minutes: its age warns later."""
    return override(
        "byRegexp",
        "activity.*",
        thresholds=thresholds(((None, "green"), (config.activity_stale_warning_seconds, "orange"))),
    )


def keys_table(config: MixinConfig, s: Series, title: str) -> Json:
    """One row per key: status, spend, limit, remaining limit and expiry, merged from one
    instant query per column. Absent limit/expiry series (unlimited, never expiring keys)
    are filled with +Inf from ``openrouter_key_info``, shown as "unlimited"/"never"."""

    def per_key(expr: str) -> str:
        return dedup(KEY_LABELS, expr)

    infinite = f"{per_key(s('openrouter_key_info'))} * Inf"
    remaining = per_key(s("openrouter_key_limit_remaining_usd"))
    limit = per_key(s("openrouter_key_limit_usd"))
    expiry = per_key(s("openrouter_key_expiry_timestamp_seconds"))
    day_spend = increase(KEY_LABELS, s("openrouter_key_usage_usd_total"), "1d")
    targets = [
        Target(dedup(f"{KEY_LABELS}, key_label, limit_reset", s("openrouter_key_info"))),
        Target(per_key(s("openrouter_key_disabled"))),
        Target(s.guarded(day_spend, KEY_ENDPOINTS)),
        Target(per_key(s("openrouter_key_usage_usd_total"))),
        Target(f"{limit} or {infinite}"),
        Target(f"{remaining} or {infinite}"),
        Target(f"{remaining} / {limit} or {infinite}"),
        Target(f"({expiry} - time()) / {SECONDS_PER_DAY} or {infinite}"),
    ]
    names = {
        "Value #B": "Status",
        "Value #C": "Spend (24h)",
        "Value #D": "Usage (all time)",
        "Value #E": "Limit",
        "Value #F": "Remaining",
        "Value #G": "Remaining %",
        "Value #H": "Expires in",
    }
    columns = [
        "Key",
        "Key hash",
        "Account",
        "Masked key",
        "Status",
        "Spend (24h)",
        "Usage (all time)",
        "Limit",
        "Remaining",
        "Remaining %",
        "Limit reset",
        "Expires in",
    ]
    unlimited = value_map({"Infinity": ("unlimited", "text")})
    open_key = data_link(
        "Open this key in the drill-down",
        drilldown_url(config, 'var-key=${__data.fields["Key hash"]}'),
    )
    return table(
        title,
        "One row per key, nearest to its limit first. Status from `openrouter_key_disabled`; "
        "spend over the last 24 hours and all-time usage from `openrouter_key_usage_usd_total`; "
        "limit and remaining limit from `openrouter_key_limit_usd` and "
        '`openrouter_key_limit_remaining_usd` ("unlimited" when the key has no limit); '
        'days to expiry from `openrouter_key_expiry_timestamp_seconds` ("never" when it '
        "does not expire); masked key and limit reset period from `openrouter_key_info`. "
        f"Remaining % turns orange under {config.key_near_limit_ratio:.0%} and red under "
        f"{config.key_at_limit_ratio:.0%}, and a key expiring within "
        f"{config.key_expiry_warning_days:g} days orange, within "
        f"{config.key_expiry_critical_days:g} day red: the thresholds of the "
        "OpenRouterKeyExpiringSoon alert (whether a limit will be reached before it resets "
        "is the Limits row's, and OpenRouterLimitReachedSoon's). "
        "A key's remaining limit is not spendable money: requests are also bounded by the "
        "account balance. Spend (24h) is empty while the exporter is not scraped or its key "
        "poll fails (`openrouter_up`). Two keys may share a name: the key hash tells them "
        "apart. Click a key to open it in the drill-down.",
        [Target(t.expr, instant=True, table=True) for t in targets],
        unit="currencyUSD",
        transformations=merged_columns(
            {
                "account": "Account",
                "key_hash": "Key hash",
                "key_label": "Masked key",
                "key_name": "Key",
                "limit_reset": "Limit reset",
                **names,
            },
            columns,
            hidden=["Value #A"],
        ),
        overrides=[
            override("byName", "Key", links=[open_key]),
            override("byName", "Key hash", links=[open_key]),
            override(
                "byName",
                "Status",
                unit="none",
                mappings=[value_map({"0": ("active", "green"), "1": ("disabled", "red")})],
                custom__cellOptions={"type": "color-text"},
            ),
            override("byName", "Limit", mappings=[unlimited]),
            override("byName", "Remaining", mappings=[unlimited]),
            override(
                "byName",
                "Remaining %",
                unit="percentunit",
                decimals=1,
                mappings=[unlimited],
                thresholds=thresholds(
                    (
                        (None, "red"),
                        (config.key_at_limit_ratio, "orange"),
                        (config.key_near_limit_ratio, "green"),
                    )
                ),
                custom__cellOptions={"mode": "basic", "type": "color-background"},
            ),
            override(
                "byName",
                "Expires in",
                unit="d",
                decimals=1,
                mappings=[value_map({"Infinity": ("never", "text")})],
                thresholds=thresholds(
                    (
                        (None, "red"),
                        (config.key_expiry_critical_days, "orange"),
                        (config.key_expiry_warning_days, "green"),
                    )
                ),
                custom__cellOptions={"type": "color-text"},
            ),
        ],
        sort_by="Remaining %",
    )


def provider_share(s: Series) -> Json:
    """Spend per provider over 7 days (the whole ledger until a day has completed)."""
    identity = "account, model, provider"
    spend = s("openrouter_model_spend_usd_total")
    ledger = f"sum by (provider) ({dedup(identity, spend)})"
    week = f"sum by (provider) ({s.guarded(increase(identity, spend, '7d'), 'activity')})"
    return piechart(
        "Spend by provider (7 days)",
        "Share of spend per provider over the last 7 days: the increase of "
        "`openrouter_model_spend_usd_total` (the per-model ledger, completed UTC days only). "
        "Until Prometheus has seen a day complete (a fresh install), the whole ledger is shown "
        "instead: the 30 days seeded at the exporter's first start plus every day since. "
        "Empty when the exporter is not scraped or its /activity poll fails (`openrouter_up`).",
        [
            Target(
                f"({week} > 0) or on () {ledger}",
                "{{provider}}",
                instant=True,
            )
        ],
        unit="currencyUSD",
    )
