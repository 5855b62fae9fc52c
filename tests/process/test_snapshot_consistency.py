"""One poll, one published snapshot: a scrape never mixes figures from different polls.

The real exporter polls the simulator every second for several accounts while the balance
is topped up again and again and several scrapers read ``/metrics`` without pause. In every
scrape, each account's days remaining times its burn rate must give back its balance: a
days remaining computed from an older balance than the one shown would not.
"""

import math
import threading
from pathlib import Path

import httpx

from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.exporter import Metrics

ACCOUNTS = 6
SCRAPERS = 3
SCRAPES_EACH = 70
TOP_UP_EVERY_SECONDS = 0.1
FORECAST_WINDOWS = ("24h", "7d", "30d")


def _config_file(sim: Simulator, path: Path) -> Path:
    lines = ["accounts:"]
    for number in range(ACCOUNTS):
        lines += [
            f"  - name: account-{number}",
            f"    base_url: {sim.base_url}",
            f"    management_key: {sim.management_key}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _top_up_until(sim: Simulator, stop: threading.Event) -> None:
    while not stop.wait(TOP_UP_EVERY_SECONDS):
        sim.engine.top_up(1.0)


def _torn_windows(metrics: Metrics, account: str) -> list[str]:
    """Windows whose days remaining and burn rate do not multiply back to the balance."""
    balance = metrics.get("openrouter_balance_usd", account=account)
    if balance is None or balance <= 0:
        return []
    torn = []
    for window in FORECAST_WINDOWS:
        days = metrics.get("openrouter_days_remaining", account=account, window=window)
        burn = metrics.get("openrouter_burn_rate_usd_per_day", account=account, window=window)
        if days is None or burn is None or burn <= 0 or math.isinf(days):
            continue
        if not math.isclose(days * burn, balance, rel_tol=1e-9):
            torn.append(f"{account} {window}: {days} days x {burn}/day != balance {balance}")
    return torn


def _scrape(url: str, found: list[Metrics]) -> None:
    with httpx.Client(base_url=url, timeout=10.0) as client:
        for _ in range(SCRAPES_EACH):
            found.append(Metrics.parse(client.get("/metrics").raise_for_status().text))


def test_no_scrape_sees_a_balance_and_days_remaining_from_different_polls(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    config = _config_file(simulator, tmp_path / "accounts.yml")
    exporter = start(simulator, key="none", env={"OPENROUTER_EXPORTER_CONFIG": str(config)})
    stop = threading.Event()
    topping_up = threading.Thread(target=_top_up_until, args=(simulator, stop), daemon=True)
    scraped: list[Metrics] = []
    scrapers = [
        threading.Thread(target=_scrape, args=(exporter.url, scraped)) for _ in range(SCRAPERS)
    ]
    topping_up.start()
    try:
        for scraper in scrapers:
            scraper.start()
        for scraper in scrapers:
            scraper.join()
    finally:
        stop.set()
        topping_up.join()

    accounts = [f"account-{number}" for number in range(ACCOUNTS)]
    torn = [
        line for metrics in scraped for name in accounts for line in _torn_windows(metrics, name)
    ]
    compared = [
        metrics
        for metrics in scraped
        if metrics.get("openrouter_days_remaining", account="account-0", window="7d") is not None
    ]
    balances = {metrics.get("openrouter_balance_usd", account="account-0") for metrics in scraped}
    assert torn == []
    assert len(compared) == SCRAPERS * SCRAPES_EACH
    assert len(balances) >= 5, "the balance must change during the test for it to mean anything"
