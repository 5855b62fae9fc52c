"""The ``/metrics`` body: the snapshot's part cached per snapshot version and format, the
exporter's own process part rendered per scrape.

The snapshot only changes when a poll finishes, so each format of its part is rendered (and
compressed) once per poll and every scrape in between is served from memory.
:meth:`Exposition.warm` renders the formats scraped lately as soon as a poll lands, so that
scrapes do not wait for a render. The ``process_*`` and ``python_*`` metrics change all the
time; they are a couple of kilobytes, appended to the cached part (inside the same gzip
member, by continuing a saved deflate state, so that the large part is never compressed
again). Reading them from ``/proc`` costs about a millisecond, so they are read at most once
per second: any scraper gets current figures, and a client hammering ``/metrics`` cannot make
the exporter spend its CPU there.
"""

import struct
import threading
import time
import zlib
from collections.abc import Callable

from prometheus_client import exposition, openmetrics
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import CollectorRegistry

from openrouter_exporter.core.snapshot import SnapshotStore
from openrouter_exporter.serving.collector import SnapshotCollector

PROMETHEUS_TEXT = exposition.CONTENT_TYPE_LATEST
OPENMETRICS_TEXT = openmetrics.exposition.CONTENT_TYPE_LATEST
WARM_FORMATS_SCRAPED_WITHIN = 600.0
PROCESS_METRICS_MAX_AGE = 1.0
_EOF = b"# EOF\n"
# RFC 1952 header: deflate, no flags, no mtime (reproducible), no extra flags, unknown OS.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _register_exporter_collectors(registry: CollectorRegistry) -> None:
    """prometheus-client's own collectors of the running process: memory, CPU, open files,
    start time, Python version and garbage collections."""
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)


def _openmetrics(registry: CollectorRegistry) -> bytes:
    generate: Callable[[CollectorRegistry], bytes] = openmetrics.exposition.generate_latest
    return generate(registry).removesuffix(_EOF)


class _Rendering:
    """The snapshot's part of one format, ready to be completed by a per-scrape tail."""

    def __init__(self, head: bytes, gzipped: bool) -> None:
        self._gzipped = gzipped
        if not gzipped:
            self._prefix = head
            return
        self._deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._prefix = (
            _GZIP_HEADER + self._deflate.compress(head) + self._deflate.flush(zlib.Z_SYNC_FLUSH)
        )
        self._crc = zlib.crc32(head)
        self._size = len(head)

    def complete(self, tail: bytes) -> bytes:
        if not self._gzipped:
            return self._prefix + tail if tail else self._prefix
        deflate = self._deflate.copy()
        rest = deflate.compress(tail) + deflate.flush()
        trailer = struct.pack("<II", zlib.crc32(tail, self._crc), (self._size + len(tail)) % 2**32)
        return self._prefix + rest + trailer


class Exposition:
    def __init__(self, store: SnapshotStore, *, exporter_metrics: bool = False) -> None:
        self._store = store
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(SnapshotCollector(store))
        self._process = CollectorRegistry(auto_describe=False)
        if exporter_metrics:
            _register_exporter_collectors(self._process)
        self._per_scrape = exporter_metrics
        self._lock = threading.Lock()
        # Per format: the snapshot version, its rendering, and the whole body when nothing
        # is rendered per scrape.
        self._cache: dict[tuple[bool, bool], tuple[int, _Rendering, bytes]] = {}
        self._asked: dict[tuple[bool, bool], float] = {}
        # Per format: when the process part was read, and its rendering.
        self._tails: dict[bool, tuple[float, bytes]] = {}
        # Per format: the body last completed, and from which parts.
        self._completed: dict[tuple[bool, bool], tuple[_Rendering, bytes, bytes]] = {}

    def warm(self) -> None:
        """Render, for the current snapshot, every format scraped in the last ten minutes."""
        now = time.monotonic()
        for (openmetrics_format, gzipped), asked in list(self._asked.items()):
            if now - asked < WARM_FORMATS_SCRAPED_WITHIN:
                self._cached(openmetrics_format, gzipped)

    def render(self, *, openmetrics_format: bool, gzipped: bool) -> bytes:
        self._asked[(openmetrics_format, gzipped)] = time.monotonic()
        rendering, whole = self._cached(openmetrics_format, gzipped)
        if not self._per_scrape:
            return whole
        tail = self._tail(openmetrics_format)
        done = self._completed.get((openmetrics_format, gzipped))
        if done is not None and done[0] is rendering and done[1] is tail:
            return done[2]
        body = rendering.complete(tail)
        self._completed[(openmetrics_format, gzipped)] = (rendering, tail, body)
        return body

    def _tail(self, openmetrics_format: bool) -> bytes:
        now = time.monotonic()
        cached = self._tails.get(openmetrics_format)
        if cached is not None and now - cached[0] < PROCESS_METRICS_MAX_AGE:
            return cached[1]
        if openmetrics_format:
            tail = _openmetrics(self._process) + _EOF
        else:
            tail = exposition.generate_latest(self._process)
        self._tails[openmetrics_format] = (now, tail)
        return tail

    def _cached(self, openmetrics_format: bool, gzipped: bool) -> tuple[_Rendering, bytes]:
        version = self._store.current().version
        key = (openmetrics_format, gzipped)
        cached = self._cache.get(key)
        if cached is None or cached[0] != version:
            with self._lock:
                cached = self._cache.get(key)
                if cached is None or cached[0] != version:
                    cached = self._render(version, openmetrics_format, gzipped)
                    self._cache[key] = cached
        return cached[1], cached[2]

    def _render(
        self, version: int, openmetrics_format: bool, gzipped: bool
    ) -> tuple[int, _Rendering, bytes]:
        if openmetrics_format:
            head = _openmetrics(self._registry)
            fixed_tail = _EOF
        else:
            head = exposition.generate_latest(self._registry)
            fixed_tail = b""
        rendering = _Rendering(head, gzipped)
        whole = b"" if self._per_scrape else rendering.complete(fixed_tail)
        return version, rendering, whole
