"""Deterministic fake identities: key secrets, hashes, masked labels, UUIDs, timestamps.

Secrets look like OpenRouter's (``sk-or-v1-`` and 64 hex digits) but are derived from the
scenario seed, so they are fake and reproducible. A key's ``hash`` is the SHA-256 of its
secret, as 64 hex digits; its ``label`` masks it like OpenRouter does (``sk-or-v1-aed...9ee``).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from openrouter_simulator.specs import TimestampStyle

SECRET_PREFIX = "sk-or-v1-"  # noqa: S105 - a format, not a secret


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def make_secret(seed: int, purpose: str) -> str:
    return SECRET_PREFIX + _digest(seed, "secret", purpose).hex()


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_label(secret: str) -> str:
    body = secret.removeprefix(SECRET_PREFIX)
    return f"{SECRET_PREFIX}{body[:3]}...{body[-3:]}"


def make_uuid(seed: int, *parts: object) -> str:
    return str(uuid.UUID(bytes=_digest(seed, "uuid", *parts)[:16], version=4))


def make_user_id(seed: int, purpose: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
    raw = _digest(seed, "user", purpose)
    return "user_" + "".join(alphabet[b % len(alphabet)] for b in raw[:27])


def format_timestamp(t: float, style: TimestampStyle) -> str:
    """``z``: ``2025-08-24T10:30:00Z``; ``micro``: ``2025-02-19T20:52:27.363244+00:00``."""
    moment = datetime.fromtimestamp(t, tz=UTC)
    if style == "z":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat(timespec="microseconds")
