"""The generated tables of docs/: committed as the code writes them, and what they say is
what the code does."""

import re
import shutil
from pathlib import Path

import pytest
from docsgen.__main__ import main
from docsgen.documents import REPO_ROOT, TABLES
from docsgen.tables import cell, metrics_table
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from openrouter_exporter.config.catalogue import SETTINGS, Setting
from openrouter_exporter.config.loader import load_config

CONFIGURATION = REPO_ROOT / "docs" / "configuration.md"


def copy_of_the_documents(root: Path) -> Path:
    for table in TABLES:
        (root / table.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / table.path, root / table.path)
    return root


def test_committed_tables_are_what_the_code_generates() -> None:
    assert main(["--check"]) == 0, "a table in docs/ is stale: run python -m docsgen"


def test_check_fails_when_a_row_drifts_from_the_code(tmp_path: Path) -> None:
    root = copy_of_the_documents(tmp_path)
    text = (root / "docs/metrics.md").read_text(encoding="utf-8")
    (root / "docs/metrics.md").write_text(text.replace("| counter |", "| gauge |", 1), "utf-8")

    assert main(["--check"], root=root) == 1


def test_writing_restores_the_table_and_nothing_else(tmp_path: Path) -> None:
    root = copy_of_the_documents(tmp_path)
    drifted = root / "docs/configuration.md"
    drifted.write_text(
        drifted.read_text(encoding="utf-8").replace("| `--log.level` |", "| `--log.lvl` |"),
        "utf-8",
    )

    assert main([], root=root) == 0
    assert drifted.read_text(encoding="utf-8") == CONFIGURATION.read_text(encoding="utf-8")


def test_metrics_table_gives_counters_their_served_name_type_and_labels() -> None:
    counter = CounterMetricFamily("demo_spend_usd", "Spend | all.", labels=["account"])
    gauge = GaugeMetricFamily("demo_up", "Up <status>.", labels=["account", "endpoint"])

    assert metrics_table([counter, gauge]).splitlines()[2:] == [
        "| `demo_spend_usd_total` | counter | account | Spend \\| all. |",
        "| `demo_up` | gauge | account, endpoint | Up &lt;status&gt;. |",
    ]


def test_cell_keeps_pipes_and_tags_inside_the_cell() -> None:
    assert cell("a|b <c>\nd") == "a\\|b &lt;c&gt; d"


def documented_defaults() -> dict[str, str]:
    """Flag to the default the configuration table shows for it."""
    text = CONFIGURATION.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(--[a-z.-]+)` \| [^|]+ \| ([^|]+) \|", text, re.M)
    return {flag: default.strip() for flag, default in rows}


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.default is not None], ids=str)
def test_documented_default_is_what_an_unset_setting_gets(setting: Setting) -> None:
    """The table's default, typed in, gives the configuration that leaving it unset gives."""
    environ = {"OPENROUTER_API_KEY": "sk-or-v1-docs", "XDG_STATE_HOME": "/srv/state"}
    documented = documented_defaults()[setting.flag]
    explicit = load_config({}, {**environ, setting.env: documented})
    assert explicit == load_config({}, environ)
