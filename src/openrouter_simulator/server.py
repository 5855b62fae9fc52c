"""The HTTP server (stdlib, a thread per connection) and :class:`Simulator`, which serves it.

The server binds exactly the address it is given (loopback by default), speaks HTTP/1.1
with keep-alive, logs nothing, and on :meth:`Simulator.stop` shuts down its accept loop,
closes every open connection (waking handlers blocked on idle keep-alive connections and
cutting slow-fault waits short) and joins its thread.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import socketserver
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openrouter_simulator import api, control
from openrouter_simulator.engine import Engine
from openrouter_simulator.reply import Reply, error_reply
from openrouter_simulator.scenario import Scenario

_MAX_BODY = 1 << 20


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], engine: Engine, credentials: Callable[[], dict[str, Any]]
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.engine = engine
        self.credentials = credentials
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self._stop_requested = False
        self._wake_reader, self._wake_writer = socket.socketpair()
        try:
            super().__init__(address, _Handler)
        except BaseException:
            self._wake_reader.close()
            self._wake_writer.close()
            raise

    def serve(self) -> None:
        """Accept connections until :meth:`stop_serving`; no polling, no timeouts."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stop_requested:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_reader or self._stop_requested:
                        return
                    self.handle_request()  # the socket is ready: accepts without waiting

    def stop_serving(self) -> None:
        self._stop_requested = True
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can be slow.
        socketserver.TCPServer.server_bind(self)
        self.socket.setblocking(False)  # a connection gone before accept() must not block
        self.timeout = 0.0
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection resets and the like: nothing to report."""

    def close_connections(self) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "openrouter-simulator"
    sys_version = ""
    timeout = 120
    disable_nagle_algorithm = True
    wbufsize = -1  # headers and body leave in one write

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header on the simulated calendar (``advance`` moves it), as
        OpenRouter's clock is what tells a client which UTC day is current."""
        if timestamp is None:
            engine = self.server.engine
            timestamp = engine.ledger.sim_time(engine.clock())
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the simulator logs nothing."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        engine = self.server.engine
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = parts.path
        try:
            body = self._read_body()
            if path == api.PREFIX or path.startswith(api.PREFIX + "/"):
                auth = self.headers.get("Authorization")
                sub = path.removeprefix(api.PREFIX)
                reply = api.handle(engine, method, sub, query, auth, body)
            elif path == control.PREFIX or path.startswith(control.PREFIX + "/"):
                sub = path.removeprefix(control.PREFIX)
                reply = control.handle(engine, method, sub, query, body, self.server.credentials)
            else:
                reply = error_reply(404, "Not Found")
        except Exception:
            engine.record_error(traceback.format_exc(limit=5))
            reply = error_reply(500, "simulator internal error")
        self._send(reply)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        if reply.refuse:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True


class Simulator:
    """A fake OpenRouter account served over HTTP from a background thread.

    ``clock`` (default :func:`time.time`) is the real-time source: tests may pass a fake
    one to move time by hand. ``engine`` carries the control API in Python.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        speed: float = 1.0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.scenario = scenario if scenario is not None else Scenario.demo()
        self.engine = Engine(self.scenario, speed, clock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._root: str | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind ``host:port`` (0: any free port), serve in a thread, return the base URL."""
        if self._server is not None:
            raise RuntimeError("the simulator is already started")
        server = _Server((host, port), self.engine, self.credentials)
        bound_port = server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self._root = f"http://{shown}:{bound_port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve, name="openrouter-simulator", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, close open connections, join the thread. Idempotent."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.engine.stopping.set()
        server.stop_serving()
        thread.join()
        server.close_connections()
        server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> Simulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- addresses and secrets ----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/api/v1``."""
        return self._started() + api.PREFIX

    @property
    def control_url(self) -> str:
        """``http://HOST:PORT/_sim``."""
        return self._started() + control.PREFIX

    def _started(self) -> str:
        if self._root is None:
            raise RuntimeError("the simulator is not started")
        return self._root

    @property
    def management_key(self) -> str:
        return self.engine.management_key

    @property
    def inference_keys(self) -> list[str]:
        """Secrets of the keys that authenticate now (enabled, not expired), scenario order."""
        return self.engine.inference_keys()

    @property
    def key_secrets(self) -> dict[str, str]:
        """Secret of every existing key (disabled ones too), by key name."""
        return self.engine.key_secrets()

    def credentials(self) -> dict[str, Any]:
        """The ``--keys-file`` shape: base_url, control_url, management_key, inference_keys."""
        return {
            "base_url": self.base_url,
            "control_url": self.control_url,
            "management_key": self.management_key,
            "inference_keys": self.inference_keys,
        }
