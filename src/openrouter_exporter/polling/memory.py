"""Keep the resident memory of a long-running poller flat (glibc only; a no-op elsewhere).

Each ``/activity`` poll of a large account parses megabytes of JSON into short-lived
objects. glibc keeps the freed pages, spread over one arena per thread, so the resident size
ratchets up to the largest poll seen. Two arenas and a trim after each poll give them back.
"""

import ctypes
import ctypes.util
import sys

_M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


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


def limit_arenas() -> None:
    """Call once at start-up, before threads start allocating."""
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, ARENAS)


def release_free_memory() -> None:
    """Give free heap pages back to the operating system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
