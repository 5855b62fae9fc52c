"""Read the committed Grafana dashboards the way Grafana would, for tests.

Three things, used by ``tests/unit/test_dashboards.py`` and by the end-to-end tests that run every
panel query against a real Prometheus scraping the exporter:

* :func:`panel_queries` lists every Prometheus query of every panel (rows flattened), with
  its dashboard, panel and ``refId``; :func:`variable_queries` lists the ``label_values``
  and ``query_result`` queries of the template variables, and the options each lists.
* :func:`substitute` replaces template variables the way Grafana's Prometheus data source
  does: a multi-value or "include All" variable becomes a regex alternative ``(a|b)``, each
  value regex-escaped (one value: just that value); "All" becomes the variable's
  ``allValue``; built-ins such as ``$__rate_interval`` and ``$__range`` take the values of
  :data:`DEFAULT_BUILTINS` unless overridden. ``$var``, ``${var}``, ``${var:format}`` and
  ``[[var]]`` are all understood.
* :func:`metric_names` returns the metric names a PromQL expression reads: identifiers that
  are not functions, aggregations, keywords, label names (in ``{...}`` or in
  ``by``/``without``/``on``/``ignoring``/``group_left``/``group_right`` lists), durations or
  number literals, plus the value of a ``__name__="..."`` matcher.

Typical end-to-end use::

    for query, expr in rendered_panel_queries({"account": ["demo"]}):
        # query.instant: /api/v1/query, else /api/v1/query_range; assert a non-empty result
        ...
    assert dashboard_metric_names() - PROMETHEUS_SERIES <= names_in_a_real_scrape
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixin.alerts import rule_groups
from mixin.config import DEFAULT, MixinConfig
from mixin.dashboards import build

Json = dict[str, Any]
Values = Mapping[str, str | Sequence[str]]

REPO_ROOT = Path(__file__).resolve().parents[2]
GRAFANA_DIR = REPO_ROOT / "grafana"
DASHBOARD_DIR = GRAFANA_DIR / "dashboards"
PROVISIONING_DIR = GRAFANA_DIR / "provisioning"

#: Series that Prometheus itself produces, not the exporter: its alerting state and the
#: series the shipped recording rules record (the "right now" panels read what the alerts do).
PROMETHEUS_SERIES = frozenset(
    {"ALERTS", "ALERTS_FOR_STATE"}
    | {
        rule["record"]
        for group in rule_groups(DEFAULT)["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
)

#: Grafana's global variables with the values a test run uses (a 1m rate window suits a
#: Prometheus scraping every few seconds; the range is what a young Prometheus can cover).
DEFAULT_BUILTINS: Mapping[str, str] = {
    "__rate_interval": "1m",
    "__rate_interval_ms": "60000",
    "__interval": "15s",
    "__interval_ms": "15000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

#: Variable values for the demo account; variables not named take their "All" value.
DEMO_VALUES: Mapping[str, str | Sequence[str]] = {"datasource": "prometheus", "account": ["demo"]}

ALL = "$__all"


# --------------------------------------------------------------------------------------
# Loading


def generated_dashboards(config: MixinConfig = DEFAULT) -> dict[str, Json]:
    """The dashboards the mixin builds from ``config``, by file name (not written anywhere)."""
    return build(config)


def load_dashboards(directory: Path = DASHBOARD_DIR) -> dict[str, Json]:
    """Every ``*.json`` dashboard in ``directory``, by file name, in name order."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    }


def iter_panels(dashboard: Json) -> Iterator[Json]:
    """Every panel, the panels nested in (collapsed) rows included, rows themselves too."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


@dataclass(frozen=True, eq=False)
class PanelQuery:
    """One target of one panel."""

    file: str
    dashboard: Json
    panel: Json
    target: Json

    @property
    def dashboard_uid(self) -> str:
        return str(self.dashboard["uid"])

    @property
    def panel_id(self) -> int:
        return int(self.panel["id"])

    @property
    def panel_title(self) -> str:
        return str(self.panel.get("title", ""))

    @property
    def ref_id(self) -> str:
        return str(self.target.get("refId", ""))

    @property
    def expr(self) -> str:
        return str(self.target.get("expr", ""))

    @property
    def instant(self) -> bool:
        return bool(self.target.get("instant", False))

    def rendered(
        self, values: Values | None = None, builtins: Mapping[str, str] | None = None
    ) -> str:
        """The expression with the template variables substituted (see :func:`substitute`)."""
        return substitute(self.expr, self.dashboard, values, builtins)

    def __str__(self) -> str:
        return f"{self.file} panel {self.panel_id} {self.panel_title!r} target {self.ref_id}"


def panel_queries(dashboards: Mapping[str, Json] | None = None) -> list[PanelQuery]:
    """Every target of every panel of every dashboard (hidden targets included)."""
    boards = load_dashboards() if dashboards is None else dashboards
    return [
        PanelQuery(file, board, panel, target)
        for file, board in boards.items()
        for panel in iter_panels(board)
        for target in panel.get("targets", [])
    ]


@dataclass(frozen=True, eq=False)
class VariableQuery:
    """A ``label_values(selector, label)`` or ``query_result(expr)`` template variable."""

    file: str
    dashboard: Json
    name: str
    query: str
    #: ``label_values``: the series selector; ``query_result``: the expression.
    selector: str
    #: ``label_values``: the label listed; ``query_result``: empty.
    label: str
    #: Grafana's regex applied to each result (JavaScript syntax: ``(?<text>...)``).
    regex: str = ""

    def rendered(self, values: Values | None = None) -> str:
        return substitute(self.selector, self.dashboard, values)

    def options(self, results: Sequence[tuple[Mapping[str, str], float]]) -> list[tuple[str, str]]:
        """``(text, value)`` of each option Grafana lists for these query results: the
        label's values for ``label_values``; for ``query_result``, each result formatted as
        ``{label="value", ...} value`` and matched with the variable's regex."""
        if self.label:
            found = sorted({labels[self.label] for labels, _ in results if self.label in labels})
            return [(value, value) for value in found]
        pattern = re.compile(re.sub(r"\(\?<(\w+)>", r"(?P<\1>", self.regex.strip("/")))
        options = []
        for labels, value in results:
            text = "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
            match = pattern.search(f"{text} {value:g}")
            if match is not None:
                groups = match.groupdict()
                option = groups.get("value") or match.group(0)
                options.append((groups.get("text") or option, option))
        return options


_LABEL_VALUES = re.compile(
    r"^\s*label_values\(\s*(?:(?P<selector>.+?)\s*,\s*)?(?P<label>\w+)\s*\)\s*$"
)
_QUERY_RESULT = re.compile(r"^\s*query_result\((?P<expr>.+)\)\s*$", re.S)


def variable_query_text(variable: Json) -> str:
    query = variable.get("query", "")
    if isinstance(query, dict):
        return str(query.get("query", ""))
    return str(query)


def variable_queries(dashboards: Mapping[str, Json] | None = None) -> list[VariableQuery]:
    """The ``label_values`` and ``query_result`` queries of every ``query`` variable."""
    boards = load_dashboards() if dashboards is None else dashboards
    found = []
    for file, board in boards.items():
        for variable in board.get("templating", {}).get("list", []):
            if variable.get("type") != "query":
                continue
            text = variable_query_text(variable)
            name = str(variable["name"])
            regex = str(variable.get("regex", ""))
            if match := _LABEL_VALUES.match(text):
                selector, label = match["selector"] or "", match["label"]
            elif match := _QUERY_RESULT.match(text):
                selector, label = match["expr"], ""
            else:
                raise ValueError(f"{file}: variable {name}: not label_values/query_result: {text}")
            found.append(VariableQuery(file, board, name, text, selector, label, regex))
    return found


def annotation_queries(dashboards: Mapping[str, Json] | None = None) -> list[tuple[str, str]]:
    """``(file, expr)`` of every Prometheus annotation query (the firing OpenRouter alerts)."""
    boards = load_dashboards() if dashboards is None else dashboards
    return [
        (file, str(annotation["expr"]))
        for file, board in boards.items()
        for annotation in board.get("annotations", {}).get("list", [])
        if annotation.get("expr")
    ]


def rendered_panel_queries(
    values: Values | None = None,
    builtins: Mapping[str, str] | None = None,
    dashboards: Mapping[str, Json] | None = None,
) -> list[tuple[PanelQuery, str]]:
    """Every panel query with its variables substituted (demo values unless overridden)."""
    return [(query, query.rendered(values, builtins)) for query in panel_queries(dashboards)]


def dashboard_metric_names(dashboards: Mapping[str, Json] | None = None) -> frozenset[str]:
    """Every metric name read by a panel, a variable or an annotation of the dashboards,
    :data:`PROMETHEUS_SERIES` included (subtract it before comparing with a scrape)."""
    boards = load_dashboards() if dashboards is None else dashboards
    names: set[str] = set()
    for query in panel_queries(boards):
        names |= metric_names(query.rendered())
    for variable in variable_queries(boards):
        names |= metric_names(variable.rendered())
    for file, expr in annotation_queries(boards):
        names |= metric_names(substitute(expr, boards[file]))
    return frozenset(names)


# --------------------------------------------------------------------------------------
# Template variables

_VARIABLE = re.compile(
    r"\$\{(?P<braced>\w+)(?::(?P<format>[\w]+))?\}"
    r"|\[\[(?P<bracketed>\w+)(?::(?P<bformat>[\w]+))?\]\]"
    r"|\$(?P<plain>\w+)"
)
_REGEX_SPECIAL = re.compile(r"[$^*{}\[\]'+?.()|]")


def regex_escape(value: str) -> str:
    """Grafana's ``prometheusSpecialRegexEscape``: escape for a regex inside a PromQL string
    (a backslash doubled twice, a special character preceded by two backslashes)."""
    value = value.replace("\\", "\\\\\\\\")
    return _REGEX_SPECIAL.sub(lambda m: "\\\\" + m.group(0), value)


def plain_escape(value: str) -> str:
    """Grafana's ``prometheusRegularEscape`` for single-value variables."""
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def template_variables(dashboard: Json) -> dict[str, Json]:
    return {str(v["name"]): v for v in dashboard.get("templating", {}).get("list", [])}


def _selected(variable: Json, given: str | Sequence[str] | None) -> list[str]:
    if given is None:
        if variable.get("includeAll"):
            return [ALL]
        current = variable.get("current", {}).get("value", [])
        return [current] if isinstance(current, str) else [str(v) for v in current]
    return [given] if isinstance(given, str) else [str(v) for v in given]


def _format(variable: Json, selected: list[str], fmt: str | None) -> str:
    multi = bool(variable.get("multi") or variable.get("includeAll"))
    if selected == [ALL] and variable.get("includeAll"):
        if variable.get("allValue"):
            return str(variable["allValue"])
        raise ValueError(f"variable {variable['name']}: All without allValue needs the options")
    if fmt in (None, "regex"):
        if not multi:
            return plain_escape(selected[0]) if fmt is None else regex_escape(selected[0])
        escaped = [regex_escape(value) for value in selected]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    if fmt == "pipe":
        return "|".join(selected)
    if fmt in ("raw", "csv"):
        return ",".join(selected)
    raise ValueError(f"variable {variable['name']}: format {fmt!r} is not supported here")


def substitute(
    expr: str,
    dashboard: Json,
    values: Values | None = None,
    builtins: Mapping[str, str] | None = None,
) -> str:
    """``expr`` with every template variable replaced as Grafana's Prometheus data source
    would. ``values`` gives selections by variable name (a string, or a list for
    multi-value; ``"$__all"`` for All); an unnamed variable takes "All" when it has it, else
    its current value. Raises :class:`ValueError` for an unknown variable."""
    variables = template_variables(dashboard)
    chosen = {**DEMO_VALUES, **(values or {})}
    global_values = {**DEFAULT_BUILTINS, **(builtins or {})}

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["bracketed"] or match["plain"]
        fmt = match["format"] or match["bformat"]
        if name in global_values:
            return global_values[name]
        if name not in variables:
            raise ValueError(f"unknown template variable ${name} in {expr!r}")
        variable = variables[name]
        return _format(variable, _selected(variable, chosen.get(name)), fmt)

    return _VARIABLE.sub(replace, expr)


def used_variables(expr: str) -> set[str]:
    """Names of the template variables (built-ins included) that ``expr`` refers to."""
    return {m["braced"] or m["bracketed"] or m["plain"] for m in _VARIABLE.finditer(expr)}


# --------------------------------------------------------------------------------------
# PromQL metric names

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>\#[^\n]*)
    | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
    | (?P<number>(?:0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
                 (?:(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)?)
    | (?P<variable>\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\])
    | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
    | (?P<op>=~|!~|==|!=|>=|<=|[-+*/%^<>=(){}\[\],@:])
    """,
    re.VERBOSE,
)

#: Aggregation operators: followed by ``(`` or by a ``by``/``without`` clause.
AGGREGATIONS = frozenset(
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
        "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    }
)  # fmt: skip
#: Keywords of the language, compared case-insensitively.
KEYWORDS = frozenset(
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
        "offset", "bool", "atan2", "inf", "nan",
    }
)  # fmt: skip
_LABEL_LISTS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_CLOSING = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def tokenize(expr: str) -> list[_Token]:
    """PromQL tokens without spaces and comments; raises on a character PromQL lacks."""
    tokens = []
    position = 0
    while position < len(expr):
        match = _TOKEN.match(expr, position)
        if match is None:
            raise ValueError(f"unexpected {expr[position]!r} at {position} in {expr!r}")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(0)))
        position = match.end()
    return tokens


def _check_balanced(expr: str, tokens: list[_Token]) -> None:
    stack: list[str] = []
    for token in tokens:
        if token.kind != "op":
            continue
        if token.text in _CLOSING:
            stack.append(_CLOSING[token.text])
        elif token.text in _CLOSING.values() and (not stack or stack.pop() != token.text):
            raise ValueError(f"unbalanced {token.text!r} in {expr!r}")
    if stack:
        raise ValueError(f"missing {stack[-1]!r} in {expr!r}")


def _skip_group(tokens: list[_Token], index: int) -> int:
    """Index just past the bracketed group that opens at ``index``."""
    opening = tokens[index].text
    depth = 0
    for position in range(index, len(tokens)):
        text = tokens[position].text if tokens[position].kind == "op" else ""
        if text == opening:
            depth += 1
        elif text == _CLOSING[opening]:
            depth -= 1
            if depth == 0:
                return position + 1
    return len(tokens)


def _name_matchers(tokens: list[_Token]) -> Iterator[str]:
    """Values of ``__name__="..."`` matchers in the tokens of one ``{...}`` block."""
    for i in range(len(tokens) - 2):
        label, op, value = tokens[i : i + 3]
        if label.text == "__name__" and op.text == "=" and value.kind == "string":
            yield value.text[1:-1]


def metric_names(expr: str) -> frozenset[str]:
    """The metric names a PromQL expression reads (see the module docstring)."""
    tokens = tokenize(expr)
    _check_balanced(expr, tokens)
    names: set[str] = set()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "op" and token.text == "{":
            end = _skip_group(tokens, index)
            names.update(_name_matchers(tokens[index + 1 : end - 1]))
            index = end
            continue
        if token.kind == "op" and token.text == "[":
            index = _skip_group(tokens, index)  # a range or subquery: durations only
            continue
        if token.kind == "ident":
            word = token.text.lower()
            if word in _LABEL_LISTS:
                if following is not None and following.text == "(":
                    index = _skip_group(tokens, index + 1)
                    continue
            elif following is not None and following.text == "(":
                pass  # a function or an aggregation
            elif word in KEYWORDS or token.text in AGGREGATIONS:
                pass
            else:
                names.add(token.text)
        index += 1
    return frozenset(names)
