"""The status page for the large account (1,000 keys, 300 models): render time, and whether
serving it slows ``/metrics``.

``python -m bench.status_page [--renders 300] [--duration 5]`` prints two tables:

* render: in this process, on a snapshot from one real poll of the large simulator and a
  state holding 30 days of hourly balance samples (720 chart points): the time of
  ``build_status`` + ``render_page`` (``/``) and ``build_status`` + JSON (``/status.json``),
  each call timed on its own, p50 and p99, in wall-clock time and in CPU time (on a shared
  machine the wall-clock tail is mostly other processes' turn on the CPU);
* serving: the real exporter against the large simulator, each in its own process; load on
  ``/metrics`` (1 connection, as Prometheus scrapes) alone, then the same load while another
  connection loads ``/`` back to back (far more than any number of browsers refreshing every
  30 s), in alternating rounds of one run.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.loadgen import LoadResult, percentile, run_load
from bench.processes import Processes, SimulatorProcess, start_exporter, start_simulator
from bench.render import snapshot_store
from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.status_page.html import render_page
from openrouter_exporter.status_page.view import build_status, status_json
from openrouter_exporter.storage.sqlite_state import StateStore

HOUR = 3600.0
PAGE_CONNECTIONS = 1


def _timings(call: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Milliseconds per call, sorted: wall-clock time, and this thread's CPU time (the work
    itself, whatever else the machine is running)."""
    call()  # warm
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.thread_time()
        call()
        wall.append((time.perf_counter() - started) * 1e3)
        cpu.append((time.thread_time() - started_cpu) * 1e3)
    return sorted(wall), sorted(cpu)


def _seeded_state(directory: Path, account: str) -> StateStore:
    state = StateStore.open(directory)
    now = time.time()
    for back in range(30 * 24, 0, -1):
        stamp = now - back * HOUR
        state.add_sample(account, Sample(stamp, 80_000.0 - back * 100.0, 100_000.0))
    return state


def measure_render(base_url: str, management_key: str, count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-status-") as scratch:
        store = snapshot_store(base_url, management_key, Path(scratch) / "poll")
        state = _seeded_state(Path(scratch) / "history", store.current().accounts[0].name)
        try:
            snapshot = store.current()

            def page() -> bytes:
                return render_page(build_status(snapshot, state.samples, time.time())).encode()

            def document() -> bytes:
                view = build_status(snapshot, state.samples, time.time())
                return json.dumps(status_json(view), allow_nan=False).encode()

            timings = {"page": _timings(page, count), "json": _timings(document, count)}
            sizes = {"page": len(page()), "json": len(document())}
        finally:
            state.close()
    figures: dict[str, float] = {}
    for name, (wall, cpu) in timings.items():
        figures[f"{name}_p50_ms"] = percentile(wall, 50)
        figures[f"{name}_p99_ms"] = percentile(wall, 99)
        figures[f"{name}_cpu_p50_ms"] = percentile(cpu, 50)
        figures[f"{name}_cpu_p99_ms"] = percentile(cpu, 99)
        figures[f"{name}_kib"] = sizes[name] / 1024
    return figures


def measure_serving(
    processes: Processes, simulator: SimulatorProcess, duration: float, rounds: int
) -> dict[str, list[LoadResult]]:
    """Alternate rounds of /metrics alone and /metrics beside a page load, so that the noise
    of a shared machine falls on both alike."""
    exporter = start_exporter(processes, simulator, "exporter-large")
    metrics_url, page_url = f"{exporter.url}/metrics", f"{exporter.url}/"
    results: dict[str, list[LoadResult]] = {"alone": [], "beside": [], "page": []}
    for _ in range(rounds):
        results["alone"].append(run_load(metrics_url, 1, duration, generator="python"))
        loader = threading.Thread(
            target=lambda: results["page"].append(
                run_load(page_url, PAGE_CONNECTIONS, duration + 1.0, generator="python")
            )
        )
        loader.start()
        time.sleep(0.5)  # the page load runs before /metrics is measured, and after
        results["beside"].append(run_load(metrics_url, 1, duration, generator="python"))
        loader.join()
    return results


def _median(results: list[LoadResult], field: str) -> float:
    return statistics.median(float(getattr(item, field)) for item in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.status_page")
    parser.add_argument("--renders", type=int, default=300, help="timed renders of each kind")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each load run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating load rounds")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-status-page-") as scratch,
        Processes(Path(scratch)) as processes,
    ):
        simulator = start_simulator(processes, "large")
        render = measure_render(simulator.base_url, simulator.management_key, args.renders)
        serving = measure_serving(processes, simulator, args.duration, args.rounds)
    load = os.getloadavg()[0]
    print(
        f"Status page, large account; {os.cpu_count()} cores, load average {load:.1f}, "
        f"Python {sys.version.split()[0]}"
    )
    print()
    print("| render | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms | body KiB |")
    print("|---|---|---|---|---|---|")
    for name, label in (("page", "`/` (view model + HTML)"), ("json", "`/status.json`")):
        print(
            f"| {label} | {render[f'{name}_p50_ms']:.1f} | {render[f'{name}_p99_ms']:.1f} | "
            f"{render[f'{name}_cpu_p50_ms']:.1f} | {render[f'{name}_cpu_p99_ms']:.1f} | "
            f"{render[f'{name}_kib']:.0f} |"
        )
    print()
    names = {
        "alone": "`/metrics` alone",
        "beside": "`/metrics` while `/` is loaded",
        "page": f"`/` ({PAGE_CONNECTIONS} connection, back to back)",
    }
    print(f"| served (median of {args.rounds} rounds) | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|")
    for key, name in names.items():
        runs = serving[key]
        print(
            f"| {name} | {_median(runs, 'requests_per_second'):,.0f} | "
            f"{_median(runs, 'p50_ms'):.2f} | {_median(runs, 'p99_ms'):.2f} | "
            f"{sum(item.errors for item in runs)} |"
        )
    alone, beside = serving["alone"], serving["beside"]
    print()
    print(
        "/metrics while the page is loaded ÷ alone: "
        f"p50 {_median(beside, 'p50_ms') / _median(alone, 'p50_ms'):.2f}, "
        f"p99 {_median(beside, 'p99_ms') / _median(alone, 'p99_ms'):.2f}, "
        f"req/s {_median(beside, 'requests_per_second') / _median(alone, 'requests_per_second'):.2f}"  # noqa: E501
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
