"""The HTTP side: ``/`` (status page), ``/status.json``, ``/metrics`` (or the telemetry path),
``/healthz``, ``/readyz``, on one or more listening sockets.

A thread per connection, so a slow client never holds up another scrape; connections time
out receiving and sending, and TLS handshakes happen in the connection's own thread. ``/metrics``
serves the cached rendering of the latest snapshot and never calls OpenRouter. Basic auth,
when configured, guards ``/``, ``/status.json`` and ``/metrics``; the probes answer without
credentials because they reveal nothing and orchestrators cannot send any.
"""

import base64
import binascii
import contextlib
import email.utils
import functools
import hashlib
import hmac
import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog

from openrouter_exporter import __version__
from openrouter_exporter.core.snapshot import SnapshotStore
from openrouter_exporter.serving.exposition import (
    OPENMETRICS_TEXT,
    PROMETHEUS_TEXT,
    Exposition,
)
from openrouter_exporter.serving.negotiation import choose_format, choose_gzip
from openrouter_exporter.serving.web_config import WebConfig
from openrouter_exporter.status_page.routes import PATHS as STATUS_PATHS
from openrouter_exporter.status_page.routes import StatusRoutes

CONNECTION_TIMEOUT = 10.0
# Kernel timeouts for plain connections: Python's own would poll() before every recv and send.
_KERNEL_TIMEOUT = struct.pack("@ll", int(CONNECTION_TIMEOUT), 0)
# Bounds threads and memory under hostile clients; far above what any set of scrapers needs.
MAX_CONNECTIONS = 128
# A request's line and headers must arrive within this, however slowly the bytes trickle.
REQUEST_HEAD_DEADLINE = 10.0
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
    b"Connection: close\r\n\r\n"
)
_VARY = {"Vary": "Accept-Encoding, Accept"}
_GZIP_VARY = {"Content-Encoding": "gzip", **_VARY}
log = structlog.get_logger("openrouter_exporter.server")


@functools.lru_cache(maxsize=1)
def _http_date(second: int) -> str:
    """The ``Date`` header's value, made once a second rather than once a response."""
    return email.utils.formatdate(second, usegmt=True)


@functools.cache
def _dummy_hash() -> bytes:
    """Checked when the user is unknown, so that a wrong user name costs about as long as a
    wrong password; made on first use, as making it costs a bcrypt round."""
    import bcrypt

    return bcrypt.hashpw(b"openrouter-exporter", bcrypt.gensalt(rounds=10))


class BasicAuth:
    """Checks ``Authorization: Basic`` against bcrypt hashes, remembering good credentials."""

    def __init__(self, users: dict[str, bytes]) -> None:
        self._users = users
        self._verified: set[bytes] = set()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._users)

    def allows(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, password = decoded.partition(":")
        if not sep:
            return False
        fingerprint = hashlib.sha256(decoded.encode()).digest()
        with self._lock:
            known = any(hmac.compare_digest(fingerprint, item) for item in self._verified)
        if known:
            return True
        import bcrypt  # only with basic auth on, and once per good credential

        hashed = self._users.get(user)
        try:
            matches = bcrypt.checkpw(password.encode(), hashed or _dummy_hash())
        except ValueError:
            matches = False
        valid = matches and hashed is not None
        if valid:
            with self._lock:
                self._verified.add(fingerprint)
        return valid


class Site:
    """What every listener serves, and the limits they share: one exposition cache, one
    connection budget, one reaper of slow clients."""

    def __init__(
        self,
        store: SnapshotStore,
        web_config: WebConfig,
        status: StatusRoutes,
        *,
        telemetry_path: str,
        exporter_metrics: bool,
    ) -> None:
        self.store = store
        self.exposition = Exposition(store, exporter_metrics=exporter_metrics)
        self.web_config = web_config
        self.basic_auth = BasicAuth(web_config.basic_auth_users)
        self.status = status
        self.telemetry_path = telemetry_path
        # path: (what answers it, whether basic auth guards it)
        self.routes: dict[str, tuple[Callable[[_Handler, bool], None], bool]] = {
            "/healthz": (_Handler.healthz, False),
            "/readyz": (_Handler.readyz, False),
            **{path: (_Handler.status_page, True) for path in STATUS_PATHS},
            telemetry_path: (_Handler.metrics, True),
        }
        # A request line is a debug event: skip formatting it unless debug is on.
        self.log_requests = bool(log.bind().is_enabled_for(logging.DEBUG))
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        # The open connections' handlers; each notes when the head of its request began.
        self._connections: set[_Handler] = set()
        self._connections_lock = threading.Lock()
        self._stopping = threading.Event()

    def connected(self, handler: "_Handler") -> None:
        with self._connections_lock:
            self._connections.add(handler)

    def disconnected(self, handler: "_Handler") -> None:
        with self._connections_lock:
            self._connections.discard(handler)

    def _reap_slow_readers(self, stop: threading.Event) -> None:
        """Close connections whose request head takes too long (slowloris)."""
        while not stop.wait(1.0):
            now = time.monotonic()
            with self._connections_lock:
                handlers = list(self._connections)
            for handler in handlers:
                since = handler.head_since
                if since is not None and now - since > REQUEST_HEAD_DEADLINE:
                    with contextlib.suppress(OSError):
                        handler.connection.shutdown(socket.SHUT_RDWR)

    def _warm_after_polls(self, stop: threading.Event) -> None:
        """Render ahead each time the store publishes a new snapshot."""
        version = self.store.current().version
        while not stop.is_set():
            published = self.store.wait_newer(version, timeout=1.0)
            if published is not None:
                self.exposition.warm()
                version = published.version

    def start(self) -> None:
        threading.Thread(
            target=self._reap_slow_readers, args=(self._stopping,), name="http-reaper", daemon=True
        ).start()
        threading.Thread(
            target=self._warm_after_polls, args=(self._stopping,), name="prerender", daemon=True
        ).start()

    def stop(self) -> None:
        self._stopping.set()


class MetricsServer(ThreadingHTTPServer):
    """Serves a :class:`Site` on one listening socket (bound, or passed by systemd)."""

    daemon_threads = True

    def __init__(self, listener: socket.socket, site: Site) -> None:
        self.address_family = listener.family
        self.site = site
        super().__init__(listener.getsockname()[:2], _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.server_address = listener.getsockname()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection failed", client=str(client_address[0]))

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.site.slots.acquire(blocking=False):
            if self.site.web_config.tls is None:
                with contextlib.suppress(OSError):
                    request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.site.slots.release()

    def start(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True
        )
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: MetricsServer
    protocol_version = "HTTP/1.1"
    # Not the stdlib's "HTTP/0.9": a request line that cannot be parsed gets a 400 with a
    # status line and headers, not a bare HTML page that an HTTP client cannot read.
    default_request_version = "HTTP/1.0"
    server_version = f"openrouter-exporter/{__version__}"
    sys_version = ""
    # Without this a response waits behind Nagle's algorithm for the client's delayed ACK
    # of the header segment: 40 ms a request on Linux whenever the body is small.
    disable_nagle_algorithm = True
    # Buffered, so that the headers and a body of up to 64 KiB leave in one send.
    wbufsize = 1 << 16
    # When the head of the request being read began (monotonic), for the reaper; None
    # between requests and once the answer is being written.
    head_since: float | None = None

    def setup(self) -> None:
        tls = self.server.site.web_config.tls
        if tls is not None:
            self.request.settimeout(CONNECTION_TIMEOUT)
            self.request = tls.context().wrap_socket(self.request, server_side=True)
        else:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _KERNEL_TIMEOUT)
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _KERNEL_TIMEOUT)
        super().setup()
        self.server.site.connected(self)

    def finish(self) -> None:
        self.server.site.disconnected(self)
        super().finish()

    def handle(self) -> None:
        try:
            super().handle()
        except (TimeoutError, ConnectionError, BlockingIOError, ssl.SSLError):
            self.close_connection = True  # BlockingIOError: the kernel's send timeout ran out

    def handle_one_request(self) -> None:
        # The clock for a request's head starts with its first byte, not while idle between
        # keep-alive requests (the per-read timeout covers idleness).
        try:
            waiting = self.rfile.peek(1)  # type: ignore[attr-defined]
        except (TimeoutError, ConnectionError, ssl.SSLError, ValueError):
            waiting = b""
        if not waiting:  # closed by the client, or idle past the kernel's receive timeout
            self.close_connection = True
            return
        self.head_since = time.monotonic()
        try:
            super().handle_one_request()
        finally:
            self.head_since = None

    def end_headers(self) -> None:
        self.head_since = None
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.site.log_requests:
            return
        log.debug("http", client=self.client_address[0], message=format % args)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _method_not_allowed(self) -> None:
        self.close_connection = True
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"method not allowed\n",
            "text/plain",
            extra={"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed  # noqa: N815

    def _serve(self, *, head: bool) -> None:
        site = self.server.site
        route = site.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head=head)
            return
        answer, guarded = route
        auth = site.basic_auth
        if guarded and auth.enabled and not auth.allows(self.headers.get("Authorization")):
            self._send(
                HTTPStatus.UNAUTHORIZED,
                b"unauthorized\n",
                "text/plain",
                head=head,
                extra={"WWW-Authenticate": 'Basic realm="openrouter-exporter"'},
            )
            return
        answer(self, head)

    def healthz(self, head: bool) -> None:
        self._send(HTTPStatus.OK, b"ok\n", "text/plain", head=head)

    def readyz(self, head: bool) -> None:
        if self.server.site.store.current().ready:
            self._send(HTTPStatus.OK, b"ready\n", "text/plain", head=head)
        else:
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                b"first poll not finished\n",
                "text/plain",
                head=head,
            )

    def metrics(self, head: bool) -> None:
        openmetrics_format = choose_format(self.headers.get("Accept"))
        gzipped = choose_gzip(self.headers.get("Accept-Encoding"))
        if openmetrics_format is None or gzipped is None:
            self._send(
                HTTPStatus.NOT_ACCEPTABLE,
                b"acceptable: text/plain or application/openmetrics-text, gzip or identity\n",
                "text/plain",
                head=head,
                extra=_VARY,
            )
            return
        parts = self.server.site.exposition.parts(
            openmetrics_format=openmetrics_format, gzipped=gzipped
        )
        content_type = OPENMETRICS_TEXT if openmetrics_format else PROMETHEUS_TEXT
        extra = _GZIP_VARY if gzipped else _VARY
        self._send(HTTPStatus.OK, parts, content_type, head=head, extra=extra)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes | tuple[bytes, ...],
        content_type: str,
        *,
        head: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        """The status line, headers and body (given whole or in pieces), as the standard
        library's ``send_response`` and ``send_header`` would write them, in one buffered
        write per piece."""
        parts = (body,) if isinstance(body, bytes) else body
        site = self.server.site
        if site.log_requests:
            self.log_request(status)
        lines = [
            f"{self.protocol_version} {status.value} {status.phrase}",
            f"Server: {self.version_string()}",
            f"Date: {_http_date(int(time.time()))}",
            f"Content-Type: {content_type}",
            f"Content-Length: {sum(len(part) for part in parts)}",
            "Cache-Control: no-store",
        ]
        headers = {**site.web_config.headers, **extra} if extra else site.web_config.headers
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append("\r\n")
        self.head_since = None
        self.wfile.write("\r\n".join(lines).encode("latin-1", "strict"))
        if not head:
            for part in parts:
                self.wfile.write(part)

    def status_page(self, head: bool) -> None:
        page = self.server.site.status.render(self.path.split("?", 1)[0])
        self._send(HTTPStatus.OK, page.body, page.content_type, head=head, extra=page.headers)
