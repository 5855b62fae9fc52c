"""Debian's Chromium, driven by Playwright, and the state a status-page test starts from."""

import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.storage.sqlite_state import StateStore
from openrouter_simulator import Simulator

CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download cannot work offline: the system's Chromium, headless,
# with everything that would reach out to the network switched off.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS_ENV = "STATUS_PAGE_SCREENSHOTS"
HOUR = 3600.0


def chromium_path() -> str:
    return shutil.which("chromium") or CHROMIUM


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_dir(default: Path) -> Path:
    """``$STATUS_PAGE_SCREENSHOTS`` when set, else ``default`` (under the test's tmp dir)."""
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def seed_balance_history(
    state_dir: Path, sim: Simulator, hours: int, usd_per_day: float
) -> list[float]:
    """Write ``hours`` hourly samples before now into the state, spending ``usd_per_day`` up
    to the simulator's current usage, as an exporter running all that time would have kept.
    Returns their timestamps."""
    totals = sim.engine.totals()
    now = time.time()
    current_hour = now // HOUR * HOUR
    stamps = [current_hour - HOUR * back + HOUR / 2 for back in range(hours, 0, -1)]
    state = StateStore.open(state_dir)
    try:
        for stamp in stamps:
            used = totals["total_usage"] - usd_per_day * (now - stamp) / 86400.0
            state.add_sample("default", Sample(stamp, used, totals["total_credits"]))
    finally:
        state.close()
    return stamps


def sample_hours(state_dir: Path, since: float) -> int:
    """How many distinct hours hold a sample since ``since``: the balance chart's points."""
    uri = f"file:{state_dir / 'state.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as connection:
        rows = connection.execute("SELECT ts FROM samples WHERE ts >= ?", (since,)).fetchall()
    return len({int(ts // HOUR) for (ts,) in rows})
