"""The HTTP server against clients that are slow, idle, oversized or speak nonsense.

Raw sockets send exactly the bytes under test. Every test ends by checking that an
ordinary scrape still works: a hostile client may get an error, never the server down.
The ordinary scrapes use a client timeout well below the server's per-connection timeout
(10s), so a scrape that had to wait for a stalled connection to be dropped fails.
"""

import contextlib
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from openrouter_exporter.serving.server import (
    CONNECTION_TIMEOUT,
    MAX_CONNECTIONS,
    REQUEST_HEAD_DEADLINE,
)
from openrouter_simulator import Simulator
from tests.conftest import simulator_env
from tests.support.exporter import ExporterProcess, start_exporter
from tests.support.tls import Pki, make_pki, start_https_exporter, write_web_config

SCRAPE_TIMEOUT = CONNECTION_TIMEOUT / 4
MAX_LINE = 65536


@pytest.fixture(scope="module")
def exporter(
    module_simulator: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExporterProcess]:
    scratch = tmp_path_factory.mktemp("hostile")
    process = start_exporter(
        [], simulator_env(module_simulator, scratch / "state"), scratch / "exporter.log"
    )
    yield process
    process.kill()


def address(exporter: ExporterProcess) -> tuple[str, int]:
    host, port = exporter.url.rsplit("/", 1)[-1].rsplit(":", 1)
    return host, int(port)


def scrape(exporter: ExporterProcess, **kwargs: object) -> httpx.Response:
    response = httpx.get(f"{exporter.url}/metrics", timeout=SCRAPE_TIMEOUT, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert "openrouter_exporter_build_info" in response.text
    return response


def exchange(exporter: ExporterProcess, payload: bytes) -> bytes:
    """Send raw bytes, return everything answered until the server closes or goes quiet."""
    with socket.create_connection(address(exporter), timeout=SCRAPE_TIMEOUT) as connection:
        # The server may answer and close before it has read everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(payload)
        chunks = []
        try:
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    status_line = answer.split(b"\r\n", 1)[0].split()
    assert len(status_line) >= 2, answer[:200]
    return int(status_line[1])


# --- Slow and idle clients ------------------------------------------------------------------


def test_idle_connections_do_not_block_a_scrape(exporter: ExporterProcess) -> None:
    with ExitStack() as stack:
        for _ in range(50):
            stack.enter_context(socket.create_connection(address(exporter), timeout=5))

        scrape(exporter)


def test_half_sent_request_line_does_not_block_a_scrape(exporter: ExporterProcess) -> None:
    with socket.create_connection(address(exporter), timeout=5) as slow:
        for byte in b"GET /metr":
            slow.sendall(bytes([byte]))
            scrape(exporter)  # served while the slow request is still being typed
            time.sleep(0.05)

        slow.sendall(b"ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
    assert status_of(answer) == 200


def test_half_sent_headers_do_not_block_a_scrape(exporter: ExporterProcess) -> None:
    with socket.create_connection(address(exporter), timeout=5) as slow:
        slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")

        scrape(exporter)
        scrape(exporter)


def test_client_that_never_reads_its_answer_does_not_block_a_scrape(
    exporter: ExporterProcess,
) -> None:
    with socket.create_connection(address(exporter), timeout=5) as greedy:
        greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        greedy.sendall(request * 200)  # pipelined, and nothing read back

        scrape(exporter)


def test_an_idle_connection_is_closed_after_the_connection_timeout(
    exporter: ExporterProcess,
) -> None:
    with socket.create_connection(address(exporter), timeout=CONNECTION_TIMEOUT + 10) as idle:
        started = time.monotonic()
        assert idle.recv(1) == b""
        assert time.monotonic() - started >= CONNECTION_TIMEOUT - 1


def test_stalled_tls_handshake_does_not_block_a_scrape(
    module_simulator: Simulator, tmp_path: Path
) -> None:
    pki: Pki = make_pki(tmp_path / "pki")
    config = write_web_config(
        tmp_path / "web.yml",
        {"tls_server_config": {"cert_file": str(pki.server_cert), "key_file": str(pki.server_key)}},
    )
    context = pki.client_context(with_cert=False)
    env = {
        **simulator_env(module_simulator, tmp_path / "state"),
        "OPENROUTER_EXPORTER_WEB_CONFIG": str(config),
    }
    secure = start_https_exporter([], env, tmp_path / "exporter.log", context)
    try:
        with socket.create_connection(address(secure), timeout=5) as stalled:
            stalled.sendall(b"\x16\x03\x01")  # the start of a ClientHello, then nothing
            scrape(secure, verify=context)
    finally:
        secure.kill()


# --- Oversized and malformed requests -------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"GET /" + b"a" * (MAX_LINE + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (
            b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-Header-%d: y\r\n" % i for i in range(150))
            + b"\r\n",
            431,
        ),
        (b"GET /metrics HTTP/1.1\r\nX-Big: " + b"b" * (MAX_LINE + 10) + b"\r\n\r\n", 431),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra words\r\n\r\n", 400),
        (b"GET /metrics HTTP/x.y\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)) + b"\r\n\r\n", 400),
        (b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd", 405),
        (b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
        (b"GET /metrics/../admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
    ],
    ids=[
        "request-line-over-64KiB",
        "too-many-headers",
        "header-over-64KiB",
        "garbage-request-line",
        "too-many-words",
        "bad-version",
        "tls-hello-on-plain-http",
        "post",
        "delete",
        "unknown-path",
        "dot-dot-path",
    ],
)
def test_bad_request_gets_a_4xx_and_the_server_keeps_serving(
    exporter: ExporterProcess, payload: bytes, expected: int
) -> None:
    answer = exchange(exporter, payload)

    assert status_of(answer) == expected
    scrape(exporter)


def test_post_is_told_which_methods_are_allowed(exporter: ExporterProcess) -> None:
    answer = exchange(exporter, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")

    assert b"\r\nAllow: GET, HEAD\r\n" in answer


def test_connection_closed_mid_request_leaves_the_server_serving(
    exporter: ExporterProcess,
) -> None:
    for partial in (b"GET /metrics HTTP/1.1\r\n", b"GET /met", b"\x00\xff" * 100):
        with socket.create_connection(address(exporter), timeout=5) as connection:
            connection.sendall(partial)
        scrape(exporter)


def test_connection_reset_mid_answer_leaves_the_server_serving(
    exporter: ExporterProcess,
) -> None:
    for _ in range(20):
        with socket.create_connection(address(exporter), timeout=5) as connection:
            connection.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            # Linger 0: closing sends a reset instead of a graceful close.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    scrape(exporter)


# --- Bounds -----------------------------------------------------------------------------------


def test_a_request_head_trickled_past_the_deadline_is_cut_off(exporter: ExporterProcess) -> None:
    with socket.create_connection(address(exporter), timeout=SCRAPE_TIMEOUT) as connection:
        started = time.monotonic()
        closed = False
        for byte in b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60:
            try:
                connection.sendall(bytes([byte]))
                time.sleep(0.5)
                connection.settimeout(0.01)
                if connection.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                connection.settimeout(SCRAPE_TIMEOUT)
                continue
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
        elapsed = time.monotonic() - started

    assert closed, "the server kept a request head open for the whole trickle"
    assert elapsed < REQUEST_HEAD_DEADLINE + 5
    scrape(exporter)


def test_connections_beyond_the_cap_are_told_to_come_back(exporter: ExporterProcess) -> None:
    with ExitStack() as stack:
        held = [
            stack.enter_context(socket.create_connection(address(exporter), timeout=5))
            for _ in range(MAX_CONNECTIONS)
        ]
        time.sleep(0.5)
        answer = exchange(exporter, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        assert len(held) == MAX_CONNECTIONS

    assert status_of(answer) == 503
    scrape(exporter)
