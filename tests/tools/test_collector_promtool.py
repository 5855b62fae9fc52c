"""The golden exposition (see ``tests/unit/test_collector.py``) checked by promtool."""

import subprocess
from pathlib import Path

from tests.support.tools import require_tool

GOLDEN = Path(__file__).parents[1] / "golden" / "exposition.prom"

# Lint findings that are deliberate: the design counts runway in days, as people think of it
# and as the thresholds are written, not in the base unit promtool prefers.
_DELIBERATE_LINT = {
    'openrouter_days_remaining use base unit "seconds" instead of "days"',
    'openrouter_runway_threshold_days use base unit "seconds" instead of "days"',
}
_PROMTOOL_LINT_EXIT = 3


def promtool_check_metrics(exposition: str) -> subprocess.CompletedProcess[str]:
    promtool = require_tool("promtool", "apt-get install prometheus")
    return subprocess.run(
        [promtool, "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_golden_file_passes_promtool_check_metrics() -> None:
    result = promtool_check_metrics(GOLDEN.read_text(encoding="utf-8"))
    findings = set((result.stdout + result.stderr).splitlines())
    assert result.returncode in (0, _PROMTOOL_LINT_EXIT), result.stdout + result.stderr
    assert findings <= _DELIBERATE_LINT


def test_promtool_check_detects_a_broken_exposition() -> None:
    """The check above would catch a real problem: promtool is actually consulted."""
    result = promtool_check_metrics("openrouter_balance_usd{account=} 1\n")
    assert result.returncode not in (0, _PROMTOOL_LINT_EXIT)
