"""CPU time per ``/metrics`` request, exporter and static server.

Run: ``python -m bench.cpu_per_request``.

Throughput on a shared machine moves with the neighbours; the CPU time a server spends per
request (user + system, from ``/proc/PID/stat``, over a load run) moves much less, so it
shows what the exporter pays per request beyond the static server serving the same bytes.
Exporter and static runs alternate, as in ``python -m bench``.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench.loadgen import run_load
from bench.processes import Processes, start_exporter, start_simulator, start_static

_TICK = os.sysconf("SC_CLK_TCK")
_ENCODINGS = {"identity": {}, "gzip": {"Accept-Encoding": "gzip"}}
_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _cost(
    pid: int, url: str, connections: int, duration: float, headers: dict[str, str]
) -> tuple[float, int]:
    before = cpu_seconds(pid)
    result = run_load(f"{url}/metrics", connections, duration, headers=headers)
    return cpu_seconds(pid) - before, result.requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_per_request", description=__doc__)
    parser.add_argument("--scenario", default="small")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-cpu-") as scratch,
        Processes(Path(scratch)) as processes,
    ):
        simulator = start_simulator(processes, options.scenario)
        exporter = start_exporter(processes, simulator, "exporter")
        print(
            "| scenario | encoding | conns | exporter CPU µs/request | static | static ÷ exporter |"
        )
        print("|---|---|---|---|---|---|")
        for encoding, headers in _ENCODINGS.items():
            body = exporter.metrics(headers)
            static = start_static(
                processes, f"static-{encoding}", body, _CONTENT_TYPE, "gzip" if headers else ""
            )
            servers = {"exporter": (exporter.process.pid, exporter.url)}
            servers["static"] = (static.process.pid, static.url)
            for connections in options.connections:
                spent = {name: [0.0, 0] for name in servers}
                for round_number in range(options.rounds):
                    order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
                    for name in order:
                        pid, url = servers[name]
                        cpu, requests = _cost(pid, url, connections, options.duration, headers)
                        spent[name][0] += cpu
                        spent[name][1] += requests
                mine, theirs = (spent[name][0] / max(spent[name][1], 1) * 1e6 for name in servers)
                print(
                    f"| {options.scenario} | {encoding} | {connections} | {mine:.0f} | "
                    f"{theirs:.0f} | {theirs / mine:.2f} |",
                    flush=True,
                )
            processes.stop(static.process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
