"""How closely the exporter's forecast tracks a simulated drain.

Runs the simulator (demo scenario) at a speed factor with enough money for twice the
measured time, and the real exporter at its default intervals against it; once a minute it
compares ``openrouter_exhaustion_timestamp_seconds`` per window with the simulator's true
exhaustion time (its spend curve integrated exactly). The 24h window needs an hour of the
exporter's own samples, so run it for more than an hour:

    python -m bench.forecast_tracking --speed 24 --minutes 100
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bench.processes import (
    LOOPBACK,
    Processes,
    child_env,
    free_port,
    http_get,
    wait_serving,
)
from openrouter_simulator import Scenario, Simulator

WINDOWS = ("24h", "7d", "30d")


def exhaustion_by_window(body: bytes) -> dict[str, float]:
    return {
        sample.labels["window"]: sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "openrouter_exhaustion_timestamp_seconds"
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.forecast_tracking", description=__doc__)
    parser.add_argument("--speed", type=float, default=24.0)
    parser.add_argument("--minutes", type=float, default=100.0)
    parser.add_argument("--json", type=Path, help="also write one JSON line per minute here")
    options = parser.parse_args(argv)
    simulator = Simulator(Scenario.demo(), speed=options.speed)
    simulator.start(LOOPBACK, 0)
    rate = simulator.engine.state()["current_rate_per_day"]
    balance = rate * options.minutes / 1440 * 2
    simulator.engine.set_usage(total_usage=simulator.engine.state()["total_credits"] - balance)
    print(
        "| minute | true time left, min | " + " | ".join(f"{w} error, min" for w in WINDOWS) + " |"
    )
    print("|---|---|" + "---|" * len(WINDOWS))
    with (
        tempfile.TemporaryDirectory(prefix="openrouter-bench-forecast-") as scratch,
        Processes(Path(scratch)) as processes,
    ):
        port = free_port()
        env = {
            "OPENROUTER_BASE_URL": simulator.base_url,
            "OPENROUTER_MANAGEMENT_KEY": simulator.management_key,
            "OPENROUTER_EXPORTER_LISTEN_ADDRESS": f"{LOOPBACK}:{port}",
            "OPENROUTER_EXPORTER_STATE_DIR": str(Path(scratch) / "state"),
        }
        command = [sys.executable, "-m", "openrouter_exporter"]
        child = processes.spawn("exporter", command, child_env(env))
        started = time.monotonic()
        wait_serving(processes, child, "exporter", port, started)
        try:
            for minute in range(1, int(options.minutes) + 1):
                time.sleep(max(0.0, started + minute * 60 - time.monotonic()))
                _, body = http_get(port, "/metrics")
                truth = simulator.engine.state()["exhaustion_timestamp"]
                now = time.time()
                forecast = exhaustion_by_window(body)
                errors = {
                    window: (forecast[window] - truth) / 60
                    for window in WINDOWS
                    if window in forecast and truth is not None
                }
                cells = " | ".join(f"{errors[w]:+.1f}" if w in errors else "n/a" for w in WINDOWS)
                left = f"{(truth - now) / 60:.1f}" if truth is not None else "n/a"
                print(f"| {minute} | {left} | {cells} |", flush=True)
                if options.json:
                    with options.json.open("a") as out:
                        out.write(json.dumps({"t": now, "truth": truth, **forecast}) + "\n")
        finally:
            simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
