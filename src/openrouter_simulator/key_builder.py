"""How a key comes to be: from the scenario's :class:`KeySpec` at start, or from a
:class:`NewKey` created at run time (control API ``POST /_sim/keys``)."""

from __future__ import annotations

from dataclasses import dataclass

from openrouter_simulator.identity import format_timestamp, key_hash, key_label, make_secret
from openrouter_simulator.keys import KeyState
from openrouter_simulator.specs import DEFAULT_WORKSPACE, KeySpec, LimitReset, TimestampStyle
from openrouter_simulator.spend import DAY


@dataclass(frozen=True)
class NewKey:
    """Settings of a key created at run time (control API ``POST /_sim/keys``)."""

    name: str
    weight: float = 1.0
    limit: float | None = None
    limit_reset: LimitReset | None = None
    include_byok_in_limit: bool = False
    disabled: bool = False
    expires_in_days: float | None = None  # from creation, on the simulated calendar
    workspace: str = DEFAULT_WORKSPACE
    creator_user_id: str | None = None


def key_from_spec(
    spec: KeySpec, index: int, seed: int, start: float, workspace_id: str
) -> KeyState:
    """The scenario's key as it stands at ``start`` (before any spend)."""
    style = spec.timestamp_style
    secret = make_secret(seed, "key:" + spec.name)
    created = start - spec.created_days_ago * DAY
    disabled_at = start - spec.disabled_days_ago * DAY if spec.disabled else None
    updated = disabled_at
    if updated is None and spec.updated_days_ago is not None:
        updated = start - spec.updated_days_ago * DAY
    expires = None if spec.expires_in_days is None else start + spec.expires_in_days * DAY
    return KeyState(
        index=index,
        name=spec.name,
        secret=secret,
        hash=key_hash(secret),
        label=key_label(secret),
        weight=spec.weight,
        limit=spec.limit,
        limit_reset=spec.limit_reset,
        include_byok_in_limit=spec.include_byok_in_limit,
        disabled=spec.disabled,
        created_at=created,
        created_str=format_timestamp(created, style),
        updated_str=None if updated is None else format_timestamp(updated, style),
        expires_at=expires,
        expires_str=None if expires is None else format_timestamp(expires, style),
        expires_field=spec.expires_field,
        workspace_id=workspace_id,
        creator_user_id=spec.creator_user_id,
        timestamp_style=style,
        disabled_at=disabled_at,
    )


def created_key(new: NewKey, index: int, seed: int, t: float, workspace_id: str) -> KeyState:
    """A key created at simulated time ``t``."""
    secret = make_secret(seed, f"created:{index}:{new.name}")
    style: TimestampStyle = "micro"
    key = KeyState(
        index=index,
        name=new.name,
        secret=secret,
        hash=key_hash(secret),
        label=key_label(secret),
        weight=new.weight,
        limit=new.limit,
        limit_reset=new.limit_reset,
        include_byok_in_limit=new.include_byok_in_limit,
        disabled=new.disabled,
        created_at=t,
        created_str=format_timestamp(t, style),
        updated_str=None,
        expires_at=None if new.expires_in_days is None else t + new.expires_in_days * DAY,
        expires_str=None,
        expires_field="null",
        workspace_id=workspace_id,
        creator_user_id=new.creator_user_id,
        timestamp_style=style,
        disabled_at=t if new.disabled else None,
        live_created=True,
    )
    if key.expires_at is not None:
        key.expires_str = format_timestamp(key.expires_at, style)
    return key
