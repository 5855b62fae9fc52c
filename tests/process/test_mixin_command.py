"""``openrouter-exporter mixin --out DIR``: the installed command writes what the repository
ships for the default config, and the user's own selector when given one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[2]


def run_mixin(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openrouter_exporter", "mixin", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_default_config_writes_the_shipped_rules_prometheusrule_and_dashboards(
    tmp_path: Path,
) -> None:
    result = run_mixin("--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    rules = "alerts/openrouter-alerts.yml"
    assert (tmp_path / rules).read_text() == (REPOSITORY / rules).read_text()
    shipped_boards = sorted((REPOSITORY / "grafana" / "dashboards").glob("*.json"))
    assert shipped_boards
    for board in shipped_boards:
        written = tmp_path / "grafana" / "dashboards" / board.name
        assert written.read_text() == board.read_text(), board.name
    written_rule = yaml.safe_load((tmp_path / "kubernetes" / "prometheusrule.yaml").read_text())
    shipped_rule = yaml.safe_load(
        (REPOSITORY / "deploy" / "kubernetes" / "base" / "prometheusrule.yaml").read_text()
    )
    assert written_rule == shipped_rule


def test_a_custom_selector_from_a_config_file_reaches_rules_and_dashboards(
    tmp_path: Path,
) -> None:
    config = tmp_path / "mixin.yaml"
    config.write_text('selector: job="llm-costs"\ngrafana_url: https://grafana.example.com\n')
    out = tmp_path / "out"
    result = run_mixin("--out", str(out), "--config", str(config))
    assert result.returncode == 0, result.stderr
    rules = yaml.safe_load((out / "alerts" / "openrouter-alerts.yml").read_text())
    exhausted = next(
        rule
        for group in rules["groups"]
        for rule in group["rules"]
        if rule.get("alert") == "OpenRouterCreditsExhausted"
    )
    assert exhausted["expr"] == 'openrouter_balance_usd{job="llm-costs"} <= 0'
    assert exhausted["annotations"]["dashboard_url"].startswith(
        "https://grafana.example.com/d/openrouter-overview"
    )
    overview = json.loads((out / "grafana" / "dashboards" / "openrouter-overview.json").read_text())
    queries = [
        target["expr"] for panel in overview["panels"] for target in panel.get("targets", [])
    ]
    assert queries
    assert all('job="llm-costs"' in query for query in queries if "openrouter_" in query)


def test_a_flag_wins_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "mixin.json"
    config.write_text(json.dumps({"selector": 'job="from-file"'}))
    result = run_mixin(
        "--out", str(tmp_path / "out"), "--config", str(config), "--selector", 'job="flag"'
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out" / "alerts" / "openrouter-alerts.yml").read_text()
    assert 'job="flag"' in text
    assert "from-file" not in text


def test_an_unknown_setting_is_named_and_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "mixin.yaml"
    config.write_text('selectr: job="x"\n')
    result = run_mixin("--out", str(tmp_path / "out"), "--config", str(config))
    assert result.returncode == 2
    assert "unknown setting 'selectr'" in result.stderr
    assert not (tmp_path / "out").exists()
