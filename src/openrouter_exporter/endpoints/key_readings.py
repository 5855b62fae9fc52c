"""What ``/keys`` and ``/key`` share: key readings, their fingerprints and metric families."""

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from pydantic import SecretStr

from openrouter_exporter.core.limits import LimitPeriod
from openrouter_exporter.core.snapshot import AccountSnapshot, KeyReading
from openrouter_exporter.endpoints.base import POLLED
from openrouter_exporter.openrouter.models import KeyUsage

KEY_HASH_LENGTH = 12
_KEY_LABELS = ["account", "key_hash", "key_name"]
# Key fields whose absence from an answer is drift, not news: the last reading stands.
_CARRIED_FIELDS = (
    "label",
    "limit_reset",
    "usage",
    "byok_usage",
    "limit",
    "limit_remaining",
    "expires_at",
)


def key_fingerprint(secret: SecretStr) -> str:
    """A short one-way id of a key: what log lines and ``key_hash`` show instead of it."""
    return hashlib.sha256(secret.get_secret_value().encode()).hexdigest()[:KEY_HASH_LENGTH]


def key_reading(
    answer: KeyUsage, *, key_hash: str, name: str | None, workspace_id: str, disabled: bool
) -> KeyReading:
    return KeyReading(
        key_hash=key_hash,
        name=name or answer.label or key_hash,
        label=answer.label or "",
        workspace_id=workspace_id,
        limit_reset=answer.limit_reset or "",
        disabled=disabled,
        usage=answer.usage,
        byok_usage=answer.byok_usage,
        limit=answer.limit,
        limit_remaining=answer.limit_remaining,
        expires_at=_timestamp(answer.expires_at),
        usage_daily=answer.usage_daily,
        usage_weekly=answer.usage_weekly,
        usage_monthly=answer.usage_monthly,
        period_usage=_periods(answer.usage_daily, answer.usage_weekly, answer.usage_monthly),
        period_byok_usage=_periods(
            answer.byok_usage_daily, answer.byok_usage_weekly, answer.byok_usage_monthly
        ),
        include_byok_in_limit=bool(answer.include_byok_in_limit),
        creator_user_id=answer.creator_user_id,
    )


def _periods(
    daily: float | None, weekly: float | None, monthly: float | None
) -> dict[LimitPeriod, float]:
    """The usage of each period the answer gave (an absent one stays unknown)."""
    given = {LimitPeriod.DAILY: daily, LimitPeriod.WEEKLY: weekly, LimitPeriod.MONTHLY: monthly}
    return {period: value for period, value in given.items() if value is not None}


def carry_over(
    readings: Sequence[tuple[KeyReading, KeyUsage]], previous: tuple[KeyReading, ...] | None
) -> tuple[KeyReading, ...]:
    """Keep the previous value of each field an answer left out altogether (a field sent as
    ``null`` is news: unlimited, never expires)."""
    before = {item.key_hash: item for item in previous or ()}
    result = []
    for reading, answer in readings:
        last = before.get(reading.key_hash)
        kept = {
            name: getattr(last, name)
            for name in _CARRIED_FIELDS
            if last is not None and name not in answer.model_fields_set
        }
        if last is not None:
            kept["period_usage"] = _kept_periods(
                reading.period_usage, last.period_usage, answer, "usage"
            )
            kept["period_byok_usage"] = _kept_periods(
                reading.period_byok_usage, last.period_byok_usage, answer, "byok_usage"
            )
        result.append(replace(reading, **kept) if kept else reading)
    return tuple(result)


def _kept_periods(
    read: Mapping[LimitPeriod, float],
    last: Mapping[LimitPeriod, float],
    answer: KeyUsage,
    prefix: str,
) -> dict[LimitPeriod, float]:
    """The period usage read, with the last value of each period the answer left out."""
    kept = dict(read)
    for period, value in last.items():
        if f"{prefix}_{period.value}" not in answer.model_fields_set:
            kept.setdefault(period, value)
    return kept


def key_families(accounts: Sequence[AccountSnapshot]) -> Iterator[Metric]:
    source = "from OpenRouter /keys (management key) or /key (inference key)"
    info = GaugeMetricFamily(
        "openrouter_key_info",
        f"One series per API key, value 1, {source}; key_label is OpenRouter's masked key. "
        f"{POLLED}",
        labels=[*_KEY_LABELS, "key_label", "workspace_id", "limit_reset"],
    )
    usage = CounterMetricFamily(
        "openrouter_key_usage_usd",
        f"All-time spend through the key, in USD, {source}. {POLLED}",
        labels=_KEY_LABELS,
    )
    byok = CounterMetricFamily(
        "openrouter_key_byok_usage_usd",
        f"All-time bring-your-own-key spend through the key, in USD, {source}. {POLLED}",
        labels=_KEY_LABELS,
    )
    limit = GaugeMetricFamily(
        "openrouter_key_limit_usd",
        f"Spending limit of the key, in USD; absent when unlimited, {source}. {POLLED}",
        labels=_KEY_LABELS,
    )
    remaining = GaugeMetricFamily(
        "openrouter_key_limit_remaining_usd",
        f"Limit left on the key, in USD; absent when unlimited, {source}. {POLLED}",
        labels=_KEY_LABELS,
    )
    disabled = GaugeMetricFamily(
        "openrouter_key_disabled",
        f"1 when the key is disabled, else 0, {source}. {POLLED}",
        labels=_KEY_LABELS,
    )
    expiry = GaugeMetricFamily(
        "openrouter_key_expiry_timestamp_seconds",
        f"When the key expires (Unix time); absent when it never expires, {source}. {POLLED}",
        labels=_KEY_LABELS,
    )
    for account in accounts:
        for key in account.keys or ():
            labels = [account.name, key.key_hash, key.name]
            info.add_metric([*labels, key.label, key.workspace_id, key.limit_reset], 1.0)
            if key.usage is not None:
                usage.add_metric(labels, key.usage)
            if key.byok_usage is not None:
                byok.add_metric(labels, key.byok_usage)
            if key.limit is not None:
                limit.add_metric(labels, key.limit)
                if key.limit_remaining is not None:
                    remaining.add_metric(labels, key.limit_remaining)
            disabled.add_metric(labels, 1.0 if key.disabled else 0.0)
            if key.expires_at is not None:
                expiry.add_metric(labels, key.expires_at)
    yield from (info, usage, byok, limit, remaining, disabled, expiry)


def _timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None
