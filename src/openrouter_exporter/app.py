"""Wiring and lifecycle: state, pollers and HTTP server, started together, stopped cleanly."""

import asyncio
import contextlib
import gc
import os
import signal
import socket
from collections.abc import Callable

import httpx
import structlog

from openrouter_exporter import __version__
from openrouter_exporter.config.catalogue import SETTINGS_BY_KEY
from openrouter_exporter.config.types import ExporterConfig
from openrouter_exporter.core.snapshot import SnapshotStore
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
from openrouter_exporter.serving.listeners import ListenError, bind, systemd_sockets
from openrouter_exporter.serving.server import MetricsServer, Site
from openrouter_exporter.serving.web_config import WebConfig
from openrouter_exporter.status_page.routes import StatusRoutes
from openrouter_exporter.storage.sqlite_state import StateStore

log = structlog.get_logger("openrouter_exporter.app")


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
        self.site = Site(
            self.store,
            web_config,
            StatusRoutes(
                self.store,
                self.state.samples,
                metrics_path=config.telemetry_path,
                poll_interval=config.poll_interval,
            ),
            telemetry_path=config.telemetry_path,
            exporter_metrics=config.exporter_metrics,
        )
        self.servers = [MetricsServer(listener, self.site) for listener in open_listeners(config)]

    @property
    def urls(self) -> list[str]:
        return [_url(self.site.web_config.scheme, server) for server in self.servers]

    @property
    def url(self) -> str:
        return self.urls[0]

    async def run(self, stop: asyncio.Event) -> None:
        self.site.start()
        for server, url in zip(self.servers, self.urls, strict=True):
            server.start()
            log.info("serving", url=url, metrics=f"{url}{self.config.telemetry_path}")
        tasks = [asyncio.create_task(poller.run(stop)) for poller in self.pollers]
        ready = asyncio.create_task(self._mark_ready())
        try:
            await stop.wait()
        finally:
            ready.cancel()
            await asyncio.gather(*tasks, ready, return_exceptions=True)
            self.site.stop()
            await asyncio.gather(*(asyncio.to_thread(server.shutdown) for server in self.servers))
            for server in self.servers:
                server.server_close()
            for poller in self.pollers:
                await poller.aclose()
            self.state.close()

    async def _mark_ready(self) -> None:
        await asyncio.gather(*(poller.first_polls_done() for poller in self.pollers))
        # What exists now (modules, settings, clients) lives as long as the process: out of
        # the collector's sight, a full collection no longer walks its 50,000 objects (a
        # stall of milliseconds, tens on a busy machine, for the scrape that triggers it).
        gc.freeze()
        self.store.mark_ready()
        log.info("first poll finished: ready")


def _url(scheme: str, server: MetricsServer) -> str:
    host = str(server.server_address[0])
    if host in ("", "::", "0.0.0.0"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{server.port}"


def open_listeners(config: ExporterConfig) -> list[socket.socket]:
    """The sockets to serve on: passed by systemd, or bound to every listen address."""
    if config.systemd_socket:
        return systemd_sockets(os.environ, SETTINGS_BY_KEY["systemd_socket"].flag)
    setting = SETTINGS_BY_KEY["listen_address"].flag
    listeners: list[socket.socket] = []
    try:
        for address in config.listen_addresses:
            listeners.append(bind(address, setting))
    except ListenError:
        for listener in listeners:
            listener.close()
        raise
    return listeners


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
