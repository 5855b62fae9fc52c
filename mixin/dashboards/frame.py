"""What frames the panels of a dashboard: template variables, links, annotations, the
``__requires`` list and the top-level fields."""

from __future__ import annotations

from collections.abc import Sequence

from mixin.config import MixinConfig
from mixin.dashboards.panels import DATASOURCE, Json
from mixin.dashboards.queries import ALERT_ACCOUNT, JOB, Series

#: The schema version written by Grafana 10.4 and 11.0-11.5. Grafana 12 migrates it on load
#: (versions 40-42 only normalise ``refresh``, drop ``timepicker.time_options`` and tie
#: ``hideFrom.tooltip`` to ``hideFrom.viz``; the generated JSON is already in that shape).
SCHEMA_VERSION = 39
TAGS = ("openrouter", "credits", "llm")

#: Names of the core panel plugins the dashboards use, for ``__requires``.
PANEL_NAMES = {
    "alertlist": "Alert list",
    "bargauge": "Bar gauge",
    "piechart": "Pie chart",
    "stat": "Stat",
    "table": "Table",
    "timeseries": "Time series",
}


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


def query_variable(name: str, label: str, query: str, description: str, *, regex: str = "") -> Json:
    """A multi-select variable with "All" (``.*``, so that empty labels match)."""
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
            "qryType": 1 if query.startswith("label_values") else 3,
            "query": query,
            "refId": "PrometheusVariableQueryEditor-VariableQuery",
        },
        "refresh": 2,
        "regex": regex,
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }


def job_variable(config: MixinConfig) -> Json:
    up = Series(config, ())("openrouter_up")
    return query_variable(
        "job",
        "Job",
        f"label_values({up}, job)",
        "Scrape jobs of the exporter (label `job` of `openrouter_up`). Pick one when several "
        "exporters or several jobs scrape the same accounts; the panels never add copies of "
        "a series up, whatever is picked.",
    )


def account_variable(config: MixinConfig) -> Json:
    up = Series(config, (JOB,))("openrouter_up")
    return query_variable(
        "account",
        "Account",
        f"label_values({up}, account)",
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


def runbooks_links(config: MixinConfig) -> list[Json]:
    """The "Runbooks" link when the runbooks are served somewhere (``runbook_base_url``)."""
    if not config.runbook_base_url:
        return []
    return [
        {
            "asDropdown": False,
            "icon": "doc",
            "includeVars": False,
            "keepTime": False,
            "tags": [],
            "targetBlank": True,
            "title": "Runbooks",
            "tooltip": "What to do when an OpenRouter alert fires",
            "type": "link",
            "url": config.runbook_base_url,
        }
    ]


def drilldown_url(config: MixinConfig, *extra: str) -> str:
    """A data link into the drill-down, keeping time range, data source, jobs and accounts."""
    params = "&".join(
        (
            "${__url_time_range}",
            "${datasource:queryparam}",
            "${job:queryparam}",
            "${account:queryparam}",
            *extra,
        )
    )
    return f"/d/{config.drilldown_uid}?{params}"


def alert_annotations() -> Json:
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


def requires(config: MixinConfig, panels: Sequence[Json]) -> list[Json]:
    """Grafana's ``__requires``: the Grafana version, the data source and each panel type."""
    kinds = sorted({p["type"] for p in panels if p["type"] != "row"})
    return [
        {"type": "grafana", "id": "grafana", "name": "Grafana", "version": config.grafana_version},
        {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
        *(
            {"type": "panel", "id": kind, "name": PANEL_NAMES[kind], "version": ""}
            for kind in kinds
        ),
    ]


def dashboard(
    config: MixinConfig,
    *,
    uid: str,
    title: str,
    description: str,
    variables: Sequence[Json],
    links: Sequence[Json],
    panels: Sequence[Json],
) -> Json:
    return {
        "__requires": requires(config, panels),
        "annotations": alert_annotations(),
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
        "templating": {
            "list": [
                datasource_variable(),
                job_variable(config),
                account_variable(config),
                *variables,
            ]
        },
        "time": {"from": "now-7d", "to": "now"},
        "timepicker": {},
        "timezone": "utc",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }
