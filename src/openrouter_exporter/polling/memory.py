"""Keep the resident memory of a long-running poller flat (glibc only; a no-op elsewhere).

Each ``/activity`` poll of a large account parses megabytes of JSON into short-lived
objects. glibc keeps the freed pages, spread over one arena per thread, so the resident size
ratchets up to the largest poll seen. Two arenas and a trim after each poll give them back.

Blocks of 128 KiB and more (a response body, its text, a rendered exposition) get mappings
of their own, returned when freed. glibc would otherwise raise that threshold as soon as one
such block is freed, and serve the next from the heap, where it stays resident after use:
4 MiB more for the large account in the benchmark.
"""

import ctypes
import ctypes.util
import sys

_M_ARENA_MAX = -8  # from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
ARENAS = 2
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's initial value, held fixed


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    return libc


_LIBC = _libc()


def configure_allocator() -> None:
    """Call once at start-up, before threads start allocating."""
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, ARENAS)
        _LIBC.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


def release_free_memory() -> None:
    """Give free heap pages back to the operating system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
