#!/usr/bin/env python3
"""Generate the Grafana dashboards of openrouter-exporter.

The dashboards are code: this file builds them and writes the JSON that is committed under
``grafana/dashboards/``. Edit this file, never the JSON, then run::

    python grafana/generate.py          # rewrite grafana/dashboards/*.json
    python grafana/generate.py --check  # exit 1 when the committed JSON is stale

``tests/test_dashboards.py`` runs the ``--check`` comparison, so a hand edit of the JSON or a
generator change without regenerated JSON fails the tests.

Conventions (Grafana 10/11/12, classic dashboard JSON model, ``schemaVersion`` 39):

* A ``datasource`` template variable of type ``datasource`` (query ``prometheus``) and every
  panel, target and query variable pointing at ``${datasource}``; no ``__inputs`` section,
  because file provisioning does not resolve ``__inputs`` placeholders.
* Fixed, readable ``uid`` values, so links and bookmarks survive re-imports.
* ``$__rate_interval`` in every ``rate()``; panels on poll-driven counters set a 1m
  minimum interval, so a rate window always spans more than one poll of OpenRouter.
* Units: ``currencyUSD`` for money, ``d`` for days, ``dateTimeFromNow`` for instants
  (exporter timestamps are seconds; Grafana expects milliseconds, hence ``* 1000``).
* Stat thresholds for days remaining use the exporter's default runway thresholds
  (critical 1 day, warning 3 days), the same defaults the alert rules read from
  ``openrouter_runway_threshold_days``.

Only the standard library is used, so the generator runs anywhere Python 3.11 does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Json = dict[str, Any]

HERE = Path(__file__).resolve().parent
DASHBOARD_DIR = HERE / "dashboards"

#: The schema version written by Grafana 10.4 and 11.x. Grafana 12 migrates it on load
#: (versions 40-42 only normalise ``refresh``, drop ``timepicker.time_options`` and tie
#: ``hideFrom.tooltip`` to ``hideFrom.viz``; the generated JSON is already in that shape).
SCHEMA_VERSION = 39

OVERVIEW_UID = "openrouter-overview"
DRILLDOWN_UID = "openrouter-drilldown"
OVERVIEW_FILE = "openrouter-overview.json"
DRILLDOWN_FILE = "openrouter-drilldown.json"
TAGS = ("openrouter", "credits", "llm")

#: The exporter's default runway thresholds (``openrouter_runway_threshold_days``), which the
#: alert rules compare against; the days-remaining stats colour with the same values.
RUNWAY_CRITICAL_DAYS = 1
RUNWAY_WARNING_DAYS = 3
#: The alert rules' fixed thresholds (alerts/openrouter-alerts.yml), mirrored in colours:
#: a key near its limit has under 10% of it left (warning), under 1% it is at the limit.
KEY_NEAR_LIMIT_RATIO = 0.1
KEY_AT_LIMIT_RATIO = 0.01
#: A key expiring within 7 days is a warning, within 1 day critical.
KEY_EXPIRY_WARNING_DAYS = 7
KEY_EXPIRY_CRITICAL_DAYS = 1
#: Data staleness: credits/key/keys older than 30 minutes warn, 4 hours is critical;
#: activity (polled every 30 minutes) warns after 6 hours.
STALE_WARNING_SECONDS = 30 * 60
STALE_CRITICAL_SECONDS = 4 * 3600
ACTIVITY_STALE_WARNING_SECONDS = 6 * 3600
#: The runway alerts and the days-remaining stats use the two windows that react to a cut
#: in spend within days; 30d is shown in graphs only.
RUNWAY_WINDOWS = 'window=~"24h|7d"'

DATASOURCE: Json = {"type": "prometheus", "uid": "${datasource}"}
ACCOUNT = 'account=~"$account"'
#: ALERTS carry ``account`` only when the rule keeps it: match the selected accounts or none.
ALERT_ACCOUNT = 'account=~"$account|"'
SECONDS_PER_DAY = 86400

Color = str
Steps = Sequence[tuple[float | None, Color]]


# --------------------------------------------------------------------------------------
# Building blocks


@dataclass(frozen=True)
class Target:
    """One Prometheus query of a panel."""

    expr: str
    legend: str = "__auto"
    instant: bool = False
    table: bool = False

    def to_json(self, ref_id: str) -> Json:
        return {
            "datasource": dict(DATASOURCE),
            "editorMode": "code",
            "expr": self.expr,
            "format": "table" if self.table else "time_series",
            "instant": self.instant,
            "legendFormat": self.legend,
            "range": not self.instant,
            "refId": ref_id,
        }


def _ref_id(index: int) -> str:
    return chr(ord("A") + index)


def _targets(targets: Sequence[Target]) -> list[Json]:
    return [target.to_json(_ref_id(i)) for i, target in enumerate(targets)]


def thresholds(steps: Steps, mode: Literal["absolute", "percentage"] = "absolute") -> Json:
    """Threshold steps; the first one is the base (value ``None``, i.e. minus infinity)."""
    return {"mode": mode, "steps": [{"color": color, "value": value} for value, color in steps]}


def value_map(entries: dict[str, tuple[str, Color]]) -> Json:
    return {
        "type": "value",
        "options": {
            value: {"color": color, "index": index, "text": text}
            for index, (value, (text, color)) in enumerate(entries.items())
        },
    }


def special_map(match: Literal["null", "nan", "null+nan", "empty"], text: str) -> Json:
    return {"type": "special", "options": {"match": match, "result": {"index": 0, "text": text}}}


def override(matcher: str, options: str, **properties: Any) -> Json:
    """A field override; property names use ``__`` for ``.`` (``custom__width``)."""
    return {
        "matcher": {"id": matcher, "options": options},
        "properties": [
            {"id": name.replace("__", "."), "value": value} for name, value in properties.items()
        ],
    }


def data_link(title: str, url: str) -> Json:
    return {"targetBlank": False, "title": title, "url": url}


#: Days remaining: red under the critical default, orange under the warning default.
RUNWAY_STEPS: Steps = (
    (None, "red"),
    (RUNWAY_CRITICAL_DAYS, "orange"),
    (RUNWAY_WARNING_DAYS, "green"),
)
INFINITY_IS_NO_SPEND = value_map({"Infinity": ("no spend", "green")})


def _panel(
    kind: str,
    title: str,
    description: str,
    targets: Sequence[Target],
    *,
    defaults: Json,
    options: Json,
    overrides: Sequence[Json] = (),
    transformations: Sequence[Json] = (),
    interval: str | None = None,
) -> Json:
    panel: Json = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": dict(DATASOURCE),
        "fieldConfig": {"defaults": defaults, "overrides": list(overrides)},
        "options": options,
        "targets": _targets(targets),
        "transformations": list(transformations),
    }
    if interval is not None:
        panel["interval"] = interval
    return panel


def _defaults(
    unit: str,
    *,
    steps: Steps | None = None,
    color: Json | None = None,
    mappings: Sequence[Json] = (),
    decimals: int | None = None,
    no_value: str | None = None,
    links: Sequence[Json] = (),
    minimum: float | None = None,
    custom: Json | None = None,
) -> Json:
    defaults: Json = {
        "color": color or {"mode": "thresholds"},
        "mappings": list(mappings),
        "thresholds": thresholds(steps or ((None, "green"),)),
        "unit": unit,
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    if no_value is not None:
        defaults["noValue"] = no_value
    if links:
        defaults["links"] = list(links)
    if minimum is not None:
        defaults["min"] = minimum
    if custom is not None:
        defaults["custom"] = custom
    return defaults


def _reduce(values: bool = False) -> Json:
    return {"calcs": ["lastNotNull"], "fields": "", "values": values}


def stat(
    title: str,
    description: str,
    targets: Sequence[Target],
    *,
    unit: str,
    steps: Steps = ((None, "green"),),
    mappings: Sequence[Json] = (),
    color_mode: Literal["value", "background", "none"] = "background",
    graph_mode: Literal["none", "area"] = "none",
    text_mode: Literal["auto", "value", "value_and_name", "name"] = "auto",
    decimals: int | None = None,
    no_value: str | None = None,
    overrides: Sequence[Json] = (),
    interval: str | None = None,
) -> Json:
    return _panel(
        "stat",
        title,
        description,
        targets,
        defaults=_defaults(
            unit, steps=steps, mappings=mappings, decimals=decimals, no_value=no_value
        ),
        options={
            "colorMode": color_mode,
            "graphMode": graph_mode,
            "justifyMode": "auto",
            "orientation": "auto",
            "reduceOptions": _reduce(),
            "showPercentChange": False,
            "text": {},
            "textMode": text_mode,
            "wideLayout": True,
        },
        overrides=overrides,
        interval=interval,
    )


def timeseries(
    title: str,
    description: str,
    targets: Sequence[Target],
    *,
    unit: str,
    draw: Literal["line", "bars"] = "line",
    interpolation: Literal["linear", "stepAfter", "smooth"] = "linear",
    fill: int = 10,
    stacked: bool = False,
    minimum: float | None = None,
    decimals: int | None = None,
    overrides: Sequence[Json] = (),
    interval: str | None = None,
    legend_calcs: Sequence[str] = (),
) -> Json:
    custom: Json = {
        "axisBorderShow": False,
        "axisCenteredZero": False,
        "axisColorMode": "text",
        "axisLabel": "",
        "axisPlacement": "auto",
        "barAlignment": 0,
        "drawStyle": draw,
        "fillOpacity": fill,
        "gradientMode": "none",
        "hideFrom": {"legend": False, "tooltip": False, "viz": False},
        "insertNulls": False,
        "lineInterpolation": interpolation,
        "lineWidth": 2 if draw == "line" else 1,
        "pointSize": 4,
        "scaleDistribution": {"type": "linear"},
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": "normal" if stacked else "none"},
        "thresholdsStyle": {"mode": "off"},
    }
    return _panel(
        "timeseries",
        title,
        description,
        targets,
        defaults=_defaults(
            unit,
            color={"mode": "palette-classic"},
            decimals=decimals,
            minimum=minimum,
            custom=custom,
        ),
        options={
            "legend": {
                "calcs": list(legend_calcs),
                "displayMode": "table" if legend_calcs else "list",
                "placement": "bottom",
                "showLegend": True,
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        overrides=overrides,
        interval=interval,
    )


def bargauge(
    title: str,
    description: str,
    targets: Sequence[Target],
    *,
    unit: str,
    steps: Steps = ((None, "blue"),),
    decimals: int | None = None,
    links: Sequence[Json] = (),
    rows: bool = False,
    transformations: Sequence[Json] = (),
    overrides: Sequence[Json] = (),
    minimum: float | None = None,
) -> Json:
    """A horizontal bar gauge; ``rows`` shows one bar per row of a table-format query."""
    return _panel(
        "bargauge",
        title,
        description,
        targets,
        defaults=_defaults(unit, steps=steps, decimals=decimals, links=links, minimum=minimum),
        options={
            "displayMode": "gradient",
            "legend": {
                "calcs": [],
                "displayMode": "list",
                "placement": "bottom",
                "showLegend": False,
            },
            "maxVizHeight": 300,
            "minVizHeight": 16,
            "minVizWidth": 8,
            "namePlacement": "auto",
            "orientation": "horizontal",
            "reduceOptions": _reduce(values=rows),
            "showUnfilled": True,
            "sizing": "auto",
            "text": {},
            "valueMode": "color",
        },
        overrides=overrides,
        transformations=transformations,
    )


def piechart(
    title: str,
    description: str,
    targets: Sequence[Target],
    *,
    unit: str,
    links: Sequence[Json] = (),
) -> Json:
    return _panel(
        "piechart",
        title,
        description,
        targets,
        defaults=_defaults(
            unit,
            color={"mode": "palette-classic"},
            links=links,
            custom={"hideFrom": {"legend": False, "tooltip": False, "viz": False}},
        ),
        options={
            "displayLabels": ["percent"],
            "legend": {
                "calcs": [],
                "displayMode": "table",
                "placement": "right",
                "showLegend": True,
                "values": ["value", "percent"],
            },
            "pieType": "donut",
            "reduceOptions": _reduce(),
            "tooltip": {"mode": "single", "sort": "none"},
        },
    )


def table(
    title: str,
    description: str,
    targets: Sequence[Target],
    *,
    unit: str,
    overrides: Sequence[Json],
    transformations: Sequence[Json],
    sort_by: str | None = None,
    descending: bool = False,
) -> Json:
    return _panel(
        "table",
        title,
        description,
        targets,
        defaults=_defaults(
            unit,
            custom={
                "align": "auto",
                "cellOptions": {"type": "auto"},
                "filterable": False,
                "inspect": False,
            },
        ),
        options={
            "cellHeight": "sm",
            "footer": {"countRows": False, "fields": "", "reducer": ["sum"], "show": False},
            "showHeader": True,
            "sortBy": [] if sort_by is None else [{"desc": descending, "displayName": sort_by}],
        },
        overrides=overrides,
        transformations=transformations,
    )


def alertlist(title: str, description: str, name_filter: str) -> Json:
    """Grafana's alert list, showing the data-source-managed rules whose name contains
    ``name_filter`` (the Prometheus rules, once the data source has ``manageAlerts``)."""
    return {
        "type": "alertlist",
        "title": title,
        "description": description,
        "options": {
            "alertInstanceLabelFilter": "",
            "alertName": name_filter,
            "dashboardAlerts": False,
            "datasource": "",
            "groupBy": [],
            "groupMode": "default",
            "maxItems": 20,
            "showInstances": True,
            "sortOrder": 3,
            "stateFilter": {
                "error": True,
                "firing": True,
                "noData": False,
                "normal": False,
                "pending": True,
                "recovering": False,
            },
            "viewMode": "list",
        },
    }


def row(title: str) -> Json:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


@dataclass
class Grid:
    """Places panels left to right in bands of equal height on Grafana's 24-column grid."""

    panels: list[Json] = field(default_factory=list)
    y: int = 0

    def band(self, height: int, *placed: tuple[int, Json]) -> None:
        width = sum(w for w, _ in placed)
        if width > 24:
            raise ValueError(f"the band at y={self.y} is {width} columns wide")
        x = 0
        for w, panel in placed:
            self._add(panel, x=x, w=w, h=height)
            x += w
        self.y += height

    def row(self, title: str) -> None:
        self._add(row(title), x=0, w=24, h=1)
        self.y += 1

    def _add(self, panel: Json, *, x: int, w: int, h: int) -> None:
        placed: Json = {
            "type": panel["type"],
            "title": panel["title"],
            "id": len(self.panels) + 1,
            "gridPos": {"h": h, "w": w, "x": x, "y": self.y},
        }
        placed.update(panel)
        self.panels.append(placed)


# --------------------------------------------------------------------------------------
# Template variables, links, annotations


def datasource_variable() -> Json:
    return {
        "current": {},
        "hide": 0,
        "includeAll": False,
        "label": "Data source",
        "multi": False,
        "name": "datasource",
        "options": [],
        "query": "prometheus",
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
        "type": "datasource",
    }


def query_variable(name: str, label: str, query: str, description: str) -> Json:
    """A multi-select label-values variable with "All" (``.*``, so that empty labels match)."""
    return {
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "datasource": dict(DATASOURCE),
        "definition": query,
        "description": description,
        "hide": 0,
        "includeAll": True,
        "label": label,
        "multi": True,
        "name": name,
        "options": [],
        "query": {
            "qryType": 1,
            "query": query,
            "refId": "PrometheusVariableQueryEditor-VariableQuery",
        },
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }


def account_variable() -> Json:
    return query_variable(
        "account",
        "Account",
        "label_values(openrouter_up, account)",
        "OpenRouter accounts the exporter polls (label `account` of `openrouter_up`).",
    )


def dashboard_link(title: str, uid: str, tooltip: str) -> Json:
    """A link to another dashboard of the set carrying the variables and the time range."""
    return {
        "asDropdown": False,
        "icon": "dashboard",
        "includeVars": True,
        "keepTime": True,
        "tags": [],
        "targetBlank": False,
        "title": title,
        "tooltip": tooltip,
        "type": "link",
        "url": f"/d/{uid}",
    }


RUNBOOKS_URL = (
    "https://github.com/openrouter-exporter/openrouter-exporter/blob/main/docs/runbooks.md"
)


def runbooks_link() -> Json:
    return {
        "asDropdown": False,
        "icon": "doc",
        "includeVars": False,
        "keepTime": False,
        "tags": [],
        "targetBlank": True,
        "title": "Runbooks",
        "tooltip": "What to do when an OpenRouter alert fires",
        "type": "link",
        "url": RUNBOOKS_URL,
    }


def drilldown_url(*extra: str) -> str:
    """A data link into the drill-down, keeping time range, data source and accounts."""
    params = "&".join(
        ("${__url_time_range}", "${datasource:queryparam}", "${account:queryparam}", *extra)
    )
    return f"/d/{DRILLDOWN_UID}?{params}"


def dashboard_annotations() -> Json:
    return {
        "list": [
            {
                "builtIn": 1,
                "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                "enable": True,
                "hide": True,
                "iconColor": "rgba(0, 211, 255, 1)",
                "name": "Annotations & Alerts",
                "type": "dashboard",
            },
            {
                "datasource": dict(DATASOURCE),
                "enable": True,
                "expr": (
                    f'ALERTS{{alertname=~"OpenRouter.*", alertstate="firing", {ALERT_ACCOUNT}}}'
                ),
                "hide": False,
                "iconColor": "red",
                "name": "OpenRouter alerts",
                "step": "1m",
                "tagKeys": "severity,account",
                "textFormat": "{{alertname}} ({{severity}})",
                "titleFormat": "{{alertname}}",
                "useValueForTime": False,
            },
        ]
    }


def dashboard(
    *,
    uid: str,
    title: str,
    description: str,
    variables: Sequence[Json],
    links: Sequence[Json],
    panels: Sequence[Json],
) -> Json:
    return {
        "annotations": dashboard_annotations(),
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": list(links),
        "panels": list(panels),
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "tags": list(TAGS),
        "templating": {"list": [datasource_variable(), *variables]},
        "time": {"from": "now-7d", "to": "now"},
        "timepicker": {},
        "timezone": "utc",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


# --------------------------------------------------------------------------------------
# Panels shared by both dashboards

KEY_LABELS = "account, key_hash, key_name"


def keys_table(selector: str, title: str) -> Json:
    """One row per key: status, spend, limit, remaining limit and expiry, merged from one
    instant query per column. Absent limit/expiry series (unlimited, never expiring keys)
    are filled with +Inf from ``openrouter_key_info``, shown as "unlimited"/"never"."""

    def per_key(expr: str) -> str:
        return f"max by ({KEY_LABELS}) ({expr})"

    info = per_key(f"openrouter_key_info{{{selector}}}")
    infinite = f"{info} * Inf"
    targets = [
        Target(
            f"max by ({KEY_LABELS}, key_label, limit_reset) (openrouter_key_info{{{selector}}})",
            instant=True,
            table=True,
        ),
        Target(per_key(f"openrouter_key_disabled{{{selector}}}"), instant=True, table=True),
        Target(
            per_key(f"increase(openrouter_key_usage_usd_total{{{selector}}}[1d])"),
            instant=True,
            table=True,
        ),
        Target(per_key(f"openrouter_key_usage_usd_total{{{selector}}}"), instant=True, table=True),
        Target(
            f"{per_key(f'openrouter_key_limit_usd{{{selector}}}')} or {infinite}",
            instant=True,
            table=True,
        ),
        Target(
            f"{per_key(f'openrouter_key_limit_remaining_usd{{{selector}}}')} or {infinite}",
            instant=True,
            table=True,
        ),
        Target(
            per_key(
                f"openrouter_key_limit_remaining_usd{{{selector}}}"
                f" / openrouter_key_limit_usd{{{selector}}}"
            )
            + f" or {infinite}",
            instant=True,
            table=True,
        ),
        Target(
            per_key(f"openrouter_key_expiry_timestamp_seconds{{{selector}}} - time()")
            + f" / {SECONDS_PER_DAY} or {infinite}",
            instant=True,
            table=True,
        ),
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
    return table(
        title,
        "One row per key, nearest to its limit first. Status from `openrouter_key_disabled`; "
        "spend over the last 24 hours and all-time usage from `openrouter_key_usage_usd_total`; "
        "limit and remaining limit from `openrouter_key_limit_usd` and "
        '`openrouter_key_limit_remaining_usd` ("unlimited" when the key has no limit); '
        'days to expiry from `openrouter_key_expiry_timestamp_seconds` ("never" when it '
        "does not expire); masked key and limit reset period from `openrouter_key_info`. "
        f"Remaining % turns orange under {KEY_NEAR_LIMIT_RATIO:.0%} and red under "
        f"{KEY_AT_LIMIT_RATIO:.0%}, and a key expiring within {KEY_EXPIRY_WARNING_DAYS} days "
        f"orange, within {KEY_EXPIRY_CRITICAL_DAYS} day red: the thresholds of the "
        "OpenRouterKeyLimitLow and OpenRouterKeyExpiringSoon alerts. "
        "A key's remaining limit is not spendable money: requests are also bounded by the "
        "account balance. Click a key to open it in the drill-down.",
        targets,
        unit="currencyUSD",
        transformations=[
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True, "Value #A": True, "key_hash": True},
                    "indexByName": {},
                    "renameByName": {
                        "account": "Account",
                        "key_label": "Masked key",
                        "key_name": "Key",
                        "limit_reset": "Limit reset",
                        **names,
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
            override(
                "byName",
                "Key",
                links=[
                    data_link(
                        "Open key ${__value.raw} in the drill-down",
                        drilldown_url("var-key=${__value.raw}"),
                    )
                ],
            ),
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
                    ((None, "red"), (KEY_AT_LIMIT_RATIO, "orange"), (KEY_NEAR_LIMIT_RATIO, "green"))
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
                        (KEY_EXPIRY_CRITICAL_DAYS, "orange"),
                        (KEY_EXPIRY_WARNING_DAYS, "green"),
                    )
                ),
                custom__cellOptions={"type": "color-text"},
            ),
        ],
        sort_by="Remaining %",
    )


def provider_share(selector: str) -> Json:
    ledger = f"sum by (provider) (openrouter_model_spend_usd_total{{{selector}}})"
    week = f"sum by (provider) (increase(openrouter_model_spend_usd_total{{{selector}}}[7d]))"
    return piechart(
        "Spend by provider (7 days)",
        "Share of spend per provider over the last 7 days: the increase of "
        "`openrouter_model_spend_usd_total` (the per-model ledger, completed UTC days only). "
        "Until Prometheus has seen a day complete (a fresh install), the whole ledger is shown "
        "instead: the 30 days seeded at the exporter's first start plus every day since.",
        [Target(f"({week} > 0) or on () {ledger}", "{{provider}}", instant=True)],
        unit="currencyUSD",
    )


# --------------------------------------------------------------------------------------
# Overview


def overview() -> Json:
    acct = ACCOUNT
    grid = Grid()

    # Top band: the state, readable in five seconds.
    grid.band(
        4,
        (
            4,
            stat(
                "Balance",
                "Credits left: purchased minus used, from `openrouter_balance_usd` (refreshed by "
                "the exporter's poll of /credits). Red at or below zero: OpenRouter then refuses "
                "every request with 402, free models included.",
                [Target(f"sum by (account) (openrouter_balance_usd{{{acct}}})", "{{account}}")],
                unit="currencyUSD",
                steps=((None, "red"), (0.01, "green")),
                graph_mode="area",
                decimals=2,
            ),
        ),
        (
            4,
            stat(
                "Days remaining",
                "Runway at the more pessimistic of the 24h and 7d burn rates: the minimum of "
                '`openrouter_days_remaining` over window="24h" and window="7d", exactly what the '
                "OpenRouterCreditsRunwayLow alert reads (30d is left out: after a cut in spend "
                f"it would stay pessimistic for weeks). Red under {RUNWAY_CRITICAL_DAYS} day, "
                f"orange under {RUNWAY_WARNING_DAYS} days: the exporter's default "
                "`openrouter_runway_threshold_days` (critical, warning) that the alert compares "
                "against. Per-account thresholds tuned in the exporter's configuration move the "
                'alert, not these colours; the "Days remaining by window" graph draws the '
                'configured ones. "no spend" when nothing is being spent.',
                [
                    Target(
                        f"min by (account) (openrouter_days_remaining{{{acct}, {RUNWAY_WINDOWS}}})",
                        "{{account}}",
                    )
                ],
                unit="d",
                steps=RUNWAY_STEPS,
                mappings=[INFINITY_IS_NO_SPEND],
                decimals=1,
            ),
        ),
        (
            4,
            stat(
                "Runs out",
                "Projected exhaustion: the earlier `openrouter_exhaustion_timestamp_seconds` "
                'of the 24h and 7d windows (the same forecast as "Days remaining" and the '
                "runway alert), converted from seconds to the milliseconds Grafana expects. "
                "No value when nothing is being spent.",
                [
                    Target(
                        "min by (account) (openrouter_exhaustion_timestamp_seconds"
                        f"{{{acct}, {RUNWAY_WINDOWS}}}) * 1000",
                        "{{account}}",
                    )
                ],
                unit="dateTimeFromNow",
                color_mode="none",
                no_value="not running out",
            ),
        ),
        (
            3,
            stat(
                "Burn rate (24h)",
                "Spend per day over the last 24 hours, from `openrouter_burn_rate_usd_per_day` "
                'with window="24h" (the exporter\'s own samples of credits used). The exporter '
                "needs an hour of history for it; until then the panel falls back to the 7-day "
                "window, and the name under the value says which window is shown.",
                [
                    Target(
                        f'openrouter_burn_rate_usd_per_day{{{acct}, window="24h"}} or on (account) '
                        f'openrouter_burn_rate_usd_per_day{{{acct}, window="7d"}}',
                        "{{window}} · {{account}}",
                    )
                ],
                unit="currencyUSD",
                color_mode="none",
                graph_mode="area",
                text_mode="value_and_name",
                decimals=2,
            ),
        ),
        (
            3,
            stat(
                "Keys near limit",
                f"Enabled keys with less than {KEY_NEAR_LIMIT_RATIO:.0%} of their spending limit "
                "left: `openrouter_key_limit_remaining_usd` / `openrouter_key_limit_usd`, "
                "without the keys `openrouter_key_disabled` marks disabled (the "
                "OpenRouterKeyLimitLow alert's condition; unlimited keys never count). Zero "
                "only when `openrouter_key_info` shows keys; no value when the keys were never "
                "fetched.",
                [
                    Target(
                        f"count(openrouter_key_limit_remaining_usd{{{acct}}} "
                        f"/ (openrouter_key_limit_usd{{{acct}}} > 0) < {KEY_NEAR_LIMIT_RATIO} "
                        f"unless on (account, key_hash) (openrouter_key_disabled{{{acct}}} == 1)) "
                        f"or 0 * count(openrouter_key_info{{{acct}}})",
                        "keys",
                    )
                ],
                unit="none",
                steps=((None, "green"), (1, "orange")),
            ),
        ),
        (
            3,
            stat(
                "Firing alerts",
                'OpenRouter alerts firing now: `ALERTS{alertname=~"OpenRouter.*", '
                'alertstate="firing"}` for the selected accounts (or without an account '
                "label). Prometheus keeps ALERTS series only while an alert is active, so no "
                "series means none is firing and the query falls back to `vector(0)`. It cannot "
                "tell whether the rules are loaded: check Prometheus' Status → Rules.",
                [
                    Target(
                        'count(ALERTS{alertname=~"OpenRouter.*", alertstate="firing", '
                        f"{ALERT_ACCOUNT}}}) or vector(0)",
                        "firing",
                    )
                ],
                unit="none",
                steps=((None, "green"), (1, "red")),
            ),
        ),
        (
            3,
            stat(
                "Failing endpoints",
                "OpenRouter endpoints (credits, key, keys, activity) whose latest poll failed "
                "(`openrouter_up` == 0) and that the exporter keeps retrying (two or more "
                "requests in the last hour, from `openrouter_api_requests_total`), as in the "
                "OpenRouterAPIErrors alert: an endpoint the exporter stopped asking by design, "
                'such as /credits with only an inference key, does not count. "all OK" when '
                "none fails; no value when Prometheus has no `openrouter_up` at all (the "
                "exporter is not scraped). Details in the exporter health row below.",
                [
                    Target(
                        f"count(openrouter_up{{{acct}}} == 0 and on (account, endpoint) "
                        f"increase(openrouter_api_requests_total{{{acct}}}[1h]) >= 2) "
                        f"or 0 * count(openrouter_up{{{acct}}})",
                        "failing",
                    )
                ],
                unit="none",
                steps=((None, "green"), (1, "red")),
                mappings=[value_map({"0": ("all OK", "green")})],
                no_value="exporter not scraped",
            ),
        ),
    )

    # Forecast and spend over time.
    grid.band(
        7,
        (
            6,
            timeseries(
                "Balance over time",
                "Credits left over time, from `openrouter_balance_usd`. A top-up shows as a step "
                "up; the slope is the spend.",
                [Target(f"sum by (account) (openrouter_balance_usd{{{acct}}})", "{{account}}")],
                unit="currencyUSD",
                fill=15,
            ),
        ),
        (
            6,
            timeseries(
                "Spend rate (real time)",
                "What is being spent now, in USD per day: the rate of "
                "`openrouter_credits_used_usd_total` (account-wide credits used, polled from "
                "/credits) times 86400. Compare it with the burn-rate windows next to it.",
                [
                    Target(
                        "sum by (account) "
                        f"(rate(openrouter_credits_used_usd_total{{{acct}}}[$__rate_interval]))"
                        f" * {SECONDS_PER_DAY}",
                        "{{account}}",
                    )
                ],
                unit="currencyUSD",
                minimum=0,
                interval="1m",
            ),
        ),
        (
            6,
            timeseries(
                "Burn rate by window",
                "Mean spend per day, from `openrouter_burn_rate_usd_per_day`: 24h from the "
                "exporter's own samples (appears after an hour of history), 7d and 30d from the "
                "last 7 and 30 completed UTC days of per-model activity.",
                [
                    Target(
                        f"sum by (account, window) (openrouter_burn_rate_usd_per_day{{{acct}}})",
                        "{{window}} · {{account}}",
                    )
                ],
                unit="currencyUSD",
                interpolation="stepAfter",
                fill=0,
                minimum=0,
            ),
        ),
        (
            6,
            timeseries(
                "Days remaining by window",
                "Runway per burn-rate window, from `openrouter_days_remaining` (infinite at zero "
                "burn: such points are left out). The dashed lines are the thresholds the "
                "alerts use, from `openrouter_runway_threshold_days` (critical and warning, "
                "per account).",
                [
                    Target(
                        f"min by (account, window) (openrouter_days_remaining{{{acct}}}) < Inf",
                        "{{window}} · {{account}}",
                    ),
                    Target(
                        f"max by (account, severity) (openrouter_runway_threshold_days{{{acct}}})",
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
        ),
    )

    # Where the money goes.
    week = f'sum by (account) (openrouter_model_window_spend_usd{{{acct}, window="7d"}})'
    month = f'sum by (account) (openrouter_model_window_spend_usd{{{acct}, window="30d"}})'
    week_before = (
        f'sum by (account) (openrouter_model_window_spend_usd{{{acct}, window="7d"}} offset 7d)'
    )
    weekly_mean_before = f"({month} - {week}) * 7 / 23"
    grid.band(
        8,
        (
            4,
            stat(
                "This week vs before",
                "Spend of the last 7 completed UTC days (`openrouter_model_window_spend_usd` with "
                'window="7d") against the 7 days before it (the same gauge 7 days ago). While '
                "Prometheus holds less than 7 days of history, the comparison is the weekly "
                'mean of days 8 to 30, from the window="30d" gauge; the name under the value '
                "says which. The change turns orange from +10% and red from +25%.",
                [
                    Target(week, "{{account}} last 7 days"),
                    Target(
                        f'label_replace({week_before}, "basis", "7 days before", "", "") '
                        f'or on (account) label_replace({weekly_mean_before}, "basis", '
                        '"weekly mean, days 8-30", "", "")',
                        "{{account}} {{basis}}",
                    ),
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
                                "value": thresholds(
                                    ((None, "green"), (0.1, "orange"), (0.25, "red"))
                                ),
                            },
                        ],
                    }
                ],
            ),
        ),
        (
            6,
            bargauge(
                "Top models by spend (7 days)",
                "The ten models that spent most over the last 7 completed UTC days, from "
                '`openrouter_model_window_spend_usd` with window="7d" (all providers). '
                "Click a bar to open the model in the drill-down.",
                [
                    Target(
                        "sort_desc(topk(10, sum by (model) "
                        f'(openrouter_model_window_spend_usd{{{acct}, window="7d"}})))',
                        "{{model}}",
                        instant=True,
                    )
                ],
                unit="currencyUSD",
                decimals=2,
                minimum=0,
                links=[
                    data_link(
                        "Open ${__field.labels.model} in the drill-down",
                        drilldown_url("var-model=${__field.labels.model}"),
                    )
                ],
            ),
        ),
        (
            5,
            piechart(
                "Model share (7 days)",
                "Each model's share of the spend over the last 7 completed UTC days, from "
                '`openrouter_model_window_spend_usd` with window="7d".',
                [
                    Target(
                        "sum by (model) "
                        f'(openrouter_model_window_spend_usd{{{acct}, window="7d"}})',
                        "{{model}}",
                        instant=True,
                    )
                ],
                unit="currencyUSD",
                links=[
                    data_link(
                        "Open ${__field.labels.model} in the drill-down",
                        drilldown_url("var-model=${__field.labels.model}"),
                    )
                ],
            ),
        ),
        (5, provider_share(acct)),
        (
            4,
            bargauge(
                "Cost per request",
                "Mean cost of one request per model over the last 7 completed UTC days, from "
                "`openrouter_model_cost_per_request_usd`. A jump means a pricier model version, "
                "longer prompts or more reasoning.",
                [
                    Target(
                        "sort_desc(max by (model) "
                        f"(openrouter_model_cost_per_request_usd{{{acct}}}))",
                        "{{model}}",
                        instant=True,
                    )
                ],
                unit="currencyUSD",
                decimals=4,
                minimum=0,
                steps=((None, "purple"),),
            ),
        ),
    )

    grid.row("Keys and alerts")
    grid.band(
        9,
        (16, keys_table(acct, "Keys")),
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

    grid.row("Exporter health and data freshness")
    grid.band(
        6,
        (
            6,
            stat(
                "Endpoint status",
                "Latest poll of each OpenRouter endpoint, from `openrouter_up` (1: succeeded). "
                "A failing endpoint keeps its last good values in every other panel, which "
                'then grow stale: see "Data age". With only an inference key, /credits shows '
                "FAILING by design (it needs a management key).",
                [
                    Target(
                        f"max by (account, endpoint) (openrouter_up{{{acct}}})",
                        "{{endpoint}} · {{account}}",
                    )
                ],
                unit="none",
                steps=((None, "red"), (1, "green")),
                mappings=[value_map({"0": ("FAILING", "red"), "1": ("OK", "green")})],
                text_mode="value_and_name",
            ),
        ),
        (
            6,
            bargauge(
                "Data age",
                "Time since the latest successful poll of each endpoint: now minus "
                "`openrouter_last_success_timestamp_seconds`. credits, key and keys are polled "
                "every minute by default: orange after 30 minutes, red after 4 hours; activity "
                "every 30 minutes: orange after 6 hours. These are the thresholds of the "
                "OpenRouterDataStale alert.",
                [
                    Target(
                        "max by (account, endpoint) "
                        f"(time() - openrouter_last_success_timestamp_seconds{{{acct}}})",
                        "{{endpoint}} · {{account}}",
                        instant=True,
                    )
                ],
                unit="s",
                steps=(
                    (None, "green"),
                    (STALE_WARNING_SECONDS, "orange"),
                    (STALE_CRITICAL_SECONDS, "red"),
                ),
                overrides=[
                    override(
                        "byRegexp",
                        "activity.*",
                        thresholds=thresholds(
                            ((None, "green"), (ACTIVITY_STALE_WARNING_SECONDS, "orange"))
                        ),
                    )
                ],
                minimum=0,
            ),
        ),
        (
            6,
            timeseries(
                "Poll errors (last hour)",
                "Failed requests to OpenRouter in the trailing hour, by endpoint and reason "
                "(`http_401`, `http_429`, `timeout`, `invalid_response`, ...), from "
                "`openrouter_api_errors_total`. Endpoints without any error series show 0, "
                "taken from `openrouter_api_requests_total`, so a flat zero means polls were "
                "made and none failed.",
                [
                    Target(
                        "sum by (account, endpoint, reason) "
                        f"(increase(openrouter_api_errors_total{{{acct}}}[1h])) "
                        "or on (account, endpoint) 0 * sum by (account, endpoint) "
                        f"(increase(openrouter_api_requests_total{{{acct}}}[1h]))",
                        "{{endpoint}} {{reason}} · {{account}}",
                    )
                ],
                unit="short",
                minimum=0,
                decimals=0,
            ),
        ),
        (
            6,
            timeseries(
                "Poll duration",
                "How long the latest poll of each endpoint took, from "
                "`openrouter_poll_duration_seconds`.",
                [
                    Target(
                        f"max by (account, endpoint) (openrouter_poll_duration_seconds{{{acct}}})",
                        "{{endpoint}} · {{account}}",
                    )
                ],
                unit="s",
                minimum=0,
            ),
        ),
    )
    grid.band(
        5,
        (
            12,
            timeseries(
                "Requests to OpenRouter (last hour)",
                "Requests the exporter sent to OpenRouter in the trailing hour, by endpoint, "
                "from `openrouter_api_requests_total`: the cost of monitoring to OpenRouter, "
                "whatever the number of scrapers.",
                [
                    Target(
                        "sum by (account, endpoint) "
                        f"(increase(openrouter_api_requests_total{{{acct}}}[1h]))",
                        "{{endpoint}} · {{account}}",
                    )
                ],
                unit="short",
                minimum=0,
                decimals=0,
            ),
        ),
        (
            6,
            stat(
                "Per-model data lag",
                "Age of the newest completed UTC day in the per-model data, from "
                "`openrouter_activity_latest_day_timestamp_seconds`. OpenRouter's /activity "
                "reports completed days only, so 1 to 2 days is normal; orange after 2 days "
                "and an hour, red after 3.",
                [
                    Target(
                        "time() - max by (account) "
                        f"(openrouter_activity_latest_day_timestamp_seconds{{{acct}}})",
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
            ),
        ),
        (
            6,
            stat(
                "Exporter version",
                "Version of the running exporter and its Python, from "
                "`openrouter_exporter_build_info`.",
                [
                    Target(
                        "max by (version, python_version) (openrouter_exporter_build_info)",
                        "v{{version}} · Python {{python_version}}",
                    )
                ],
                unit="none",
                color_mode="none",
                text_mode="name",
            ),
        ),
    )

    return dashboard(
        uid=OVERVIEW_UID,
        title="OpenRouter credits: overview",
        description=(
            "How much is left, how fast it goes and where, and when it runs out: the "
            "openrouter-exporter overview."
        ),
        variables=[account_variable()],
        links=[
            dashboard_link(
                "Models and keys", DRILLDOWN_UID, "Drill down into models, providers and keys"
            ),
            runbooks_link(),
        ],
        panels=grid.panels,
    )


def threshold_line(pattern: str, color: Color) -> Json:
    """Draws the series matching ``pattern`` as a dashed, unfilled line of one colour."""
    return override(
        "byRegexp",
        pattern,
        color={"fixedColor": color, "mode": "fixed"},
        custom__lineStyle={"dash": [10, 10], "fill": "dash"},
        custom__lineWidth=1,
        custom__fillOpacity=0,
    )


# --------------------------------------------------------------------------------------
# Drill-down: models and keys


def drilldown() -> Json:
    acct = ACCOUNT
    models = f'{acct}, model=~"$model"'
    ledger = f'{models}, provider=~"$provider"'
    keys = f'{acct}, key_name=~"$key"'
    grid = Grid()

    grid.band(
        4,
        (
            6,
            stat(
                "Spend, last 7 days",
                "Spend of the selected models over the last 7 completed UTC days, from "
                '`openrouter_model_window_spend_usd` with window="7d" (all providers).',
                [
                    Target(
                        f'sum(openrouter_model_window_spend_usd{{{models}, window="7d"}})', "7 days"
                    )
                ],
                unit="currencyUSD",
                color_mode="none",
                decimals=2,
            ),
        ),
        (
            6,
            stat(
                "Spend, last 30 days",
                "Spend of the selected models over the last 30 completed UTC days, from "
                '`openrouter_model_window_spend_usd` with window="30d" (all providers).',
                [
                    Target(
                        f'sum(openrouter_model_window_spend_usd{{{models}, window="30d"}})',
                        "30 days",
                    )
                ],
                unit="currencyUSD",
                color_mode="none",
                decimals=2,
            ),
        ),
        (
            6,
            stat(
                "Selected keys: spend rate",
                "What the selected keys spend now, in USD per day: the rate of "
                "`openrouter_key_usage_usd_total` times 86400.",
                [
                    Target(
                        f"sum(rate(openrouter_key_usage_usd_total{{{keys}}}[$__rate_interval]))"
                        f" * {SECONDS_PER_DAY}",
                        "USD per day",
                    )
                ],
                unit="currencyUSD",
                color_mode="none",
                graph_mode="area",
                decimals=2,
                interval="1m",
            ),
        ),
        (
            6,
            stat(
                "Selected keys: spend (24h)",
                "What the selected keys spent over the last 24 hours: the increase of "
                "`openrouter_key_usage_usd_total`.",
                [
                    Target(
                        f"sum(increase(openrouter_key_usage_usd_total{{{keys}}}[1d]))",
                        "24 hours",
                    )
                ],
                unit="currencyUSD",
                color_mode="none",
                decimals=2,
            ),
        ),
    )

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
                        "sum by (model) "
                        f'(openrouter_model_window_spend_usd{{{models}, window="1d"}})',
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
                        f"max by (model) (openrouter_model_cost_per_request_usd{{{models}}})",
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
    grid.band(8, (7, provider_share(ledger)), (17, model_ledger_table(ledger)))
    grid.band(
        7,
        (
            8,
            timeseries(
                "Requests per day by model (7-day mean)",
                "Mean requests per day over the last 7 completed UTC days: the 7-day spend "
                '(`openrouter_model_window_spend_usd` with window="7d") divided by the mean '
                "cost of one request over the same days (`openrouter_model_cost_per_request_usd`), "
                "divided by 7.",
                [
                    Target(
                        "sum by (model) "
                        f'(openrouter_model_window_spend_usd{{{models}, window="7d"}} '
                        "/ on (account, model) "
                        f"openrouter_model_cost_per_request_usd{{{models}}}) / 7",
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
                        f"sum by (model) (openrouter_model_prompt_tokens_total{{{ledger}}}) "
                        f"/ sum by (model) (openrouter_model_requests_total{{{ledger}}})",
                        "{{model}} · prompt",
                        instant=True,
                    ),
                    Target(
                        f"sum by (model) (openrouter_model_completion_tokens_total{{{ledger}}}) "
                        f"/ sum by (model) (openrouter_model_requests_total{{{ledger}}})",
                        "{{model}} · completion",
                        instant=True,
                    ),
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
                        "sort_desc(sum by (model) "
                        f"(openrouter_model_reasoning_tokens_total{{{ledger}}}) "
                        "/ sum by (model) "
                        f"(openrouter_model_completion_tokens_total{{{ledger}}}))",
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

    grid.row("Keys")
    grid.band(
        8,
        (
            12,
            timeseries(
                "Spend rate by key (real time)",
                "What each key spends now, in USD per day: the rate of "
                "`openrouter_key_usage_usd_total` times 86400.",
                [
                    Target(
                        "sum by (account, key_name) "
                        f"(rate(openrouter_key_usage_usd_total{{{keys}}}[$__rate_interval]))"
                        f" * {SECONDS_PER_DAY}",
                        "{{key_name}} · {{account}}",
                    )
                ],
                unit="currencyUSD",
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
                [
                    Target(
                        "max by (account, key_name) "
                        f"(openrouter_key_limit_remaining_usd{{{keys}}})",
                        "{{key_name}} · {{account}}",
                    )
                ],
                unit="currencyUSD",
                fill=0,
                minimum=0,
                legend_calcs=("lastNotNull",),
            ),
        ),
    )
    grid.band(9, (24, keys_table(keys, "Selected keys")))
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
                        "sort_desc(max by (account, key_name) "
                        f"(openrouter_key_usage_usd_total{{{keys}}}))",
                        "{{key_name}} · {{account}}",
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
                        "sort_desc(max by (account, key_name) "
                        f"(openrouter_key_byok_usage_usd_total{{{keys}}}))",
                        "{{key_name}} · {{account}}",
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

    return dashboard(
        uid=DRILLDOWN_UID,
        title="OpenRouter credits: models and keys",
        description=(
            "Where the money goes: spend, requests, tokens and cost per request by model and "
            "provider, and spend and limits by key. Pick models, providers and keys above."
        ),
        variables=[
            account_variable(),
            query_variable(
                "model",
                "Model",
                'label_values(openrouter_model_spend_usd_total{account=~"$account"}, model)',
                "Model slugs seen in the per-model ledger (`openrouter_model_spend_usd_total`).",
            ),
            query_variable(
                "provider",
                "Provider",
                "label_values(openrouter_model_spend_usd_total"
                '{account=~"$account", model=~"$model"}, provider)',
                "Providers that served the selected models. Only the ledger panels "
                "(`openrouter_model_*_total`) carry a provider; the window gauges do not.",
            ),
            query_variable(
                "key",
                "Key",
                'label_values(openrouter_key_info{account=~"$account"}, key_name)',
                "Key names (`key_name` of `openrouter_key_info`).",
            ),
        ],
        links=[
            dashboard_link("Overview", OVERVIEW_UID, "Back to the OpenRouter credits overview"),
            runbooks_link(),
        ],
        panels=grid.panels,
    )


def model_ledger_table(selector: str) -> Json:
    """Ledger totals per (model, provider), one instant query per column, merged."""

    def total(metric: str) -> str:
        return f"sum by (model, provider) ({metric}{{{selector}}})"

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
        transformations=[
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True},
                    "indexByName": {},
                    "renameByName": {
                        "model": "Model",
                        "provider": "Provider",
                        **{ref: name for ref, (name, _) in columns.items()},
                    },
                },
            },
            {
                "id": "organize",
                "options": {
                    "excludeByName": {},
                    "indexByName": {name: index for index, name in enumerate(order)},
                    "renameByName": {},
                },
            },
        ],
        overrides=[
            *(override("byName", name, unit="short", decimals=0) for name in counts),
            override("byName", "Cost per request", decimals=4),
            override(
                "byName",
                "Model",
                links=[
                    data_link(
                        "Show only ${__value.raw}",
                        drilldown_url("var-model=${__value.raw}"),
                    )
                ],
            ),
        ],
        sort_by="Spend",
        descending=True,
    )


# --------------------------------------------------------------------------------------
# Output

DASHBOARDS: dict[str, Callable[[], Json]] = {
    OVERVIEW_FILE: overview,
    DRILLDOWN_FILE: drilldown,
}


def render(board: Json) -> str:
    """The committed form: two-space indentation, key order as built, final newline."""
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def rendered() -> dict[str, str]:
    return {name: render(build()) for name, build in DASHBOARDS.items()}


def stale_files(directory: Path = DASHBOARD_DIR) -> list[str]:
    """Names of dashboard files that are missing or differ from the generator's output."""
    stale = []
    for name, text in rendered().items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def write(directory: Path = DASHBOARD_DIR) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered().items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(name)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the committed dashboards differ from the generator's output",
    )
    parser.add_argument(
        "--output", type=Path, default=DASHBOARD_DIR, help="folder of the dashboard JSON files"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.output)
        for name in stale:
            print(f"{args.output / name} is stale: run python grafana/generate.py", file=sys.stderr)
        return 1 if stale else 0
    for name in write(args.output):
        print(f"wrote {args.output / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
