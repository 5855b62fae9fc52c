"""The panel tables of docs/dashboards.md ("What each panel tells") against the generated
dashboards: one row per panel, and each row's metric column names exactly the metrics the
panel reads."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

from tests.support.dashboards import Json, iter_panels, load_dashboards, metric_names, substitute

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "dashboards.md"
DASHBOARDS = load_dashboards()
#: The bold heading above a table names the dashboard its rows belong to.
HEADINGS = {"Overview": "openrouter-overview.json", "Drill-down": "openrouter-drilldown.json"}
_CITED = re.compile(r"\bALERTS\b|\b(?:[a-z_]+:)?openrouter_[a-z_*]+(?::[a-z0-9_]+)?")


def documented_rows() -> dict[str, dict[str, str]]:
    """Dashboard file -> panel title -> the metric column, from the document's tables."""
    text = DOCUMENT.read_text(encoding="utf-8")
    section = text[text.index("\n## What each panel tells") :]
    section = section.split("\n## ", 2)[1]
    rows: dict[str, dict[str, str]] = {file: {} for file in HEADINGS.values()}
    board = ""
    for line in section.splitlines():
        heading = re.match(r"\*\*([\w-]+):", line)
        if heading:
            board = HEADINGS[heading.group(1)]
        elif board and line.startswith("| ") and not line.startswith(("| panel |", "|---")):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            if cells[0] in rows[board]:
                raise AssertionError(f"{cells[0]!r} has two rows in docs/dashboards.md")
            rows[board][cells[0]] = cells[-1]
    return rows


def panel_metrics(board: Json, panel: Json) -> set[str]:
    names: set[str] = set()
    for target in panel.get("targets", []):
        names |= metric_names(substitute(target["expr"], board))
    return names


def cited(metric_column: str) -> set[str]:
    """Metric names and ``*`` patterns in the backticked parts of a metric column."""
    return {
        name for part in re.findall(r"`([^`]*)`", metric_column) for name in _CITED.findall(part)
    }


ROWS = documented_rows()
PANELS = [
    (file, panel)
    for file, board in DASHBOARDS.items()
    for panel in iter_panels(board)
    if panel["type"] != "row"
]


@pytest.mark.parametrize("file", sorted(DASHBOARDS))
def test_document_has_one_row_per_panel(file: str) -> None:
    titles = [p["title"] for p in iter_panels(DASHBOARDS[file]) if p["type"] != "row"]

    assert sorted(ROWS[file]) == sorted(titles)


@pytest.mark.parametrize(("file", "panel"), PANELS, ids=[f"{f}:{p['title']}" for f, p in PANELS])
def test_documented_row_names_exactly_the_metrics_the_panel_reads(file: str, panel: Json) -> None:
    reads = panel_metrics(DASHBOARDS[file], panel)
    names = cited(ROWS[file][panel["title"]])

    unread = {name for name in names if not any(fnmatch(metric, name) for metric in reads)}
    uncited = {metric for metric in reads if not any(fnmatch(metric, name) for name in names)}
    assert (unread, uncited) == (set(), set())


def test_cited_reads_metric_names_and_patterns_from_backticks() -> None:
    column = '`openrouter_key_*`, `rate(openrouter_up{window=~"a\\|b"})` times 86400, Grafana'

    assert cited(column) == {"openrouter_key_*", "openrouter_up"}
