"""Resident memory of one exporter process serving 1, 10 or 100 accounts.

Every account reads the same simulated account (demo scenario, in its own process) under a
name of its own, so the exporter holds one snapshot, ledger and HTTP client per account:
what docs/scaling.md calls memory per account. Run: ``python -m bench.accounts``.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.processes import (
    LOOPBACK,
    Processes,
    SimulatorProcess,
    free_port,
    http_get,
    memory_kib,
    start_simulator,
    wait_serving,
)
from bench.runtime import given, runtime_only

ACCOUNT_COUNTS = (1, 10, 100)
SETTLE_SECONDS = 8.0


def measure(processes: Processes, simulator: SimulatorProcess, accounts: int) -> tuple[float, int]:
    """Resident MiB once the first polls have landed and settled, and the series served."""
    key_file = processes.scratch / "management-key"
    key_file.write_text(simulator.management_key)
    config = processes.scratch / f"accounts-{accounts}.yml"
    config.write_text(
        "accounts:\n"
        + "".join(
            f"  - name: account-{index}\n    management_key_file: {key_file}\n"
            for index in range(accounts)
        )
    )
    port = free_port()
    name = f"exporter-{accounts}-accounts"
    env = {
        "OPENROUTER_EXPORTER_CONFIG": str(config),
        "OPENROUTER_BASE_URL": simulator.base_url,
        "OPENROUTER_EXPORTER_LISTEN_ADDRESS": f"{LOOPBACK}:{port}",
        "OPENROUTER_EXPORTER_STATE_DIR": str(processes.scratch / f"state-{accounts}"),
    }
    child = processes.spawn_exporter(name, ["-m", "openrouter_exporter"], env)
    try:
        wait_serving(processes, child, name, port, time.monotonic())
        time.sleep(SETTLE_SECONDS)
        _, body = http_get(port, "/metrics")
        series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
        return memory_kib(child.pid)["VmRSS"] / 1024, series
    finally:
        processes.stop(child)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.accounts", description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=list(ACCOUNT_COUNTS))
    parser.add_argument(
        "--exporter-python",
        metavar="PATH",
        help="the exporter's interpreter (default: the runtime-only venv, see bench.runtime)",
    )
    options = parser.parse_args(argv)
    runtime = given(options.exporter_python) if options.exporter_python else runtime_only()
    print(f"Exporter interpreter: {runtime.describe()}\n")
    with (
        tempfile.TemporaryDirectory(prefix="openrouter-bench-accounts-") as scratch,
        Processes(Path(scratch), runtime) as processes,
    ):
        simulator = start_simulator(processes, "demo")
        print("| accounts in one process | series | RSS MiB | MiB per extra account |")
        print("|---|---|---|---|")
        single: float | None = None
        for count in options.counts:
            rss, series = measure(processes, simulator, count)
            extra = f"{(rss - single) / (count - 1):.2f}" if single and count > 1 else ""
            single = rss if single is None else single
            print(f"| {count} | {series:,} | {rss:.1f} | {extra} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
