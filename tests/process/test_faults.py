"""The real exporter process against the simulator's fault modes, each switched on mid-run.

For every fault: the process keeps serving ``/metrics``; values fetched before keep their
last good reading (never a false zero) while ``openrouter_up{endpoint}`` is 0 and
``openrouter_api_errors_total{reason}`` counts; one log line says so when the state
changes, one when it ends; and everything recovers when the fault clears. The back-off is
checked against the simulator's own record of when each request arrived.
"""

import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from openrouter_simulator import Simulator
from tests.conftest import StartExporter
from tests.support.exporter import ExporterProcess, Labels, Metrics, wait_until

POLLED = ("credits", "keys", "activity")
# Series that move on every poll by design (health bookkeeping, and the exhaustion times,
# which are "now + remainder / rate" as of the latest reading).
MOVING = frozenset(
    {
        "openrouter_up",
        "openrouter_last_success_timestamp_seconds",
        "openrouter_poll_duration_seconds",
        "openrouter_api_requests_total",
        "openrouter_api_errors_total",
        "openrouter_exhaustion_timestamp_seconds",
        "openrouter_limit_exhaustion_timestamp_seconds",
    }
)
# With a 1s poll interval the request timeout is capped at half of it: 0.5s.
REQUEST_TIMEOUT = 0.5
SCHEDULING_SLACK = 0.1
FINGERPRINT = re.compile(r"^management key sha256:[0-9a-f]{12}$")

Readings = dict[tuple[str, Labels], float]


def readings(metrics: Metrics) -> Readings:
    """Every value derived from OpenRouter, without the health bookkeeping (nor the
    exporter's own process_* and python_* metrics)."""
    return {
        key: value
        for key, value in metrics.samples.items()
        if key[0].startswith("openrouter_") and key[0] not in MOVING
    }


def errors(metrics: Metrics, endpoint: str, reason: str) -> float:
    return metrics.get("openrouter_api_errors_total", endpoint=endpoint, reason=reason) or 0.0


def all_up(metrics: Metrics, endpoints: tuple[str, ...] = POLLED) -> bool:
    return all(metrics.get("openrouter_up", endpoint=name) == 1.0 for name in endpoints)


def log_events(exporter: ExporterProcess) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for line in exporter.log_events():
        try:
            event = json.loads(line)
        except ValueError:
            event = {"event": line}
        events.append(event if isinstance(event, dict) else {"event": line})
    return events


def failure_lines(exporter: ExporterProcess, endpoint: str, reason: str) -> list[dict[str, Any]]:
    return [
        event
        for event in log_events(exporter)
        if event.get("endpoint") == endpoint and event.get("reason") == reason
    ]


def state_lines(exporter: ExporterProcess, endpoint: str) -> list[str]:
    """What each log line about ``endpoint`` says it became, in order: a failure reason, or
    "up" (its first poll worked, or it recovered)."""
    return [
        str(event.get("reason", "up"))
        for event in log_events(exporter)
        if event.get("endpoint") == endpoint
    ]


def recovery_lines(exporter: ExporterProcess, endpoint: str) -> list[dict[str, Any]]:
    return [
        event
        for event in log_events(exporter)
        if event.get("endpoint") == endpoint and "recovered" in str(event.get("event"))
    ]


def arrivals(sim: Simulator, endpoint: str, status: int | None = None) -> list[float]:
    """When requests to ``endpoint`` reached the simulator (only those answered ``status``)."""
    detail = sim.engine.calls_detail().get(endpoint, {"timestamps": [], "statuses": []})
    return [
        float(at)
        for at, answered in zip(detail["timestamps"], detail["statuses"], strict=True)
        if status is None or answered == status
    ]


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def start_healthy(
    sim: Simulator, start: StartExporter, **env: str
) -> tuple[ExporterProcess, Metrics]:
    exporter = start(sim, env=env)
    before = exporter.wait_for_metrics(all_up, timeout=15, message="every endpoint is up")
    return exporter, before


# --- The matrix: one fault at a time, on and off again -------------------------------------


@dataclass(frozen=True)
class FaultCase:
    mode: str
    target: str  # where the fault is set in the simulator: an endpoint or "*"
    reason: str  # the expected `reason` label
    advice: str  # what the log line must say
    options: dict[str, float] = field(default_factory=dict)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return POLLED if self.target == "*" else (self.target,)


FAULTS = [
    FaultCase("http_500", "*", "http_500", "server error"),
    FaultCase("http_502", "*", "http_502", "server error"),
    FaultCase("http_503", "*", "http_503", "server error"),
    FaultCase("http_429", "*", "http_429", "rate-limited"),
    FaultCase(
        "slow", "*", "timeout", f"did not answer within {REQUEST_TIMEOUT:g}s", {"delay": 2.0}
    ),
    FaultCase("refuse", "*", "connection", "cannot connect"),
    FaultCase("malformed", "*", "invalid_response", "not understood"),
    FaultCase("http_401", "*", "http_401", "invalid, revoked or deleted"),
    FaultCase("http_403", "keys", "http_403", "refused /keys to the management key"),
    FaultCase("zero_credits", "credits", "zero_credits", "not as a zero balance"),
]


@pytest.fixture(params=FAULTS, ids=lambda case: f"{case.mode}-{case.target}")
def fault(request: pytest.FixtureRequest) -> FaultCase:
    case: FaultCase = request.param
    return case


def test_fault_mid_run_is_survived_logged_once_and_recovered_from(
    simulator: Simulator, start: StartExporter, fault: FaultCase
) -> None:
    exporter, before = start_healthy(simulator, start)

    simulator.engine.set_fault(fault.target, fault.mode, **fault.options)  # type: ignore[arg-type]
    first = exporter.wait_for_metrics(
        lambda m: all(errors(m, name, fault.reason) >= 1 for name in fault.endpoints),
        timeout=20,
        message=f"{fault.endpoints} fail with {fault.reason}",
    )
    during = exporter.wait_for_metrics(
        lambda m: all(errors(m, name, fault.reason) >= 2 for name in fault.endpoints),
        timeout=20,
        message=f"{fault.endpoints} fail twice with {fault.reason}",
    )
    assert exporter.get("/healthz").status_code == 200
    simulator.engine.clear_faults()
    after = exporter.wait_for_metrics(all_up, timeout=30, message="every endpoint is up again")

    # While the fault lasts: the last good values stay, the endpoint is down, its last
    # success ages.
    assert readings(during) == readings(before)
    last = "openrouter_last_success_timestamp_seconds"
    for name in POLLED:
        down = name in fault.endpoints
        assert during.get("openrouter_up", endpoint=name) == (0.0 if down else 1.0), name
        if down:
            assert during.get(last, endpoint=name) == first.get(last, endpoint=name), name
    # One line when the problem starts, one when it ends; then everything is as before.
    for name in fault.endpoints:
        lines = failure_lines(exporter, name, fault.reason)
        assert len(lines) == 1, (name, lines)
        assert fault.advice in lines[0]["event"], lines[0]
        assert lines[0]["level"] in ("warning", "error")
        assert lines[0]["keeping"] == "last good values"
        assert len(recovery_lines(exporter, name)) == 1, name
    assert readings(after) == readings(before)


# --- Back-off and Retry-After, from the simulator's arrival times --------------------------


def test_retry_after_spaces_the_calls_of_the_rate_limited_endpoint_only(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter, _ = start_healthy(simulator, start)
    retry_after = 4.0

    simulator.engine.set_fault("credits", "http_429", retry_after=retry_after)
    wait_until(
        lambda: len(arrivals(simulator, "credits", 429)) >= 3,
        timeout=30,
        message="three rate-limited calls of /credits",
    )
    others_up = [exporter.metrics().get("openrouter_up", endpoint=name) for name in POLLED]
    simulator.engine.clear_faults()
    exporter.wait_for_metrics(
        lambda m: m.get("openrouter_up", endpoint="credits") == 1.0,
        timeout=30,
        message="credits recovered",
    )

    limited = arrivals(simulator, "credits", 429)
    recovered = [at for at in arrivals(simulator, "credits", 200) if at > limited[-1]]
    spacing = gaps([*limited, recovered[0]])
    assert len(spacing) >= 3
    assert min(spacing) >= retry_after - SCHEDULING_SLACK, spacing
    # The other endpoints kept their own schedule meanwhile.
    assert others_up == [0.0, 1.0, 1.0]
    for name in ("keys", "activity"):
        meanwhile = [at for at in arrivals(simulator, name) if limited[0] <= at <= limited[-1]]
        assert max(gaps([limited[0], *meanwhile, limited[-1]])) < retry_after, name


def test_back_off_doubles_from_the_interval_without_retry_after(
    simulator: Simulator, start: StartExporter
) -> None:
    start_healthy(simulator, start)
    status = 429

    simulator.engine.set_fault("credits", "http_429")
    wait_until(
        lambda: len(arrivals(simulator, "credits", status)) >= 4,
        timeout=30,
        message="four failed calls of /credits",
    )
    simulator.engine.clear_faults()

    spacing = gaps(arrivals(simulator, "credits", status)[:4])
    interval = 1.0
    for attempt, gap in enumerate(spacing):
        base = interval * 2**attempt
        # Never sooner than the doubled interval; at most 20% jitter on top (plus slack).
        assert gap >= base - SCHEDULING_SLACK, spacing
        assert gap <= base * 1.2 + 0.75, spacing


# --- Faults whose assertions differ ---------------------------------------------------------


def test_revoked_key_is_named_by_fingerprint_once_per_state_change(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter, _ = start_healthy(simulator, start)
    fingerprint = hashlib.sha256(simulator.management_key.encode()).hexdigest()[:12]

    for round_ in (1, 2):
        wanted = errors(exporter.metrics(), "credits", "http_401") + 2
        simulator.engine.set_fault("credits", "http_401")
        wait_until(
            lambda: errors(exporter.metrics(), "credits", "http_401") >= wanted,  # noqa: B023
            timeout=30,
            message=f"credits rejected twice (round {round_})",
        )
        simulator.engine.clear_faults()
        exporter.wait_for_metrics(
            lambda m: m.get("openrouter_up", endpoint="credits") == 1.0,
            timeout=30,
            message=f"credits recovered (round {round_})",
        )

    rejected = failure_lines(exporter, "credits", "http_401")
    assert len(rejected) == 2
    for line in rejected:
        assert line["level"] == "error"
        assert FINGERPRINT.match(line["key"]), line
        assert line["key"].endswith(fingerprint)
        assert "Create a new key" in line["event"]
    assert len(recovery_lines(exporter, "credits")) == 2
    assert simulator.management_key not in exporter.logs()


def test_forbidden_keys_endpoint_says_what_the_management_key_lacks(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter, _ = start_healthy(simulator, start)

    simulator.engine.set_fault("keys", "http_403")
    exporter.wait_for_metrics(
        lambda m: errors(m, "keys", "http_403") >= 1,
        timeout=20,
        message="keys refused",
    )

    (line,) = failure_lines(exporter, "keys", "http_403")
    assert line["level"] == "error"
    assert FINGERPRINT.match(line["key"]), line
    assert "/keys" in line["event"]
    assert "management key" in line["event"]


def test_schema_drift_is_survived_with_the_same_values(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter, before = start_healthy(simulator, start)
    switched = time.time()

    simulator.engine.set_fault("*", "drift")
    during = exporter.wait_for_metrics(
        lambda m: all(
            (m.get("openrouter_last_success_timestamp_seconds", endpoint=name) or 0)
            > switched + 1.5
            for name in POLLED
        ),
        timeout=20,
        message="every endpoint polled successfully under drift",
    )

    assert all_up(during)
    assert not any(during.series("openrouter_api_errors_total").values())
    old, new = readings(before), readings(during)
    for series, value in new.items():
        assert old.get(series) == value, series
    # Only series of optional fields the drifted answer leaves out may be missing.
    assert {name for name, _ in set(old) - set(new)} <= {"openrouter_key_expiry_timestamp_seconds"}

    simulator.engine.clear_faults()
    after = exporter.wait_for_metrics(
        lambda m: readings(m) == old, timeout=20, message="the undrifted values are back"
    )
    assert all_up(after)


def test_key_deleted_upstream_vanishes_and_the_others_stay(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter, before = start_healthy(simulator, start)
    keys = [key for key in simulator.engine.state()["keys"] if not key.get("deleted")]
    victim = str(keys[0]["hash"])

    simulator.engine.delete_key(victim)
    after = exporter.wait_for_metrics(
        lambda m: not m.series("openrouter_key_info", key_hash=victim[:12]),
        timeout=15,
        message="the deleted key's info is gone",
    )

    vanished = {
        series for series in readings(before) if dict(series[1]).get("key_hash") == victim[:12]
    }
    assert vanished
    assert not vanished & set(readings(after))
    survivors = {
        series: value for series, value in readings(before).items() if series not in vanished
    }
    for series, value in survivors.items():
        if series[0].startswith("openrouter_key_"):
            assert readings(after).get(series) == value, series
    assert len(after.series("openrouter_key_info")) == len(keys) - 1
    assert after.get("openrouter_up", endpoint="keys") == 1.0


MODEL_PREFIXES = ("openrouter_model_", "openrouter_activity_", "openrouter_burn_rate_")


def model_figures(metrics: Metrics) -> Readings:
    return {
        key: value for key, value in readings(metrics).items() if key[0].startswith(MODEL_PREFIXES)
    }


def test_activity_dates_with_a_time_part_give_identical_model_figures(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    exporter, before = start_healthy(simulator, start)
    plain = model_figures(before)
    assert plain

    switched = time.time()
    simulator.engine.set_fault("activity", "activity_datetime_format")
    during = exporter.wait_for_metrics(
        lambda m: (
            (m.get("openrouter_last_success_timestamp_seconds", endpoint="activity") or 0)
            > switched + 1.5
        ),
        timeout=20,
        message="activity polled in the datetime format",
    )
    # A fresh exporter, whose ledger only ever saw the datetime format, agrees as well.
    fresh = start(simulator, state_dir=tmp_path / "fresh-state").wait_for_metrics(
        all_up, timeout=15, message="the fresh exporter is up"
    )
    simulator.engine.clear_faults()

    assert not any(during.series("openrouter_api_errors_total", endpoint="activity").values())
    assert model_figures(during) == plain
    assert model_figures(fresh) == plain


# --- A required field disappears: the answer is refused, not half-believed -----------------


class FieldDroppingProxy:
    """Forwards to the simulator, removing one field from each ``data`` object of one path."""

    def __init__(self, sim: Simulator) -> None:
        self.upstream = sim.base_url.removesuffix("/api/v1")
        self.drop: tuple[str, str] | None = None  # (endpoint path, field)
        # One client for every request: building one per request costs tens of milliseconds
        # of CPU, a good part of the exporter's 0.5s request timeout on a loaded machine.
        self._client = httpx.Client(timeout=10)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                upstream = proxy._client.get(
                    proxy.upstream + self.path,
                    headers={"Authorization": self.headers.get("Authorization", "")},
                )
                body = upstream.content
                endpoint = self.path.split("?", 1)[0].removeprefix("/api/v1/")
                if proxy.drop and proxy.drop[0] == endpoint and upstream.status_code == 200:
                    body = json.dumps(_without(json.loads(body), proxy.drop[1])).encode()
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    def __enter__(self) -> "FieldDroppingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()


def _without(body: Any, name: str) -> Any:
    data = body.get("data")
    items = data if isinstance(data, list) else [data]
    for item in items:
        if isinstance(item, dict):
            item.pop(name, None)
    return body


@pytest.fixture
def proxy(simulator: Simulator) -> Iterator[FieldDroppingProxy]:
    with FieldDroppingProxy(simulator) as running:
        yield running


@pytest.mark.parametrize(
    ("endpoint", "required"),
    [("credits", "total_usage"), ("keys", "hash"), ("activity", "model")],
)
def test_missing_required_field_is_an_invalid_response_keeping_last_values(
    simulator: Simulator,
    start: StartExporter,
    proxy: FieldDroppingProxy,
    endpoint: str,
    required: str,
) -> None:
    exporter, before = start_healthy(simulator, start, OPENROUTER_BASE_URL=proxy.base_url)

    def repeated_silently(metrics: Metrics) -> bool:
        # A poll logs before it publishes its count, so a count above the number of lines
        # read after it means a poll that failed the same way as the one before it was
        # counted without a line of its own.
        logged = len(failure_lines(exporter, endpoint, "invalid_response"))
        return errors(metrics, endpoint, "invalid_response") > logged

    proxy.drop = (endpoint, required)
    during = exporter.wait_for_metrics(
        repeated_silently,
        timeout=60,
        message=f"{endpoint} without {required} counted as invalid twice in a row",
    )
    proxy.drop = None
    after = exporter.wait_for_metrics(all_up, timeout=30, message="every endpoint is up again")

    assert during.get("openrouter_up", endpoint=endpoint) == 0.0
    assert readings(during) == readings(before)
    assert readings(after) == readings(before)
    # One line per change of state, none for a repeat. On a loaded machine a request can
    # time out meanwhile: "timeout" is a change too, and so is going back to invalid.
    states = state_lines(exporter, endpoint)
    assert states[0] == states[-1] == "up", states
    assert "invalid_response" in states, states
    assert all(earlier != later for earlier, later in itertools.pairwise(states)), states
    for line in failure_lines(exporter, endpoint, "invalid_response"):
        assert "not understood" in line["event"], line
