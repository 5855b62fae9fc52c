"""The fake OpenRouter API under ``/api/v1``: routing, authentication, answers, faults.

Authentication is ``Authorization: Bearer <key>``. No header (or not a bearer token):
401 ``Missing Authentication header``; an unknown, deleted, disabled or expired key: 401
``User not found.``. The management key reads ``/credits``, ``/key``, ``/keys``,
``/keys/{hash}``, ``/activity``, ``/analytics/*`` and the organisation's workspaces,
budgets, guardrails and members (:mod:`.organization`); an inference key reads ``/key``
about itself and gets 403 ``Only management keys can perform this operation``
elsewhere (``/credits`` answers per the ``inference_credits`` quirk). ``/models`` is
public. Errors use OpenRouter's envelope ``{"error": {"code": <status>, "message": "..."}}``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from openrouter_simulator import faults as fault_kinds
from openrouter_simulator import organization
from openrouter_simulator.analytics import answer_query
from openrouter_simulator.analytics_query import BadQueryError, meta_body, parse_query
from openrouter_simulator.engine import Engine
from openrouter_simulator.faults import (
    BAD_GATEWAY_HTML,
    STATUS_FAULTS,
    Fault,
    FaultMode,
)
from openrouter_simulator.keys import KeyState
from openrouter_simulator.reply import Encoded, Reply, encode, error_reply
from openrouter_simulator.scenario import Quirks
from openrouter_simulator.specs import DEFAULT_WORKSPACE
from openrouter_simulator.spend import date_day
from openrouter_simulator.views import (
    credits_body,
    current_key,
    listed_key,
    management_key,
    models_body,
    with_budgets,
)

PREFIX = "/api/v1"
PAGE_SIZE = 100
FORBIDDEN = "Only management keys can perform this operation"
OUT_OF_WINDOW = "Date must be within the last 30 (completed) UTC days"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MANAGEMENT = "management"
ORGANIZATION_ENDPOINTS = ("workspaces", "guardrails", "members")

Query = Mapping[str, list[str]]


def endpoint_of(path: str) -> str:
    """The endpoint name a path under ``/api/v1`` is counted and faulted as."""
    if path in ("/credits",):
        return "credits"
    if path in ("/key", "/auth/key"):
        return "key"
    if path == "/keys" or path.startswith("/keys/"):
        return "keys"
    if path == "/activity":
        return "activity"
    if path == "/models":
        return "models"
    if path in ("/analytics/query", "/analytics/meta"):
        return "analytics"
    return organization.endpoint_of(path) or "other"


def handle(
    engine: Engine, method: str, path: str, query: Query, auth: str | None, body: bytes = b""
) -> Reply:
    """Answer one request to ``PREFIX + path``."""
    endpoint = endpoint_of(path)
    with engine.lock:
        call = engine.calls.arrive(endpoint, engine.clock())
        fault = engine.faults.take(endpoint)
    reply = Reply(0, refuse=True)
    try:
        reply = _answer(engine, endpoint, method, path, query, auth, fault, body)
    finally:
        with engine.lock:
            call.status = 0 if reply.refuse else reply.status
    return reply


def _answer(
    engine: Engine,
    endpoint: str,
    method: str,
    path: str,
    query: Query,
    auth: str | None,
    fault: Fault | None,
    body: bytes,
) -> Reply:
    mode = fault.mode if fault else None
    if fault is not None and mode in STATUS_FAULTS:
        return _status_fault(fault)
    if mode is FaultMode.REFUSE:
        return Reply(0, refuse=True)
    if fault is not None and mode is FaultMode.SLOW:
        engine.stopping.wait(fault.delay)
    with engine.lock:
        quirks = engine.quirks
        if mode is FaultMode.ACTIVITY_DATETIME_FORMAT:
            quirks = dataclasses.replace(quirks, activity_date_format="datetime")
        result = _route(engine, endpoint, method, path, query, auth, quirks, body)
    if callable(result):  # built without the lock (a large analytics query)
        result = result()
    if isinstance(result, Reply):
        return result
    if isinstance(result, Encoded):
        if mode is not FaultMode.DRIFT and mode is not FaultMode.MALFORMED:
            return Reply(200, result.body)
        result = json.loads(result.body)
    if mode is FaultMode.ZERO_CREDITS and endpoint == "credits":
        result = credits_body(0.0, 0.0)
    if mode is FaultMode.DRIFT:
        result = fault_kinds.drift(endpoint, result)
    body = encode(result)
    if mode is FaultMode.MALFORMED:
        body = fault_kinds.malformed(body)
    return Reply(200, body)


def _status_fault(fault: Fault) -> Reply:
    status, message = STATUS_FAULTS[fault.mode]
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(math.ceil(fault.retry_after))
    if fault.mode is FaultMode.HTTP_502:
        return Reply(502, BAD_GATEWAY_HTML, "text/html", headers)
    return error_reply(status, message, headers)


def _route(
    engine: Engine,
    endpoint: str,
    method: str,
    path: str,
    query: Query,
    auth: str | None,
    quirks: Quirks,
    body: bytes = b"",
) -> dict[str, Any] | Encoded | Reply | Callable[[], dict[str, Any]]:
    """Called with the lock held. A dict or Encoded is a 200 body (a callable builds one,
    without the lock); a Reply is an error."""
    if endpoint == "other":
        return error_reply(404, "Not Found")
    if method != ("POST" if path == "/analytics/query" else "GET"):
        return error_reply(405, "Method Not Allowed")
    now = engine.clock()
    ledger = engine.ledger
    ledger.sync(now)
    if endpoint == "models":
        return models_body(engine.scenario.models, int(ledger.start) - 86_400 * 90)
    who = _authenticate(engine, auth, now)
    if isinstance(who, Reply):
        return who
    today = ledger.today(now)
    free_tier = ledger.credits <= 0
    if endpoint == "key":
        if who == _MANAGEMENT:
            secret, user = ledger.management_secret, engine.management_user
            return management_key(secret, user, free_tier=free_tier)
        assert isinstance(who, KeyState)
        answer = current_key(who, today, free_tier=free_tier)
        layers = engine.organization.key_budgets(who, today)
        with_budgets(answer["data"], layers, who.workspace_id)
        return answer
    if endpoint == "credits" and who != _MANAGEMENT:
        if quirks.inference_credits == "real":
            return credits_body(ledger.credits, ledger.usage)
        if quirks.inference_credits == "zero":
            return credits_body(0.0, 0.0)
        return error_reply(403, FORBIDDEN)
    if who != _MANAGEMENT:
        return error_reply(403, FORBIDDEN)
    if endpoint == "analytics":
        return _analytics(engine, path, body, now, quirks)
    if endpoint in ORGANIZATION_ENDPOINTS:
        return engine.organization.answer(endpoint, path, query)
    if endpoint == "credits":
        return credits_body(ledger.credits, ledger.usage)
    if endpoint == "keys":
        return _keys(engine, path, query, today)
    return _activity(engine, query, quirks, now)


def _authenticate(engine: Engine, auth: str | None, now: float) -> KeyState | str | Reply:
    scheme, _, token = (auth or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return error_reply(401, "Missing Authentication header")
    if token == engine.ledger.management_secret:
        return _MANAGEMENT
    key = engine.ledger.key_by_secret(token)
    if key is None or not key.usable(engine.ledger.sim_time(now)):
        return error_reply(401, "User not found.")
    return key


def _one(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _analytics(
    engine: Engine, path: str, body: bytes, now: float, quirks: Quirks
) -> dict[str, Any] | Reply | Callable[[], dict[str, Any]]:
    """Answer an authenticated management request (call with the engine's lock held); a
    query's answer is built by the returned callable, without the lock."""
    wait = engine.analytics_limit.retry_after(engine.management_key, now)
    if wait is not None:
        headers = {"Retry-After": str(max(1, math.ceil(wait)))}
        return error_reply(429, "Rate limit exceeded", headers)
    if path == "/analytics/meta":
        return meta_body()
    try:
        query = parse_query(body, engine.ledger.sim_time(now))
    except BadQueryError as error:
        return error_reply(400, str(error))
    members = engine.organization.member_labels()
    return answer_query(engine.ledger, engine.book, query, now, quirks, members)


def _keys(engine: Engine, path: str, query: Query, today: int) -> dict[str, Any] | Reply:
    ledger = engine.ledger
    if path.startswith("/keys/"):
        key = ledger.key_by_hash(path.removeprefix("/keys/"))
        if key is None:
            return error_reply(404, "Key not found")
        return {"data": listed_key(key, today)}
    raw_offset = _one(query, "offset") or "0"
    if not raw_offset.isdigit():
        return error_reply(400, "offset must be a non-negative integer")
    include = (_one(query, "include_disabled") or "false").lower()
    if include not in ("true", "false"):
        return error_reply(400, "include_disabled must be true or false")
    workspace = _one(query, "workspace_id") or ledger.workspace_id(DEFAULT_WORKSPACE)
    offset = int(raw_offset)
    selected = [
        k
        for k in ledger.listing()
        if k.workspace_id == workspace and (include == "true" or not k.disabled)
    ]
    return {"data": [listed_key(k, today) for k in selected[offset : offset + PAGE_SIZE]]}


def _activity(engine: Engine, query: Query, quirks: Quirks, now: float) -> Encoded | Reply:
    ledger, book = engine.ledger, engine.book
    first, available, last = book.window(now, quirks)
    days = range(first, available + 1)
    raw_date = _one(query, "date")
    if raw_date:
        if not _DATE.fullmatch(raw_date):
            return error_reply(400, "Invalid date format, expected YYYY-MM-DD")
        try:
            day = date_day(date.fromisoformat(raw_date))
        except ValueError:
            return error_reply(400, "Invalid date format, expected YYYY-MM-DD")
        if not first <= day <= last:
            return error_reply(400, OUT_OF_WINDOW)
        days = range(day, min(day, available) + 1)
    group_by = _one(query, "group_by")
    if group_by not in (None, "", "workspace"):
        return error_reply(400, "group_by must be workspace")
    keys: set[int] | None = None
    key_hash = _one(query, "api_key_hash")
    if key_hash:
        key = ledger.known_hash(key_hash)
        if key is None:
            return error_reply(404, "Key not found")
        keys = {key.index}
    workspace = _one(query, "workspace_id")
    if workspace:
        in_workspace = {k.index for k in ledger.keys if k.workspace_id == workspace}
        keys = in_workspace if keys is None else keys & in_workspace
    by_workspace = group_by == "workspace"
    cache_key = (
        "activity",
        days.start,
        days.stop,
        None if keys is None else frozenset(keys),
        by_workspace,
        quirks,
        book.version,
    )
    return Encoded(
        engine.cached_body(
            cache_key,
            lambda: encode({"data": book.rows(days, quirks, keys=keys, by_workspace=by_workspace)}),
        )
    )
