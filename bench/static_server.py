"""A bare static server: the ceiling for ``/metrics`` on this runtime.

``python -m bench.static_server --body FILE --content-type TYPE --listen 127.0.0.1:PORT``
answers every GET with FILE's bytes (``--content-encoding gzip`` for a gzipped body) on the
exporter's own stack: ``ThreadingHTTPServer``, a thread per connection, HTTP/1.1 keep-alive,
the same listen backlog and the same response headers, with Nagle's algorithm off and one
send for headers and a small body, but nothing else (no routing, no snapshot, no logging).
Runs until SIGTERM.
"""

import argparse
import signal
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any


class StaticServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # as the exporter's server: a burst of connections is not refused

    def __init__(
        self, address: tuple[str, int], body: bytes, content_type: str, content_encoding: str
    ) -> None:
        self.body = body
        self.content_type = content_type
        self.content_encoding = content_encoding
        self.content_length = str(len(body))
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-response is not news


class _Handler(BaseHTTPRequestHandler):
    server: StaticServer
    protocol_version = "HTTP/1.1"
    # The stack's own switches (socketserver.StreamRequestHandler), both set so that this
    # is the ceiling: Nagle's algorithm off (else a small body waits for the client's
    # delayed ACK of the header segment, 40 ms a request on Linux), and a buffered writer,
    # so that the headers and a body of up to 64 KiB leave in one send.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.server.content_type)
        self.send_header("Content-Length", self.server.content_length)
        self.send_header("Cache-Control", "no-store")
        if self.server.content_encoding:
            self.send_header("Content-Encoding", self.server.content_encoding)
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(self.server.body)


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.static_server")
    parser.add_argument("--body", type=Path, required=True)
    parser.add_argument("--content-type", required=True)
    parser.add_argument("--content-encoding", default="", help="e.g. gzip, for a gzipped body")
    parser.add_argument("--listen", type=_listen, default=("127.0.0.1", 0))
    args = parser.parse_args(argv)
    server = StaticServer(
        args.listen, args.body.read_bytes(), args.content_type, args.content_encoding
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
