"""Fault injection, per API endpoint, switchable while the simulator runs.

Endpoints: ``credits``, ``key`` (``/key`` and ``/auth/key``), ``keys`` (``/keys`` and
``/keys/{hash}``), ``activity``, ``analytics`` (``/analytics/query`` and ``/analytics/meta``),
``models``, or ``*`` (any of them; a fault set on the
endpoint itself wins). Modes, in the order a request meets them:

* transport and status faults, applied before authentication:
  ``http_500``, ``http_502`` (an HTML page, as an edge proxy sends), ``http_503``,
  ``http_429``, ``http_401`` (``User not found.``), ``http_403`` (``Only management keys
  can perform this operation``), ``http_404`` (``Not Found``: a feature the account
  lacks), ``refuse`` (the connection is closed with no answer);
  ``retry_after`` (seconds) adds a ``Retry-After`` header to any ``http_*`` answer;
* ``slow``: the answer (normal otherwise) is sent ``delay`` seconds late; other requests
  are served meanwhile;
* body faults, applied only to answers that would be 200: ``malformed`` (the JSON cut in
  half, still 200 and ``application/json``), ``drift`` (see :func:`drift`),
  ``zero_credits`` (``/credits`` answers ``{0, 0}``), ``activity_datetime_format``
  (``/activity`` dates as ``YYYY-MM-DD 00:00:00``). A body fault on an endpoint it does not
  concern has no effect.

``times`` (optional) makes a fault apply to that many requests, then switch itself off.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass
from typing import Any

ENDPOINTS = ("credits", "key", "keys", "activity", "analytics", "models")
ANY = "*"


class FaultMode(enum.StrEnum):
    HTTP_500 = "http_500"
    HTTP_502 = "http_502"
    HTTP_503 = "http_503"
    HTTP_429 = "http_429"
    HTTP_401 = "http_401"
    HTTP_403 = "http_403"
    HTTP_404 = "http_404"
    SLOW = "slow"
    REFUSE = "refuse"
    MALFORMED = "malformed"
    DRIFT = "drift"
    ZERO_CREDITS = "zero_credits"
    ACTIVITY_DATETIME_FORMAT = "activity_datetime_format"


STATUS_FAULTS: dict[FaultMode, tuple[int, str]] = {
    FaultMode.HTTP_500: (500, "Internal Server Error"),
    FaultMode.HTTP_502: (502, "Bad Gateway"),
    FaultMode.HTTP_503: (503, "Service Unavailable"),
    FaultMode.HTTP_429: (429, "Rate limit exceeded"),
    FaultMode.HTTP_401: (401, "User not found."),
    FaultMode.HTTP_403: (403, "Only management keys can perform this operation"),
    FaultMode.HTTP_404: (404, "Not Found"),
}
BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Fault:
    mode: FaultMode
    retry_after: float | None = None
    delay: float = 5.0
    times: int | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "times": self.times,
        }


class FaultBoard:
    """The faults in force, one per endpoint (or ``*``). Not locked: the engine locks."""

    def __init__(self) -> None:
        self._faults: dict[str, Fault] = {}

    def set(self, endpoint: str, fault: Fault) -> None:
        if endpoint != ANY and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be >= 1")
        self._faults[endpoint] = fault

    def clear(self, endpoint: str | None = None) -> None:
        if endpoint is None:
            self._faults.clear()
        else:
            self._faults.pop(endpoint, None)

    def take(self, endpoint: str) -> Fault | None:
        """The fault that applies to one request to ``endpoint``, counting it down."""
        where = endpoint if endpoint in self._faults else ANY
        fault = self._faults.get(where)
        if fault is None or endpoint not in ENDPOINTS:
            return None
        if fault.times is not None:
            if fault.times <= 1:
                del self._faults[where]
            else:
                self._faults[where] = Fault(
                    fault.mode, fault.retry_after, fault.delay, fault.times - 1
                )
        return fault

    def describe(self) -> dict[str, dict[str, Any]]:
        return {endpoint: fault.describe() for endpoint, fault in self._faults.items()}


def malformed(body: bytes) -> bytes:
    """Invalid JSON: the real answer cut in half (as a dropped connection mid-body looks)."""
    return body[: max(1, len(body) // 2)]


_KEY_DROPS = ("usage_daily", "usage_weekly", "byok_usage_weekly", "creator_user_id", "expires_at")


def _drift_key(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k not in _KEY_DROPS}
    out.pop("updated_at", None)
    out.pop("is_provisioning_key", None)
    out.pop("rate_limit", None)
    out["usage_today"] = item.get("usage_daily")
    out["usage_this_week"] = item.get("usage_weekly")
    out["permissions"] = ["inference"]
    out["tier"] = {"name": "paid", "since": "2025-01-01T00:00:00Z"}
    return out


def drift(endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The same answer as a future API version might send it: unknown fields added,
    optional fields removed or renamed; the fields that identify a value stay.

    * credits: adds ``data.currency``, ``data.updated_at`` and a top-level ``meta``;
    * key, keys: per key, ``usage_daily``/``usage_weekly`` renamed ``usage_today``/
      ``usage_this_week``; ``byok_usage_weekly``, ``creator_user_id``, ``expires_at``,
      ``updated_at``, ``is_provisioning_key``, ``rate_limit`` removed; ``permissions`` and
      ``tier`` added; ``/keys`` also gets a top-level ``next_offset``;
    * activity: per row ``model_permaslug`` removed, ``byok_requests``, ``cached_tokens`` and
      ``native_tokens_prompt`` added; a top-level ``meta`` added.
    """
    body = copy.deepcopy(payload)
    data = body.get("data")
    if endpoint == "credits" and isinstance(data, dict):
        data["currency"] = "USD"
        data["updated_at"] = "2025-08-24T10:30:00Z"
        body["meta"] = {"source": "ledger", "version": 2}
    elif endpoint == "key" and isinstance(data, dict):
        body["data"] = _drift_key(data)
    elif endpoint == "keys" and isinstance(data, list):
        body["data"] = [_drift_key(item) for item in data]
        body["next_offset"] = None
    elif endpoint == "keys" and isinstance(data, dict):
        body["data"] = _drift_key(data)
    elif endpoint == "activity" and isinstance(data, list):
        for row in data:
            row.pop("model_permaslug", None)
            row.setdefault("byok_requests", 0)
            row["cached_tokens"] = row.get("prompt_tokens", 0) // 4
            row["native_tokens_prompt"] = row.get("prompt_tokens", 0)
        body["meta"] = {"window_days": 30}
    return body
