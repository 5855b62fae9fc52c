"""Time to render one ``/metrics``, measured in this process on a real snapshot.

The snapshot comes from one real poll of the simulator (the same ``AccountPoller`` the
exporter runs, as ``check`` does). Then, timeit style, the median of several repetitions:

* uncached: ``Exposition.render`` of a snapshot version not rendered yet (prometheus-client's
  formatter over the ``SnapshotCollector``, one family at a time), the work done once per poll;
* gzip: the same for a gzip-accepting scraper, compressed as it is rendered;
* cached: ``Exposition.render`` with the body already rendered for this snapshot version,
  the work of every scrape between two polls;
* cached with process metrics: the same, gzipped, with the exporter's own ``process_*`` and
  ``python_*`` metrics (read at most once a second) compressed onto it (the default);
* process part: reading and rendering those metrics, the work of one scrape a second.
"""

import asyncio
import gzip
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import exposition as prometheus_exposition
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import CollectorRegistry

from openrouter_exporter.config.loader import load_config
from openrouter_exporter.core.snapshot import SnapshotStore
from openrouter_exporter.logsetup import configure_logging
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
from openrouter_exporter.serving.exposition import Exposition
from openrouter_exporter.storage.sqlite_state import StateStore


@dataclass(frozen=True)
class RenderTiming:
    uncached_ms: float
    gzip_ms: float
    cached_us: float
    cached_with_process_us: float
    process_part_us: float
    body_bytes: int
    gzip_bytes: int


def median_seconds(call: Callable[[], object], repeat: int, budget: float = 0.25) -> float:
    """Median seconds per call over ``repeat`` rounds of about ``budget`` seconds each."""
    started = time.perf_counter()
    call()
    single = max(time.perf_counter() - started, 1e-7)
    number = max(1, int(budget / single))
    rounds = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            call()
        rounds.append((time.perf_counter() - started) / number)
    return statistics.median(rounds)


async def _poll(poller: AccountPoller) -> None:
    try:
        await poller.poll_once()
    finally:
        await poller.aclose()


def snapshot_store(base_url: str, management_key: str, state_dir: Path) -> SnapshotStore:
    """A snapshot store filled by one real poll of every endpoint."""
    flags: dict[str, str | None] = {
        "base_url": base_url,
        "management_key": management_key,
        "state_dir": str(state_dir),
        "listen_address": "127.0.0.1:0",
    }
    config = load_config(flags, environ={})
    with open(os.devnull, "w") as sink:
        configure_logging("json", "error", config.secrets(), stream=sink)
        state = StateStore.open(config.state_dir)
        store = SnapshotStore([initial_snapshot(item, config) for item in config.accounts])
        try:
            for account in config.accounts:
                asyncio.run(_poll(AccountPoller(account, config, store, state)))
        finally:
            state.close()
    for snapshot in store.current().accounts:
        failed = [name for name, health in snapshot.health.items() if not health.up]
        if failed:
            raise RuntimeError(f"the benchmark poll failed for {failed}")
    store.mark_ready()
    return store


def measure_render(base_url: str, management_key: str, repeat: int) -> RenderTiming:
    with tempfile.TemporaryDirectory(prefix="bench-render-") as scratch:
        store = snapshot_store(base_url, management_key, Path(scratch))
    body = Exposition(store).render(openmetrics_format=False, gzipped=False)
    uncached = median_seconds(
        lambda: Exposition(store).render(openmetrics_format=False, gzipped=False), repeat
    )
    gzipped = median_seconds(
        lambda: Exposition(store).render(openmetrics_format=False, gzipped=True), repeat
    )
    cached_exposition = Exposition(store)
    cached_exposition.render(openmetrics_format=False, gzipped=False)
    cached = median_seconds(
        lambda: cached_exposition.render(openmetrics_format=False, gzipped=False), repeat
    )
    with_process = Exposition(store, exporter_metrics=True)
    with_process.render(openmetrics_format=False, gzipped=True)
    cached_with_process = median_seconds(
        lambda: with_process.render(openmetrics_format=False, gzipped=True), repeat
    )
    process = CollectorRegistry(auto_describe=False)
    for collector in (ProcessCollector, PlatformCollector, GCCollector):
        collector(registry=process)
    process_part = median_seconds(lambda: prometheus_exposition.generate_latest(process), repeat)
    return RenderTiming(
        uncached_ms=uncached * 1e3,
        gzip_ms=gzipped * 1e3,
        cached_us=cached * 1e6,
        cached_with_process_us=cached_with_process * 1e6,
        process_part_us=process_part * 1e6,
        body_bytes=len(body),
        gzip_bytes=len(gzip.compress(body, compresslevel=6, mtime=0)),
    )
