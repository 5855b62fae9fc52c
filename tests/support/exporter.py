"""Start the real exporter as a separate process and read what it serves."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = frozenset[tuple[str, str]]
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


def free_port() -> int:
    """A loopback port no other test (in this or another pytest worker) is given for a minute.

    The port is left in TIME_WAIT: the kernel hands it to no ``bind(port 0)`` and no outgoing
    connection until that ends, while a server binding it with SO_REUSEADDR, as the exporter,
    Prometheus, Alertmanager and Python's HTTP servers do, gets it at once.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        address = listener.getsockname()
        with socket.create_connection(address) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the accepting side closes first: its end waits in TIME_WAIT
            client.recv(1)  # the close has arrived: the client's close completes the handshake
        return int(address[1])


def wait_until(
    condition: Callable[[], bool], timeout: float, message: str, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g}s waiting until {message}")


@dataclass
class Metrics:
    """Parsed exposition: sample name and label set to value."""

    samples: dict[tuple[str, Labels], float] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "Metrics":
        metrics = cls()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                metrics.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return metrics

    def get(self, name: str, **labels: str) -> float | None:
        wanted = set(labels.items())
        matches = [
            value
            for (sample, sample_labels), value in self.samples.items()
            if sample == name and wanted <= sample_labels
        ]
        if len(matches) > 1:
            raise AssertionError(f"{name}{labels} matches {len(matches)} series")
        return matches[0] if matches else None

    def series(self, name: str, **labels: str) -> dict[Labels, float]:
        wanted = set(labels.items())
        return {
            sample_labels: value
            for (sample, sample_labels), value in self.samples.items()
            if sample == name and wanted <= sample_labels
        }

    def names(self) -> set[str]:
        return {name for name, _ in self.samples}


@dataclass
class ExporterProcess:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=10.0, **kwargs)  # type: ignore[arg-type]

    def metrics_text(self) -> str:
        response = self.get("/metrics")
        response.raise_for_status()
        return response.text

    def metrics(self) -> Metrics:
        return Metrics.parse(self.metrics_text())

    def wait_for_metrics(
        self, condition: Callable[[Metrics], bool], timeout: float, message: str
    ) -> Metrics:
        found: list[Metrics] = []

        def check() -> bool:
            metrics = self.metrics()
            if condition(metrics):
                found.append(metrics)
                return True
            return False

        wait_until(check, timeout, message)
        return found[0]

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_events(self) -> list[str]:
        return [line for line in self.logs().splitlines() if line.strip()]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> "ExporterProcess":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()


def exporter_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "openrouter_exporter", *args]


def start_exporter(
    args: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    *,
    port: int | None = None,
    wait_ready: bool = True,
    timeout: float = 30.0,
) -> ExporterProcess:
    """Start ``openrouter-exporter`` with exactly the given environment (plus PATH etc.)."""
    listen_port = port or free_port()
    environment = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    environment.update(env)
    environment.setdefault("OPENROUTER_EXPORTER_LISTEN_ADDRESS", f"127.0.0.1:{listen_port}")
    environment.setdefault("OPENROUTER_EXPORTER_LOG_FORMAT", "json")
    log_file = log_path.open("ab")
    process = subprocess.Popen(
        exporter_command(*args), env=environment, stdout=log_file, stderr=subprocess.STDOUT
    )
    log_file.close()
    exporter = ExporterProcess(process, f"http://127.0.0.1:{listen_port}", log_path)

    def answering(path: str) -> bool:
        if process.poll() is not None:
            raise AssertionError(f"exporter exited with {process.returncode}:\n{exporter.logs()}")
        try:
            return exporter.get(path).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(lambda: answering("/healthz"), timeout, "the exporter answers /healthz")
        if wait_ready:
            wait_until(lambda: answering("/readyz"), timeout, "the exporter is ready")
    except BaseException:
        exporter.kill()
        raise
    return exporter
