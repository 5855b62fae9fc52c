"""Lint of the Grafana dashboards and their provisioning files (static: no Grafana, no exporter).

Grafana itself cannot run here, so the dashboards are checked against Grafana's dashboard
model as published in Grafana's own sources:

* the classic dashboard schema (``kinds/dashboard/dashboard_kind.cue``): required top-level
  fields, ``GridPos`` (``0 < w <= 24``, ``0 <= x < 24``, ``h > 0``), ``DashboardLink``,
  ``VariableModel`` (types, ``hide`` 0/1/2), ``ThresholdsConfig`` (first step ``null``, sorted
  values), value mappings, ``FieldConfigSource`` (``defaults``/``overrides`` with
  ``matcher``/``properties``) and transformations (``id`` plus ``options``);
* the panel plugins' option schemas (``public/app/plugins/panel/*/panelcfg.cue`` and the
  shared enums of ``packages/grafana-schema/src/common/mudball.cue`` and ``table.cue``) for
  ``stat``, ``timeseries``, ``bargauge``, ``piechart``, ``table``; ``alertlist`` options from
  its ``types.ts``;
* the schema migrations (``apps/dashboard/pkg/migration/schemaversion/v40.go``..``v42.go``):
  the JSON is written at ``schemaVersion`` 39 (Grafana 10.4/11) and is already a fixed point
  of the migrations Grafana 12 applies on load.

``promtool check rules`` parses every PromQL query in ``tests/tools/test_dashboards_tools.py``.
Running every query against a real Prometheus scraping the exporter, and checking metric
names against a real scrape, is the job of the end-to-end tests (they use
``tests/support/dashboards.py`` too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml
from mixin.__main__ import main as mixin_main
from mixin.config import DEFAULT, MixinConfig
from mixin.dashboards import generate as generate_dashboards
from mixin.dashboards.queries import Series

from openrouter_exporter.config.types import Thresholds
from tests.support.dashboards import (
    DASHBOARD_DIR,
    DEFAULT_BUILTINS,
    PROMETHEUS_SERIES,
    PROVISIONING_DIR,
    REPO_ROOT,
    Json,
    PanelQuery,
    annotation_queries,
    dashboard_metric_names,
    generated_dashboards,
    iter_panels,
    load_dashboards,
    metric_names,
    panel_queries,
    rendered_panel_queries,
    substitute,
    template_variables,
    tokenize,
    used_variables,
    variable_queries,
)

DASHBOARDS = load_dashboards()
FILES = sorted(DASHBOARDS)
QUERIES = panel_queries(DASHBOARDS)
OVERVIEW = DASHBOARDS["openrouter-overview.json"]
DRILLDOWN = DASHBOARDS["openrouter-drilldown.json"]
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRAFANA_BUILTIN_DATASOURCE = {"type": "grafana", "uid": "-- Grafana --"}
QUERYLESS_PANELS = {"row", "alertlist", "text"}
#: Grafana 10.4 and 11 write schemaVersion 39.
SCHEMA_VERSION = 39
#: About 860 px of a 1080p browser window show dashboard panels; a grid row is 30 px plus an
#: 8 px gap, so 20 rows (with the variable bar above) fit without scrolling.
FIRST_SCREEN_ROWS = 20

# Enums from Grafana's schemas (see the module docstring).
PANEL_TYPES = {"stat", "timeseries", "table", "bargauge", "piechart", "alertlist", "text", "row"}
VARIABLE_TYPES = {"query", "adhoc", "constant", "datasource", "interval", "textbox", "custom"}
COLOR_MODES = {
    "thresholds",
    "palette-classic",
    "palette-classic-by-name",
    "palette-saturated",
    "continuous-GrYlRd",
    "fixed",
    "shades",
}
MATCHERS = {"byName", "byRegexp", "byFrameRefID", "byType", "byValue", "byNames"}
TRANSFORMATIONS = {
    "merge",
    "organize",
    "sortBy",
    "joinByField",
    "filterFieldsByName",
    "reduce",
    "calculateField",
    "seriesToRows",
    "labelsToFields",
    "convertFieldType",
}
BIG_VALUE_COLOR_MODES = {"value", "background", "background_solid", "none"}
VIZ_ORIENTATIONS = {"auto", "vertical", "horizontal"}
LEGEND_DISPLAY_MODES = {"list", "table", "hidden"}
TABLE_CELL_TYPES = {
    "auto",
    "color-text",
    "color-background",
    "gauge",
    "json-view",
    "image",
    "sparkline",
    "data-links",
}
SPECIAL_MATCHES = {"true", "false", "null", "nan", "null+nan", "empty"}
NAMED_COLORS = {
    "green",
    "red",
    "orange",
    "yellow",
    "blue",
    "purple",
    "text",
    "transparent",
}
DATETIME_UNITS = {"dateTimeFromNow", "dateTimeAsIso", "dateTimeAsSystem", "dateTimeAsUS"}


def _panel_id(panel: Json) -> str:
    return f"{panel.get('id')}-{panel.get('title', '')}"


def _all_panels() -> list[tuple[str, Json]]:
    return [(file, panel) for file in FILES for panel in iter_panels(DASHBOARDS[file])]


def _query_panels() -> list[tuple[str, Json]]:
    return [(f, p) for f, p in _all_panels() if p["type"] not in QUERYLESS_PANELS]


PANELS = _all_panels()
PANEL_IDS = [f"{file}:{_panel_id(panel)}" for file, panel in PANELS]
QUERY_PANELS = _query_panels()
QUERY_PANEL_IDS = [f"{file}:{_panel_id(panel)}" for file, panel in QUERY_PANELS]
QUERY_IDS = [str(query) for query in QUERIES]


def _panel_metrics(panel: Json, dashboard: Json) -> set[str]:
    names: set[str] = set()
    for target in panel.get("targets", []):
        names |= metric_names(substitute(target["expr"], dashboard))
    return names


def _dashboard_of(file: str) -> Json:
    return DASHBOARDS[file]


def _units(panel: Json) -> set[str]:
    """The units a panel sets: its default and every override's."""
    config = panel["fieldConfig"]
    units = {config["defaults"].get("unit", "")}
    for item in config["overrides"]:
        units |= {p["value"] for p in item["properties"] if p["id"] == "unit"}
    return units - {""}


def _walk(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    yield key, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)


# --------------------------------------------------------------------------------------
# The generator and the committed JSON


def test_committed_dashboards_are_what_the_mixin_generates() -> None:
    stale = [str(file.path) for file in generate_dashboards(DEFAULT) if file.stale()]
    assert not stale, f"stale: {stale}; run python -m mixin"


def test_mixin_check_mode_passes_on_the_committed_files() -> None:
    assert mixin_main(["--check"]) == 0


def test_mixin_check_mode_fails_on_a_stale_dashboard(tmp_path: Path) -> None:
    for file in generate_dashboards(DEFAULT):
        file.write(tmp_path)
    (tmp_path / "grafana" / "dashboards" / "openrouter-overview.json").write_text("{}\n")

    assert mixin_main(["--check"], root=tmp_path) == 1


def test_mixin_writes_what_check_mode_then_accepts(tmp_path: Path) -> None:
    assert mixin_main([], root=tmp_path) == 0

    assert mixin_main(["--check"], root=tmp_path) == 0
    assert sorted(p.name for p in (tmp_path / "grafana" / "dashboards").iterdir()) == FILES


def test_dashboard_folder_holds_exactly_the_generated_dashboards() -> None:
    assert set(FILES) == set(generated_dashboards())


# --------------------------------------------------------------------------------------
# Shareable and provisionable


@pytest.mark.parametrize("file", FILES)
def test_dashboard_has_no_import_placeholders(file: str) -> None:
    board = DASHBOARDS[file]
    assert not {"__inputs", "__elements"} & set(board)
    assert "${DS_" not in json.dumps(board)


@pytest.mark.parametrize("file", FILES)
def test_dashboard_requires_lists_grafana_the_data_source_and_every_panel_type(file: str) -> None:
    board = DASHBOARDS[file]
    required = {(item["type"], item["id"]): item for item in board["__requires"]}
    panel_types = {panel["type"] for panel in iter_panels(board)} - {"row"}

    assert required[("grafana", "grafana")]["version"] == DEFAULT.grafana_version
    assert ("datasource", "prometheus") in required
    assert {id_ for kind, id_ in required if kind == "panel"} == panel_types


def test_dashboard_uids_are_fixed_readable_and_unique() -> None:
    uids = {file: DASHBOARDS[file]["uid"] for file in FILES}
    assert uids == {
        "openrouter-drilldown.json": "openrouter-drilldown",
        "openrouter-overview.json": "openrouter-overview",
    }
    for uid in uids.values():
        assert re.fullmatch(r"[a-z0-9-]{1,40}", uid)


@pytest.mark.parametrize("file", FILES)
def test_dashboard_id_is_null_so_provisioning_assigns_one(file: str) -> None:
    assert DASHBOARDS[file]["id"] is None


@pytest.mark.parametrize("file", FILES)
def test_dashboard_has_the_required_top_level_fields(file: str) -> None:
    board = DASHBOARDS[file]
    assert isinstance(board["title"], str)
    assert board["title"]
    assert isinstance(board["editable"], bool)
    assert board["graphTooltip"] in (0, 1, 2)
    assert board["schemaVersion"] == SCHEMA_VERSION
    assert set(board["time"]) == {"from", "to"}
    assert isinstance(board["panels"], list)
    assert board["panels"]
    assert isinstance(board["templating"]["list"], list)
    assert isinstance(board["annotations"]["list"], list)
    assert isinstance(board["links"], list)


@pytest.mark.parametrize("file", FILES)
def test_dashboard_is_already_in_the_shape_later_schema_migrations_produce(file: str) -> None:
    board = DASHBOARDS[file]
    assert isinstance(board["refresh"], str)  # v40
    assert "time_options" not in board.get("timepicker", {})  # v41
    for key, node in _walk(board):  # v42: hidden from the viz means hidden from the tooltip
        if key == "value" and isinstance(node, dict) and node.get("viz") is True:
            assert node.get("tooltip") is True


@pytest.mark.parametrize("file", FILES)
def test_dashboard_is_tagged_openrouter(file: str) -> None:
    tags = DASHBOARDS[file]["tags"]
    assert "openrouter" in tags
    assert all(isinstance(tag, str) for tag in tags)


# --------------------------------------------------------------------------------------
# Data source


@pytest.mark.parametrize("file", FILES)
def test_datasource_variable_offers_every_prometheus_data_source(file: str) -> None:
    first = DASHBOARDS[file]["templating"]["list"][0]
    assert first["name"] == "datasource"
    assert first["type"] == "datasource"
    assert first["query"] == "prometheus"
    assert first["multi"] is False
    assert first["includeAll"] is False


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_every_query_panel_uses_the_datasource_variable(file: str, panel: Json) -> None:
    assert panel["datasource"] == DATASOURCE


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_every_target_uses_the_datasource_variable(query: PanelQuery) -> None:
    assert query.target["datasource"] == DATASOURCE


@pytest.mark.parametrize("file", FILES)
def test_query_variables_use_the_datasource_variable(file: str) -> None:
    for variable in DASHBOARDS[file]["templating"]["list"]:
        if variable["type"] == "query":
            assert variable["datasource"] == DATASOURCE, variable["name"]


@pytest.mark.parametrize("file", FILES)
def test_no_data_source_is_hard_coded(file: str) -> None:
    for key, node in _walk(DASHBOARDS[file]):
        if key != "datasource" or isinstance(node, list):
            continue
        if isinstance(node, dict):
            assert node in (DATASOURCE, GRAFANA_BUILTIN_DATASOURCE), node
        else:  # only the alert list's data source filter, left empty ("all")
            assert node == "", node


@pytest.mark.parametrize("file", FILES)
def test_annotations_read_alerts_through_the_datasource_variable(file: str) -> None:
    for annotation in DASHBOARDS[file]["annotations"]["list"]:
        assert {"name", "datasource", "enable", "iconColor"} <= set(annotation)
        if not annotation.get("builtIn"):
            assert annotation["datasource"] == DATASOURCE
            assert metric_names(substitute(annotation["expr"], DASHBOARDS[file])) == {"ALERTS"}


# --------------------------------------------------------------------------------------
# Template variables


@pytest.mark.parametrize("file", FILES)
def test_account_variable_is_multi_select_with_all(file: str) -> None:
    account = template_variables(DASHBOARDS[file])["account"]
    assert account["type"] == "query"
    assert account["multi"] is True
    assert account["includeAll"] is True
    assert account["allValue"] == ".*"


def test_drilldown_selects_model_provider_and_key() -> None:
    variables = template_variables(DRILLDOWN)
    assert {"datasource", "account", "model", "provider", "key"} <= set(variables)
    by_name = {query.name: query for query in variable_queries({"d": DRILLDOWN})}
    assert by_name["model"].label == "model"
    assert metric_names(by_name["model"].selector) == {"openrouter_model_spend_usd_total"}
    assert by_name["provider"].label == "provider"
    assert metric_names(by_name["key"].selector) == {"openrouter_key_info"}


def test_key_variable_shows_names_and_selects_by_hash_when_two_keys_share_a_name() -> None:
    key = next(query for query in variable_queries({"d": DRILLDOWN}) if query.name == "key")
    results = [
        ({"key_display": "prod · aaa111", "key_hash": "aaa111", "key_name": "prod"}, 1.0),
        ({"key_display": "prod · bbb222", "key_hash": "bbb222", "key_name": "prod"}, 1.0),
    ]

    assert key.options(results) == [("prod · aaa111", "aaa111"), ("prod · bbb222", "bbb222")]


def test_drilldown_panels_select_keys_by_hash() -> None:
    keyed = [q for q in QUERIES if q.dashboard is DRILLDOWN and "$key" in q.expr]
    assert keyed
    assert all('key_hash=~"$key"' in q.expr and 'key_name=~"$key"' not in q.expr for q in keyed)


@pytest.mark.parametrize("file", FILES)
def test_variables_are_well_formed(file: str) -> None:
    variables = DASHBOARDS[file]["templating"]["list"]
    names = [variable["name"] for variable in variables]
    assert len(names) == len(set(names))
    for variable in variables:
        assert variable["type"] in VARIABLE_TYPES
        assert variable["hide"] in (0, 1, 2)
        if variable["type"] == "query":
            assert variable["refresh"] in (1, 2)
            assert variable["query"]["query"] == variable["definition"]


@pytest.mark.parametrize("file", FILES)
def test_variable_queries_are_label_values_of_known_metrics(file: str) -> None:
    for query in variable_queries({file: DASHBOARDS[file]}):
        names = metric_names(query.rendered())
        assert len(names) == 1, query.query
        assert next(iter(names)).startswith("openrouter_"), query.query


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_queries_only_use_defined_variables(query: PanelQuery) -> None:
    defined = set(template_variables(query.dashboard)) | set(DEFAULT_BUILTINS)
    assert used_variables(query.expr) <= defined


# --------------------------------------------------------------------------------------
# Queries


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_every_target_has_a_ref_id_and_an_expression(query: PanelQuery) -> None:
    assert re.fullmatch(r"[A-Z]", query.ref_id)
    assert query.expr.strip()


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_ref_ids_are_unique_within_a_panel(file: str, panel: Json) -> None:
    ref_ids = [target["refId"] for target in panel["targets"]]
    assert ref_ids
    assert len(ref_ids) == len(set(ref_ids))


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_queries_read_only_exporter_metrics_or_prometheus_alerts(query: PanelQuery) -> None:
    names = metric_names(query.rendered())
    assert names, "a query that reads no metric"
    assert all(name.startswith("openrouter_") for name in names - PROMETHEUS_SERIES), names


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_rate_functions_use_the_rate_interval_or_the_right_now_window(query: PanelQuery) -> None:
    """The "right now" row rates over a fixed window, so that "now" means the same at every
    zoom level; every other rate follows Grafana's ``$__rate_interval``."""
    for match in re.finditer(r"\b(?:rate|irate)\(", query.expr):
        window = re.search(r"\[([^\]]*)\]", query.expr[match.end() :])
        assert window is not None, query.expr
        assert window.group(1) in (
            "$__rate_interval",
            DEFAULT.key_rate_window,
        ), query.expr


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_rates_of_poll_driven_counters_span_more_than_one_poll(file: str, panel: Json) -> None:
    if any("$__rate_interval" in target["expr"] for target in panel["targets"]):
        assert panel.get("interval") == "1m"


# --------------------------------------------------------------------------------------
# Panels and layout


@pytest.mark.parametrize("file", FILES)
def test_panel_ids_are_unique(file: str) -> None:
    ids = [panel["id"] for panel in iter_panels(DASHBOARDS[file])]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("file", "panel"), PANELS, ids=PANEL_IDS)
def test_panels_are_of_core_types(file: str, panel: Json) -> None:
    assert panel["type"] in PANEL_TYPES


@pytest.mark.parametrize(("file", "panel"), PANELS, ids=PANEL_IDS)
def test_panels_fit_the_24_column_grid(file: str, panel: Json) -> None:
    pos = panel["gridPos"]
    assert all(isinstance(pos[k], int) for k in "xywh")
    assert 0 <= pos["x"] < 24
    assert 0 < pos["w"] <= 24
    assert pos["x"] + pos["w"] <= 24
    assert pos["y"] >= 0
    assert pos["h"] > 0


@pytest.mark.parametrize("file", FILES)
def test_panels_do_not_overlap(file: str) -> None:
    boxes = [(panel["title"], panel["gridPos"]) for panel in iter_panels(DASHBOARDS[file])]
    for (one, a), (two, b) in combinations(boxes, 2):
        apart = (
            a["x"] + a["w"] <= b["x"]
            or b["x"] + b["w"] <= a["x"]
            or a["y"] + a["h"] <= b["y"]
            or b["y"] + b["h"] <= a["y"]
        )
        assert apart, f"{one!r} overlaps {two!r}"


@pytest.mark.parametrize(("file", "panel"), PANELS, ids=PANEL_IDS)
def test_every_panel_has_a_description_naming_its_metrics(file: str, panel: Json) -> None:
    if panel["type"] == "row":
        return
    description = panel.get("description", "")
    assert description.strip()
    for name in _panel_metrics(panel, _dashboard_of(file)):
        assert name in description, f"{name} is not named in the description"


def test_overview_top_row_shows_the_state_in_big_numbers() -> None:
    top = {panel["title"]: panel for panel in OVERVIEW["panels"] if panel["gridPos"]["y"] == 0}
    assert set(top) == {
        "Balance",
        "Days remaining",
        "Runs out",
        "Burn rate per day (24h)",
        "Data age",
        "Keys near limit",
        "Firing alerts",
        "Failing endpoints",
    }
    assert all(panel["type"] == "stat" for panel in top.values())


def test_overview_answers_the_three_questions_on_the_first_screen() -> None:
    first_screen = {
        panel["title"]
        for panel in OVERVIEW["panels"]
        if panel["type"] != "row"
        and panel["gridPos"]["y"] + panel["gridPos"]["h"] <= FIRST_SCREEN_ROWS
    }
    assert {
        "Balance",
        "Days remaining",
        "Runs out",
        "Data age",
        "Spending now, per day (5m)",
        "Now vs usual",
        "Spend rate (5m, 30m) vs usual",
        "Keys driving it (15m), per day",
        "Balance over time",
        "Burn rate by window",
        "Days remaining by window",
        "Top models by spend (7 days)",
    } <= first_screen


def test_overview_shows_keys_alerts_and_exporter_health() -> None:
    panels = {panel["title"]: panel for panel in OVERVIEW["panels"]}
    assert panels["Keys"]["type"] == "table"
    assert panels["OpenRouter alerts"]["type"] == "alertlist"
    assert panels["OpenRouter alerts"]["options"]["alertName"] == "OpenRouter"
    assert {"Endpoint status", "Data age", "Poll errors (last hour)"} <= set(panels)


def test_firing_alerts_stat_shows_zero_when_prometheus_has_no_alerts_series() -> None:
    panel = next(p for p in OVERVIEW["panels"] if p["title"] == "Firing alerts")
    (target,) = panel["targets"]
    assert 'alertname=~"OpenRouter.*"' in target["expr"]
    assert target["expr"].endswith("or vector(0)")


# --------------------------------------------------------------------------------------
# Units and thresholds

MONEY = re.compile(r"_usd(_total|_per_day)?$")
DAYS = {"openrouter_days_remaining", "openrouter_runway_threshold_days"}
TIMESTAMP = re.compile(r"_timestamp_seconds$")
#: Panels that read money metrics but show something else, and what.
NOT_MONEY = {
    "Keys near limit": "a count of keys",
    "Requests per day by model (7-day mean)": "requests: spend divided by cost per request",
    "Now vs usual": "a ratio: the spend rate now over the usual one",
    "Runs out": "a date; the burn rate only tells when nothing is spent",
    "Budgets: spent and forecast": "shares of each budget's amount",
}


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_every_query_panel_sets_a_unit(file: str, panel: Json) -> None:
    assert panel["fieldConfig"]["defaults"].get("unit")


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_money_panels_use_currency_usd(file: str, panel: Json) -> None:
    metrics = _panel_metrics(panel, _dashboard_of(file))
    if any(MONEY.search(name) for name in metrics) and panel["title"] not in NOT_MONEY:
        assert "currencyUSD" in _units(panel)


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_days_panels_use_the_days_unit(file: str, panel: Json) -> None:
    if _panel_metrics(panel, _dashboard_of(file)) & DAYS:
        assert "d" in _units(panel)


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_timestamp_panels_show_a_time_or_an_age(file: str, panel: Json) -> None:
    if any(TIMESTAMP.search(name) for name in _panel_metrics(panel, _dashboard_of(file))):
        units = _units(panel)
        assert units & (DATETIME_UNITS | {"s", "d"}) or any(u.startswith("time:") for u in units)


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_date_panels_convert_seconds_to_milliseconds(file: str, panel: Json) -> None:
    unit = panel["fieldConfig"]["defaults"]["unit"]
    if unit in DATETIME_UNITS or unit.startswith("time:"):
        for target in panel["targets"]:
            assert re.search(r"\*\s*1000\b", target["expr"]), target["expr"]


def test_days_remaining_stat_colours_with_the_exporters_default_runway_thresholds() -> None:
    defaults = Thresholds()
    panel = next(p for p in OVERVIEW["panels"] if p["title"] == "Days remaining")
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [(s["value"], s["color"]) for s in steps] == [
        (None, "red"),
        (defaults.runway_critical_days, "orange"),
        (defaults.runway_warning_days, "green"),
    ]


def _alert_expressions(name: str) -> list[str]:
    rules = yaml.safe_load((REPO_ROOT / "alerts" / "openrouter-alerts.yml").read_text())
    return [
        rule["expr"]
        for group in rules["groups"]
        for rule in group["rules"]
        if rule.get("alert") == name
    ]


def test_days_remaining_stat_reads_the_same_windows_as_the_runway_alert() -> None:
    (window,) = {
        m.group(0)
        for expr in _alert_expressions("OpenRouterCreditsRunwayLow")
        for m in re.finditer(r'window=~"[^"]*"', expr)
    }
    for title in ("Days remaining", "Runs out"):
        panel = next(p for p in OVERVIEW["panels"] if p["title"] == title)
        assert window in panel["targets"][0]["expr"], title


def test_keys_near_limit_stat_counts_the_keys_the_keys_table_colours_orange() -> None:
    table = next(p for p in OVERVIEW["panels"] if p["title"] == "Keys")
    (remaining,) = [
        o for o in table["fieldConfig"]["overrides"] if o["matcher"]["options"] == "Remaining %"
    ]
    (thresholds,) = [p["value"] for p in remaining["properties"] if p["id"] == "thresholds"]
    green = next(step["value"] for step in thresholds["steps"] if step["color"] == "green")
    panel = next(p for p in OVERVIEW["panels"] if p["title"] == "Keys near limit")
    match = re.search(r"<\s*([0-9.]+)", panel["targets"][0]["expr"])
    assert match is not None
    assert float(match.group(1)) == green


@pytest.mark.parametrize("file", FILES)
def test_thresholds_are_well_formed(file: str) -> None:
    for key, node in _walk(DASHBOARDS[file]):
        if key != "thresholds" or not isinstance(node, dict):
            continue
        assert node["mode"] in ("absolute", "percentage")
        steps = node["steps"]
        assert steps[0]["value"] is None
        values = [step["value"] for step in steps[1:]]
        assert all(isinstance(v, int | float) for v in values)
        assert values == sorted(values)
        assert len(values) == len(set(values))
        assert all(step["color"] in NAMED_COLORS for step in steps)


@pytest.mark.parametrize("file", FILES)
def test_value_mappings_are_well_formed(file: str) -> None:
    for key, node in _walk(DASHBOARDS[file]):
        if key != "mappings" or not isinstance(node, list):
            continue
        for mapping in node:
            assert mapping["type"] in ("value", "range", "regex", "special")
            if mapping["type"] == "value":
                for result in mapping["options"].values():
                    assert {"text", "color", "index"} >= set(result)
                    assert "text" in result
            if mapping["type"] == "special":
                assert mapping["options"]["match"] in SPECIAL_MATCHES


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_field_config_is_well_formed(file: str, panel: Json) -> None:
    config = panel["fieldConfig"]
    assert set(config) == {"defaults", "overrides"}
    assert config["defaults"]["color"]["mode"] in COLOR_MODES
    for item in config["overrides"]:
        assert item["matcher"]["id"] in MATCHERS
        assert isinstance(item["matcher"]["options"], str)
        assert item["properties"]
        for prop in item["properties"]:
            assert isinstance(prop["id"], str)
            assert prop["id"]
            assert "value" in prop


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_transformations_are_well_formed(file: str, panel: Json) -> None:
    for transformation in panel["transformations"]:
        assert transformation["id"] in TRANSFORMATIONS
        assert isinstance(transformation["options"], dict)
        if transformation["id"] == "organize":
            assert set(transformation["options"]) <= {
                "excludeByName",
                "includeByName",
                "indexByName",
                "renameByName",
            }


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_table_merges_have_one_row_key_per_query(file: str, panel: Json) -> None:
    """Merged table queries must not keep ``__name__`` (it differs per query and would stop
    rows from merging): each is an aggregation or arithmetic, never a bare selector."""
    if any(t["id"] == "merge" for t in panel["transformations"]):
        for target in panel["targets"]:
            assert target["format"] == "table"
            assert target["instant"] is True
            assert re.match(r"\s*\(*(max|sum|min) by \(", target["expr"]), target["expr"]


# --------------------------------------------------------------------------------------
# Panel options, per panel type


def _panels_of(kind: str) -> list[tuple[str, Json]]:
    return [(f, p) for f, p in PANELS if p["type"] == kind]


def _ids(pairs: list[tuple[str, Json]]) -> list[str]:
    return [f"{f}:{_panel_id(p)}" for f, p in pairs]


def _check_reduce(options: Json) -> None:
    reduce = options["reduceOptions"]
    assert reduce["calcs"]
    assert isinstance(reduce["values"], bool)
    assert options["orientation"] in VIZ_ORIENTATIONS


@pytest.mark.parametrize(("file", "panel"), _panels_of("stat"), ids=_ids(_panels_of("stat")))
def test_stat_options_follow_the_stat_schema(file: str, panel: Json) -> None:
    options = panel["options"]
    _check_reduce(options)
    assert options["colorMode"] in BIG_VALUE_COLOR_MODES
    assert options["graphMode"] in ("none", "line", "area")
    assert options["justifyMode"] in ("auto", "center")
    assert options["textMode"] in ("auto", "value", "value_and_name", "name", "none")


@pytest.mark.parametrize(
    ("file", "panel"), _panels_of("timeseries"), ids=_ids(_panels_of("timeseries"))
)
def test_timeseries_options_follow_the_timeseries_schema(file: str, panel: Json) -> None:
    legend = panel["options"]["legend"]
    assert legend["displayMode"] in LEGEND_DISPLAY_MODES
    assert legend["placement"] in ("bottom", "right")
    assert isinstance(legend["showLegend"], bool)
    assert isinstance(legend["calcs"], list)
    tooltip = panel["options"]["tooltip"]
    assert tooltip["mode"] in ("single", "multi", "none")
    assert tooltip["sort"] in ("asc", "desc", "none")
    custom = panel["fieldConfig"]["defaults"]["custom"]
    assert custom["drawStyle"] in ("line", "bars", "points")
    assert custom["lineInterpolation"] in ("linear", "smooth", "stepBefore", "stepAfter")
    assert custom["showPoints"] in ("auto", "never", "always")
    assert custom["stacking"]["mode"] in ("none", "normal", "percent")
    assert custom["gradientMode"] in ("none", "opacity", "hue", "scheme")
    assert custom["axisPlacement"] in ("auto", "top", "right", "bottom", "left", "hidden")
    assert custom["scaleDistribution"]["type"] in ("linear", "log", "ordinal", "symlog")
    assert custom["thresholdsStyle"]["mode"] in (
        "off",
        "line",
        "dashed",
        "area",
        "line+area",
        "dashed+area",
        "series",
    )


@pytest.mark.parametrize(
    ("file", "panel"), _panels_of("bargauge"), ids=_ids(_panels_of("bargauge"))
)
def test_bargauge_options_follow_the_bargauge_schema(file: str, panel: Json) -> None:
    options = panel["options"]
    _check_reduce(options)
    assert options["displayMode"] in ("basic", "lcd", "gradient")
    assert options["valueMode"] in ("color", "text", "hidden")
    assert options["namePlacement"] in ("auto", "top", "left", "hidden")
    assert options["sizing"] in ("auto", "manual")


@pytest.mark.parametrize(
    ("file", "panel"), _panels_of("piechart"), ids=_ids(_panels_of("piechart"))
)
def test_piechart_options_follow_the_piechart_schema(file: str, panel: Json) -> None:
    options = panel["options"]
    _check_reduce(options | {"orientation": "auto"})
    assert options["pieType"] in ("pie", "donut")
    assert set(options["displayLabels"]) <= {"name", "value", "percent"}
    assert set(options["legend"]["values"]) <= {"value", "percent"}
    assert options["legend"]["displayMode"] in LEGEND_DISPLAY_MODES


@pytest.mark.parametrize(("file", "panel"), _panels_of("table"), ids=_ids(_panels_of("table")))
def test_table_options_follow_the_table_schema(file: str, panel: Json) -> None:
    options = panel["options"]
    assert options["cellHeight"] in ("sm", "md", "lg", "auto")
    assert isinstance(options["showHeader"], bool)
    assert all("displayName" in entry for entry in options["sortBy"])
    custom = panel["fieldConfig"]["defaults"]["custom"]
    assert custom["align"] in ("auto", "left", "right", "center")
    cell_types = [custom["cellOptions"]["type"]]
    for item in panel["fieldConfig"]["overrides"]:
        cell_types += [
            p["value"]["type"] for p in item["properties"] if p["id"].endswith("Options")
        ]
    assert set(cell_types) <= TABLE_CELL_TYPES


@pytest.mark.parametrize(
    ("file", "panel"), _panels_of("alertlist"), ids=_ids(_panels_of("alertlist"))
)
def test_alertlist_options_follow_the_alert_list_schema(file: str, panel: Json) -> None:
    options = panel["options"]
    assert options["viewMode"] in ("list", "stat")
    assert options["groupMode"] in ("default", "custom")
    assert options["sortOrder"] in (1, 2, 3, 4, 5)
    assert isinstance(options["maxItems"], int)
    assert options["maxItems"] > 0
    assert set(options["stateFilter"]) <= {
        "firing",
        "pending",
        "inactive",
        "recovering",
        "noData",
        "normal",
        "error",
    }
    assert all(isinstance(v, bool) for v in options["stateFilter"].values())
    assert "targets" not in panel


@pytest.mark.parametrize(("file", "panel"), _panels_of("row"), ids=_ids(_panels_of("row")))
def test_rows_span_the_grid_and_are_expanded(file: str, panel: Json) -> None:
    assert panel["gridPos"]["w"] == 24
    assert panel["gridPos"]["h"] == 1
    assert panel["collapsed"] is False
    assert panel["panels"] == []


# --------------------------------------------------------------------------------------
# Links

LINK_FIELDS = {
    "title",
    "type",
    "icon",
    "tooltip",
    "url",
    "tags",
    "asDropdown",
    "targetBlank",
    "includeVars",
    "keepTime",
}


@pytest.mark.parametrize("file", FILES)
def test_dashboard_links_are_well_formed(file: str) -> None:
    for link in DASHBOARDS[file]["links"]:
        assert set(link) == LINK_FIELDS
        assert link["type"] in ("link", "dashboards")


@pytest.mark.parametrize(
    ("source", "target"),
    [(OVERVIEW, DRILLDOWN), (DRILLDOWN, OVERVIEW)],
    ids=["to-drilldown", "back"],
)
def test_dashboards_link_to_each_other_keeping_variables_and_time(
    source: Json, target: Json
) -> None:
    links = [link for link in source["links"] if link["url"] == f"/d/{target['uid']}"]
    assert len(links) == 1
    assert links[0]["includeVars"] is True
    assert links[0]["keepTime"] is True


def _data_links(board: Json) -> list[Json]:
    """Field data links: in field defaults and in ``links`` override properties."""
    links: list[Json] = []
    for panel in iter_panels(board):
        config = panel.get("fieldConfig", {})
        links += config.get("defaults", {}).get("links", [])
        for item in config.get("overrides", []):
            for prop in item["properties"]:
                if prop["id"] == "links":
                    links += prop["value"]
    return links


@pytest.mark.parametrize("file", FILES)
def test_data_links_open_a_dashboard_of_the_set_with_time_and_accounts(file: str) -> None:
    uids = {board["uid"] for board in DASHBOARDS.values()}
    links = _data_links(DASHBOARDS[file])
    assert links
    for link in links:
        assert set(link) >= {"title", "url"}
        match = re.match(r"/d/([\w-]+)\?", link["url"])
        assert match is not None, link["url"]
        assert match.group(1) in uids
        assert "${__url_time_range}" in link["url"]
        assert "${account:queryparam}" in link["url"]


# --------------------------------------------------------------------------------------
# Provisioning

DASHBOARDS_MOUNT = "/var/lib/grafana/dashboards"


def _yaml(path: Path) -> Json:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_provisioned_data_source_is_a_prometheus_with_its_scrape_interval() -> None:
    config = _yaml(PROVISIONING_DIR / "datasources" / "prometheus.yml")
    assert config["apiVersion"] == 1
    (source,) = config["datasources"]
    assert source["type"] == "prometheus"
    assert source["access"] == "proxy"
    assert source["url"].startswith("http")
    assert re.fullmatch(r"\d+[smh]", source["jsonData"]["timeInterval"])
    assert source["jsonData"]["manageAlerts"] is True


def test_dashboard_provider_loads_the_mounted_dashboard_folder() -> None:
    config = _yaml(PROVISIONING_DIR / "dashboards" / "openrouter.yml")
    assert config["apiVersion"] == 1
    (provider,) = config["providers"]
    assert provider["type"] == "file"
    assert provider["folder"]
    assert provider["options"]["path"] == DASHBOARDS_MOUNT


def test_compose_stack_mounts_the_dashboards_where_the_provider_reads_them() -> None:
    compose = REPO_ROOT / "deploy" / "compose" / "compose.yaml"
    if not compose.is_file():
        pytest.skip("no compose stack in this checkout")
    volumes = _yaml(compose)["services"]["grafana"]["volumes"]
    assert any(
        str(v).split(":")[:2] == ["../../grafana/dashboards", DASHBOARDS_MOUNT] for v in volumes
    )
    assert any(
        str(v).split(":")[:2] == ["../../grafana/provisioning", "/etc/grafana/provisioning"]
        for v in volumes
    )


def test_dashboard_folder_is_the_one_the_support_module_reads() -> None:
    assert sorted(path.name for path in DASHBOARD_DIR.glob("*.json")) == FILES


# --------------------------------------------------------------------------------------
# The query helpers (tests/support/dashboards.py), used here and by the end-to-end tests

BOARD: Json = {
    "uid": "t",
    "templating": {
        "list": [
            {"name": "datasource", "type": "datasource", "current": {}},
            {"name": "account", "type": "query", "multi": True, "includeAll": True,
             "allValue": ".*"},
            {"name": "model", "type": "query", "multi": True, "includeAll": False,
             "current": {"value": ["openai/gpt-4.1"]}},
            {"name": "single", "type": "custom", "multi": False, "includeAll": False,
             "current": {"value": "a.b"}},
        ]
    },
}  # fmt: skip


def test_substitute_turns_one_selected_value_into_that_value() -> None:
    assert substitute('x{account=~"$account"}', BOARD, {"account": ["demo"]}) == (
        'x{account=~"demo"}'
    )


def test_substitute_turns_several_values_into_a_regex_alternative() -> None:
    rendered = substitute('x{account=~"$account"}', BOARD, {"account": ["a", "b"]})
    assert rendered == 'x{account=~"(a|b)"}'


def test_substitute_turns_all_into_the_all_value() -> None:
    assert substitute('x{account=~"$account"}', BOARD, {"account": "$__all"}) == (
        'x{account=~".*"}'
    )


def test_substitute_escapes_regex_characters_of_multi_value_variables() -> None:
    rendered = substitute('x{model=~"$model"}', BOARD, {"model": ["openai/gpt-4.1"]})
    assert rendered == 'x{model=~"openai/gpt-4\\\\.1"}'


def test_substitute_defaults_to_all_or_the_current_value() -> None:
    assert substitute('x{account=~"$account", model=~"$model"}', BOARD, {}) == (
        'x{account=~"demo", model=~"openai/gpt-4\\\\.1"}'
    )
    assert substitute('x{account=~"$account"}', BOARD, {"account": "$__all"}) == 'x{account=~".*"}'


def test_substitute_does_not_regex_escape_single_value_variables() -> None:
    assert substitute('x{l="$single"}', BOARD) == 'x{l="a.b"}'


def test_substitute_understands_every_variable_syntax() -> None:
    values = {"account": ["a", "b"]}
    assert substitute("${account}", BOARD, values) == "(a|b)"
    assert substitute("${account:regex}", BOARD, values) == "(a|b)"
    assert substitute("${account:pipe}", BOARD, values) == "a|b"
    assert substitute("[[account]]", BOARD, values) == "(a|b)"


def test_substitute_fills_grafana_builtins() -> None:
    rendered = substitute("rate(x[$__rate_interval]) + increase(x[${__range}])", BOARD)
    assert rendered == "rate(x[1m]) + increase(x[1h])"
    assert substitute("x[$__rate_interval]", BOARD, builtins={"__rate_interval": "5m"}) == ("x[5m]")


def test_substitute_rejects_an_unknown_variable() -> None:
    with pytest.raises(ValueError, match=r"\$nope"):
        substitute('x{a="$nope"}', BOARD)


def test_used_variables_lists_every_reference() -> None:
    assert used_variables('x{a=~"$account|", b="${model:regex}"}[$__rate_interval]') == {
        "account",
        "model",
        "__rate_interval",
    }


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up", {"up"}),
        ('sum by (account) (rate(a_total{account=~"x"}[5m]))', {"a_total"}),
        ("sum(a) by (account, endpoint)", {"a"}),
        ("sum without (instance) (a)", {"a"}),
        ("a / on (x, y) group_left (z) b", {"a", "b"}),
        ("a * ignoring (window) group_right b", {"a", "b"}),
        ('label_replace(a, "dst", "$1", "src", "(.*)")', {"a"}),
        ("topk(10, sum by (model) (a))", {"a"}),
        ('count_values("value", a)', {"a"}),
        ('{__name__="up", job="x"}', {"up"}),
        ('{__name__=~"up.*"}', set()),
        ("a offset 7d", {"a"}),
        ("a offset -1h30m", {"a"}),
        ("max_over_time(a[1h:5m])", {"a"}),
        ("a @ start()", {"a"}),
        ("a @ 1609746000", {"a"}),
        ("time() - a", {"a"}),
        ("count(a == 0) or vector(0)", {"a"}),
        ("a > bool 3", {"a"}),
        ("a * Inf < +Inf or b == NaN", {"a", "b"}),
        ("a and b unless c", {"a", "b", "c"}),
        ("job:request_rate:5m", {"job:request_rate:5m"}),
        ("a # a comment naming b\n + c", {"a", "c"}),
        ("sum (a)", {"a"}),
        ("1e3 * 0x1F + .5", set()),
        ('ALERTS{alertname=~"OpenRouter.*", alertstate="firing", on="by"}', {"ALERTS"}),
        ("a or on () b", {"a", "b"}),
    ],
)
def test_metric_names_finds_the_series_a_query_reads(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


@pytest.mark.parametrize("expr", ["sum(a", 'a{b="c"', "a[5m", "a)", "sum(a]"])
def test_metric_names_rejects_unbalanced_brackets(expr: str) -> None:
    with pytest.raises(ValueError, match=r"unbalanced|missing"):
        metric_names(expr)


def test_tokenize_rejects_characters_promql_lacks() -> None:
    with pytest.raises(ValueError, match="unexpected"):
        tokenize("a ; b")


def test_panel_queries_list_every_target_of_every_panel() -> None:
    expected = sum(
        len(panel.get("targets", []))
        for board in DASHBOARDS.values()
        for panel in iter_panels(board)
    )
    assert len(QUERIES) == expected
    assert {query.dashboard_uid for query in QUERIES} == {
        "openrouter-overview",
        "openrouter-drilldown",
    }


def test_panel_queries_render_with_demo_values_by_default() -> None:
    balance = next(q for q in QUERIES if q.panel_title == "Balance")
    assert balance.rendered() == (
        'max by (account) (openrouter_balance_usd{job=~".*", account=~"demo"})'
    )


def test_rendered_panel_queries_substitute_the_given_values() -> None:
    rendered = dict((str(q), expr) for q, expr in rendered_panel_queries({"account": ["a", "b"]}))
    assert len(rendered) == len(QUERIES)
    assert all("$" not in expr for expr in rendered.values())
    assert any('account=~"(a|b)"' in expr for expr in rendered.values())


def test_dashboard_metric_names_cover_panels_variables_and_annotations() -> None:
    names = dashboard_metric_names(DASHBOARDS)
    assert {"openrouter_balance_usd", "openrouter_up", "ALERTS"} <= names
    assert annotation_queries(DASHBOARDS)
    assert all(name.startswith("openrouter_") for name in names - PROMETHEUS_SERIES)


# --------------------------------------------------------------------------------------
# The mixin's selector

SELECTOR = 'cluster="prod", namespace=~"llm-.*"'


def _exporter_selectors(expr: str) -> Iterator[tuple[str, str]]:
    """``(metric, matchers)`` of every ``openrouter_*`` series selector in ``expr``."""
    tokens = tokenize(expr)
    for index, token in enumerate(tokens):
        if token.kind != "ident" or not token.text.startswith("openrouter_"):
            continue
        rest = tokens[index + 1 :]
        if not rest or rest[0].text != "{":
            yield token.text, ""
            continue
        end = next(i for i, t in enumerate(rest) if t.text == "}")
        yield token.text, "".join(t.text for t in rest[1:end])


def _all_expressions(boards: dict[str, Json]) -> list[str]:
    expressions = [query.expr for query in panel_queries(boards)]
    for board in boards.values():
        for variable in board["templating"]["list"]:
            if variable["type"] == "query":
                expressions += [variable["definition"], variable["query"]["query"]]
    return expressions


def test_every_exporter_series_selector_carries_the_mixins_selector() -> None:
    boards = generated_dashboards(MixinConfig(selector=SELECTOR))
    wanted = "".join(t.text for t in tokenize(SELECTOR))

    selectors = [s for expr in _all_expressions(boards) for s in _exporter_selectors(expr)]

    assert len(selectors) > 100
    assert [s for s in selectors if wanted not in s[1]] == []


def test_the_default_selector_adds_no_matcher() -> None:
    selectors = [s for expr in _all_expressions(DASHBOARDS) for s in _exporter_selectors(expr)]

    assert not any("cluster" in matchers for _, matchers in selectors)


# --------------------------------------------------------------------------------------
# Truthful headline numbers (what the real-Prometheus tests in test_dashboard_truth.py prove)


@pytest.mark.parametrize("file", FILES)
def test_headline_numbers_sit_next_to_a_data_age(file: str) -> None:
    top = [p for p in DASHBOARDS[file]["panels"] if p["gridPos"]["y"] == 0]
    ages = [p for p in top if p["title"] == "Data age"]

    assert len(ages) == 1
    assert "openrouter_last_success_timestamp_seconds" in ages[0]["targets"][0]["expr"]
    assert "last_over_time(" in ages[0]["targets"][0]["expr"]


@pytest.mark.parametrize(("file", "panel"), _panels_of("stat"), ids=_ids(_panels_of("stat")))
def test_stat_panels_are_instant_and_say_when_there_is_no_value(file: str, panel: Json) -> None:
    assert all(target["instant"] and not target["range"] for target in panel["targets"])
    assert panel["options"]["graphMode"] == "none"
    assert panel["fieldConfig"]["defaults"]["noValue"]


def _per_day(panel: Json) -> bool:
    exprs = " ".join(target["expr"] for target in panel.get("targets", []))
    return panel["fieldConfig"]["defaults"]["unit"] == "currencyUSD" and (
        "* 86400" in exprs or "openrouter_burn_rate_usd_per_day" in exprs
    )


@pytest.mark.parametrize(("file", "panel"), QUERY_PANELS, ids=QUERY_PANEL_IDS)
def test_usd_per_day_panels_say_per_day(file: str, panel: Json) -> None:
    if not _per_day(panel):
        return
    if panel["type"] == "timeseries":
        assert panel["fieldConfig"]["defaults"]["custom"]["axisLabel"] == "USD/day"
    else:
        assert "per day" in panel["title"]


def test_every_usd_per_day_graph_is_found() -> None:
    graphs = [p["title"] for _, p in QUERY_PANELS if p["type"] == "timeseries" and _per_day(p)]

    assert len(graphs) == 3
    assert "Burn rate by window" in graphs


@pytest.mark.parametrize("query", QUERIES, ids=QUERY_IDS)
def test_rates_in_stats_and_instant_panels_are_guarded_by_the_exporters_liveness(
    query: PanelQuery,
) -> None:
    """A rate or increase keeps a value for its whole window after the last scrape; joined
    with the current ``openrouter_up`` it disappears with the exporter (see
    tests/e2e/test_dashboard_truth.py)."""
    if query.instant and re.search(r"\b(rate|increase)\(", query.expr):
        assert "openrouter_up{" in query.expr, query.expr


def test_dashboard_thresholds_follow_the_mixin_config() -> None:
    config = MixinConfig(runway_warning_days=5, runway_critical_days=2, stale_warning_seconds=60)
    boards = generated_dashboards(config)
    panels = {p["title"]: p for p in boards["openrouter-overview.json"]["panels"]}

    def steps(title: str) -> list[float | None]:
        return [s["value"] for s in panels[title]["fieldConfig"]["defaults"]["thresholds"]["steps"]]

    assert steps("Days remaining") == [None, 2, 5]
    assert steps("Data age") == [None, 60, DEFAULT.stale_critical_seconds]


def test_right_now_panels_keep_the_ids_the_alerts_link_to() -> None:
    ids = {p["id"]: p["title"] for p in OVERVIEW["panels"]}

    assert ids[DEFAULT.right_now_row_id] == "Right now"
    assert ids[DEFAULT.spend_now_panel_id].startswith("Spending now")
    assert ids[DEFAULT.spend_now_ratio_panel_id] == "Now vs usual"
    assert ids[DEFAULT.spend_now_graph_panel_id].startswith("Spend rate")
    assert ids[DEFAULT.keys_now_panel_id].startswith("Keys driving it")


def test_today_panels_keep_the_ids_the_alerts_can_link_to() -> None:
    ids = {p["id"]: p["title"] for p in OVERVIEW["panels"]}

    assert ids[DEFAULT.today_row_id] == "Today (Analytics API)"
    assert ids[DEFAULT.models_today_panel_id] == "Spend today by model"
    assert ids[DEFAULT.key_models_today_panel_id] == "Spend today by key and model"


TODAY_METRIC = re.compile(r"openrouter_(key_)?model_today_")


def _today_panels() -> list[tuple[str, Json]]:
    return [
        (file, panel)
        for file, panel in QUERY_PANELS
        if any(TODAY_METRIC.search(t["expr"]) for t in panel["targets"])
    ]


@pytest.mark.parametrize(("file", "panel"), _today_panels(), ids=_ids(_today_panels()))
def test_today_panels_are_guarded_by_the_analytics_poll_and_say_when_it_is_absent(
    file: str, panel: Json
) -> None:
    """The today gauges outlive a failed analytics poll in the exposition, and are absent
    without a management key: the panels join them with the latest analytics poll and name
    the Analytics API in their no-value text, so that absent never reads as 0."""
    for target in panel["targets"]:
        assert target["instant"]
        assert (
            'openrouter_up{job=~"$job", account=~"$account", endpoint=~"analytics"}'
            in (target["expr"])
        )
    assert "Analytics API" in panel["fieldConfig"]["defaults"]["noValue"]


def test_every_today_panel_is_found() -> None:
    titles = {panel["title"] for _, panel in _today_panels()}

    assert titles == {
        "Spent today",
        "Spend today by model",
        "Spend today by key and model",
        "Selected models: spend today",
        "Selected models: requests today",
        "Selected models: tokens today",
        "Today by model",
        "Selected keys: spend today by model",
    }


def test_liveness_guard_of_a_drilldown_panel_ignores_the_model_and_key_variables() -> None:
    """``openrouter_up`` has no model or key label: a guard narrowed by them would match
    nothing as soon as one model or key is selected."""
    narrowed = Series(DEFAULT).narrowed('model=~"$model"', 'key_hash=~"$key"')

    guard = narrowed.live("analytics")

    assert guard == (
        '(max by (account) (openrouter_up{job=~"$job", account=~"$account", '
        'endpoint=~"analytics"}) == 1)'
    )
    assert 'model=~"$model"' in narrowed("openrouter_model_today_spend_usd")


def test_exporter_version_names_the_revision() -> None:
    panel = next(p for p in OVERVIEW["panels"] if p["title"] == "Exporter version")
    (target,) = panel["targets"]

    assert target["expr"].startswith("max by (version, revision, python_version) (")
    assert "{{revision}}" in target["legendFormat"]
