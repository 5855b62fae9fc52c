"""The Analytics API: OpenRouter calls per hour per account with analytics on, and the
delay from a spend on a model to its per-model counter and today's gauge.

Calls: the real exporter with the default intervals compressed ``--compress`` times
(60: poll 1s, activity 30s, analytics 5s, so that an hour takes a minute) against the
simulator (demo scenario: one page of keys); the simulator counts every request it gets,
per endpoint. Beside it, the count the schedule predicts at the default intervals.
``/analytics/meta`` is asked once an hour, so the compressed hour asks it once, as a real
hour does.

Delay: with analytics polled every ``--interval`` seconds and the simulator frozen, the
bench spends on one model ``--spends`` times at random moments and scrapes every 50 ms
until the counter ``openrouter_model_spend_usd_total`` (summed over providers) and the
gauge ``openrouter_model_today_spend_usd`` show it; the delay is at most one interval
plus one poll, and half an interval on average.

    python -m bench.analytics --compress 60 --spends 5 --interval 10
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bench.processes import LOOPBACK, Processes, child_env, free_port, http_get, wait_serving
from openrouter_simulator import Scenario, Simulator

DEFAULTS = {"poll": 60.0, "activity": 1800.0, "analytics": 300.0}
MODEL = "openai/gpt-4.1"
ANALYTICS_QUERIES_PER_POLL = 2  # per model, and key x model
META_PER_HOUR = 1


def planned_calls_per_hour() -> dict[str, float]:
    """From the schedule at the default intervals, for an account with one page of keys."""
    return {
        "keys": 3600 / DEFAULTS["poll"],
        "credits": 3600 / DEFAULTS["poll"],
        "activity": 3600 / DEFAULTS["activity"],
        "analytics": 3600 / DEFAULTS["analytics"] * ANALYTICS_QUERIES_PER_POLL + META_PER_HOUR,
    }


def start_exporter(
    processes: Processes, simulator: Simulator, scratch: Path, intervals: dict[str, float]
) -> int:
    port = free_port()
    env = {
        "OPENROUTER_BASE_URL": simulator.base_url,
        "OPENROUTER_MANAGEMENT_KEY": simulator.management_key,
        "OPENROUTER_EXPORTER_LISTEN_ADDRESS": f"{LOOPBACK}:{port}",
        "OPENROUTER_EXPORTER_STATE_DIR": str(scratch / f"state-{port}"),
        "OPENROUTER_EXPORTER_POLL_INTERVAL": f"{intervals['poll']:g}s",
        "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL": f"{intervals['activity']:g}s",
        "OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": f"{intervals['analytics']:g}s",
    }
    command = [sys.executable, "-m", "openrouter_exporter"]
    child = processes.spawn(f"exporter-{port}", command, child_env(env))
    wait_serving(processes, child, f"exporter-{port}", port, time.monotonic())
    return port


def measure_calls(compress: float) -> dict[str, int]:
    simulator = Simulator(Scenario.demo(), speed=1.0)
    simulator.start(LOOPBACK, 0)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="openrouter-bench-analytics-") as scratch,
            Processes(Path(scratch)) as processes,
        ):
            intervals = {name: value / compress for name, value in DEFAULTS.items()}
            started = time.monotonic()
            start_exporter(processes, simulator, Path(scratch), intervals)
            time.sleep(max(0.0, started + 3600 / compress - time.monotonic()))
            return simulator.engine.call_counts()
    finally:
        simulator.stop()


def _model_figures(body: bytes) -> tuple[float, float | None]:
    counter, gauge = 0.0, None
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.labels.get("model") != MODEL:
                continue
            if sample.name == "openrouter_model_spend_usd_total":
                counter += sample.value
            elif sample.name == "openrouter_model_today_spend_usd":
                gauge = sample.value
    return counter, gauge


def measure_delays(spends: int, interval: float, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    simulator = Simulator(Scenario.demo(), speed=0.0)
    simulator.start(LOOPBACK, 0)
    delays = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix="openrouter-bench-analytics-") as scratch,
            Processes(Path(scratch)) as processes,
        ):
            intervals = {"poll": 1.0, "activity": 60.0, "analytics": interval}
            port = start_exporter(processes, simulator, Path(scratch), intervals)
            while _model_figures(http_get(port, "/metrics")[1])[1] is None:
                time.sleep(0.05)
            for _ in range(spends):
                time.sleep(rng.uniform(0, interval))
                counter, gauge = _model_figures(http_get(port, "/metrics")[1])
                assert gauge is not None
                spent_at = time.monotonic()
                simulator.engine.spend_on_model(MODEL, 1.0)
                seen: dict[str, float] = {}
                while len(seen) < 2:
                    now_counter, now_gauge = _model_figures(http_get(port, "/metrics")[1])
                    elapsed = time.monotonic() - spent_at
                    if "counter" not in seen and now_counter >= counter + 1.0 - 1e-6:
                        seen["counter"] = elapsed
                    if "gauge" not in seen and (now_gauge or 0) >= gauge + 1.0 - 1e-6:
                        seen["gauge"] = elapsed
                    time.sleep(0.05)
                delays.append((seen["counter"], seen["gauge"]))
    finally:
        simulator.stop()
    return delays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    parser.add_argument("--compress", type=float, default=60.0)
    parser.add_argument("--spends", type=int, default=5)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)

    plan = planned_calls_per_hour()
    measured = measure_calls(options.compress)
    print(f"OpenRouter calls in one hour (compressed {options.compress:g}x), demo account:\n")
    print("| endpoint | planned at defaults | measured |")
    print("|---|---|---|")
    for endpoint in sorted(set(plan) | set(measured)):
        print(f"| {endpoint} | {plan.get(endpoint, 0):.0f} | {measured.get(endpoint, 0)} |")
    print(f"| **total** | {sum(plan.values()):.0f} | {sum(measured.values())} |\n")

    delays = measure_delays(options.spends, options.interval, options.seed)
    print(f"Delay from a spend to /metrics, analytics every {options.interval:g}s:\n")
    print("| spend | counter s | gauge s | counter / interval |")
    print("|---|---|---|---|")
    for index, (counter, gauge) in enumerate(delays, 1):
        print(f"| {index} | {counter:.2f} | {gauge:.2f} | {counter / options.interval:.2f} |")
    worst = max(max(pair) for pair in delays)
    mean = sum(counter for counter, _ in delays) / len(delays)
    print(
        f"\nmean {mean:.2f}s ({mean / options.interval:.2f} interval), "
        f"max {worst:.2f}s ({worst / options.interval:.2f} interval)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
