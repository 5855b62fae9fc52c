"""Many concurrent scrapers for a bounded time while the poller runs.

The simulator runs in its own process here, so the scraping threads of this process cannot
slow it down: if polls fall behind, the exporter is to blame. Every answer must be
complete, and the simulator's record of arrivals must show /credits polled on schedule
throughout the load.
"""

import hashlib
import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from tests.support.exporter import ExporterProcess, start_exporter, wait_until

CLIENTS = 32
LOAD_SECONDS = 8.0
MAX_SCRAPES_PER_CLIENT = 5000
POLL_INTERVAL = 1.0
# A starved poller would leave the whole load window without a poll; a busy shared machine
# (parallel test workers) can delay one poll by a few intervals without anything being wrong.
MAX_POLL_GAP = 6.0 * POLL_INTERVAL
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


@dataclass
class SimulatorProcess:
    process: subprocess.Popen[bytes]
    credentials: dict[str, Any]

    def state(self) -> dict[str, Any]:
        response = httpx.get(f"{self.credentials['control_url']}/state", timeout=10)
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state


@pytest.fixture
def sim_process(tmp_path: Path) -> Iterator[SimulatorProcess]:
    keys_file = tmp_path / "sim-keys.json"
    command = [sys.executable, "-m", "openrouter_simulator", "--speed", "0"]
    process = subprocess.Popen(
        [*command, "--listen", "127.0.0.1:0", "--keys-file", str(keys_file)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: keys_file.exists() or process.poll() is not None,
            timeout=30,
            message="the simulator writes its keys file",
        )
        assert process.poll() is None, "the simulator exited"
        yield SimulatorProcess(process, json.loads(keys_file.read_text(encoding="utf-8")))
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def exporter(sim_process: SimulatorProcess, tmp_path: Path) -> Iterator[ExporterProcess]:
    env = {
        "OPENROUTER_BASE_URL": sim_process.credentials["base_url"],
        "OPENROUTER_MANAGEMENT_KEY": sim_process.credentials["management_key"],
        "OPENROUTER_EXPORTER_POLL_INTERVAL": f"{POLL_INTERVAL:g}s",
        "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL": f"{POLL_INTERVAL:g}s",
        "OPENROUTER_EXPORTER_STATE_DIR": str(tmp_path / "state"),
    }
    process = start_exporter([], env, tmp_path / "exporter.log")
    yield process
    process.kill()


@dataclass
class ScrapeLog:
    """What the scrapers saw; bodies are kept once each (they change only when a poll ends)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    scrapes: int = 0
    failures: list[str] = field(default_factory=list)
    bodies: dict[str, tuple[bool, str]] = field(default_factory=dict)

    def record(self, response: httpx.Response | None, error: str | None, openmetrics: bool) -> None:
        with self.lock:
            self.scrapes += 1
            if error is not None or response is None:
                self.failures.append(error or "no response")
                return
            if response.status_code != 200:
                self.failures.append(f"status {response.status_code}")
                return
            body = response.text
            self.bodies.setdefault(hashlib.sha256(body.encode()).hexdigest(), (openmetrics, body))


def scraper(url: str, openmetrics: bool, deadline: float, log: ScrapeLog) -> None:
    headers = {"Accept": OPENMETRICS} if openmetrics else {}
    with httpx.Client(timeout=10.0, headers=headers) as client:
        for _ in range(MAX_SCRAPES_PER_CLIENT):
            if time.monotonic() >= deadline:
                return
            try:
                response = client.get(url)
            except httpx.HTTPError as error:
                log.record(None, f"{type(error).__name__}: {error}", openmetrics)
            else:
                log.record(response, None, openmetrics)


# The exporter's own metrics are rendered after the snapshot's; this family is the last.
LAST_FAMILY = "python_gc_collections_total"


def is_complete(openmetrics: bool, body: str) -> bool:
    if openmetrics:
        # Raises unless the body ends with "# EOF".
        families = list(openmetrics_families(body))  # type: ignore[no-untyped-call]
    else:
        families = list(text_string_to_metric_families(body))
        last_line = body.rstrip("\n").rsplit("\n", 1)[-1]
        if not (body.endswith("\n") and last_line.startswith(LAST_FAMILY)):
            return False
    names = {family.name for family in families}
    return {"openrouter_balance_usd", "openrouter_up", "openrouter_exporter_build_info"} <= names


def test_concurrent_scrapes_all_complete_while_polls_keep_their_schedule(
    sim_process: SimulatorProcess, exporter: ExporterProcess
) -> None:
    log = ScrapeLog()
    started = time.time()
    deadline = time.monotonic() + LOAD_SECONDS
    threads = [
        threading.Thread(
            target=scraper,
            args=(f"{exporter.url}/metrics", index % 2 == 1, deadline, log),
            daemon=True,
        )
        for index in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 30)
    ended = time.time()

    assert not any(thread.is_alive() for thread in threads)
    print(f"{log.scrapes} scrapes by {CLIENTS} clients in {ended - started:.1f}s")
    assert not log.failures, log.failures[:5]
    assert log.scrapes >= CLIENTS
    assert log.bodies
    for openmetrics, body in log.bodies.values():
        assert is_complete(openmetrics, body)

    credits = sim_process.state()["calls"]["credits"]["timestamps"]
    during = [at for at in credits if started <= at <= ended]
    schedule = [started, *during, ended]
    gaps = [later - earlier for earlier, later in itertools.pairwise(schedule)]
    assert max(gaps) <= MAX_POLL_GAP, gaps
    health = exporter.metrics()
    for endpoint in ("credits", "keys", "activity"):
        assert health.get("openrouter_up", endpoint=endpoint) == 1.0, endpoint
    assert not any(health.series("openrouter_api_errors_total").values())
