"""Where the memory of the large account goes: ``python -m bench.memory_profile``.

In this process, with ``tracemalloc`` on: one real poll of the simulator's ``large``
scenario (the exporter's own ``AccountPoller``, as ``bench.render`` does), then every
``/metrics`` format (text and OpenMetrics, identity and gzip, with the process metrics), then
``/`` and ``/status.json``. Prints the top allocation sites (file:line) of what stays
resident after the poll and after the renders, the traced peak of each step, and the
resident size of the process (``VmRSS``) with and without ``malloc_trim``.
"""

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

from bench.processes import Processes, memory_kib, start_simulator

MIB = 1024 * 1024


def _top(snapshot: tracemalloc.Snapshot, base: tracemalloc.Snapshot, count: int) -> None:
    stats = snapshot.compare_to(base, "lineno")
    stats.sort(key=lambda stat: stat.size_diff, reverse=True)
    print("| KiB | blocks | where |")
    print("|---|---|---|")
    for stat in stats[:count]:
        frame = stat.traceback[0]
        name = frame.filename
        for marker in ("site-packages/", "/src/", "/lib/python3"):
            if marker in name:
                name = name.split(marker, 1)[1]
                break
        print(f"| {stat.size_diff / 1024:,.0f} | {stat.count_diff:,} | {name}:{frame.lineno} |")


def _rss() -> str:
    kib = memory_kib(os.getpid())
    return f"VmRSS {kib['VmRSS'] / 1024:.1f} MiB (VmHWM {kib['VmHWM'] / 1024:.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory_profile", description=__doc__)
    parser.add_argument("--scenario", default="large")
    parser.add_argument("--top", type=int, default=10)
    options = parser.parse_args(argv)
    # Imported here so that the import itself is outside the traced figures.
    from openrouter_exporter.config.loader import load_config
    from openrouter_exporter.core.snapshot import SnapshotStore
    from openrouter_exporter.logsetup import configure_logging
    from openrouter_exporter.polling.memory import configure_allocator, release_free_memory
    from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
    from openrouter_exporter.serving.exposition import Exposition
    from openrouter_exporter.status_page.routes import StatusRoutes
    from openrouter_exporter.storage.sqlite_state import StateStore

    configure_allocator()  # as the exporter does at start-up
    with (
        tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch,
        Processes(Path(scratch)) as processes,
    ):
        simulator = start_simulator(processes, options.scenario)
        config = load_config(
            {
                "base_url": simulator.base_url,
                "management_key": simulator.management_key,
                "state_dir": str(Path(scratch) / "state"),
                "listen_address": "127.0.0.1:0",
            },
            environ={},
        )
        sink = open(os.devnull, "w")  # noqa: SIM115
        configure_logging("json", "error", config.secrets(), stream=sink)
        state = StateStore.open(config.state_dir)
        store = SnapshotStore([initial_snapshot(item, config) for item in config.accounts])
        pollers = [AccountPoller(item, config, store, state) for item in config.accounts]
        print(f"before: {_rss()}")
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.take_snapshot()

        async def poll() -> None:
            for poller in pollers:
                await poller.poll_once()

        loop = asyncio.new_event_loop()
        for _ in range(2):
            loop.run_until_complete(poll())
        store.mark_ready()
        gc.collect()
        _, peak = tracemalloc.get_traced_memory()
        polled = tracemalloc.take_snapshot()
        current, _ = tracemalloc.get_traced_memory()
        print(f"\n## after two polls: traced {current / MIB:.1f} MiB, peak {peak / MIB:.1f}")
        _top(polled, base, options.top)

        tracemalloc.reset_peak()
        exposition = Exposition(store, exporter_metrics=True)
        for openmetrics_format in (False, True):
            for gzipped in (False, True):
                exposition.render(openmetrics_format=openmetrics_format, gzipped=gzipped)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        rendered = tracemalloc.take_snapshot()
        print(f"\n## /metrics, four formats: traced {current / MIB:.1f} MiB, peak {peak / MIB:.1f}")
        _top(rendered, polled, options.top)

        tracemalloc.reset_peak()
        routes = StatusRoutes(store, state.samples)
        for path in ("/", "/status.json"):
            routes.render(path)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        paged = tracemalloc.take_snapshot()
        print(f"\n## / and /status.json: traced {current / MIB:.1f} MiB, peak {peak / MIB:.1f}")
        _top(paged, rendered, options.top)
        print("\n## everything resident since the start of the poll")
        _top(paged, base, options.top)
        tracemalloc.stop()
        print(f"\nafter: {_rss()}")
        release_free_memory()
        print(f"after malloc_trim: {_rss()}")
        for poller in pollers:
            loop.run_until_complete(poller.aclose())
        loop.close()
        state.close()
        sink.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
