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
4. the exporter again, polling fast (``/credits`` every 10 s, everything else every 3 s)
   for a few polls: poll duration per endpoint (its own
   ``openrouter_poll_duration_seconds``), resident memory after several polls, and the
   OpenRouter calls of each round of each endpoint (its own
   ``openrouter_api_requests_total``), extrapolated to the intervals of the exporter's own
   call plan for this account (see :mod:`bench.calls`) and cross-checked with the calls
   the simulator counted.

The exporter's account has everything on: a management key, an inference key (its /key
budget layers) and three budgets; the exporter processes run on a runtime-only interpreter
(see :mod:`bench.runtime`) unless ``--exporter-python`` says otherwise.

Then ``openrouter-exporter demo``: launch to ready and to the first complete ``/metrics``.
Timings on a shared machine are noisy: compare the ratios within one run.
"""

import argparse
import gzip
import json
import math
import os
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

from bench.calls import (
    DURATION,
    CallPlan,
    MeasuredEndpoint,
    RoundsSeen,
    endpoint_values,
    measured,
    plan_calls,
    requests_total,
)
from bench.loadgen import LoadResult, run_load, wrk_path
from bench.processes import (
    START_TIMEOUT,
    ExporterProcess,
    Processes,
    SimulatorProcess,
    exporter_env,
    launch_exporter,
    memory_kib,
    start_demo,
    start_simulator,
    start_static,
    wait_for,
)
from bench.render import RenderTiming, measure_render
from bench.report import Machine, machine, number, table
from bench.runtime import ExporterRuntime, given, runtime_only
from openrouter_exporter.serving.exposition import PROMETHEUS_TEXT

SCENARIOS = ("small", "large")
TARGET_RATIO = 0.8
TARGET_P99_MS = 10.0
TARGET_RSS_MIB = 80.0
TARGET_CALLS_PER_HOUR = 200.0
GZIP = {"Accept-Encoding": "gzip"}
SCRAPE_PAUSE = 0.2
FAST_INTERVAL = "3s"
# The request timeout is at most half the poll interval: at 10 s, 5 s, which the simulator's
# filtered /analytics/query (budget_spend) needs on the large account (about 2 s each, more
# while the other endpoints are read); 1.5 s at a 3 s poll interval fails every round.
FAST_POLL_INTERVAL = "10s"
FAST_INTERVALS = {
    "poll": FAST_POLL_INTERVAL,
    **dict.fromkeys(("activity", "analytics", "limits"), FAST_INTERVAL),
}
FAST_RUN = f"/credits every {FAST_POLL_INTERVAL}, everything else every {FAST_INTERVAL}"
QUIET_TIMEOUT = 10.0  # seconds to find a moment without a poll in flight (cross_check)
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
            poll_seconds=18.0 if quick else 30.0,
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
    plan: CallPlan
    measured: dict[str, MeasuredEndpoint]
    exporter_requests: float  # sum of openrouter_api_requests_total at the end of the run
    simulator_requests: int  # every request the simulator counted over the same run
    met: bool  # the two counts were seen equal (see cross_check)
    largest_scrape_gap: float

    @property
    def planned_total(self) -> float:
        return self.plan.total

    @property
    def measured_total(self) -> float:
        values = [item.per_hour for item in self.measured.values()]
        return math.nan if None in values else sum(v for v in values if v is not None)

    def problems(self) -> list[str]:
        """What does not add up, to be printed loudly."""
        found = []
        if abs(self.plan.rows_total - self.plan.total) > 1e-6:
            found.append(
                f"the plan's rows add up to {self.plan.rows_total:.3f} calls/h, "
                f"its total is {self.plan.total:.3f}"
            )
        if not self.met:
            found.append(
                f"the exporter counted {self.exporter_requests:,.0f} requests, the simulator "
                f"{self.simulator_requests:,}, never the same in {QUIET_TIMEOUT:g} s of readings"
            )
        missing = [name for name, item in self.measured.items() if item.per_hour is None]
        if missing:
            found.append(f"no round seen of {', '.join(missing)}")
        return found


@dataclass
class ScenarioFigures:
    scenario: str
    keys: int
    models: int
    model_providers: int
    series: int
    series_by_metric: dict[str, int]
    limit_series: int  # openrouter_limit_* samples
    budget_series: int  # openrouter_budget_* samples
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


def simulator_requests(simulator: SimulatorProcess) -> int:
    return sum(int(item["count"]) for item in simulator.state()["calls"].values())


def cross_check(exporter: ExporterProcess, simulator: SimulatorProcess) -> tuple[float, int, bool]:
    """The exporter's requests in all and the simulator's, and whether they met. The exporter
    publishes its count when a poll ends, the simulator counts a request when it arrives, so
    the exporter's count is never above the simulator's read just after it, and below it
    while a poll is in flight. They are read again until equal, for at most
    ``QUIET_TIMEOUT`` seconds: a request one side never counts keeps them apart."""
    deadline = time.monotonic() + QUIET_TIMEOUT
    while True:
        published = requests_total(gzip.decompress(exporter.metrics(GZIP)).decode())
        arrived = simulator_requests(simulator)
        met = published == arrived
        if met or time.monotonic() > deadline:
            return published, arrived, met
        time.sleep(SCRAPE_PAUSE / 4)


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

    log(f"{scenario}: the exporter's call plan, on one poll")
    extra = dict(plan.exporter_env)
    name = f"exporter-{scenario}"
    env = exporter_env(processes, simulator, name, extra_env=extra, budgets=True)
    call_plan = plan_calls(env)

    log(f"{scenario}: exporter at default intervals, load")
    exporter = launch_exporter(processes, name, env)
    try:
        text = all_polled(exporter, set(call_plan.endpoints))
        found = samples(text)
        by_metric: dict[str, int] = defaultdict(int)
        for metric, _, _ in found:
            by_metric[metric] += 1
        keys = by_metric["openrouter_key_info"]
        models = len({_label(labels, "model") for n, labels, _ in found if "_model_" in n})
        pairs = len({labels for n, labels, _ in found if n == "openrouter_model_requests_total"})
        first_poll = poll_durations(text)
        load = measure_load(plan, processes, exporter, scenario)
        after_load = memory_kib(exporter.process.pid)
    finally:
        processes.stop(exporter.process)

    log(f"{scenario}: exporter polling fast ({FAST_RUN}), calls and memory")
    simulator.reset_counts()
    name = f"exporter-{scenario}-fast"
    fast = launch_exporter(
        processes,
        name,
        exporter_env(
            processes, simulator, name, intervals=FAST_INTERVALS, extra_env=extra, budgets=True
        ),
    )
    seen: dict[str, list[float]] = defaultdict(list)
    scrapes: dict[bool, list[float]] = {True: [], False: []}
    rounds = RoundsSeen()
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
            text = gzip.decompress(body).decode()
            rounds.scrape(text, time.monotonic())
            for endpoint, value in poll_durations(text).items():
                if not seen[endpoint] or seen[endpoint][-1] != value:
                    seen[endpoint].append(value)
            time.sleep(SCRAPE_PAUSE)
        exporter_total, simulator_total, met = cross_check(fast, simulator)
        after_polls = memory_kib(fast.process.pid)
    finally:
        processes.stop(fast.process)
    calls = Calls(
        plan=call_plan,
        measured=measured(call_plan, rounds),
        exporter_requests=exporter_total,
        simulator_requests=simulator_total,
        met=met,
        largest_scrape_gap=rounds.largest_gap,
    )
    return ScenarioFigures(
        scenario=scenario,
        keys=keys,
        models=models,
        model_providers=pairs,
        series=len(found),
        series_by_metric=dict(sorted(by_metric.items())),
        limit_series=_prefixed(by_metric, "openrouter_limit_"),
        budget_series=_prefixed(by_metric, "openrouter_budget_"),
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


def all_polled(exporter: ExporterProcess, endpoints: set[str]) -> str:
    """The first ``/metrics`` once every endpoint has been read (the limits and the Analytics
    API are not waited for by readiness), so the load is measured with every series in."""
    text = ""

    def polled() -> bool:
        nonlocal text
        text = exporter.metrics().decode()
        return endpoints <= set(endpoint_values(text, DURATION))

    wait_for(polled, START_TIMEOUT, f"{exporter.name}: a first poll of every endpoint", 0.2)
    return text


def _prefixed(by_metric: dict[str, int], prefix: str) -> int:
    return sum(count for metric, count in by_metric.items() if metric.startswith(prefix))


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
    child = processes.spawn_exporter(name, ["-c", code])
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
    header = (
        "scenario",
        "endpoint",
        "calls/round plan",
        "measured first / steady",
        "rounds (failed)",
        "interval s",
        "plan calls/h",
        "measured calls/h",
    )
    rows = []
    for item in figures:
        for endpoint, planned in item.calls.plan.endpoints.items():
            found = item.calls.measured[endpoint]
            rows.append(
                [
                    item.scenario,
                    endpoint,
                    number(planned.calls_per_round, 0),
                    f"{number(found.first_round, 0)} / {number(found.steady_per_round, 1)}",
                    f"{found.rounds} ({found.failed})",
                    number(planned.interval, 0),
                    number(planned.per_hour, 2),
                    number(found.per_hour, 2),
                ]
            )
        rows.append(
            [
                item.scenario,
                "**total**",
                "",
                "",
                "",
                "",
                number(item.calls.planned_total, 2),
                number(item.calls.measured_total, 2),
            ]
        )
    return table(header, rows)


def calls_notes(figures: Sequence[ScenarioFigures]) -> list[str]:
    notes = []
    for item in figures:
        calls = item.calls
        notes.append(
            f"- {item.scenario}: limits endpoints every {calls.plan.limits_interval:,.0f} s "
            f"(the exporter's plan); requests in the fast run: "
            f"{calls.exporter_requests:,.0f} counted by the exporter, "
            f"{calls.simulator_requests:,} by the simulator"
            + ("" if calls.met else " (NOT the same)")
            + f"; largest gap between scrapes {calls.largest_scrape_gap:.2f} s"
        )
        notes += [f"- **{item.scenario}: MISMATCH: {problem}**" for problem in calls.problems()]
    return notes


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
            "intervals, everything on",
            f"{item.calls.planned_total:,.0f} planned, {item.calls.measured_total:,.0f} measured",
            # The plan fills the budget to the last call: within rounding, it is met.
            item.calls.planned_total <= TARGET_CALLS_PER_HOUR + 1e-6
            and item.calls.measured_total <= TARGET_CALLS_PER_HOUR + 1e-6,
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
    runtime: ExporterRuntime,
) -> str:
    parts = [
        "## openrouter-exporter benchmarks",
        "",
        f"Machine: {host.describe()}; load average {load_average()}.",
        f"Exporter interpreter: {runtime.describe()}.",
        f"Load generator: {generator}; {plan.rounds} x {plan.duration:g} s per figure and "
        "server, exporter and static runs alternating"
        + (", quick run" if plan.quick else "")
        + ". Ratio = exporter ÷ static server throughput, same bytes, same stack, same run; "
        "p50 and p99 are medians over the runs.",
        "",
        main_table(figures),
        "",
        *(
            f"- {item.scenario}: {item.series:,} series, of which {item.limit_series:,} "
            f"openrouter_limit_* and {item.budget_series:,} openrouter_budget_* (every "
            "endpoint polled once before the load)"
            for item in figures
        ),
        "",
        "Headline load: identity encoding at the first concurrency above 1 (see below). "
        "render ms: one uncached render (Exposition.render of a new snapshot version); "
        "cached µs: a scrape between two "
        "polls (in brackets: gzipped, with the process_* and python_* metrics compressed "
        "onto it; then reading and rendering those, done at most once a second). "
        "scrape ms: one gzip scrape by a single client, "
        "as Prometheus does, when a poll has changed the snapshot (rendered for that scrape) "
        "and when not (cached). "
        "Poll durations: median of the exporter's own openrouter_poll_duration_seconds "
        f"in a fast run ({FAST_RUN}). RSS: the larger of after load and after several polls "
        "of the fast run.",
        "",
        "### /metrics under load",
        "",
        load_table(figures),
        "",
        "### OpenRouter calls an hour at the exporter's planned intervals, everything on",
        "",
        calls_table(figures),
        "",
        "Plan: the exporter's own plan (limits_plan.calls_per_hour) on one real poll at the "
        "default intervals. Measured: its openrouter_api_requests_total per round in the "
        f"fast run ({FAST_RUN}; first round; steady: the later rounds' "
        "mean), times the planned rounds an hour; analytics adds its first round's extra "
        "call (the hourly /analytics/meta) once an hour.",
        "",
        *calls_notes(figures),
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
            f"- Python with the exporter's modules imported, idle: {baseline_kib / 1024:.1f} MiB "
            "(on the exporter's interpreter)"
        )
    if extra:
        parts += ["### Start-up and memory baseline", "", *extra, ""]
    checks = verdicts(figures)
    if checks:
        rows = [[target, figure, "met" if ok else "MISSED"] for target, figure, ok in checks]
        parts += ["### Targets", "", table(("target", "figure", "verdict"), rows), ""]
    return "\n".join(parts)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1, 5, 15 min)"


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
    parser.add_argument("--quick", action="store_true", help="a short run (about 50 s a scenario)")
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
        "--exporter-python",
        metavar="PATH",
        help="the interpreter of the exporter processes (default: a runtime-only venv with "
        "just the project's dependencies, built once under .cache/bench-runtime/)",
    )
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

    runtime = given(args.exporter_python) if args.exporter_python else runtime_only(log)
    log(f"exporter interpreter: {runtime.python}")
    figures: list[ScenarioFigures] = []
    demo: DemoFigures | None = None
    baseline: int | None = None
    with (
        tempfile.TemporaryDirectory(prefix="openrouter-bench-") as scratch,
        Processes(Path(scratch), runtime) as processes,
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
    print(render_report(figures, host, generator_text, demo, baseline, plan, runtime))
    log("done")
    if args.json:
        document = {
            "machine": asdict(host),
            "load_average": os.getloadavg(),
            "exporter_runtime": asdict(runtime),
            "generator": generator,
            "plan": asdict(plan),
            "scenarios": [
                {
                    **asdict(item),
                    "rss_mib": item.rss_mib,
                    "peak_mib": item.peak_mib,
                    "calls_planned_per_hour": item.calls.planned_total,
                    "calls_measured_per_hour": item.calls.measured_total,
                    "calls_problems": item.calls.problems(),
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
