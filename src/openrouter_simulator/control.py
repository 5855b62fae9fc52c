"""The control API under ``/_sim/``: JSON in, JSON out, no authentication.

It only translates HTTP into :class:`Engine` calls; the package docstring lists the
routes and their JSON shapes. Errors answer ``{"error": {"code": <status>, "message": ...}}``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from openrouter_simulator.engine import Engine, SimulatorError
from openrouter_simulator.key_builder import NewKey
from openrouter_simulator.reply import Reply, error_reply, json_reply
from openrouter_simulator.specs import DEFAULT_WORKSPACE, LimitReset

PREFIX = "/_sim"
Body = dict[str, Any]


def handle(
    engine: Engine,
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    raw_body: bytes,
    credentials: Callable[[], dict[str, Any]],
) -> Reply:
    """Answer one request to ``PREFIX + path``; ``credentials`` gives the keys-file shape."""
    try:
        request = ControlRequest(engine, _parse(raw_body), query, credentials)
        result = _dispatch(request, method, path.rstrip("/") or "/")
    except SimulatorError as exc:
        return error_reply(exc.status, str(exc))
    if result is None:
        return error_reply(404, f"no control route {method} {PREFIX}{path}")
    return json_reply(200, result)


def _parse(raw: bytes) -> Body:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise SimulatorError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise SimulatorError("the body must be a JSON object")
    return body


@dataclass(frozen=True)
class ControlRequest:
    engine: Engine
    body: Body
    query: Mapping[str, list[str]]
    credentials: Callable[[], dict[str, Any]]


Route = Callable[[ControlRequest], Any]


def _dispatch(request: ControlRequest, method: str, path: str) -> Any:
    """The route's answer; ``None`` when there is no such route."""
    route = ROUTES.get((method, path))
    if route is not None:
        return route(request)
    if path.startswith("/keys/") and method in KEY_ROUTES:
        return KEY_ROUTES[method](request, path.removeprefix("/keys/"))
    return None


def _speed(request: ControlRequest) -> Any:
    request.engine.set_speed(_number(request.body, "factor"))
    return {"speed": request.engine.state()["speed"]}


def _usage(request: ControlRequest) -> Any:
    body = request.body
    return request.engine.set_usage(
        _number(body, "total_usage", optional=True),
        _number(body, "total_credits", optional=True),
    )


def _set_fault(request: ControlRequest) -> Any:
    body = request.body
    times = _number(body, "times", optional=True)
    request.engine.set_fault(
        _text(body, "endpoint"),
        _text(body, "mode"),
        retry_after=_number(body, "retry_after", optional=True),
        delay=_number(body, "delay", optional=True, default=5.0),
        times=None if times is None else int(times),
    )
    return {"faults": request.engine.faults_in_force()}


def _clear_faults(request: ControlRequest) -> Any:
    endpoint = request.query.get("endpoint", [None])[-1]
    request.engine.clear_faults(endpoint or None)
    return {"faults": request.engine.faults_in_force()}


def _spend(request: ControlRequest) -> Any:
    body = request.body
    key = body.get("key")
    if key is not None and not isinstance(key, str):
        raise SimulatorError("key must be a key hash")
    return request.engine.spend_on_model(_text(body, "model"), _number(body, "amount"), key)


def _revise(request: ControlRequest) -> Any:
    body = request.body
    date, model = _text(body, "date"), _text(body, "model")
    factor = _number(body, "factor")
    rows = request.engine.revise_day(date, model, factor)
    return {"date": date, "model": model, "factor": factor, "rows": rows}


def _start_runaway(request: ControlRequest) -> Any:
    body = request.body
    return request.engine.start_runaway(
        _text(body, "key"),
        _text(body, "model"),
        _number(body, "factor"),
        _number(body, "in_seconds", optional=True, default=0.0),
    )


def _stop_runaway(request: ControlRequest) -> Any:
    request.engine.stop_runaway()
    return {"runaway": None}


def _reset_counts(request: ControlRequest) -> Any:
    request.engine.reset_counts()
    return {"calls": request.engine.calls_detail()}


def _delete_key(request: ControlRequest, hash_: str) -> Any:
    request.engine.delete_key(hash_)
    return {"deleted": hash_}


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/state"): lambda request: request.engine.state(),
    ("GET", "/credentials"): lambda request: request.credentials(),
    ("POST", "/speed"): _speed,
    ("POST", "/topup"): lambda request: request.engine.top_up(_number(request.body, "amount")),
    ("POST", "/usage"): _usage,
    ("POST", "/fault"): _set_fault,
    ("DELETE", "/fault"): _clear_faults,
    ("POST", "/quirks"): lambda request: {
        "quirks": dataclasses.asdict(request.engine.set_quirks(**request.body))
    },
    ("POST", "/keys"): lambda request: request.engine.create_key(_new_key(request.body)),
    ("POST", "/advance"): lambda request: request.engine.advance_days(
        int(_number(request.body, "days"))
    ),
    ("POST", "/spend"): _spend,
    ("POST", "/revise"): _revise,
    ("POST", "/runaway"): _start_runaway,
    ("DELETE", "/runaway"): _stop_runaway,
    ("POST", "/reset-counts"): _reset_counts,
}
# ``/keys/<hash>``: change or delete one key.
KEY_ROUTES: dict[str, Callable[[ControlRequest, str], Any]] = {
    "POST": lambda request, hash_: {"key": _update_key(request.engine, hash_, request.body)},
    "DELETE": _delete_key,
}


def _number(body: Body, name: str, *, optional: bool = False, default: Any = None) -> Any:
    value = body.get(name)
    if value is None:
        if optional:
            return default
        raise SimulatorError(f"{name} is required (a number)")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SimulatorError(f"{name} must be a number")
    return float(value)


def _text(body: Body, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise SimulatorError(f"{name} is required (a string)")
    return value


def _flag(body: Body, name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise SimulatorError(f"{name} must be true or false")
    return value


def _limit_reset(body: Body) -> LimitReset | None:
    value = body.get("limit_reset")
    if value not in (None, "daily", "weekly", "monthly"):
        raise SimulatorError("limit_reset must be daily, weekly, monthly or null")
    return value


def _new_key(body: Body) -> NewKey:
    creator = body.get("creator_user_id")
    if creator is not None and not isinstance(creator, str):
        raise SimulatorError("creator_user_id must be a string or null")
    workspace = body.get("workspace", DEFAULT_WORKSPACE)
    if not isinstance(workspace, str) or not workspace:
        raise SimulatorError("workspace must be a workspace name")
    return NewKey(
        name=_text(body, "name"),
        weight=_number(body, "weight", optional=True, default=1.0),
        limit=_number(body, "limit", optional=True),
        limit_reset=_limit_reset(body),
        include_byok_in_limit=bool(_flag(body, "include_byok_in_limit")),
        disabled=bool(_flag(body, "disabled")),
        expires_in_days=_number(body, "expires_in_days", optional=True),
        workspace=workspace,
        creator_user_id=creator,
    )


def _update_key(engine: Engine, hash_: str, body: Body) -> dict[str, Any]:
    limit = (_number(body, "limit", optional=True),) if "limit" in body else None
    reset = (_limit_reset(body),) if "limit_reset" in body else None
    return engine.update_key(
        hash_,
        disabled=_flag(body, "disabled"),
        weight=_number(body, "weight", optional=True),
        limit=limit,
        limit_reset=reset,
    )
