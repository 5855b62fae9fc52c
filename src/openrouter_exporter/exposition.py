"""The rendered ``/metrics`` body, cached per snapshot version and format.

The snapshot only changes when a poll finishes, so each format is rendered once per poll
and every scrape in between is served from memory. :meth:`Exposition.warm` renders the
formats scraped lately as soon as a poll lands, so that scrapes do not wait for a render.
"""

import gzip
import threading
import time

from prometheus_client import exposition, openmetrics
from prometheus_client.registry import CollectorRegistry

from openrouter_exporter.collector import SnapshotCollector
from openrouter_exporter.snapshot import SnapshotStore

PROMETHEUS_TEXT = exposition.CONTENT_TYPE_LATEST
OPENMETRICS_TEXT = openmetrics.exposition.CONTENT_TYPE_LATEST
WARM_FORMATS_SCRAPED_WITHIN = 600.0


class Exposition:
    def __init__(self, store: SnapshotStore) -> None:
        self._store = store
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(SnapshotCollector(store))
        self._lock = threading.Lock()
        self._cache: dict[tuple[bool, bool], tuple[int, bytes]] = {}
        self._asked: dict[tuple[bool, bool], float] = {}

    def warm(self) -> None:
        """Render, for the current snapshot, every format scraped in the last ten minutes."""
        now = time.monotonic()
        for (openmetrics_format, gzipped), asked in list(self._asked.items()):
            if now - asked < WARM_FORMATS_SCRAPED_WITHIN:
                self._render(openmetrics_format, gzipped)

    def render(self, *, openmetrics_format: bool, gzipped: bool) -> bytes:
        self._asked[(openmetrics_format, gzipped)] = time.monotonic()
        return self._render(openmetrics_format, gzipped)

    def _render(self, openmetrics_format: bool, gzipped: bool) -> bytes:
        version = self._store.current().version
        key = (openmetrics_format, gzipped)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached[0] == version:
                return cached[1]
            generate = (
                openmetrics.exposition.generate_latest
                if openmetrics_format
                else exposition.generate_latest
            )
            body = generate(self._registry)
            if gzipped:
                body = gzip.compress(body, compresslevel=6, mtime=0)
            self._cache[key] = (version, body)
            return body
