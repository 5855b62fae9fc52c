"""What the HTTP layer sends back: a status, a body, headers, or no answer at all."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    refuse: bool = False  # close the connection without answering


@dataclass(frozen=True)
class Encoded:
    """A 200 body already encoded (from a cache)."""

    body: bytes


def encode(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, encode(payload), headers=dict(headers or {}))


def error_reply(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    """OpenRouter's error envelope: ``{"error": {"code": <status>, "message": ...}}``."""
    return json_reply(status, {"error": {"code": status, "message": message}}, headers)
