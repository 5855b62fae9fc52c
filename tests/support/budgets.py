"""A config file declaring budgets for one account against the simulator."""

from pathlib import Path

from openrouter_simulator import Simulator


def budget_config(sim: Simulator, path: Path, budgets: str, *, account: str = "default") -> Path:
    """Write a config file whose one account reads ``sim`` with its management key and
    declares ``budgets`` (YAML list items, each line indented by six spaces)."""
    path.write_text(
        f"accounts:\n  - name: {account}\n    management_key: {sim.management_key}\n"
        f"    base_url: {sim.base_url}\n    budgets:\n{budgets}",
        encoding="utf-8",
    )
    return path
