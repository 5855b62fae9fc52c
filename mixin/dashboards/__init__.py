"""The Grafana dashboards of the mixin: one module per dashboard, built from panel helpers.

:func:`generate` renders them into ``grafana/dashboards/`` (``python -m mixin``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from mixin.config import MixinConfig
from mixin.dashboards import drilldown, overview
from mixin.dashboards.panels import Json
from mixin.output import GeneratedFile

DASHBOARD_DIR = Path("grafana") / "dashboards"

#: File name -> builder, one per dashboard.
DASHBOARDS: dict[str, Callable[[MixinConfig], Json]] = {
    overview.FILE: overview.overview,
    drilldown.FILE: drilldown.drilldown,
}


def render(board: Json) -> str:
    """The committed form: two-space indentation, key order as built, final newline."""
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def build(config: MixinConfig) -> dict[str, Json]:
    """Every dashboard, by file name."""
    return {name: builder(config) for name, builder in DASHBOARDS.items()}


def generate(config: MixinConfig) -> list[GeneratedFile]:
    return [
        GeneratedFile(DASHBOARD_DIR / name, render(board)) for name, board in build(config).items()
    ]
