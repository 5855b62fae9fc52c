"""The parts a simulated account is described with: its models and their provider
endpoints, its keys, and the API quirks it shows (see :mod:`.scenario`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LimitReset = Literal["daily", "weekly", "monthly"]
TimestampStyle = Literal["z", "micro"]
InferenceCredits = Literal["403", "real", "zero"]
ActivityDateFormat = Literal["date", "datetime"]
AnalyticsBucketKey = Literal["date", "created_at"]

DEFAULT_WORKSPACE = "default"
LIMIT_RESETS = (None, "daily", "weekly", "monthly")


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


@dataclass(frozen=True)
class Quirks:
    """Documented oddities of the real API, switchable at run time.

    * ``inference_credits``: what ``/credits`` answers to an inference key: ``"403"``
      (management keys only), ``"real"`` values, or ``"zero"`` (200 with ``{0, 0}``).
    * ``activity_date_format``: ``"date"`` (``2025-08-24``) or ``"datetime"``
      (``2025-08-24 00:00:00``).
    * ``activity_byok_requests``: add the undocumented ``byok_requests`` field to rows.
    * ``activity_lag_seconds``: yesterday's rows appear only this long after 00:00 UTC.
    * ``analytics_bucket_key``: ``/analytics/query`` time buckets under ``date__<g>``
      (``"date"``) or ``created_at__<g>`` (``"created_at"``, per-request data).
    * ``analytics_bucket_format``: buckets as ``"date"`` (``2026-06-07``) or
      ``"datetime"`` (``2026-06-07T00:00:00.000Z``).
    """

    inference_credits: InferenceCredits = "403"
    activity_date_format: ActivityDateFormat = "date"
    activity_byok_requests: bool = False
    activity_lag_seconds: float = 0.0
    analytics_bucket_key: AnalyticsBucketKey = "date"
    analytics_bucket_format: ActivityDateFormat = "date"
