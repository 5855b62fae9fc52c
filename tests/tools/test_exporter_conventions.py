"""What every well-kept Prometheus exporter does, checked on the real exporter process: its
own process metrics, the standard ``--web.*`` and ``--log.*`` flags, several listen addresses,
systemd socket activation, a rotated certificate served without a restart, web-config
headers, and content negotiation by q-values."""

import os
import re
import shutil
import socket
import ssl
import subprocess
import zlib
from pathlib import Path

import httpx
import pytest
import trustme

from openrouter_simulator import Simulator
from tests.conftest import StartExporter, simulator_env
from tests.support.exporter import (
    _INHERITED,
    ExporterProcess,
    Metrics,
    exporter_command,
    free_port,
    start_exporter,
    wait_until,
)
from tests.support.tls import start_https_exporter, write_web_config

OPENMETRICS = "application/openmetrics-text"
# What Prometheus 3 sends when scraping.
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,"
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
)
EXPORTER_METRICS = (
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "process_open_fds",
    "process_start_time_seconds",
    "python_info",
    "python_gc_collections_total",
)


@pytest.fixture
def exporter(simulator: Simulator, start: StartExporter) -> ExporterProcess:
    return start(simulator)


def scrape(exporter: ExporterProcess, path: str = "/metrics", **headers: str) -> httpx.Response:
    """A scrape with exactly these negotiation headers (none that httpx adds itself)."""
    sent = {"Accept": "", "Accept-Encoding": "", **headers}
    with httpx.Client(timeout=10.0) as client:
        request = client.build_request("GET", f"{exporter.url}{path}", headers=sent)
        for name, value in sent.items():
            if not value:
                del request.headers[name]
        return client.send(request)


# Process and Python metrics.


def test_process_and_python_metrics_are_served_by_default(exporter: ExporterProcess) -> None:
    names = exporter.metrics().names()
    assert set(EXPORTER_METRICS) <= names


def test_disable_exporter_metrics_flag_leaves_them_out(
    simulator: Simulator, start: StartExporter
) -> None:
    names = start(simulator, "--web.disable-exporter-metrics").metrics().names()
    assert not {name for name in names if name.startswith(("process_", "python_"))}
    assert "openrouter_balance_usd" in names


def test_disable_exporter_metrics_variable_leaves_them_out(
    simulator: Simulator, start: StartExporter
) -> None:
    env = {"OPENROUTER_EXPORTER_DISABLE_EXPORTER_METRICS": "true"}
    names = start(simulator, env=env).metrics().names()
    assert not {name for name in names if name.startswith(("process_", "python_"))}


def test_process_metrics_are_current_at_each_scrape_while_the_snapshot_is_cached(
    exporter: ExporterProcess,
) -> None:
    """Open file descriptors follow the connections held open, though no poll happens."""
    before = exporter.metrics().get("process_open_fds")
    assert before is not None
    held = [socket.create_connection(("127.0.0.1", int(exporter.url.rsplit(":", 1)[1])))]
    held += [socket.create_connection(held[0].getpeername()) for _ in range(9)]
    try:
        wait_until(
            lambda: (exporter.metrics().get("process_open_fds") or 0) >= before + 10,
            10,
            "ten more descriptors are counted",
        )
    finally:
        for connection in held:
            connection.close()


def test_openmetrics_body_with_process_metrics_is_valid_and_ends_with_eof(
    exporter: ExporterProcess,
) -> None:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    response = scrape(exporter, Accept=OPENMETRICS)
    assert response.headers["content-type"].startswith(OPENMETRICS)
    assert response.text.endswith("# EOF\n")
    names = {family.name for family in text_string_to_metric_families(response.text)}  # type: ignore[no-untyped-call]
    assert {"process_resident_memory_bytes", "openrouter_balance_usd"} <= names


@pytest.mark.parametrize("accept", ["", OPENMETRICS])
def test_gzipped_body_is_one_valid_gzip_member_with_every_metric(
    exporter: ExporterProcess, accept: str
) -> None:
    headers = {"Accept-Encoding": "gzip", **({"Accept": accept} if accept else {})}
    with httpx.stream("GET", f"{exporter.url}/metrics", headers=headers, timeout=10) as response:
        body = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    plain = member.decompress(body).decode()
    assert member.eof
    assert member.unused_data == b""
    assert "process_start_time_seconds" in plain
    assert "openrouter_balance_usd" in plain


# Telemetry path, several listen addresses, socket activation.


def test_telemetry_path_moves_the_metrics(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator, "--web.telemetry-path", "/probe/metrics")
    assert "openrouter_balance_usd" in exporter.get("/probe/metrics").text
    assert exporter.get("/metrics").status_code == 404
    assert 'href="probe/metrics"' in exporter.get("/").text


def _two_ports() -> tuple[int, int]:
    first, second = free_port(), free_port()
    while second == first:
        second = free_port()
    return first, second


def _serves_metrics(port: int) -> bool:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    return response.status_code == 200 and "openrouter_balance_usd" in response.text


def _start_on(
    simulator: Simulator, tmp_path: Path, port: int, args: list[str], listen: str
) -> ExporterProcess:
    """An exporter whose readiness is probed on `port`, one of the addresses it serves."""
    env = {
        **simulator_env(simulator, tmp_path / "state"),
        "OPENROUTER_EXPORTER_LISTEN_ADDRESS": listen,
    }
    return start_exporter(args, env, tmp_path / "exporter.log", port=port)


def test_repeated_listen_address_flag_serves_every_address(
    simulator: Simulator, tmp_path: Path
) -> None:
    first, second = _two_ports()
    flags = ["--web.listen-address", f"127.0.0.1:{first}"]
    flags += ["--web.listen-address", f"127.0.0.1:{second}"]
    with _start_on(simulator, tmp_path, first, flags, listen=f"127.0.0.1:{free_port()}"):
        assert _serves_metrics(first)
        assert _serves_metrics(second)


def test_listen_address_variable_with_a_comma_serves_every_address(
    simulator: Simulator, tmp_path: Path
) -> None:
    first, second = _two_ports()
    with _start_on(simulator, tmp_path, first, [], f"127.0.0.1:{first},127.0.0.1:{second}"):
        assert _serves_metrics(first)
        assert _serves_metrics(second)


def test_systemd_socket_activation_serves_on_the_passed_socket(
    simulator: Simulator, tmp_path: Path
) -> None:
    activate = shutil.which("systemd-socket-activate")
    assert activate, "systemd-socket-activate is required (Debian package systemd)"
    port = free_port()
    environment = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    environment.update(simulator_env(simulator, tmp_path / "state"))
    # The listen address names a port that is never bound: systemd's socket is used instead.
    environment["OPENROUTER_EXPORTER_LISTEN_ADDRESS"] = f"127.0.0.1:{free_port()}"
    passed = [f"--setenv={name}={value}" for name, value in environment.items()]
    log_path = tmp_path / "exporter.log"
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [
                activate,
                f"--listen=127.0.0.1:{port}",
                *passed,
                *exporter_command("--web.systemd-socket"),
            ],
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    exporter = ExporterProcess(process, f"http://127.0.0.1:{port}", log_path)
    with exporter:

        def ready() -> bool:
            assert process.poll() is None, exporter.logs()
            try:
                return exporter.get("/readyz").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 30, "the socket-activated exporter is ready")
        assert "openrouter_balance_usd" in exporter.metrics_text()
        assert '"systemd socket"' in exporter.logs()


def test_systemd_socket_flag_without_systemd_exits_naming_the_flag(
    simulator: Simulator, tmp_path: Path
) -> None:
    environment = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    environment.update(simulator_env(simulator, tmp_path / "state"))
    result = subprocess.run(
        exporter_command("--web.systemd-socket"),
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "--web.systemd-socket" in result.stdout + result.stderr


# Logging flags.

_LOGFMT_PAIR = r'[A-Za-z_][A-Za-z0-9_.-]*=(?:"(?:[^"\\]|\\.)*"|[^\s"=]*)'
LOGFMT_LINE = re.compile(rf"{_LOGFMT_PAIR}(?: {_LOGFMT_PAIR})*")


def test_logfmt_lines_parse_as_logfmt(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator, "--log.format=logfmt")
    exporter.stop()
    lines = exporter.log_events()
    assert lines
    for line in lines:
        assert LOGFMT_LINE.fullmatch(line), line
        keys = re.findall(r"(?:^| )([A-Za-z_][A-Za-z0-9_.-]*)=", line)
        assert keys[:3] == ["timestamp", "level", "event"], line


def test_log_level_warn_hides_info_lines(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator, "--log.level=warn")
    exporter.stop()
    assert '"event": "serving"' not in exporter.logs()
    assert '"level": "info"' not in exporter.logs()


# web-config: a rotated certificate, headers.


def _issue(authority: trustme.CA, directory: Path, name: str) -> tuple[Path, Path]:
    leaf = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key))
    return cert, key


def _served_certificate(port: int, context: ssl.SSLContext) -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        certificate = tls.getpeercert(binary_form=True)
    assert certificate is not None
    return certificate


def test_certificate_rotated_on_disk_is_served_to_new_connections(
    simulator: Simulator, tmp_path: Path
) -> None:
    authority = trustme.CA()
    ca = tmp_path / "ca.crt"
    authority.cert_pem.write_to_path(str(ca))
    live = tmp_path / "live"
    live.mkdir()
    cert, key = _issue(authority, live, "tls")
    config = write_web_config(
        tmp_path / "web.yml", {"tls_server_config": {"cert_file": str(cert), "key_file": str(key)}}
    )
    context = ssl.create_default_context(cafile=str(ca))
    env = {
        **simulator_env(simulator, tmp_path / "state"),
        "OPENROUTER_EXPORTER_WEB_CONFIG": str(config),
    }
    with start_https_exporter([], env, tmp_path / "exporter.log", context) as exporter:
        port = int(exporter.url.rsplit(":", 1)[1])
        first = _served_certificate(port, context)
        # As cert-manager does: the new pair is written beside, then moved into place.
        new_cert, new_key = _issue(authority, tmp_path, "rotated")
        os.replace(new_key, key)
        os.replace(new_cert, cert)

        second = _served_certificate(port, context)
        assert second != first
        assert second == ssl.PEM_cert_to_DER_cert(
            cert.read_text().split("-----END")[0] + "-----END CERTIFICATE-----\n"
        )
        assert exporter.get("/metrics", verify=context).status_code == 200


def test_configured_headers_are_on_every_response(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    config = write_web_config(
        tmp_path / "web.yml",
        {
            "http_server_config": {
                "headers": {"X-Frame-Options": "deny", "X-Content-Type-Options": "nosniff"}
            }
        },
    )
    exporter = start(simulator, env={"OPENROUTER_EXPORTER_WEB_CONFIG": str(config)})
    for path in ("/metrics", "/healthz", "/absent"):
        response = exporter.get(path)
        assert response.headers["x-frame-options"] == "deny", path
        assert response.headers["x-content-type-options"] == "nosniff", path


# Content negotiation over HTTP.


def test_metrics_vary_by_accept_and_accept_encoding(exporter: ExporterProcess) -> None:
    for encoding in ("", "gzip"):
        response = scrape(exporter, **{"Accept-Encoding": encoding})
        assert response.headers["vary"] == "Accept-Encoding, Accept"


def test_gzip_refused_with_q_zero_is_not_sent(exporter: ExporterProcess) -> None:
    response = scrape(exporter, **{"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in response.headers
    assert Metrics.parse(response.text).get("openrouter_balance_usd") is not None


def test_every_coding_refused_is_answered_406(exporter: ExporterProcess) -> None:
    response = scrape(exporter, **{"Accept-Encoding": "identity;q=0"})
    assert response.status_code == 406


def test_prometheus_scrape_gets_openmetrics(exporter: ExporterProcess) -> None:
    response = scrape(exporter, Accept=PROMETHEUS_ACCEPT)
    assert response.headers["content-type"].startswith(OPENMETRICS)


def test_text_preferred_by_q_value_gets_text(exporter: ExporterProcess) -> None:
    response = scrape(exporter, Accept=f"{OPENMETRICS};q=0.2, text/plain;q=0.9")
    assert response.headers["content-type"].startswith("text/plain")
