"""Every dashboard against Grafana's own schema: the typed models of grafana-foundation-sdk.

The SDK's models are generated from Grafana's schemas (the dashboard kind and each panel
plugin's ``panelcfg``). The test extra pins the SDK release whose dashboard model is at our
``schemaVersion``; a plain install resolves to an old release with other defaults.

A dashboard passes when it loads into those models (each panel's options into its plugin's
typed ``Options``, each target into the Prometheus ``Dataquery``) and serialises back to the
same JSON: a field the schema does not know is dropped on the way, so a misspelt or
misplaced option fails here. The only fields allowed to drop are in :data:`NOT_IN_SCHEMA`,
each with the reason.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models import bargauge, piechart, prometheus, stat, table, timeseries
from grafana_foundation_sdk.models.dashboard import Dashboard, Panel, RowPanel
from mixin.dashboards.frame import SCHEMA_VERSION

from tests.support.dashboards import Json, load_dashboards

register_default_plugins()

DASHBOARDS = load_dashboards()
SDK_RELEASE = "11.5.0"

#: Paths (list indexes written ``[]``) the typed models drop, and why that loses nothing.
NOT_IN_SCHEMA = {
    "/__requires": "import metadata for Grafana's import dialog, outside the dashboard model",
    "/id": 'null, which the model writes as absent: both mean "let Grafana assign one"',
    "/templating/list[]/definition": "the query editor's display copy of the variable query",
    **{
        f"/annotations/list[]/{name}": "an option of the Prometheus data source's annotations"
        for name in ("step", "tagKeys", "textFormat", "titleFormat", "useValueForTime")
    },
}
#: Panel types and the typed options model the SDK has for each. Grafana's alert list has
#: no schema in the SDK; its options are checked in tests/unit/test_dashboards.py.
PANEL_OPTIONS: dict[str, type] = {
    "bargauge": bargauge.Options,
    "piechart": piechart.Options,
    "stat": stat.Options,
    "table": table.Options,
    "timeseries": timeseries.Options,
}
UNTYPED_PANELS = {"alertlist"}


def _round_trip(board: Json) -> Json:
    loaded: Json = json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder))
    return loaded


def _dropped(original: Any, result: Any, path: str = "") -> Iterator[str]:
    """Paths present in ``original`` and missing or different in ``result``."""
    if isinstance(original, dict):
        if not isinstance(result, dict):
            yield path
            return
        for key, value in original.items():
            if key not in result:
                yield f"{path}/{key}"
            else:
                yield from _dropped(value, result[key], f"{path}/{key}")
    elif isinstance(original, list):
        if not isinstance(result, list) or len(original) != len(result):
            yield path
            return
        for index, (a, b) in enumerate(zip(original, result, strict=True)):
            yield from _dropped(a, b, f"{path}[{index}]")
    elif original != result:
        yield path


def _generic(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def test_the_pinned_sdk_release_models_our_schema_version() -> None:
    assert importlib.metadata.version("grafana-foundation-sdk").endswith(f"!{SDK_RELEASE}")
    assert Dashboard().schema_version == SCHEMA_VERSION


@pytest.mark.parametrize("file", sorted(DASHBOARDS))
def test_dashboard_round_trips_through_the_typed_models_losing_only_listed_fields(
    file: str,
) -> None:
    board = DASHBOARDS[file]

    dropped = {_generic(path) for path in _dropped(board, _round_trip(board))}

    assert dropped <= set(NOT_IN_SCHEMA), sorted(dropped - set(NOT_IN_SCHEMA))


@pytest.mark.parametrize("file", sorted(DASHBOARDS))
def test_every_panel_loads_into_its_plugins_typed_options(file: str) -> None:
    loaded = Dashboard.from_json(DASHBOARDS[file])

    assert loaded.panels
    for panel in loaded.panels:
        if isinstance(panel, RowPanel):
            continue
        assert isinstance(panel, Panel)
        kind = panel.type_val or ""
        if kind in UNTYPED_PANELS:
            continue
        assert isinstance(panel.options, PANEL_OPTIONS[kind]), (panel.title, kind)
        assert panel.targets
        assert all(isinstance(t, prometheus.Dataquery) for t in panel.targets), panel.title


def test_a_misspelt_option_is_caught_by_the_round_trip() -> None:
    board = json.loads(json.dumps(DASHBOARDS["openrouter-overview.json"]))
    panel = next(p for p in board["panels"] if p["type"] == "stat")
    panel["options"]["colourMode"] = panel["options"].pop("colorMode")

    dropped = {_generic(path) for path in _dropped(board, _round_trip(board))}

    assert "/panels[]/options/colourMode" in dropped
