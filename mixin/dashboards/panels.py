"""Panel helpers: Grafana's classic dashboard JSON model as small Python functions.

Conventions (Grafana 11, ``schemaVersion`` 39):

* Every panel and target points at the ``${datasource}`` variable; there is no ``__inputs``
  section, because file provisioning does not resolve its placeholders.
* Stat panels are instant by construction (:func:`stat` makes every target instant): a stat
  shows the value Prometheus holds now, or its "no value" text, never the last value of a
  range that ended when the exporter died.
* Units: ``currencyUSD`` for money, ``d`` for days, ``dateTimeFromNow`` for instants
  (exporter timestamps are seconds; Grafana expects milliseconds, hence ``* 1000``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Json = dict[str, Any]
Color = str
Steps = Sequence[tuple[float | None, Color]]

DATASOURCE: Json = {"type": "prometheus", "uid": "${datasource}"}
#: What a stat shows when its instant query is empty: the exporter is not scraped (or dead),
#: or the series does not exist. The "Data age" stat next to it says since when.
NO_CURRENT_DATA = "no current data"
#: The axis label of every graph in USD per day.
USD_PER_DAY = "USD/day"


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


def _targets(targets: Sequence[Target]) -> list[Json]:
    return [target.to_json(chr(ord("A") + i)) for i, target in enumerate(targets)]


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
    text_mode: Literal["auto", "value", "value_and_name", "name"] = "auto",
    decimals: int | None = None,
    no_value: str = NO_CURRENT_DATA,
    overrides: Sequence[Json] = (),
    interval: str | None = None,
) -> Json:
    """A stat of instant queries: the current value, or ``no_value`` when there is none."""
    return _panel(
        "stat",
        title,
        description,
        [replace(target, instant=True) for target in targets],
        defaults=_defaults(
            unit, steps=steps, mappings=mappings, decimals=decimals, no_value=no_value
        ),
        options={
            "colorMode": color_mode,
            "graphMode": "none",
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
    axis_label: str = "",
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
        "axisLabel": axis_label,
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
    no_value: str | None = None,
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
        defaults=_defaults(
            unit, steps=steps, decimals=decimals, links=links, minimum=minimum, no_value=no_value
        ),
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
    no_value: str | None = None,
) -> Json:
    return _panel(
        "table",
        title,
        description,
        targets,
        defaults=_defaults(
            unit,
            no_value=no_value,
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


def merged_columns(
    renames: dict[str, str], order: Sequence[str], hidden: Sequence[str] = ()
) -> list[Json]:
    """Table transformations that merge one instant query per column into one row per
    series, hide ``Time`` and ``hidden``, rename labels and values, then order the columns."""
    return [
        {"id": "merge", "options": {}},
        {
            "id": "organize",
            "options": {
                "excludeByName": {"Time": True, **dict.fromkeys(hidden, True)},
                "indexByName": {},
                "renameByName": renames,
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
    ]


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
    """Places panels left to right in bands of equal height on Grafana's 24-column grid.

    Panels are numbered in order from 1, unless they carry an ``id`` already: panels that
    links point at (the alerts link into the overview's "right now" row) keep theirs
    whatever is added above them; such ids sit above the automatic ones."""

    panels: list[Json] = field(default_factory=list)
    y: int = 0
    next_id: int = 1

    def band(self, height: int, *placed: tuple[int, Json]) -> None:
        width = sum(w for w, _ in placed)
        if width > 24:
            raise ValueError(f"the band at y={self.y} is {width} columns wide")
        x = 0
        for w, panel in placed:
            self._add(panel, x=x, w=w, h=height)
            x += w
        self.y += height

    def row(self, title: str, panel_id: int | None = None) -> None:
        panel = row(title) if panel_id is None else {**row(title), "id": panel_id}
        self._add(panel, x=0, w=24, h=1)
        self.y += 1

    def _add(self, panel: Json, *, x: int, w: int, h: int) -> None:
        if "id" in panel:
            panel_id = int(panel["id"])
        else:
            panel_id = self.next_id
            self.next_id += 1
        placed: Json = {
            "type": panel["type"],
            "title": panel["title"],
            "id": panel_id,
            "gridPos": {"h": h, "w": w, "x": x, "y": self.y},
        }
        placed.update(panel)
        self.panels.append(placed)


def with_id(panel: Json, panel_id: int) -> Json:
    """``panel`` with a fixed id (see :class:`Grid`)."""
    return {**panel, "id": panel_id}
