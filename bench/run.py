"""Run every benchmark against the simulator and print the figures as markdown tables.

``python -m bench`` (or ``bench/run.py``) from the repository root; ``--quick`` for a short
run, ``--scenario small|large`` for one account, ``--json PATH`` to keep the figures.

Per scenario (the simulator's ``small``: 3 keys, 10 models; ``large``: 1,000 keys, 300
models over 12 providers), each in its own processes on loopback:

1. the simulator, ``python -m openrouter_simulator``, in a process of its own;
2. the render time of one ``/metrics``, in this process, on a snapshot from a real poll;
3. the exporter at its default intervals (``python -m openrouter_exporter``): time from
   launch to ``/readyz`` and to a ``/metrics`` with the balance; series count; then
   ``/metrics`` under load with C keep-alive connections, each run followed by the same
   load on a bare static server serving the very same bytes on the same stack
   (``bench.static_server``), whose throughput is the ceiling of this runtime; resident
   memory after the load;
4. the exporter again at a 3 s interval for a few polls: poll duration per endpoint (its
   own ``openrouter_poll_duration_seconds``), resident memory after several polls, and the
   OpenRouter calls per poll counted by the simulator, extrapolated to the default
   intervals and compared with the plan (``credits`` and ``keys`` pages every poll
   interval, ``activity`` every activity interval).

Then ``openrouter-exporter demo``: launch to ready and to the first complete ``/metrics``.
Timings on a shared machine are noisy: compare the ratios within one run.
"""

import argparse
import gzip
import json
import math
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.analytics import ANALYTICS_QUERIES_PER_POLL
from bench.loadgen import LoadResult, run_load, wrk_path
from bench.processes import (
    ExporterProcess,
    Processes,
    SimulatorProcess,
    child_env,
    memory_kib,
    start_demo,
    start_exporter,
    start_simulator,
    start_static,
    wait_for,
)
from bench.render import RenderTiming, measure_render
from bench.report import Machine, machine, number, table
from openrouter_exporter.config.loader import load_config
from openrouter_exporter.endpoints.keys import keys_interval
from openrouter_exporter.openrouter.client import KEYS_PAGE_SIZE
from openrouter_exporter.polling.poller import planned_endpoints
from openrouter_exporter.serving.exposition import PROMETHEUS_TEXT

SCENARIOS = ("small", "large")
TARGET_RATIO = 0.8
TARGET_P99_MS = 10.0
TARGET_RSS_MIB = 80.0
TARGET_CALLS_PER_HOUR = 200.0
GZIP = {"Accept-Encoding": "gzip"}
SCRAPE_PAUSE = 0.2
FAST_INTERVAL = "3s"  # request timeout is at most half of it: 1.5 s, ample on loopback
POLL_GAP_SECONDS = 1.0  # calls further apart than this belong to different polls
MAIN_COLUMNS = (
    "scenario",
    "keys",
    "models",
    "series",
    "body KiB (gzip)",
    "render ms",
    "cached µs (gzip + process; process part)",
    "req/s",
    "p50 ms",
    "p99 ms",
    "static req/s",
    "ratio",
    "scrape ms after poll / cached",
    "poll keys / credits / activity s",
    "RSS MiB (peak)",
    "calls/h plan / measured",
    "ready s",
)


@dataclass(frozen=True)
class Plan:
    quick: bool
    duration: float
    connections: tuple[int, ...]
    gzip_connections: tuple[int, ...]
    poll_seconds: float
    render_repeat: int
    generator: str
    rounds: int
    exporter_env: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls, args: argparse.Namespace) -> "Plan":
        quick = bool(args.quick)
        connections = args.connections or ((8,) if quick else (1, 8, 32))
        return cls(
            quick=quick,
            duration=args.duration or (2.0 if quick else 3.0),
            connections=tuple(connections),
            gzip_connections=() if quick else tuple(connections),
            poll_seconds=6.5 if quick else 10.0,
            render_repeat=3 if quick else 7,
            generator=args.generator,
            rounds=args.rounds or (1 if quick else 2),
            exporter_env=tuple(args.exporter_env),
        )


@dataclass
class LoadPair:
    encoding: str
    connections: int
    exporter: LoadResult
    static: LoadResult

    @property
    def ratio(self) -> float:
        if self.static.requests_per_second <= 0:
            return math.nan
        return self.exporter.requests_per_second / self.static.requests_per_second


@dataclass
class Calls:
    planned_per_hour: dict[str, float]
    observed_calls: dict[str, int]
    observed_polls: dict[str, int]
    calls_per_poll: dict[str, float]
    measured_per_hour: dict[str, float]

    @property
    def planned_total(self) -> float:
        return sum(self.planned_per_hour.values())

    @property
    def measured_total(self) -> float:
        return sum(self.measured_per_hour.values())


@dataclass
class ScenarioFigures:
    scenario: str
    keys: int
    models: int
    model_providers: int
    series: int
    series_by_metric: dict[str, int]
    render: RenderTiming
    ready_seconds: float
    first_metrics_seconds: float
    first_poll_seconds: dict[str, float]
    steady_poll_seconds: dict[str, float]
    memory_after_load_kib: dict[str, int]
    memory_after_polls_kib: dict[str, int]
    scrape_after_poll_ms: float  # one gzip scrape that renders a new snapshot
    scrape_cached_ms: float  # one gzip scrape served from the cache
    calls: Calls
    load: list[LoadPair] = field(default_factory=list)

    def headline(self) -> LoadPair | None:
        plain = [pair for pair in self.load if pair.encoding == "identity"]
        busy = [pair for pair in plain if pair.connections > 1] or plain
        return busy[0] if busy else None

    @property
    def rss_mib(self) -> float:
        values = (self.memory_after_load_kib["VmRSS"], self.memory_after_polls_kib["VmRSS"])
        return max(values) / 1024

    @property
    def peak_mib(self) -> float:
        values = (self.memory_after_load_kib["VmHWM"], self.memory_after_polls_kib["VmHWM"])
        return max(values) / 1024


# Reading an exposition


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def samples(text: str) -> list[tuple[str, str, float]]:
    """(name, labels, value) of every sample line."""
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match is None:
            raise ValueError(f"unexpected exposition line {line[:120]!r}")
        found.append((match.group(1), match.group(2) or "", float(match.group(3))))
    return found


def _label(labels: str, name: str) -> str:
    match = re.search(rf'[{{,]{name}="([^"]*)"', labels)
    return match.group(1) if match else ""


def poll_durations(text: str) -> dict[str, float]:
    return {
        _label(labels, "endpoint"): value
        for name, labels, value in samples(text)
        if name == "openrouter_poll_duration_seconds"
    }


# The measurements


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def default_intervals() -> dict[str, float]:
    """Seconds between polls of each endpoint for a management key at the default settings,
    straight from the poller's own plan."""
    config = load_config({"management_key": "plan-only"}, environ={})
    return {
        str(name): interval
        for name, interval in planned_endpoints(config.accounts[0], config).items()
    }


def keys_pages(keys: int) -> int:
    """``/keys`` is paged by 100 until a short page, so 1,000 keys take 11 requests."""
    return keys // KEYS_PAGE_SIZE + 1


def intervals_for(keys: int) -> dict[str, float]:
    """The default intervals, with /keys spaced out by the poller for many pages of keys."""
    intervals = default_intervals()
    intervals["keys"] = keys_interval(intervals["keys"], keys_pages(keys))
    return intervals


def planned_calls(keys: int) -> dict[str, float]:
    """OpenRouter calls per hour at the default intervals, from the poller's plan."""
    pages = {"keys": keys_pages(keys), "analytics": ANALYTICS_QUERIES_PER_POLL}
    return {
        endpoint: pages.get(endpoint, 1) * 3600 / interval
        for endpoint, interval in intervals_for(keys).items()
    }


def count_calls(state: dict[str, Any], planned: dict[str, float], keys: int) -> Calls:
    """Calls per poll seen by the simulator, extrapolated to the default intervals."""
    interval = intervals_for(keys)
    observed: dict[str, int] = {}
    polls: dict[str, int] = {}
    per_poll: dict[str, float] = {}
    measured: dict[str, float] = {}
    for endpoint, calls in state["calls"].items():
        if endpoint not in interval:
            raise RuntimeError(f"the exporter called an unexpected endpoint: {endpoint}")
        stamps = sorted(calls["timestamps"])
        groups: list[int] = []
        previous = -math.inf
        for stamp in stamps:
            if stamp - previous > POLL_GAP_SECONDS:
                groups.append(0)
            groups[-1] += 1
            previous = stamp
        observed[endpoint] = int(calls["count"])
        polls[endpoint] = len(groups)
        # The largest group: a poll cut short by the stop would under-count.
        per_poll[endpoint] = float(max(groups)) if groups else 0.0
        measured[endpoint] = per_poll[endpoint] * 3600 / interval[endpoint]
    return Calls(planned, observed, polls, per_poll, measured)


def _load(plan: Plan, url: str, connections: int, headers: dict[str, str]) -> LoadResult:
    return run_load(
        f"{url}/metrics", connections, plan.duration, generator=plan.generator, headers=headers
    )


def combine(runs: Sequence[LoadResult]) -> LoadResult:
    """Several runs as one: total requests over total time, the median of the runs' p50 and
    p99 (a neighbour's one-off stall in one run should not decide the figure), the worst max."""
    requests = sum(run.requests for run in runs)
    duration = sum(run.duration for run in runs)
    return LoadResult(
        generator=runs[0].generator,
        connections=runs[0].connections,
        duration=duration,
        requests=requests,
        errors=sum(run.errors for run in runs),
        requests_per_second=requests / duration if duration > 0 else math.nan,
        p50_ms=statistics.median(run.p50_ms for run in runs),
        p90_ms=statistics.median(run.p90_ms for run in runs),
        p99_ms=statistics.median(run.p99_ms for run in runs),
        max_ms=max(run.max_ms for run in runs),
    )


def compare(
    plan: Plan, exporter_url: str, static_url: str, connections: int, headers: dict[str, str]
) -> tuple[LoadResult, LoadResult]:
    """Exporter and static server in alternating order (A B B A ...), so that a noisy
    neighbour or a drift of the machine weighs on both alike."""
    runs: dict[str, list[LoadResult]] = {exporter_url: [], static_url: []}
    for round_number in range(plan.rounds):
        order = [exporter_url, static_url]
        if round_number % 2:
            order.reverse()
        for url in order:
            runs[url].append(_load(plan, url, connections, headers))
    return combine(runs[exporter_url]), combine(runs[static_url])


def measure_load(
    plan: Plan, processes: Processes, exporter: ExporterProcess, scenario: str
) -> list[LoadPair]:
    pairs = []
    runs = [("identity", c) for c in plan.connections]
    runs += [("gzip", c) for c in plan.gzip_connections]
    for encoding in ("identity", "gzip"):
        wanted = [c for kind, c in runs if kind == encoding]
        if not wanted:
            continue
        headers = GZIP if encoding == "gzip" else {}
        body = exporter.metrics(headers)
        static = start_static(
            processes,
            f"static-{scenario}-{encoding}",
            body,
            PROMETHEUS_TEXT,
            "gzip" if encoding == "gzip" else "",
        )
        try:
            for connections in wanted:
                exporter_result, static_result = compare(
                    plan, exporter.url, static.url, connections, headers
                )
                pairs.append(LoadPair(encoding, connections, exporter_result, static_result))
        finally:
            processes.stop(static.process)
    return pairs


def measure_scenario(plan: Plan, processes: Processes, scenario: str, log: Any) -> ScenarioFigures:
    log(f"{scenario}: starting the simulator")
    simulator = start_simulator(processes, scenario)
    try:
        return _measure_with(plan, processes, simulator, scenario, log)
    finally:
        processes.stop(simulator.process)


def _measure_with(
    plan: Plan, processes: Processes, simulator: SimulatorProcess, scenario: str, log: Any
) -> ScenarioFigures:
    log(f"{scenario}: render time")
    render = measure_render(simulator.base_url, simulator.management_key, plan.render_repeat)

    log(f"{scenario}: exporter at default intervals, load")
    env = dict(plan.exporter_env)
    exporter = start_exporter(
        processes, simulator, f"exporter-{scenario}", extra_env=env, budgets=True
    )
    try:
        text = exporter.metrics().decode()
        found = samples(text)
        by_metric: dict[str, int] = defaultdict(int)
        for name, _, _ in found:
            by_metric[name] += 1
        keys = by_metric["openrouter_key_info"]
        models = len({_label(labels, "model") for name, labels, _ in found if "_model_" in name})
        pairs = len(
            {labels for name, labels, _ in found if name == "openrouter_model_requests_total"}
        )
        first_poll = poll_durations(text)
        load = measure_load(plan, processes, exporter, scenario)
        after_load = memory_kib(exporter.process.pid)
    finally:
        processes.stop(exporter.process)

    log(f"{scenario}: exporter at a {FAST_INTERVAL} interval, calls and memory")
    simulator.reset_counts()
    fast = start_exporter(
        processes,
        simulator,
        f"exporter-{scenario}-fast",
        poll_interval=FAST_INTERVAL,
        activity_interval=FAST_INTERVAL,
        extra_env=env,
        budgets=True,
    )
    seen: dict[str, list[float]] = defaultdict(list)
    scrapes: dict[bool, list[float]] = {True: [], False: []}
    try:
        deadline = time.monotonic() + plan.poll_seconds
        previous = b""
        while time.monotonic() < deadline:
            # As Prometheus scrapes: gzip. A body unlike the previous one was rendered for
            # this scrape (a poll changed the snapshot); an unchanged one came from the cache.
            started = time.perf_counter()
            body = fast.metrics(GZIP)
            scrapes[body != previous].append((time.perf_counter() - started) * 1e3)
            previous = body
            for endpoint, value in poll_durations(gzip.decompress(body).decode()).items():
                if not seen[endpoint] or seen[endpoint][-1] != value:
                    seen[endpoint].append(value)
            time.sleep(SCRAPE_PAUSE)
        after_polls = memory_kib(fast.process.pid)
    finally:
        processes.stop(fast.process)
    calls = count_calls(simulator.state(), planned_calls(keys), keys)
    return ScenarioFigures(
        scenario=scenario,
        keys=keys,
        models=models,
        model_providers=pairs,
        series=len(found),
        series_by_metric=dict(sorted(by_metric.items())),
        render=render,
        ready_seconds=exporter.ready_seconds,
        first_metrics_seconds=exporter.first_metrics_seconds,
        first_poll_seconds=first_poll,
        steady_poll_seconds={
            endpoint: statistics.median(values) for endpoint, values in seen.items()
        },
        memory_after_load_kib=after_load,
        memory_after_polls_kib=after_polls,
        scrape_after_poll_ms=_median(scrapes[True]),
        scrape_cached_ms=_median(scrapes[False]),
        calls=calls,
        load=load,
    )


@dataclass
class DemoFigures:
    ready_seconds: float
    first_metrics_seconds: float
    rss_kib: int


def measure_demo(processes: Processes) -> DemoFigures:
    demo = start_demo(processes)
    try:
        rss = memory_kib(demo.process.pid)["VmRSS"]
    finally:
        processes.stop(demo.process)
    return DemoFigures(demo.ready_seconds, demo.first_metrics_seconds, rss)


def import_baseline_kib(processes: Processes) -> int:
    """Resident memory of Python with the exporter's modules imported, nothing running."""
    name = "import-baseline"
    code = (
        "import openrouter_exporter.cli, sys, time\nprint('imported', flush=True)\ntime.sleep(30)\n"
    )
    child = processes.spawn(name, [sys.executable, "-c", code], child_env())
    try:
        wait_for(lambda: "imported" in processes.log(name), 30.0, "the import baseline")
        return memory_kib(child.pid)["VmRSS"]
    finally:
        processes.stop(child)


# Output


def _ms(value: float) -> str:
    return number(value, 2 if value < 10 else 1)


def main_table(figures: Sequence[ScenarioFigures]) -> str:
    rows = []
    for item in figures:
        head = item.headline()
        polls = item.steady_poll_seconds
        rows.append(
            [
                item.scenario,
                number(item.keys, 0),
                number(item.models, 0),
                number(item.series, 0),
                f"{item.render.body_bytes / 1024:,.1f} ({item.render.gzip_bytes / 1024:,.1f})",
                _ms(item.render.uncached_ms),
                f"{number(item.render.cached_us, 2)} "
                f"({number(item.render.cached_with_process_us, 0)}; "
                f"{number(item.render.process_part_us, 0)})",
                number(head.exporter.requests_per_second, 0) if head else "-",
                _ms(head.exporter.p50_ms) if head else "-",
                _ms(head.exporter.p99_ms) if head else "-",
                number(head.static.requests_per_second, 0) if head else "-",
                number(head.ratio, 2) if head else "-",
                f"{_ms(item.scrape_after_poll_ms)} / {_ms(item.scrape_cached_ms)}",
                " / ".join(
                    number(polls.get(endpoint), 3) for endpoint in ("keys", "credits", "activity")
                ),
                f"{item.rss_mib:.1f} ({item.peak_mib:.1f})",
                f"{item.calls.planned_total:,.0f} / {item.calls.measured_total:,.0f}",
                number(item.first_metrics_seconds, 2),
            ]
        )
    return table(MAIN_COLUMNS, rows)


def load_table(figures: Sequence[ScenarioFigures]) -> str:
    header = (
        "scenario",
        "encoding",
        "conns",
        "exporter req/s",
        "p50 ms",
        "p99 ms",
        "static req/s",
        "static p50 ms",
        "static p99 ms",
        "ratio",
        "errors",
    )
    rows = []
    for item in figures:
        for pair in item.load:
            rows.append(
                [
                    item.scenario,
                    pair.encoding,
                    str(pair.connections),
                    number(pair.exporter.requests_per_second, 0),
                    _ms(pair.exporter.p50_ms),
                    _ms(pair.exporter.p99_ms),
                    number(pair.static.requests_per_second, 0),
                    _ms(pair.static.p50_ms),
                    _ms(pair.static.p99_ms),
                    number(pair.ratio, 2),
                    str(pair.exporter.errors + pair.static.errors),
                ]
            )
    return table(header, rows)


def calls_table(figures: Sequence[ScenarioFigures]) -> str:
    header = ("scenario", "endpoint", "calls/poll", "polls seen", "plan calls/h", "measured /h")
    rows = []
    for item in figures:
        for endpoint, planned in item.calls.planned_per_hour.items():
            rows.append(
                [
                    item.scenario,
                    endpoint,
                    number(item.calls.calls_per_poll.get(endpoint), 0),
                    str(item.calls.observed_polls.get(endpoint, 0)),
                    number(planned, 0),
                    number(item.calls.measured_per_hour.get(endpoint), 0),
                ]
            )
    return table(header, rows)


def verdicts(figures: Sequence[ScenarioFigures]) -> list[tuple[str, str, bool]]:
    """(target, figure, met): throughput for every account; latency, memory and calls for
    the large account (or the largest one measured)."""
    if not figures:
        return []
    found: list[tuple[str, str, bool]] = []
    for item in figures:
        for pair in item.load:
            found.append(
                (
                    f"{item.scenario}: /metrics >= {TARGET_RATIO:g} x static throughput "
                    f"({pair.encoding}, {pair.connections} conns)",
                    f"{pair.ratio:.2f}",
                    pair.ratio >= TARGET_RATIO,
                )
            )
    item = next((f for f in figures if f.scenario == "large"), figures[-1])
    for pair in item.load:
        found.append(
            (
                f"{item.scenario}: p99 < {TARGET_P99_MS:g} ms ({pair.encoding}, "
                f"{pair.connections} conns)",
                f"{pair.exporter.p99_ms:.2f} ms (static {pair.static.p99_ms:.2f} ms)",
                pair.exporter.p99_ms < TARGET_P99_MS,
            )
        )
    found.append(
        (
            f"{item.scenario}: peak resident memory < {TARGET_RSS_MIB:g} MiB",
            f"{item.rss_mib:.1f} MiB (peak {item.peak_mib:.1f})",
            item.peak_mib < TARGET_RSS_MIB,
        )
    )
    found.append(
        (
            f"{item.scenario}: <= {TARGET_CALLS_PER_HOUR:g} OpenRouter calls/h at default "
            "intervals",
            f"{item.calls.planned_total:,.0f} planned, {item.calls.measured_total:,.0f} measured",
            max(item.calls.planned_total, item.calls.measured_total) <= TARGET_CALLS_PER_HOUR,
        )
    )
    return found


def render_report(
    figures: Sequence[ScenarioFigures],
    host: Machine,
    generator: str,
    demo: DemoFigures | None,
    baseline_kib: int | None,
    plan: Plan,
) -> str:
    parts = [
        "## openrouter-exporter benchmarks",
        "",
        f"Machine: {host.describe()}.",
        f"Load generator: {generator}; {plan.rounds} x {plan.duration:g} s per figure and "
        "server, exporter and static runs alternating"
        + (", quick run" if plan.quick else "")
        + ". Ratio = exporter ÷ static server throughput, same bytes, same stack, same run; "
        "p50 and p99 are medians over the runs.",
        "",
        main_table(figures),
        "",
        "Headline load: identity encoding at the first concurrency above 1 (see below). "
        "render ms: one uncached render (generate_latest); cached µs: a scrape between two "
        "polls (in brackets: gzipped, with the process_* and python_* metrics compressed "
        "onto it; then reading and rendering those, done at most once a second). "
        "scrape ms: one gzip scrape by a single client, "
        "as Prometheus does, when a poll has changed the snapshot (rendered for that scrape) "
        "and when not (cached). "
        "Poll durations: median of the exporter's own openrouter_poll_duration_seconds "
        f"at a {FAST_INTERVAL} interval. RSS: the larger of after load and after several polls.",
        "",
        "### /metrics under load",
        "",
        load_table(figures),
        "",
        "### OpenRouter calls at the default intervals (60s, activity 30m)",
        "",
        calls_table(figures),
        "",
    ]
    extra = []
    if demo is not None:
        extra.append(
            f"- `openrouter-exporter demo`: /readyz after {demo.ready_seconds:.2f} s, first "
            f"/metrics with the balance after {demo.first_metrics_seconds:.2f} s, "
            f"{demo.rss_kib / 1024:.1f} MiB resident"
        )
    if baseline_kib is not None:
        extra.append(
            f"- Python with the exporter's modules imported, idle: {baseline_kib / 1024:.1f} MiB"
        )
    if extra:
        parts += ["### Start-up and memory baseline", "", *extra, ""]
    checks = verdicts(figures)
    if checks:
        rows = [[target, figure, "met" if ok else "MISSED"] for target, figure, ok in checks]
        parts += ["### Targets", "", table(("target", "figure", "verdict"), rows), ""]
    return "\n".join(parts)


def _to_json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    return value


def _env_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark openrouter-exporter against the simulator."
    )
    parser.add_argument("--quick", action="store_true", help="a short run (under 40 s)")
    parser.add_argument(
        "--scenario", choices=(*SCENARIOS, "all"), default="all", help="account size"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when installed (auto), or the built-in Python one",
    )
    parser.add_argument("--duration", type=float, help="seconds per load run (default 3; quick 2)")
    parser.add_argument(
        "--rounds",
        type=int,
        help="alternating exporter/static runs per load figure (default 2; quick 1)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        nargs="+",
        metavar="C",
        help="concurrent connections per load run (default 1 8 32; quick: 8)",
    )
    parser.add_argument("--no-demo", action="store_true", help="skip the demo start-up figure")
    parser.add_argument(
        "--exporter-env",
        type=_env_pair,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment of the exporter processes, to measure a setting "
        "(e.g. MALLOC_ARENA_MAX=2); repeatable",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    plan = Plan.build(args)
    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    generator = "wrk" if plan.generator == "wrk" else plan.generator
    if plan.generator == "auto":
        generator = "wrk" if wrk_path() else "python"
    if generator == "wrk" and wrk_path() is None:
        print("bench: wrk is not installed; use --generator python", file=sys.stderr)
        return 2
    plan = Plan(**{**asdict(plan), "generator": generator})
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    figures: list[ScenarioFigures] = []
    demo: DemoFigures | None = None
    baseline: int | None = None
    with (
        tempfile.TemporaryDirectory(prefix="openrouter-bench-") as scratch,
        Processes(Path(scratch)) as processes,
    ):
        for scenario in scenarios:
            figures.append(measure_scenario(plan, processes, scenario, log))
        if not args.no_demo:
            log("demo: start-up")
            demo = measure_demo(processes)
            baseline = import_baseline_kib(processes)
    host = machine()
    generator_text = {
        "wrk": "wrk (1 thread)",
        "python": "built-in Python keep-alive generator (bench.loadgen)",
    }[generator]
    print(render_report(figures, host, generator_text, demo, baseline, plan))
    log("done")
    if args.json:
        document = {
            "machine": asdict(host),
            "generator": generator,
            "plan": asdict(plan),
            "scenarios": [
                {
                    **asdict(item),
                    "rss_mib": item.rss_mib,
                    "peak_mib": item.peak_mib,
                    "calls_planned_per_hour": item.calls.planned_total,
                    "calls_measured_per_hour": item.calls.measured_total,
                    "load": [{**asdict(pair), "ratio": pair.ratio} for pair in item.load],
                }
                for item in figures
            ],
            "demo": asdict(demo) if demo else None,
            "import_baseline_kib": baseline,
            "targets": [
                {"target": target, "figure": figure, "met": ok}
                for target, figure, ok in verdicts(figures)
            ],
        }
        args.json.write_text(json.dumps(_to_json(document), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
