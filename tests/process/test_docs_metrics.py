"""docs/metrics.md lists exactly the openrouter_* series a real exporter serves.

The table is generated from the families rendered for a snapshot without accounts
(``python -m docsgen``); this compares it with a real scrape of an account whose every
endpoint, the Analytics API, a balance floor and a declared budget included, has been polled.
"""

import re
from pathlib import Path

from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.budgets import budget_config

METRICS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def documented() -> set[str]:
    text = METRICS.read_text(encoding="utf-8")
    table = text[text.index("<!-- metrics-table") : text.index("<!-- /metrics-table -->")]
    return set(re.findall(r"^\| `(openrouter_[a-z_]+)`", table, re.M))


def test_metrics_table_lists_exactly_what_the_exporter_serves(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
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

    assert served == documented()
