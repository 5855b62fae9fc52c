"""HTTP load: ``wrk`` when it is installed, else a small keep-alive generator in Python.

The Python generator (``python -m bench.loadgen URL -c 8 -d 5``, JSON on stdout) runs in a
process of its own so that it never shares a GIL with the server it measures. One thread
drives every connection with non-blocking sockets and a selector: each connection sends
one ``GET`` at a time over HTTP/1.1 keep-alive (no pipelining, like ``wrk``), reads the
answer to its last byte by ``Content-Length``, records the latency and sends the next one,
until the duration is up. httpx or http.client in threads would measure themselves rather
than a fast server on two cores.
"""

import argparse
import json
import math
import re
import selectors
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

RECV_BUFFER = 1 << 20
CONNECT_TIMEOUT = 5.0
DRAIN_SECONDS = 10.0  # at most this long past the duration for answers in flight


@dataclass(frozen=True)
class LoadResult:
    generator: str
    connections: int
    duration: float
    requests: int
    errors: int
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (``share`` in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(share / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_load(
    url: str,
    connections: int,
    duration: float,
    *,
    generator: str = "auto",
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Load ``url`` with ``connections`` keep-alive connections for ``duration`` seconds."""
    use_wrk = generator == "wrk" or (generator == "auto" and wrk_path() is not None)
    if use_wrk:
        return _run_wrk(url, connections, duration, headers or {})
    command = [sys.executable, "-m", "bench.loadgen", url, "-c", str(connections)]
    command += ["-d", str(duration)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        command, capture_output=True, check=False, timeout=duration + DRAIN_SECONDS + 30
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.decode(errors='replace')}")
    return LoadResult(**json.loads(done.stdout))


# wrk


_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def parse_wrk(output: str, connections: int) -> LoadResult:
    """Read requests/s and the latency distribution from ``wrk --latency`` output."""
    marks = {
        int(share): _wrk_ms(value)
        for share, value in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    summary = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    latency_max = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", output)
    if summary is None or rate is None or 50 not in marks or 99 not in marks:
        raise ValueError(f"cannot read wrk output:\n{output}")
    socket_errors = re.search(r"Socket errors:(.*)$", output, re.MULTILINE)
    errors = sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1))) if socket_errors else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return LoadResult(
        generator="wrk",
        connections=connections,
        duration=_wrk_ms(summary.group(2) + summary.group(3)) / 1e3,
        requests=int(summary.group(1)),
        errors=errors,
        requests_per_second=float(rate.group(1)),
        p50_ms=marks[50],
        p90_ms=marks.get(90, math.nan),
        p99_ms=marks[99],
        max_ms=_wrk_ms(latency_max.group(1)) if latency_max else math.nan,
    )


def _run_wrk(url: str, connections: int, duration: float, headers: dict[str, str]) -> LoadResult:
    binary = wrk_path()
    if binary is None:
        raise RuntimeError("wrk is not installed")
    # One wrk thread: the other core is the server's (the server is bound to one core by
    # its GIL anyway), and the Python generator is single-threaded too.
    command = [binary, "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s"]
    command += ["--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, check=False, timeout=duration + 60, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr}")
    return parse_wrk(done.stdout, connections)


# The Python generator


class _Connection:
    __slots__ = ("closed", "head", "remaining", "sent_at", "sock", "status")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.closed = False
        self.head = bytearray()
        self.remaining = -1  # -1 while the head is being read
        self.sent_at = 0
        self.status = 0


class _Generator:
    def __init__(self, url: str, connections: int, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http://host:port/path URLs, not {url!r}")
        self.address = (parts.hostname, parts.port or 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", "User-Agent: bench"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.connections = connections
        self.selector = selectors.DefaultSelector()
        self.buffer = bytearray(RECV_BUFFER)
        self.view = memoryview(self.buffer)
        self.latencies: list[int] = []
        self.errors = 0
        self.deadline = 0.0

    def _open(self) -> None:
        sock = socket.create_connection(self.address, timeout=CONNECT_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        connection = _Connection(sock)
        self.selector.register(sock, selectors.EVENT_READ, connection)
        self._send(connection)

    def _send(self, connection: _Connection) -> None:
        connection.head.clear()
        connection.remaining = -1
        connection.sent_at = time.perf_counter_ns()
        connection.sock.send(self.request)  # a few dozen bytes: always fits the socket buffer

    def _close(self, connection: _Connection) -> None:
        connection.closed = True
        self.selector.unregister(connection.sock)
        connection.sock.close()

    def _failed(self, connection: _Connection) -> None:
        self.errors += 1
        self._close(connection)
        if time.monotonic() < self.deadline:
            try:
                self._open()
            except OSError:
                self.errors += 1

    def _read(self, connection: _Connection) -> None:
        if connection.closed:
            return
        try:
            received = connection.sock.recv_into(self.buffer)
        except BlockingIOError:
            return
        except OSError:
            self._failed(connection)
            return
        if received == 0:
            self._failed(connection)
            return
        if connection.remaining < 0:
            connection.head += self.view[:received]
            end = connection.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(connection.head[:end]).decode("latin-1").lower().split("\r\n")
            connection.status = int(head[0].split()[1])
            length = -1
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name == "content-length":
                    length = int(value)
            if length < 0:
                raise RuntimeError("answer without Content-Length")
            connection.remaining = length - (len(connection.head) - end - 4)
        else:
            connection.remaining -= received
        if connection.remaining > 0:
            return
        if connection.remaining < 0 or connection.status != 200:
            self._failed(connection)
            return
        self.latencies.append(time.perf_counter_ns() - connection.sent_at)
        if time.monotonic() < self.deadline:
            self._send(connection)
        else:
            self._close(connection)

    def run(self, duration: float) -> LoadResult:
        started = time.perf_counter()
        self.deadline = time.monotonic() + duration
        for _ in range(self.connections):
            self._open()
        hard_stop = self.deadline + DRAIN_SECONDS
        while self.selector.get_map() and time.monotonic() < hard_stop:
            for key, _ in self.selector.select(timeout=0.5):
                self._read(key.data)
        elapsed = time.perf_counter() - started
        for key in list(self.selector.get_map().values()):
            self.errors += 1  # still waiting after the drain time
            key.fileobj.close()  # type: ignore[union-attr]
        latencies = sorted(value / 1e6 for value in self.latencies)
        return LoadResult(
            generator="python",
            connections=self.connections,
            duration=elapsed,
            requests=len(latencies),
            errors=self.errors,
            requests_per_second=len(latencies) / elapsed,
            p50_ms=percentile(latencies, 50),
            p90_ms=percentile(latencies, 90),
            p99_ms=percentile(latencies, 99),
            max_ms=latencies[-1] if latencies else math.nan,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen")
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=8)
    parser.add_argument("-d", "--duration", type=float, default=5.0)
    parser.add_argument("-H", "--header", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(
        (name.strip(), value.strip())
        for name, _, value in (item.partition(":") for item in args.header)
    )
    result = _Generator(args.url, args.connections, headers).run(args.duration)
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
