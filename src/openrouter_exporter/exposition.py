"""The rendered ``/metrics`` body, cached per snapshot version and format.

The snapshot only changes when a poll finishes, so each format is rendered once per poll
and every scrape in between is served from memory.
"""

import gzip
import threading

from prometheus_client import exposition, openmetrics
from prometheus_client.registry import CollectorRegistry

from openrouter_exporter.collector import SnapshotCollector
from openrouter_exporter.snapshot import SnapshotStore

PROMETHEUS_TEXT = exposition.CONTENT_TYPE_LATEST
OPENMETRICS_TEXT = openmetrics.exposition.CONTENT_TYPE_LATEST


class Exposition:
    def __init__(self, store: SnapshotStore) -> None:
        self._store = store
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(SnapshotCollector(store))
        self._lock = threading.Lock()
        self._cache: dict[tuple[bool, bool], tuple[int, bytes]] = {}

    def render(self, *, openmetrics_format: bool, gzipped: bool) -> bytes:
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
