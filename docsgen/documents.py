"""The documents the tables live in, and the marker comments around each table."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docsgen.tables import metrics_table, settings_table

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Table:
    """A generated table: the document, the marker around it and what writes it.

    In the document it sits between ``<!-- MARKER: a note for the reader -->`` and
    ``<!-- /MARKER -->``, each on a line of its own.
    """

    path: Path
    marker: str
    generate: Callable[[], str]

    def _pattern(self) -> re.Pattern[str]:
        marker = re.escape(self.marker)
        return re.compile(rf"(<!-- {marker}:[^\n]*-->\n)(.*?)(<!-- /{marker} -->)", re.S)

    def updated(self, text: str) -> str:
        """``text`` with the table between the markers regenerated."""
        matches = self._pattern().findall(text)
        if len(matches) != 1:
            raise ValueError(f"{self.path}: expected one <!-- {self.marker}: … --> block")
        table = self.generate()
        return self._pattern().sub(lambda m: m.group(1) + table + m.group(3), text)


TABLES = (
    Table(Path("docs/configuration.md"), "settings-table", settings_table),
    Table(Path("docs/metrics.md"), "metrics-table", metrics_table),
)


def stale(root: Path = REPO_ROOT) -> list[Path]:
    """The documents under ``root`` whose tables differ from the code."""
    return [
        table.path
        for table in TABLES
        if (text := (root / table.path).read_text(encoding="utf-8")) != table.updated(text)
    ]


def write(root: Path = REPO_ROOT) -> list[Path]:
    """Regenerate every table under ``root``; return the documents that changed."""
    written = []
    for table in TABLES:
        target = root / table.path
        text = target.read_text(encoding="utf-8")
        if text != (new := table.updated(text)):
            target.write_text(new, encoding="utf-8")
            written.append(table.path)
    return written
