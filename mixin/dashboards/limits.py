"""The "Limits" row: every wall that refuses requests (the balance, a key's own limit, a
workspace budget, the guardrail budgets) with its spend against its amount, its reset and
when it will be reached, the first to stop requests on top.

One instant query per column of the ``openrouter_limit_*`` family, merged per limit. The
series are gauges, which Prometheus marks stale as soon as a scrape fails: the table empties
with the exporter without a liveness guard.
"""

from __future__ import annotations

from mixin.config import MixinConfig
from mixin.dashboards.panels import (
    Grid,
    Json,
    Target,
    merged_columns,
    override,
    table,
    thresholds,
    value_map,
    with_id,
)
from mixin.dashboards.queries import Series, dedup

LIMIT_LABELS = "account, scope, id, name, period, source"
NO_LIMITS = "no limits known (the exporter is not scraped, or has not polled yet)"
SCOPES = {
    "credits": "balance",
    "key_limit": "key limit",
    "workspace": "workspace budget",
    "api_key": "key guardrail",
    "member": "member guardrail",
    "workspace_default_key": "default guardrail (key)",
    "workspace_default_member": "default guardrail (member)",
}
SOURCES = {
    "openrouter": "OpenRouter",
    "analytics_estimate": "estimate (Analytics API)",
    "key_usage_estimate": "estimate (key usage)",
}
#: The order of :func:`openrouter_exporter.core.limits.in_order_of_exhaustion`: reached
#: first, then by projected exhaustion, then by the share left, unknown spend last.
_REACHED, _UNPROJECTED, _UNKNOWN = -1, 1e10, 2e10


def _columns(s: Series) -> dict[str, tuple[str, str]]:
    def limit_series(metric: str) -> str:
        return dedup(LIMIT_LABELS, s(f"openrouter_limit_{metric}"))

    amount, spend = limit_series("usd"), limit_series("spend_usd")
    remaining, reset = limit_series("remaining_usd"), limit_series("reset_timestamp_seconds")
    exhaustion = limit_series("exhaustion_timestamp_seconds")
    reached = f"({remaining} <= 0) * 0"
    return {
        "Value #A": ("Limit", amount),
        "Value #B": ("Spend", spend),
        "Value #C": ("Remaining", remaining),
        "Value #D": ("Used", f"{spend} / ({amount} > 0)"),
        "Value #E": ("Resets", f"{reset} * 1000 or {amount} * 0 + Inf"),
        "Value #F": (
            "Reached",
            f"{reached} - Inf or {exhaustion} * 1000 or {amount} * 0 + Inf",
        ),
        "Value #G": (
            "Order",
            f"{reached} + {_REACHED} or {exhaustion} "
            f"or {remaining} / ({amount} > 0) + {_UNPROJECTED:g} "
            f"or {amount} * 0 + {_UNKNOWN:g}",
        ),
    }


def limits_table(config: MixinConfig, s: Series) -> Json:
    columns = _columns(s)
    labels = {
        "account": "Account",
        "scope": "Scope",
        "name": "Name",
        "id": "ID",
        "period": "Period",
        "source": "Spend source",
    }
    order = [
        "Scope",
        "Name",
        "Period",
        "Spend",
        "Limit",
        "Remaining",
        "Used",
        "Reached",
        "Resets",
        "Spend source",
        "ID",
        "Account",
    ]
    transformations = merged_columns(
        {**labels, **{ref: name for ref, (name, _) in columns.items()}},
        order,
        hidden=("Value #G",),
    )
    # Sorted on the order column before it is hidden (Grafana sorts nothing it hides).
    transformations.insert(
        1, {"id": "sortBy", "options": {"sort": [{"field": "Value #G", "desc": False}]}}
    )
    return table(
        "Limits, first to be reached on top",
        "Every limit that refuses requests, one row each: the balance, a key's own limit, a "
        "workspace budget, and the guardrail budgets of a key, a member or a workspace's "
        "default guardrail. Spend in the current period (`openrouter_limit_spend_usd`) "
        "against the limit (`openrouter_limit_usd`), what is left "
        "(`openrouter_limit_remaining_usd`, negative when in-flight requests overshot), when "
        "it will be reached at the current rate (`openrouter_limit_exhaustion_timestamp_seconds`; "
        '"reached" once nothing is left, "not projected" when it resets first or nothing '
        "is spent) and when the period resets (`openrouter_limit_reset_timestamp_seconds`: "
        'daily 00:00 UTC, weekly Monday 00:00 UTC, monthly the 1st; "never" for a lifetime '
        "limit and the balance). Sorted as the status page orders them: reached first, then "
        "by projected time, then by the share left. Spend source: OpenRouter's own figure "
        "or an estimate (Analytics API, the key's period usage). Used turns orange from "
        f"{config.limit_used_warning_ratio:.0%} and red at 100%. "
        f'"{NO_LIMITS}" otherwise: the balance is always a row once the exporter has polled.',
        [Target(expr, instant=True, table=True) for _, expr in columns.values()],
        unit="currencyUSD",
        no_value=NO_LIMITS,
        transformations=transformations,
        overrides=[
            override(
                "byName",
                "Scope",
                mappings=[value_map({k: (v, "text") for k, v in SCOPES.items()})],
            ),
            override(
                "byName",
                "Spend source",
                mappings=[value_map({k: (v, "text") for k, v in SOURCES.items()})],
            ),
            override(
                "byName",
                "Used",
                unit="percentunit",
                decimals=0,
                thresholds=thresholds(
                    ((None, "green"), (config.limit_used_warning_ratio, "orange"), (1, "red"))
                ),
                custom__cellOptions={"mode": "basic", "type": "color-background"},
            ),
            override(
                "byName",
                "Reached",
                unit="dateTimeFromNow",
                mappings=[
                    value_map(
                        {"-Infinity": ("reached", "red"), "Infinity": ("not projected", "text")}
                    )
                ],
            ),
            override(
                "byName",
                "Resets",
                unit="dateTimeAsIso",
                mappings=[value_map({"Infinity": ("never", "text")})],
            ),
        ],
    )


def overview_row(config: MixinConfig, s: Series, grid: Grid) -> None:
    grid.row("Limits: what stops requests first", config.limits_row_id)
    grid.band(8, (24, with_id(limits_table(config, s), config.limits_panel_id)))
