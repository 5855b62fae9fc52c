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

The snapshot's part is rendered one metric family at a time, by prometheus-client's own
formatter, straight into its buffer or into the compressor: for a large account the whole
text never exists as lines, a joined string and its encoding at once (a transient of four
times the body), and a gzip body never holds the text at all.
"""

import io
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import exposition, openmetrics
from prometheus_client.gc_collector import GCCollector
from prometheus_client.metrics_core import Metric
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry

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


def _openmetrics(registry: Collector) -> bytes:
    generate: Callable[[Collector], bytes] = openmetrics.exposition.generate_latest
    return generate(registry).removesuffix(_EOF)


class _OneFamily(Collector):
    """One metric family as a registry, for prometheus-client's formatter."""

    def __init__(self, family: Metric) -> None:
        self._family = family

    def collect(self) -> Iterable[Metric]:
        return (self._family,)


def family_texts(registry: Collector, openmetrics_format: bool) -> Iterator[bytes]:
    """The registry's exposition, one metric family at a time, without the final
    ``# EOF`` of OpenMetrics: joined, exactly what ``generate_latest`` answers."""
    for family in registry.collect():
        one = _OneFamily(family)
        yield _openmetrics(one) if openmetrics_format else exposition.generate_latest(one)


class _Rendering:
    """The snapshot's part of one format, ready to be completed by a tail.

    In text, the body is sent as two pieces, the prefix and the tail, so that the large part
    is never copied; for gzip, the deflate state to continue the prefix from is kept.
    """

    def __init__(self, pieces: Iterable[bytes], gzipped: bool) -> None:
        self._deflate: zlib._Compress | None = None
        if not gzipped:
            buffer = io.BytesIO()
            buffer.writelines(pieces)
            self.prefix = buffer.getvalue()  # the buffer's own bytes, not a copy
            return
        self._deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        compressed = [_GZIP_HEADER]
        self._crc = 0
        self._size = 0
        for piece in pieces:
            compressed.append(self._deflate.compress(piece))
            self._crc = zlib.crc32(piece, self._crc)
            self._size += len(piece)
        compressed.append(self._deflate.flush(zlib.Z_SYNC_FLUSH))
        self.prefix = b"".join(compressed)

    def suffix(self, tail: bytes, *, last: bool = False) -> bytes:
        """What follows the prefix to end the body with ``tail``; with ``last``, no other
        tail will follow this one, and the deflate state is let go."""
        if self._deflate is None:
            return tail
        deflate = self._deflate if last else self._deflate.copy()
        if last:
            self._deflate = None
        rest = deflate.compress(tail) + deflate.flush()
        trailer = struct.pack("<II", zlib.crc32(tail, self._crc), (self._size + len(tail)) % 2**32)
        return rest + trailer


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
        # Per format: the snapshot version, its rendering, and the suffix that ends it when
        # nothing is rendered per scrape.
        self._cache: dict[tuple[bool, bool], tuple[int, _Rendering, bytes]] = {}
        self._asked: dict[tuple[bool, bool], float] = {}
        # Per format: when the process part was read, and its rendering.
        self._tails: dict[bool, tuple[float, bytes]] = {}
        # Per gzipped format: the body last completed, and from which parts.
        self._gzipped: dict[bool, tuple[_Rendering, bytes, bytes]] = {}

    def warm(self) -> None:
        """Render, for the current snapshot, every format scraped in the last ten minutes,
        and forget the others."""
        now = time.monotonic()
        for key, asked in list(self._asked.items()):
            if now - asked < WARM_FORMATS_SCRAPED_WITHIN:
                self._cached(*key)
                continue
            with self._lock:
                self._cache.pop(key, None)
            self._asked.pop(key, None)
            if key[1]:
                self._gzipped.pop(key[0], None)

    def render(self, *, openmetrics_format: bool, gzipped: bool) -> bytes:
        """The whole body (the server sends :meth:`parts` without joining them)."""
        parts = self.parts(openmetrics_format=openmetrics_format, gzipped=gzipped)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def parts(self, *, openmetrics_format: bool, gzipped: bool) -> tuple[bytes, ...]:
        """The body in the pieces to send one after the other."""
        self._asked[(openmetrics_format, gzipped)] = time.monotonic()
        rendering, fixed = self._cached(openmetrics_format, gzipped)
        if not self._per_scrape:
            return (rendering.prefix, fixed) if fixed else (rendering.prefix,)
        tail = self._tail(openmetrics_format)
        if not gzipped:
            return rendering.prefix, tail
        # Gzipped, the body is a tenth of the text: kept whole, it leaves in one write.
        done = self._gzipped.get(openmetrics_format)
        if done is not None and done[0] is rendering and done[1] is tail:
            return (done[2],)
        body = rendering.prefix + rendering.suffix(tail)
        self._gzipped[openmetrics_format] = (rendering, tail, body)
        return (body,)

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
        rendering = _Rendering(family_texts(self._registry, openmetrics_format), gzipped)
        fixed_tail = _EOF if openmetrics_format else b""
        fixed = b"" if self._per_scrape else rendering.suffix(fixed_tail, last=True)
        return version, rendering, fixed
