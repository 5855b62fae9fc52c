"""The processes a benchmark runs: simulator, exporter, static server; all on loopback.

Every child is started through :class:`Processes`, which stops them all on exit (SIGTERM,
then SIGKILL after a few seconds), whatever happened. Every wait is bounded.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.runtime import ExporterRuntime

REPO_ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 5.0
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment: no OPENROUTER_* leaking in from the caller's shell."""
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    paths = [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    env.update(extra or {})
    return env


def wait_for(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.02) -> float:
    """Seconds until ``condition()`` held; raises after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")


def http_get(
    port: int, path: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def answers(port: int, path: str, needle: bytes = b"") -> bool:
    try:
        status, body = http_get(port, path, timeout=2.0)
    except OSError:
        return False
    return status == 200 and needle in body


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) of a process, in KiB, from /proc."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
    return values


class Processes:
    """Starts children and guarantees they are stopped."""

    def __init__(self, scratch: Path, exporter: ExporterRuntime | None = None) -> None:
        self.scratch = scratch
        # The interpreter of the exporter processes: by default, the one running the bench.
        self.exporter = exporter or ExporterRuntime(sys.executable, ())
        self._children: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> "Processes":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for child in reversed(self._children):
            self.stop(child)

    def spawn(
        self, name: str, command: Sequence[str], env: Mapping[str, str]
    ) -> subprocess.Popen[bytes]:
        log = (self.scratch / f"{name}.log").open("ab")
        try:
            child = subprocess.Popen(
                list(command),
                env=dict(env),
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        self._children.append(child)
        return child

    def spawn_exporter(
        self, name: str, arguments: Sequence[str], env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """``python ARGUMENTS`` on the exporter's interpreter, running the tree under test."""
        environment = child_env(env)
        environment["PYTHONPATH"] = self.exporter.pythonpath()
        return self.spawn(name, [self.exporter.python, *arguments], environment)

    def log(self, name: str) -> str:
        path = self.scratch / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self, child: subprocess.Popen[bytes]) -> int | None:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=STOP_TIMEOUT)
        with contextlib.suppress(ValueError):
            self._children.remove(child)
        return child.returncode


def _alive(processes: Processes, child: subprocess.Popen[bytes], name: str) -> None:
    if child.poll() is not None:
        raise RuntimeError(f"{name} exited with {child.returncode}:\n{processes.log(name)}")


@dataclass
class SimulatorProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    control_url: str
    management_key: str
    inference_keys: tuple[str, ...]

    def _control(self, method: str, path: str) -> Any:
        address = self.control_url.split("//", 1)[1].split("/", 1)[0]
        host, _, port = address.rpartition(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30.0)
        try:
            connection.request(method, f"/_sim/{path}")
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"simulator {path}: {response.status} {body[:200]!r}")
            return json.loads(body)
        finally:
            connection.close()

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self._control("GET", "state")
        return state

    def reset_counts(self) -> None:
        self._control("POST", "reset-counts")


def start_simulator(processes: Processes, scenario: str) -> SimulatorProcess:
    """``python -m openrouter_simulator`` in its own process (its own GIL)."""
    keys_file = processes.scratch / f"simulator-{scenario}.json"
    name = f"simulator-{scenario}"
    command = [sys.executable, "-m", "openrouter_simulator", "--scenario", scenario]
    command += ["--listen", f"{LOOPBACK}:0", "--keys-file", str(keys_file)]
    child = processes.spawn(name, command, child_env())

    def written() -> bool:
        _alive(processes, child, name)
        return keys_file.exists()

    wait_for(written, START_TIMEOUT, f"the {scenario} simulator")
    keys = json.loads(keys_file.read_text())
    return SimulatorProcess(
        child,
        keys["base_url"],
        keys["control_url"],
        keys["management_key"],
        tuple(keys["inference_keys"]),
    )


@dataclass
class ExporterProcess:
    process: subprocess.Popen[bytes]
    name: str
    port: int
    ready_seconds: float  # launch to /readyz 200
    first_metrics_seconds: float  # launch to a /metrics with the balance in it

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def metrics(self, headers: Mapping[str, str] | None = None) -> bytes:
        status, body = http_get(self.port, "/metrics", headers)
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        return body


def wait_serving(
    processes: Processes, child: subprocess.Popen[bytes], name: str, port: int, launched: float
) -> tuple[float, float]:
    def ready() -> bool:
        _alive(processes, child, name)
        return answers(port, "/readyz")

    wait_for(ready, START_TIMEOUT, f"{name} /readyz")
    ready_seconds = time.monotonic() - launched

    def balance() -> bool:
        _alive(processes, child, name)
        return answers(port, "/metrics", b"\nopenrouter_balance_usd{")

    wait_for(balance, START_TIMEOUT, f"{name} /metrics with openrouter_balance_usd")
    return ready_seconds, time.monotonic() - launched


def exporter_env(
    processes: Processes,
    simulator: SimulatorProcess,
    name: str,
    *,
    intervals: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    budgets: bool = False,
) -> dict[str, str]:
    """The exporter's settings against the simulator; ``intervals`` maps a setting's name
    (``poll``, ``activity``, ``analytics``, ``limits``) to its value. With ``budgets``, the
    account is read with everything on: see :func:`_budgets_config`."""
    port = free_port()
    env = {
        "OPENROUTER_BASE_URL": simulator.base_url,
        "OPENROUTER_MANAGEMENT_KEY": simulator.management_key,
        "OPENROUTER_EXPORTER_LISTEN_ADDRESS": f"{LOOPBACK}:{port}",
        "OPENROUTER_EXPORTER_STATE_DIR": str(processes.scratch / f"state-{name}"),
        "OPENROUTER_EXPORTER_LOG_FORMAT": "json",
    }
    if budgets:
        del env["OPENROUTER_MANAGEMENT_KEY"]
        env["OPENROUTER_EXPORTER_CONFIG"] = str(_budgets_config(processes, simulator, name))
    for setting, value in (intervals or {}).items():
        env[f"OPENROUTER_EXPORTER_{setting.upper()}_INTERVAL"] = value
    env.update(extra_env or {})
    return env


def start_exporter(
    processes: Processes,
    simulator: SimulatorProcess,
    name: str,
    *,
    intervals: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    budgets: bool = False,
) -> ExporterProcess:
    """The real exporter against the simulator: see :func:`exporter_env`."""
    env = exporter_env(
        processes, simulator, name, intervals=intervals, extra_env=extra_env, budgets=budgets
    )
    return launch_exporter(processes, name, env)


def launch_exporter(processes: Processes, name: str, env: Mapping[str, str]) -> ExporterProcess:
    """The real exporter, ``python -m openrouter_exporter``, on the exporter's interpreter,
    with the environment from :func:`exporter_env`."""
    port = int(env["OPENROUTER_EXPORTER_LISTEN_ADDRESS"].rpartition(":")[2])
    launched = time.monotonic()
    child = processes.spawn_exporter(name, ["-m", "openrouter_exporter"], env)
    ready, first = wait_serving(processes, child, name, port, launched)
    return ExporterProcess(child, name, port, ready, first)


def _budgets_config(processes: Processes, simulator: SimulatorProcess, name: str) -> Path:
    """Everything on: a management key, the simulator's first inference key (its /key
    budget layers), a monthly, a weekly and a daily budget."""
    key_file = processes.scratch / f"{name}-management-key"
    key_file.write_text(simulator.management_key)
    api_key_file = processes.scratch / f"{name}-api-key"
    api_key_file.write_text(simulator.inference_keys[0])
    config = processes.scratch / f"{name}.yml"
    config.write_text(
        "accounts:\n"
        "  - name: default\n"
        f"    management_key_file: {key_file}\n"
        f"    api_key_file: {api_key_file}\n"
        "    budgets:\n"
        "      - {name: monthly, amount_usd: 2000, period: monthly}\n"
        "      - {name: weekly, amount_usd: 300, period: weekly}\n"
        "      - {name: daily, amount_usd: 50, period: daily}\n"
    )
    return config


def start_demo(processes: Processes) -> ExporterProcess:
    """``openrouter-exporter demo``, the newcomer's first command, on a loopback port."""
    port = free_port()
    command = ["-m", "openrouter_exporter", "demo", "--web.listen-address", f"{LOOPBACK}:{port}"]
    launched = time.monotonic()
    child = processes.spawn_exporter("demo", command)
    ready, first = wait_serving(processes, child, "demo", port, launched)
    return ExporterProcess(child, "demo", port, ready, first)


@dataclass
class StaticProcess:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"


def start_static(
    processes: Processes, name: str, body: bytes, content_type: str, content_encoding: str = ""
) -> StaticProcess:
    """The bare static server serving ``body``, in its own process."""
    body_file = processes.scratch / f"{name}.body"
    body_file.write_bytes(body)
    port = free_port()
    command = [sys.executable, "-m", "bench.static_server", "--body", str(body_file)]
    command += ["--content-type", content_type, "--listen", f"{LOOPBACK}:{port}"]
    if content_encoding:
        command += ["--content-encoding", content_encoding]
    child = processes.spawn(name, command, child_env())

    def serving() -> bool:
        _alive(processes, child, name)
        return answers(port, "/metrics")

    wait_for(serving, START_TIMEOUT, name)
    return StaticProcess(child, port)
