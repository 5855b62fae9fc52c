"""The parts of a scenario: the models an account uses (each served by provider endpoints)
and its keys, with the values their API answers are built from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LimitReset = Literal["daily", "weekly", "monthly"]
TimestampStyle = Literal["z", "micro"]

DEFAULT_WORKSPACE = "default"


@dataclass(frozen=True)
class EndpointSpec:
    """One provider deployment serving a model.

    ``share`` is the relative part of the model's spend routed here; ``byok_ratio`` is
    the bring-your-own-key spend (``byok_usage_inference``) per USD of credit spend.
    """

    provider_name: str
    share: float = 1.0
    byok_ratio: float = 0.0


@dataclass(frozen=True)
class ModelSpec:
    """A model the account uses. Prices are USD per token (OpenRouter's unit)."""

    slug: str
    permaslug: str
    name: str
    weight: float
    endpoints: tuple[EndpointSpec, ...]
    prompt_price: float
    completion_price: float
    avg_prompt_tokens: int = 1800
    avg_completion_tokens: int = 450
    reasoning_ratio: float = 0.0
    active_probability: float = 1.0
    context_length: int = 128_000


@dataclass(frozen=True)
class KeySpec:
    """An inference key of the account at start.

    ``weight`` is the key's relative share of the account's spend (0: an idle key).
    ``expires_in_days`` (negative: already expired) sets ``expires_at``; without it the
    field is omitted (``expires_field="absent"``) or ``null``. ``updated_days_ago=None``
    gives ``updated_at: null`` unless the key is disabled (disabling updates it).
    ``limit_remaining_at_start`` sets, for a lifetime limit (``limit_reset=None``), the
    key's earlier usage, and for a periodic one the limit itself (the period's usage at
    start plus that much), so that exactly that much of its limit is left at start.
    """

    name: str
    weight: float = 1.0
    limit: float | None = None
    limit_reset: LimitReset | None = None
    include_byok_in_limit: bool = False
    disabled: bool = False
    disabled_days_ago: float = 3.0
    created_days_ago: float = 90.0
    updated_days_ago: float | None = None
    expires_in_days: float | None = None
    expires_field: Literal["absent", "null"] = "absent"
    timestamp_style: TimestampStyle = "micro"
    usage_before_history: float = 0.0
    limit_remaining_at_start: float | None = None
    workspace: str = DEFAULT_WORKSPACE
    creator_user_id: str | None = "user_2vQm8sK3xT0pLrA9"
