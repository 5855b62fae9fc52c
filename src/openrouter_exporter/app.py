"""Wiring and lifecycle: state, pollers and HTTP server, started together, stopped cleanly."""

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable

import httpx
import structlog

from openrouter_exporter import __version__
from openrouter_exporter.config import ExporterConfig
from openrouter_exporter.poller import AccountPoller, initial_snapshot
from openrouter_exporter.server import MetricsServer
from openrouter_exporter.snapshot import SnapshotStore
from openrouter_exporter.state import StateStore
from openrouter_exporter.status_routes import StatusRoutes
from openrouter_exporter.webconfig import WebConfig

log = structlog.get_logger("openrouter_exporter.app")


class ListenError(Exception):
    """The listen address cannot be bound (in use, not local, not permitted)."""


class Exporter:
    def __init__(
        self,
        config: ExporterConfig,
        web_config: WebConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.state = StateStore.open(config.state_dir)
        self.store = SnapshotStore(
            [initial_snapshot(account, config) for account in config.accounts]
        )
        self.pollers = [
            AccountPoller(account, config, self.store, self.state, transport=transport)
            for account in config.accounts
        ]
        status = StatusRoutes(self.store, self.state.samples)
        self.server = bind_server(config, self.store, web_config, status)

    @property
    def url(self) -> str:
        host = self.config.listen_host or "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"{self.server.web_config.scheme}://{host}:{self.server.port}"

    async def run(self, stop: asyncio.Event) -> None:
        self.server.start()
        log.info("serving", url=self.url, metrics=f"{self.url}/metrics")
        tasks = [asyncio.create_task(poller.run(stop)) for poller in self.pollers]
        ready = asyncio.create_task(self._mark_ready())
        try:
            await stop.wait()
        finally:
            ready.cancel()
            await asyncio.gather(*tasks, ready, return_exceptions=True)
            await asyncio.to_thread(self.server.shutdown)
            self.server.server_close()
            for poller in self.pollers:
                await poller.aclose()
            self.state.close()

    async def _mark_ready(self) -> None:
        await asyncio.gather(*(poller.first_polls_done() for poller in self.pollers))
        self.store.mark_ready()
        log.info("first poll finished: ready")


def bind_server(
    config: ExporterConfig, store: SnapshotStore, web_config: WebConfig, status: StatusRoutes
) -> MetricsServer:
    hosts = [config.listen_host]
    if not config.listen_host and not socket.has_ipv6:
        hosts = ["0.0.0.0"]
    elif not config.listen_host:
        hosts.append("0.0.0.0")  # no IPv6 in this kernel: fall back to every IPv4 interface
    error: OSError | None = None
    for host in hosts:
        try:
            return MetricsServer(host, config.listen_port, store, web_config, status)
        except OSError as problem:
            error = problem
    raise ListenError(
        f"cannot listen on {config.listen_host}:{config.listen_port}: "
        f"{error.strerror if error else 'unknown error'}"
    )


def install_signal_handlers(stop: asyncio.Event, on_signal: Callable[[str], None]) -> None:
    loop = asyncio.get_running_loop()

    def handle(name: str) -> None:
        on_signal(name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, handle, signum.name)


async def serve(exporter: Exporter) -> None:
    stop = asyncio.Event()
    install_signal_handlers(stop, lambda name: log.info("stopping", signal=name))
    log.info("openrouter-exporter starting", version=__version__, **exporter.config.describe())
    await exporter.run(stop)
    log.info("stopped")
