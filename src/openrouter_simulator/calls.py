"""Counting of API requests per endpoint, so tests can check how politely a client polls.

Every request under ``/api/v1`` is counted at arrival, faulted ones included, under its
endpoint name (``credits``, ``key``, ``keys``, ``activity``, ``models``, ``other``). The
last :data:`RECENT` arrivals of each endpoint keep their (real) time and the status that
was answered (0: connection closed without an answer; ``None``: still being answered).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

RECENT = 200


@dataclass
class _Call:
    at: float
    status: int | None = None


@dataclass
class _Endpoint:
    count: int = 0
    recent: deque[_Call] = field(default_factory=lambda: deque(maxlen=RECENT))


class CallLog:
    """Not locked: the engine locks."""

    def __init__(self) -> None:
        self._endpoints: dict[str, _Endpoint] = {}

    def arrive(self, endpoint: str, at: float) -> _Call:
        entry = self._endpoints.setdefault(endpoint, _Endpoint())
        entry.count += 1
        call = _Call(at)
        entry.recent.append(call)
        return call

    def counts(self) -> dict[str, int]:
        return {name: entry.count for name, entry in sorted(self._endpoints.items())}

    def describe(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "count": entry.count,
                "timestamps": [c.at for c in entry.recent],
                "statuses": [c.status for c in entry.recent],
            }
            for name, entry in sorted(self._endpoints.items())
        }

    def reset(self) -> None:
        self._endpoints.clear()
