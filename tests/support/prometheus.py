"""Real Prometheus and Alertmanager processes for end-to-end tests, and a webhook receiver.

Everything runs on loopback, on free ports, in a directory the caller owns (a ``tmp_path``),
with each process's output captured to a log file there; a start-up failure raises an
``AssertionError`` carrying the tail of that log. Every server is a context manager and
``stop()`` is idempotent (SIGTERM, then SIGKILL after a grace period).

Typical end-to-end use::

    with WebhookReceiver() as webhook, start_alertmanager(
        tmp_path / "am",
        alertmanager_config_with_webhook(load_yaml(ALERTMANAGER_EXAMPLE), webhook.url),
    ) as am, start_prometheus(
        tmp_path / "prom",
        targets=[ScrapeTarget("openrouter-exporter", (exporter_address,))],
        rule_files=[RULES_FILE],
        alertmanagers=[am.address],
        scrape_interval="1s",
        evaluation_interval="1s",
    ) as prom:
        prom.wait_for_targets_up(timeout=30)
        note = webhook.wait_for_alert("OpenRouterCreditsRunwayLow", timeout=600,
                                      severity="warning")

The binaries are Debian's ``prometheus`` and ``prometheus-alertmanager`` (upstream's
``alertmanager`` name is accepted too); ``PROMETHEUS_BINARY`` and ``ALERTMANAGER_BINARY``
override them. A missing binary fails the test: CI installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import yaml

from tests.support.exporter import free_port, wait_until

Json = dict[str, Any]

REPOSITORY = Path(__file__).resolve().parents[2]
RULES_FILE = REPOSITORY / "alerts" / "openrouter-alerts.yml"
ALERTMANAGER_EXAMPLE = REPOSITORY / "alerts" / "alertmanager.example.yml"

_START_ATTEMPTS = 3
_LOG_TAIL_LINES = 60
_STOP_GRACE_SECONDS = 10.0
_HTTP_TIMEOUT_SECONDS = 10.0


def find_binary(*names: str, env: str) -> str:
    """The first of ``names`` on PATH, or the path in environment variable ``env``."""
    override = os.environ.get(env)
    if override:
        return override
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError(
        f"none of {', '.join(names)} is installed (or set {env}); the test suite needs it"
    )


def prometheus_binary() -> str:
    return find_binary("prometheus", env="PROMETHEUS_BINARY")


def alertmanager_binary() -> str:
    return find_binary("prometheus-alertmanager", "alertmanager", env="ALERTMANAGER_BINARY")


def load_yaml(path: Path) -> Json:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise AssertionError(f"{path} is not a YAML mapping")
    return loaded


# Processes ---------------------------------------------------------------------------------


@dataclass
class ServerProcess:
    """A server process on ``127.0.0.1:port`` with its log file and working directory."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    workdir: Path
    log_path: Path
    client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=_HTTP_TIMEOUT_SECONDS)

    @property
    def address(self) -> str:
        """``host:port``, the form scrape and Alertmanager targets take."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def running(self) -> bool:
        return self.process.poll() is None

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        return "\n".join(self.logs().splitlines()[-lines:])

    def get_json(self, path: str, **params: str) -> Json:
        response = self.client.get(path, params=params)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            return {"data": body}
        return body

    def stop(self, timeout: float = _STOP_GRACE_SECONDS) -> int:
        """SIGTERM, then SIGKILL if still running after ``timeout``; returns the exit status."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(timeout=timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _launch(
    name: str,
    workdir: Path,
    command: Callable[[int], list[str]],
    timeout: float,
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """Start ``command(port)`` until it answers ``/-/ready`` (a taken port is retried)."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    failure = ""
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                command(port), cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}/-/ready"

        def ready(process: subprocess.Popen[bytes] = process, url: str = url) -> bool:
            if process.poll() is not None:
                return True  # exited: reported below
            try:
                return httpx.get(url, timeout=2.0).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_until(ready, timeout, f"{name} answers /-/ready", interval=0.1)
        except BaseException:
            process.kill()
            process.wait(timeout=_STOP_GRACE_SECONDS)
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-_LOG_TAIL_LINES:])
            raise AssertionError(f"{name} did not become ready; log {log_path}:\n{tail}") from None
        if process.poll() is None:
            return process, port, log_path
        logs = log_path.read_text(errors="replace")
        failure = "\n".join(logs.splitlines()[-_LOG_TAIL_LINES:])
        if "address already in use" not in logs:
            break
    raise AssertionError(f"{name} exited during start-up; log {log_path}:\n{failure}")


# Prometheus --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScrapeTarget:
    """One scrape job of ``host:port`` targets."""

    job: str
    targets: tuple[str, ...]
    metrics_path: str = "/metrics"
    scheme: str = "http"
    scrape_interval: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    basic_auth: tuple[str, str] | None = None
    insecure_skip_verify: bool = False

    def config(self) -> Json:
        static: Json = {"targets": list(self.targets)}
        if self.labels:
            static["labels"] = dict(self.labels)
        job: Json = {
            "job_name": self.job,
            "metrics_path": self.metrics_path,
            "scheme": self.scheme,
            "static_configs": [static],
        }
        if self.scrape_interval:
            job["scrape_interval"] = self.scrape_interval
        if self.basic_auth:
            job["basic_auth"] = {"username": self.basic_auth[0], "password": self.basic_auth[1]}
        if self.insecure_skip_verify:
            job["tls_config"] = {"insecure_skip_verify": True}
        return job


def prometheus_config(
    targets: Iterable[ScrapeTarget] = (),
    *,
    rule_files: Iterable[Path] = (),
    alertmanagers: Iterable[str] = (),
    scrape_interval: str = "1s",
    evaluation_interval: str = "1s",
    external_labels: Mapping[str, str] | None = None,
) -> Json:
    """A ``prometheus.yml`` as a dict; ``alertmanagers`` are ``host:port`` (API v2)."""
    config: Json = {
        "global": {
            "scrape_interval": scrape_interval,
            "scrape_timeout": scrape_interval,
            "evaluation_interval": evaluation_interval,
        },
        "rule_files": [str(Path(path).resolve()) for path in rule_files],
        "scrape_configs": [target.config() for target in targets],
    }
    if external_labels:
        config["global"]["external_labels"] = dict(external_labels)
    managers = list(alertmanagers)
    if managers:
        config["alerting"] = {
            "alertmanagers": [{"api_version": "v2", "static_configs": [{"targets": managers}]}]
        }
    return config


@dataclass(frozen=True)
class Sample:
    """One element of an instant vector."""

    labels: Mapping[str, str]
    value: float


@dataclass
class PrometheusServer(ServerProcess):
    """A running Prometheus; the query helpers raise on an API error."""

    config_path: Path = field(default=Path(), kw_only=True)

    def _data(self, path: str, **params: str) -> Any:
        body = self.get_json(path, **params)
        if body.get("status") != "success":
            raise AssertionError(f"{path} {params} failed: {body}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        """Instant query; a scalar result comes back as one sample without labels."""
        params = {"query": expr}
        if at is not None:
            params["time"] = repr(at)
        data = self._data("/api/v1/query", **params)
        if data["resultType"] == "vector":
            return [
                Sample(dict(item["metric"]), float(item["value"][1])) for item in data["result"]
            ]
        if data["resultType"] == "scalar":
            return [Sample({}, float(data["result"][1]))]
        raise AssertionError(f"{expr!r} returned a {data['resultType']}, not a vector")

    def query_value(self, expr: str) -> float | None:
        """The single value of ``expr``, ``None`` when empty; more than one is an error."""
        samples = self.query(expr)
        if len(samples) > 1:
            raise AssertionError(f"{expr!r} returned {len(samples)} series")
        return samples[0].value if samples else None

    def query_range(self, expr: str, start: float, end: float, step: str) -> list[Json]:
        data = self._data(
            "/api/v1/query_range", query=expr, start=repr(start), end=repr(end), step=step
        )
        result: list[Json] = data["result"]
        return result

    def alerts(self, alertname: str | None = None, **labels: str) -> list[Json]:
        """Pending and firing alerts (``/api/v1/alerts``), filtered by name and labels."""
        found: list[Json] = self._data("/api/v1/alerts")["alerts"]
        return [alert for alert in found if _matches(alert["labels"], alertname, labels)]

    def rule_groups(self) -> list[Json]:
        groups: list[Json] = self._data("/api/v1/rules")["groups"]
        return groups

    def rules(self) -> list[Json]:
        """Every rule of every group, each with ``health``, ``lastError``, ``state``..."""
        return [rule for group in self.rule_groups() for rule in group["rules"]]

    def targets(self) -> list[Json]:
        active: list[Json] = self._data("/api/v1/targets")["activeTargets"]
        return active

    def reload(self) -> None:
        """Re-read the configuration and rule files (``--web.enable-lifecycle``)."""
        self.client.post("/-/reload").raise_for_status()

    def wait_for_targets_up(self, timeout: float) -> list[Json]:
        wait_until(
            lambda: bool(self.targets()) and all(t["health"] == "up" for t in self.targets()),
            timeout,
            "every scrape target is up",
        )
        return self.targets()

    def wait_for_query(
        self,
        expr: str,
        timeout: float,
        condition: Callable[[list[Sample]], bool] = bool,
    ) -> list[Sample]:
        """Poll ``expr`` until ``condition`` holds (default: a non-empty result)."""
        found: list[list[Sample]] = []

        def check() -> bool:
            samples = self.query(expr)
            if condition(samples):
                found.append(samples)
                return True
            return False

        wait_until(check, timeout, f"{expr!r} satisfies the condition", interval=0.5)
        return found[0]

    def wait_for_alert(
        self, alertname: str, timeout: float, state: str = "firing", **labels: str
    ) -> Json:
        found: list[Json] = []

        def check() -> bool:
            found[:] = [a for a in self.alerts(alertname, **labels) if a["state"] == state]
            return bool(found)

        wait_until(check, timeout, f"{alertname}{labels} is {state}", interval=0.5)
        return found[0]

    def wait_for_rules_evaluated(self, timeout: float) -> list[Json]:
        """Until every rule has been evaluated at least once; returns the rules."""

        def check() -> bool:
            rules = self.rules()
            return bool(rules) and all(rule.get("health") != "unknown" for rule in rules)

        wait_until(check, timeout, "every rule has been evaluated", interval=0.2)
        return self.rules()


def start_prometheus(
    workdir: Path,
    targets: Iterable[ScrapeTarget] = (),
    *,
    rule_files: Iterable[Path] = (),
    alertmanagers: Iterable[str] = (),
    scrape_interval: str = "1s",
    evaluation_interval: str = "1s",
    external_labels: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = 60.0,
) -> PrometheusServer:
    """Start Prometheus in ``workdir`` (config, TSDB and ``prometheus.log`` live there).

    ``extra_args`` go to the command line as they are, e.g.
    ``["--rules.alert.resend-delay=1s"]`` to resend firing alerts every second.
    """
    config = prometheus_config(
        targets,
        rule_files=rule_files,
        alertmanagers=alertmanagers,
        scrape_interval=scrape_interval,
        evaluation_interval=evaluation_interval,
        external_labels=external_labels,
    )
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    binary = prometheus_binary()

    def command(port: int) -> list[str]:
        return [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
            "--log.level=info",
            *extra_args,
        ]

    process, port, log_path = _launch("prometheus", workdir, command, timeout)
    return PrometheusServer("prometheus", process, port, workdir, log_path, config_path=config_path)


# Alertmanager ------------------------------------------------------------------------------


@dataclass
class AlertmanagerServer(ServerProcess):
    """A running Alertmanager (clustering off) and its v2 API."""

    config_path: Path = field(default=Path(), kw_only=True)

    def alerts(
        self, alertname: str | None = None, *, include_muted: bool = True, **labels: str
    ) -> list[Json]:
        """Alerts as ``/api/v2/alerts`` shows them; ``status.state`` is ``active`` or
        ``suppressed`` (``status.inhibitedBy`` / ``silencedBy`` say why)."""
        params = {} if include_muted else {"silenced": "false", "inhibited": "false"}
        found = self.get_json("/api/v2/alerts", **params)["data"]
        return [alert for alert in found if _matches(alert["labels"], alertname, labels)]

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        """Send alerts as Prometheus would: ``[{"labels": {...}, "annotations": {...}}]``."""
        self.client.post("/api/v2/alerts", json=list(alerts)).raise_for_status()

    def status(self) -> Json:
        return self.get_json("/api/v2/status")


def alertmanager_config_with_webhook(
    config: Mapping[str, Any],
    url: str,
    *,
    group_wait: str | None = "1s",
    group_interval: str | None = "1s",
    repeat_interval: str | None = None,
) -> Json:
    """``config`` with every receiver replaced by a webhook to ``url`` (receiver names,
    routes and inhibit rules kept), and the routes' timers shortened where given."""
    result: Json = json.loads(json.dumps(config))
    result["receivers"] = [
        {"name": receiver["name"], "webhook_configs": [{"url": url, "send_resolved": True}]}
        for receiver in result.get("receivers", [])
    ]
    timers = {
        "group_wait": group_wait,
        "group_interval": group_interval,
        "repeat_interval": repeat_interval,
    }

    def shorten(route: Json, top: bool) -> None:
        for key, value in timers.items():
            if value is not None and (top or key in route):
                route[key] = value
        for child in route.get("routes", []):
            shorten(child, False)

    shorten(result["route"], True)
    return result


def start_alertmanager(
    workdir: Path,
    config: Mapping[str, Any] | Path,
    *,
    extra_args: Sequence[str] = (),
    timeout: float = 60.0,
) -> AlertmanagerServer:
    """Start Alertmanager in ``workdir`` with ``config`` (a dict, or a file used as is)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(config, Path):
        config_path = config.resolve()
    else:
        config_path = workdir / "alertmanager.yml"
        config_path.write_text(yaml.safe_dump(dict(config), sort_keys=False), encoding="utf-8")
    binary = alertmanager_binary()

    def command(port: int) -> list[str]:
        return [
            binary,
            f"--config.file={config_path}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=info",
            *extra_args,
        ]

    process, port, log_path = _launch("alertmanager", workdir, command, timeout)
    return AlertmanagerServer(
        "alertmanager", process, port, workdir, log_path, config_path=config_path
    )


# Webhook receiver --------------------------------------------------------------------------


class WebhookReceiver:
    """Collects Alertmanager webhook notifications (``POST`` JSON bodies) in a thread.

    ``notifications`` holds every payload in arrival order; the ``wait_for*`` methods block
    until one matches or the timeout passes (then ``AssertionError``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Condition()
        self._notifications: list[Json] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    payload = json.loads(raw or b"null")
                except ValueError:
                    payload = {"unparsed": raw.decode("utf-8", errors="replace")}
                receiver._record(payload if isinstance(payload, dict) else {"body": payload})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-receiver", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def _record(self, payload: Json) -> None:
        with self._lock:
            self._notifications.append(payload)
            self._lock.notify_all()

    @property
    def notifications(self) -> list[Json]:
        with self._lock:
            return list(self._notifications)

    def alerts(
        self, alertname: str | None = None, status: str | None = None, **labels: str
    ) -> list[Json]:
        """Every alert of every notification, optionally filtered (``status``: firing,
        resolved)."""
        return [
            alert
            for note in self.notifications
            for alert in note.get("alerts", [])
            if _matches(alert.get("labels", {}), alertname, labels)
            and (status is None or alert.get("status") == status)
        ]

    def wait_for(self, condition: Callable[[Json], bool], timeout: float, message: str) -> Json:
        """The first notification (already received or arriving) for which ``condition``
        holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._lock:
            while True:
                for note in self._notifications[seen:]:
                    if condition(note):
                        return note
                seen = len(self._notifications)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout:g}s waiting for a notification: {message}; "
                        f"received {len(self._notifications)}"
                    )
                self._lock.wait(remaining)

    def wait_for_alert(
        self, alertname: str, timeout: float, status: str = "firing", **labels: str
    ) -> Json:
        """The first notification carrying ``alertname`` (with ``labels``) in ``status``."""

        def carries(note: Json) -> bool:
            return any(
                _matches(alert.get("labels", {}), alertname, labels)
                and alert.get("status") == status
                for alert in note.get("alerts", [])
            )

        return self.wait_for(carries, timeout, f"{alertname}{labels} {status}")

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=_STOP_GRACE_SECONDS)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _matches(labels: Mapping[str, str], alertname: str | None, wanted: Mapping[str, str]) -> bool:
    if alertname is not None and labels.get("alertname") != alertname:
        return False
    return all(labels.get(name) == value for name, value in wanted.items())


@dataclass(frozen=True)
class AlertingStack:
    webhook: WebhookReceiver
    alertmanager: AlertmanagerServer
    prometheus: PrometheusServer


@contextmanager
def alerting_stack(
    workdir: Path, exporter_url: str, *, external_labels: Mapping[str, str] | None = None
) -> Iterator[AlertingStack]:
    """Prometheus scraping the exporter at ``exporter_url`` with the shipped rules, sending to
    Alertmanager with the example configuration, which sends to a webhook receiver."""
    with (
        WebhookReceiver() as webhook,
        start_alertmanager(
            workdir / "alertmanager",
            alertmanager_config_with_webhook(load_yaml(ALERTMANAGER_EXAMPLE), webhook.url),
        ) as alertmanager,
        start_prometheus(
            workdir / "prometheus",
            [ScrapeTarget("openrouter-exporter", (exporter_url.removeprefix("http://"),))],
            rule_files=[RULES_FILE],
            alertmanagers=[alertmanager.address],
            external_labels=external_labels,
        ) as prometheus,
    ):
        yield AlertingStack(webhook, alertmanager, prometheus)
