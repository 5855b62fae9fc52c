"""Serves ``/`` (the status page) and ``/status.json`` from the snapshot and the state.

A rendering is reused for the same snapshot within :data:`REUSE_SECONDS`, so that a wall
screen, a few browsers and a chat bot polling the page cost one rendering between two
polls, and a burst of page loads cannot take CPU time from ``/metrics``. The ages on the
page are at most that much older than the clock. The page's modules are imported when it is
first asked for: an exporter that is only scraped never loads them.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openrouter_exporter.core.snapshot import SnapshotStore

if TYPE_CHECKING:
    from openrouter_exporter.status_page.view import SampleHistory, StatusView

REUSE_SECONDS = 5.0
PATHS = ("/", "/status.json")
_JSON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    headers: dict[str, str]


class StatusRoutes:
    def __init__(
        self,
        store: SnapshotStore,
        history: "SampleHistory",
        clock: Callable[[], float] = time.time,
        *,
        metrics_path: str = "/metrics",
        poll_interval: float | None = None,
    ) -> None:
        self._store = store
        self._poll_interval = poll_interval
        self._history = history
        self._metrics_path = metrics_path
        self._clock = clock
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._view: StatusView | None = None
        self._cache: dict[str, Rendered] = {}

    def render(self, path: str) -> Rendered:
        """The answer to ``path``, one of :data:`PATHS`."""
        from openrouter_exporter.status_page.html import render_page
        from openrouter_exporter.status_page.style import SECURITY_HEADERS
        from openrouter_exporter.status_page.view import build_status, status_json

        snapshot = self._store.current()
        now = self._clock()
        key = (snapshot.version, int(now // REUSE_SECONDS))
        with self._lock:
            if key != self._key:
                self._key, self._view, self._cache = key, None, {}
            cached = self._cache.get(path)
            if cached is not None:
                return cached
            if self._view is None:
                self._view = build_status(snapshot, self._history, now, self._poll_interval)
            if path == "/":
                body = render_page(self._view, self._metrics_path).encode()
                rendered = Rendered(body, "text/html; charset=utf-8", SECURITY_HEADERS)
            else:
                text = json.dumps(status_json(self._view), allow_nan=False, separators=(",", ":"))
                rendered = Rendered(text.encode(), "application/json", _JSON_HEADERS)
            self._cache[path] = rendered
            return rendered
