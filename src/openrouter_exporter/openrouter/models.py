"""Pydantic models of OpenRouter's answers, parsed tolerantly.

OpenRouter changes this API often, so: unknown fields are ignored, every field outside the
ones a value cannot exist without is optional (the lenient field types of :mod:`.lenient`),
and activity dates may carry a time part.
"""

import sys
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, field_validator
from pydantic.dataclasses import dataclass

from openrouter_exporter.openrouter.lenient import (
    Amount,
    Flag,
    Money,
    Text,
    Timestamp,
    Tolerant,
    lenient_bool,
)


class Credits(Tolerant):
    total_credits: float
    total_usage: float

    @property
    def balance(self) -> float:
        return self.total_credits - self.total_usage


class CreditsResponse(Tolerant):
    data: Credits


class KeyUsage(Tolerant):
    """Fields shared by ``/key`` (about the calling key) and each item of ``/keys``."""

    label: Text = None
    limit: Money = None
    limit_remaining: Money = None
    limit_reset: Text = None
    include_byok_in_limit: Flag = None
    usage: Money = None
    usage_daily: Money = None
    usage_weekly: Money = None
    usage_monthly: Money = None
    byok_usage: Money = None
    byok_usage_daily: Money = None
    byok_usage_weekly: Money = None
    byok_usage_monthly: Money = None
    expires_at: Timestamp = None
    creator_user_id: Text = None


class KeyBudget(Tolerant):
    """One layer of ``GET /key``'s ``budgets[]`` (SDK 2026-10): OpenRouter's own figures."""

    scope: str = Field(min_length=1)
    limit_usd: float
    spend_usd: float
    remaining_usd: Money = None
    reset_interval: Text = None
    resets_at: Timestamp = None
    guardrail_id: Text = None
    budget_id: Text = None
    include_byok: Flag = None


def _valid_budgets(value: Any) -> Any:
    """Keep the layers that can be understood; anything but a list is no list."""
    if not isinstance(value, list):
        return None
    kept = []
    for item in value:
        try:
            kept.append(KeyBudget.model_validate(item))
        except ValueError:
            continue
    return kept


class CurrentKey(KeyUsage):
    """``GET /key``: the key the request was made with. ``budgets`` is absent from older
    answers (``None``), and ``[]`` when no layer applies."""

    is_free_tier: Flag = None
    is_management_key: Flag = None
    is_provisioning_key: Flag = None
    workspace_id: Text = None
    budgets: Annotated[list[KeyBudget] | None, BeforeValidator(_valid_budgets)] = None


class CurrentKeyResponse(Tolerant):
    data: CurrentKey


class ApiKey(KeyUsage):
    """One item of ``GET /keys``. ``hash`` is the stable identity; everything else may drift."""

    hash: str = Field(min_length=1)
    name: Text = None
    disabled: Annotated[bool, BeforeValidator(lambda value: lenient_bool(value) or False)] = False
    workspace_id: Text = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


@dataclass(config=ConfigDict(extra="ignore", allow_inf_nan=False), frozen=True, slots=True)
class ActivityRow:
    """One ``GET /activity`` row: one (UTC day, model, provider endpoint).

    A slotted dataclass rather than a model like the other answers: a large account's 30-day
    window is thousands of rows, all alive at once while a poll digests them, and a row
    takes a third of a model's memory this way.
    """

    date: date
    model: Annotated[str, Field(min_length=1)]
    model_permaslug: Text = None
    endpoint_id: Text = None
    provider_name: Text = None
    usage: Amount = 0.0
    byok_usage_inference: Amount = 0.0
    requests: Amount = 0.0
    prompt_tokens: Amount = 0.0
    completion_tokens: Amount = 0.0
    reasoning_tokens: Amount = 0.0

    @field_validator("date", mode="before")
    @classmethod
    def _date_prefix(cls, value: Any) -> Any:
        # One client saw "YYYY-MM-DD 00:00:00": the day is the first ten characters.
        return value[:10] if isinstance(value, str) else value

    @field_validator("model", "model_permaslug", "endpoint_id", "provider_name")
    @classmethod
    def _shared(cls, value: str | None) -> str | None:
        # Each name recurs on every day of the window: one string per name, not per row.
        return sys.intern(value) if value is not None else None

    @property
    def provider(self) -> str:
        return self.provider_name or "unknown"

    @property
    def endpoint(self) -> str:
        return self.endpoint_id or self.provider


ACTIVITY_ROW: TypeAdapter[ActivityRow] = TypeAdapter(ActivityRow)
