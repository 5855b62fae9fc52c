"""Figures computed straight from the simulator's /activity answer, to compare with."""

from collections import defaultdict
from datetime import date, timedelta

import httpx

from openrouter_simulator import Simulator


def activity_rows(sim: Simulator) -> list[dict[str, object]]:
    response = httpx.get(
        f"{sim.base_url}/activity",
        headers={"Authorization": f"Bearer {sim.management_key}"},
        timeout=10,
    )
    response.raise_for_status()
    rows: list[dict[str, object]] = response.json()["data"]
    return rows


def row_day(row: dict[str, object]) -> date:
    return date.fromisoformat(str(row["date"])[:10])


def window_end(rows: list[dict[str, object]]) -> date:
    """The exporter's rule: the newest day in the data, or the day before yesterday."""
    settled = date.today() - timedelta(days=2)
    return max([settled, *(row_day(row) for row in rows)])


def burn_per_day(rows: list[dict[str, object]], days: int) -> float:
    end = window_end(rows)
    start = end - timedelta(days=days - 1)
    total = sum(float(str(row["usage"])) for row in rows if start <= row_day(row) <= end)
    return total / days


def spend_by_model_provider(rows: list[dict[str, object]]) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        totals[(str(row["model"]), str(row["provider_name"]))] += float(str(row["usage"]))
    return dict(totals)
