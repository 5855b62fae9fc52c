"""JSON bodies of the OpenRouter endpoints, field for field as ``openrouter-api.md`` shows."""

from __future__ import annotations

from typing import Any

from openrouter_simulator.identity import key_label
from openrouter_simulator.keys import KeyState
from openrouter_simulator.specs import ModelSpec

RATE_LIMIT = {
    "requests": -1,
    "interval": "10s",
    "note": "This field is deprecated and safe to ignore.",
}


def money(value: float) -> float:
    """Round away float noise, keeping the long decimals the real API shows."""
    return round(value, 10)


def credits_body(total_credits: float, total_usage: float) -> dict[str, Any]:
    return {"data": {"total_credits": money(total_credits), "total_usage": money(total_usage)}}


def _usage_fields(key: KeyState, day: int) -> dict[str, Any]:
    daily, byok_daily = key.period_usage("daily", day)
    weekly, byok_weekly = key.period_usage("weekly", day)
    monthly, byok_monthly = key.period_usage("monthly", day)
    remaining = key.limit_remaining(day)
    return {
        "limit": key.limit,
        "limit_remaining": None if remaining is None else money(remaining),
        "limit_reset": key.limit_reset,
        "include_byok_in_limit": key.include_byok_in_limit,
        "usage": money(key.usage),
        "usage_daily": money(daily),
        "usage_weekly": money(weekly),
        "usage_monthly": money(monthly),
        "byok_usage": money(key.byok_usage),
        "byok_usage_daily": money(byok_daily),
        "byok_usage_weekly": money(byok_weekly),
        "byok_usage_monthly": money(byok_monthly),
    }


def _add_expiry(body: dict[str, Any], key: KeyState) -> None:
    if key.expires_str is not None:
        body["expires_at"] = key.expires_str
    elif key.expires_field == "null":
        body["expires_at"] = None


def listed_key(key: KeyState, day: int) -> dict[str, Any]:
    """One item of ``GET /keys`` (and the ``data`` of ``GET /keys/{hash}``)."""
    body: dict[str, Any] = {
        "hash": key.hash,
        "name": key.name,
        "label": key.label,
        "disabled": key.disabled,
        **_usage_fields(key, day),
        "created_at": key.created_str,
        "updated_at": key.updated_str,
        "creator_user_id": key.creator_user_id,
        "workspace_id": key.workspace_id,
    }
    _add_expiry(body, key)
    return body


def current_key(key: KeyState, day: int, *, free_tier: bool) -> dict[str, Any]:
    """``GET /key`` called with an inference key."""
    body: dict[str, Any] = {"label": key.label, **_usage_fields(key, day)}
    body.update(
        is_free_tier=free_tier,
        is_management_key=False,
        is_provisioning_key=False,
        creator_user_id=key.creator_user_id,
        rate_limit=dict(RATE_LIMIT),
    )
    _add_expiry(body, key)
    return {"data": body}


def with_budgets(data: dict[str, Any], budgets: list[dict[str, Any]], workspace_id: str) -> None:
    """The newer ``/key`` fields (SDK 2026-10): every budget layer of the key, in order, and
    the one that blocks first (the least remaining; null when there is none)."""
    data["budgets"] = budgets
    data["workspace_id"] = workspace_id
    data["effective_budget"] = min(budgets, key=lambda b: b["remaining_usd"]) if budgets else None


def management_key(secret: str, creator_user_id: str, *, free_tier: bool) -> dict[str, Any]:
    """``GET /key`` called with the management key: a key that spends nothing itself."""
    zero = 0.0
    return {
        "data": {
            "label": key_label(secret),
            "limit": None,
            "limit_remaining": None,
            "limit_reset": None,
            "include_byok_in_limit": False,
            "usage": zero,
            "usage_daily": zero,
            "usage_weekly": zero,
            "usage_monthly": zero,
            "byok_usage": zero,
            "byok_usage_daily": zero,
            "byok_usage_weekly": zero,
            "byok_usage_monthly": zero,
            "is_free_tier": free_tier,
            "is_management_key": True,
            "is_provisioning_key": True,
            "creator_user_id": creator_user_id,
            "expires_at": None,
            "rate_limit": dict(RATE_LIMIT),
        }
    }


def _price(value: float) -> str:
    text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text or "0"


def _model_entry(model: ModelSpec, created: int) -> dict[str, Any]:
    return {
        "id": model.slug,
        "canonical_slug": model.permaslug,
        "name": model.name,
        "created": created,
        "description": f"{model.name} (simulated).",
        "context_length": model.context_length,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": _price(model.prompt_price),
            "completion": _price(model.completion_price),
            "request": "0",
            "image": "0",
            "web_search": "0",
            "internal_reasoning": "0",
        },
        "top_provider": {
            "context_length": model.context_length,
            "max_completion_tokens": 32_768,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature", "tools"],
    }


def models_body(models: tuple[ModelSpec, ...], created: int) -> dict[str, Any]:
    """``GET /models``: the scenario's models plus the variable-price router model."""
    data = [_model_entry(m, created) for m in models]
    auto = _model_entry(
        ModelSpec(
            slug="openrouter/auto",
            permaslug="openrouter/auto",
            name="Auto Router",
            weight=0.0,
            endpoints=(),
            prompt_price=0.0,
            completion_price=0.0,
            context_length=2_000_000,
        ),
        created,
    )
    auto["pricing"] = {"prompt": "-1", "completion": "-1"}
    data.append(auto)
    return {"data": data, "total_count": len(data)}
