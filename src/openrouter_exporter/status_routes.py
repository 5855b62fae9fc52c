"""Serves ``/`` (the status page) and ``/status.json`` from the snapshot and the state.

A rendering is reused for the same snapshot within :data:`REUSE_SECONDS`, so that a wall
screen, a few browsers and a chat bot polling the page cost one rendering between two
polls, and a burst of page loads cannot take CPU time from ``/metrics``. The ages on the
page are at most that much older than the clock.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from openrouter_exporter.snapshot import SnapshotStore
from openrouter_exporter.status import SampleHistory, build_status, status_json
from openrouter_exporter.statuspage import SECURITY_HEADERS, render_page

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
        history: SampleHistory,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._history = history
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[tuple[int, int], Rendered]] = {}

    def render(self, path: str) -> Rendered:
        """The answer to ``path``, one of :data:`PATHS`."""
        snapshot = self._store.current()
        now = self._clock()
        key = (snapshot.version, int(now // REUSE_SECONDS))
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
            view = build_status(snapshot, self._history, now)
            if path == "/":
                rendered = Rendered(
                    render_page(view).encode(), "text/html; charset=utf-8", SECURITY_HEADERS
                )
            else:
                body = json.dumps(status_json(view), allow_nan=False, separators=(",", ":"))
                rendered = Rendered(body.encode(), "application/json", _JSON_HEADERS)
            self._cache[path] = (key, rendered)
            return rendered
