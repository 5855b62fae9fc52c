"""The control API under ``/_sim/``: JSON in, JSON out, no authentication.

It only translates HTTP into :class:`Engine` calls; the package docstring lists the
routes and their JSON shapes. Errors answer ``{"error": {"code": <status>, "message": ...}}``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

from openrouter_simulator.engine import Engine, SimulatorError
from openrouter_simulator.ledger import NewKey
from openrouter_simulator.reply import Reply, error_reply, json_reply
from openrouter_simulator.scenario import DEFAULT_WORKSPACE, LimitReset

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
        body = _parse(raw_body)
        result = _dispatch(engine, method, path.rstrip("/") or "/", query, body, credentials)
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


def _dispatch(
    engine: Engine,
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    body: Body,
    credentials: Callable[[], dict[str, Any]],
) -> Any:
    route = (method, path)
    if route == ("GET", "/state"):
        return engine.state()
    if route == ("GET", "/credentials"):
        return credentials()
    if route == ("POST", "/speed"):
        engine.set_speed(_number(body, "factor"))
        return {"speed": engine.state()["speed"]}
    if route == ("POST", "/topup"):
        return engine.top_up(_number(body, "amount"))
    if route == ("POST", "/usage"):
        return engine.set_usage(
            _number(body, "total_usage", optional=True),
            _number(body, "total_credits", optional=True),
        )
    if route == ("POST", "/fault"):
        times = _number(body, "times", optional=True)
        engine.set_fault(
            _text(body, "endpoint"),
            _text(body, "mode"),
            retry_after=_number(body, "retry_after", optional=True),
            delay=_number(body, "delay", optional=True, default=5.0),
            times=None if times is None else int(times),
        )
        return {"faults": engine.faults_in_force()}
    if route == ("DELETE", "/fault"):
        endpoint = query.get("endpoint", [None])[-1]
        engine.clear_faults(endpoint or None)
        return {"faults": engine.faults_in_force()}
    if route == ("POST", "/quirks"):
        return {"quirks": dataclasses.asdict(engine.set_quirks(**body))}
    if route == ("POST", "/keys"):
        return engine.create_key(_new_key(body))
    if path.startswith("/keys/") and method in ("POST", "DELETE"):
        hash_ = path.removeprefix("/keys/")
        if method == "DELETE":
            engine.delete_key(hash_)
            return {"deleted": hash_}
        return {"key": _update_key(engine, hash_, body)}
    if route == ("POST", "/advance"):
        return engine.advance_days(int(_number(body, "days")))
    if route == ("POST", "/spend"):
        key = body.get("key")
        if key is not None and not isinstance(key, str):
            raise SimulatorError("key must be a key hash")
        return engine.spend_on_model(_text(body, "model"), _number(body, "amount"), key)
    if route == ("POST", "/revise"):
        date, model = _text(body, "date"), _text(body, "model")
        factor = _number(body, "factor")
        rows = engine.revise_day(date, model, factor)
        return {"date": date, "model": model, "factor": factor, "rows": rows}
    if route == ("POST", "/runaway"):
        return engine.start_runaway(
            _text(body, "key"),
            _text(body, "model"),
            _number(body, "factor"),
            _number(body, "in_seconds", optional=True, default=0.0),
        )
    if route == ("DELETE", "/runaway"):
        engine.stop_runaway()
        return {"runaway": None}
    if route == ("POST", "/reset-counts"):
        engine.reset_counts()
        return {"calls": engine.calls_detail()}
    return None


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
