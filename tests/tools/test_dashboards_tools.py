"""The dashboards through command-line tools: promtool parses every query, and
``python -m mixin --check`` passes as a command.

The static lint of the dashboards is ``tests/unit/test_dashboards.py``.
"""

import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.dashboards import REPO_ROOT, load_dashboards, panel_queries, variable_queries
from tests.support.tools import require_tool

DASHBOARDS = load_dashboards()
QUERIES = panel_queries(DASHBOARDS)


def test_every_panel_query_is_valid_promql(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "apt-get install prometheus")
    expressions = [query.rendered() for query in QUERIES]
    expressions += [query.rendered({"account": ["demo", "second.account"]}) for query in QUERIES]
    expressions += [query.rendered() for query in variable_queries(DASHBOARDS)]
    rules = [{"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(expressions)]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_dash_m_mixin_check_passes_on_the_committed_files() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mixin", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
