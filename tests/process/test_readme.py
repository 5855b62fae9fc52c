"""The README's configuration and metrics tables agree with the code and a real scrape."""

import re
from pathlib import Path

import pytest

from openrouter_exporter.config.catalogue import SETTINGS, Setting
from openrouter_exporter.config.loader import load_config
from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.budgets import budget_config

README = Path(__file__).resolve().parents[2] / "README.md"


def _block(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}:[^>]*-->\n(.*?)<!-- /{marker} -->", text, re.S)
    assert match, f"README has no {marker} block"
    return match.group(1)


def settings_table() -> str:
    rows = ["| flag | environment variable | default | meaning |", "|---|---|---|---|"]
    for setting in SETTINGS:
        env = f"`{setting.env}`" + (" (`_FILE`)" if setting.has_file_variant else "")
        rows.append(f"| `{setting.flag}` | {env} | {setting.documented_default} | {setting.help} |")
    return "\n".join(rows) + "\n"


def test_settings_table_matches_the_code() -> None:
    assert _block("settings-table") == settings_table(), (
        "README settings table is stale; expected:\n" + settings_table()
    )


def _documented_defaults() -> dict[str, str]:
    """Flag to the default the README's table shows for it."""
    rows = re.findall(r"^\| `(--[a-z.-]+)` \| [^|]+ \| ([^|]+) \|", _block("settings-table"), re.M)
    return {flag: default.strip() for flag, default in rows}


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.default is not None], ids=str)
def test_documented_default_is_what_an_unset_setting_gets(setting: Setting) -> None:
    """The table's default, typed in, gives the configuration that leaving it unset gives."""
    environ = {"OPENROUTER_API_KEY": "sk-or-v1-readme", "XDG_STATE_HOME": "/srv/state"}
    documented = _documented_defaults()[setting.flag]
    explicit = load_config({}, {**environ, setting.env: documented})
    assert explicit == load_config({}, environ)


def test_metrics_table_lists_exactly_what_the_exporter_serves(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    documented = set(re.findall(r"^\| `(openrouter_[a-z_]+)`", _block("metrics-table"), re.M))
    config = budget_config(
        simulator,
        tmp_path / "exporter.yml",
        "      - {name: all, amount_usd: 100, period: monthly}\n",
    )
    exporter = start(
        simulator,
        key="none",
        env={
            "OPENROUTER_EXPORTER_CONFIG": str(config),
            "OPENROUTER_EXPORTER_BALANCE_WARNING_USD": "10",
            "OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": "1s",
        },
    )
    metrics = exporter.wait_for_metrics(
        lambda m: "openrouter_model_today_spend_usd" in m.names(), 30, "analytics polled"
    )
    # process_* and python_* are prometheus-client's own, described in the prose.
    served = {
        name
        for name in metrics.names()
        if name.startswith("openrouter_") and not name.endswith("_created")
    }

    assert served <= documented, f"undocumented: {sorted(served - documented)}"
    assert documented <= served, f"documented, never served: {sorted(documented - served)}"
