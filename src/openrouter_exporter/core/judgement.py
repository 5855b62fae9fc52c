"""What needs a person's attention, defined once for ``check``, the status page and
``/status.json``.

- The account's status and its reasons: the balance against its floors and 0, and the
  shortest runway of the forecast windows against the runway thresholds.
- Keys that need a look: enabled keys at or below a tenth of their limit, enabled keys that
  expire within 7 days (or have expired), disabled keys, and the top spenders.
- The top models by spend over the last **30** completed days. ``check`` used 7 days and the
  page 30; 30 won because ``/status.json`` publishes it in a versioned schema
  (``top_models_30d``), and a month ranks the models that drive the bill rather than a
  week's spike.
- Declared budgets whose spend has reached their amount, or whose forecast is over it: a
  warning each (:mod:`.budget_judgement`).
- The freshness of each endpoint's data: stale past the same ages at which the
  ``OpenRouterDataStale`` alert warns.
"""

import enum
import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from openrouter_exporter.config.types import Thresholds
from openrouter_exporter.core.budget_judgement import budget_reasons
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.pace import RecentPace
from openrouter_exporter.core.snapshot import AccountSnapshot, EndpointHealth, KeyReading
from openrouter_exporter.core.wording import days_text, fast_text, span_text, usd

TOP_MODELS = 5
TOP_MODELS_DAYS = 30
TOP_PROVIDERS = 5
TOP_KEYS = 5
KEY_NEAR_LIMIT_SHARE = 0.1
KEY_EXPIRY_SOON_SECONDS = 7 * 86400.0
# The same ages at which the OpenRouterDataStale alert warns (mixin/config.py; a test keeps
# them equal): activity is polled every 30 minutes, the rest every minute.
STALE_SECONDS = 30 * 60.0
ACTIVITY_STALE_SECONDS = 6 * 3600.0


class Status(enum.IntEnum):
    """A monitoring plugin's states; the value is ``check``'s exit status."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


# Which state wins over several accounts or reasons: out of money before "cannot tell".
_RANK = {Status.OK: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.CRITICAL: 3}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=_RANK.__getitem__, default=Status.OK)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reasons: tuple[str, ...]


def judge(snapshot: AccountSnapshot, recent: RecentPace | None = None) -> Verdict:
    """The account's status: the worst of its reasons, OK without any; UNKNOWN while the
    balance cannot be read. ``recent``: the pace of the last hour or so, whose runway counts
    when it is the shortest, and which warns when it is fast."""
    thresholds = snapshot.thresholds
    if snapshot.credits is None:
        return Verdict(
            Status.UNKNOWN,
            (f"balance unknown: {problem(snapshot, EndpointName.CREDITS, advice=True)}",),
        )
    reasons: list[tuple[Status, str]] = []
    balance = snapshot.credits.balance
    if balance <= 0:
        reasons.append((Status.CRITICAL, f"balance is {usd(balance)}: requests fail with 402"))
    for severity, floor in (
        (Status.CRITICAL, thresholds.balance_critical_usd),
        (Status.WARNING, thresholds.balance_warning_usd),
    ):
        if floor is not None and balance < floor:
            reasons.append((severity, f"balance {usd(balance)} is below the floor {usd(floor)}"))
            break
    runways = [(item.days_remaining, f"{item.window} burn rate") for item in snapshot.forecasts]
    if recent is not None and recent.shortest:
        runways.append((recent.days_remaining, f"pace of the last {span_text(recent)}"))
    if runways:
        days, basis = min(runways)
        severity = runway_level(days, thresholds)
        if severity is not Status.OK:
            limit = (
                thresholds.runway_critical_days
                if severity is Status.CRITICAL
                else thresholds.runway_warning_days
            )
            reasons.append(
                (
                    severity,
                    f"runway {days_text(days)} ({basis}) is below the "
                    f"{severity.name.lower()} threshold of {days_text(limit)}",
                )
            )
    if recent is not None and recent.fast and balance > 0:
        reasons.append((Status.WARNING, fast_text(recent)))
    reasons.extend((Status.WARNING, text) for text in budget_reasons(snapshot.budgets))
    if not reasons:
        return Verdict(Status.OK, ())
    status = worst(severity for severity, _ in reasons)
    return Verdict(status, tuple(text for _, text in reasons))


def runway_level(days: float, thresholds: Thresholds) -> Status:
    if days < thresholds.runway_critical_days:
        return Status.CRITICAL
    if days < thresholds.runway_warning_days:
        return Status.WARNING
    return Status.OK


def problem(snapshot: AccountSnapshot, endpoint: EndpointName, *, advice: bool = False) -> str:
    """Why the account has no reading of ``endpoint``; with ``advice``, what to do about it
    (which key, which endpoint), else where that is said (the freshness of the endpoints)."""
    health = snapshot.health.get(endpoint)
    if health is None:
        return f"/{endpoint} is not polled with this configuration"
    reasons = failure_reasons(health)
    if not health.polled and reasons:
        return (
            f"this key cannot read /{endpoint}; a management key can "
            "(set OPENROUTER_MANAGEMENT_KEY)"
        )
    if not reasons:
        return f"/{endpoint} has not answered yet"
    what = f": {health.advice}" if advice and health.advice else " (see the endpoints' state)"
    return f"/{endpoint} failed ({', '.join(reasons)}){what}"


def failure_reasons(health: EndpointHealth) -> list[str]:
    """The reasons the endpoint's polls failed for so far (known reasons start at 0)."""
    return sorted(reason for reason, count in health.errors.items() if count > 0)


@dataclass(frozen=True)
class Ranked:
    name: str
    spend_usd: float
    share: float  # of the total over the same span, 0..1


def ranked(spend: Mapping[str, float], top: int) -> tuple[Ranked, ...]:
    """The ``top`` largest spends, largest first (ties by name); nothing if nothing was spent."""
    total = sum(spend.values())
    if total <= 0:
        return ()
    best = sorted(spend.items(), key=lambda item: (-item[1], item[0]))[:top]
    return tuple(Ranked(name, amount, amount / total) for name, amount in best if amount > 0)


def top_models(snapshot: AccountSnapshot) -> tuple[Ranked, ...] | None:
    """The models that spent most over the last :data:`TOP_MODELS_DAYS` completed days;
    ``None`` while ``/activity`` has not been read."""
    if snapshot.activity is None:
        return None
    return ranked(snapshot.activity.model_spend.get(f"{TOP_MODELS_DAYS}d", {}), TOP_MODELS)


def top_providers(snapshot: AccountSnapshot) -> tuple[Ranked, ...]:
    """The providers that spent most over everything the ledger holds."""
    spend: dict[str, float] = {}
    for item in snapshot.model_totals or ():
        spend[item.provider] = spend.get(item.provider, 0.0) + item.amounts.spend
    return ranked(spend, TOP_PROVIDERS)


@dataclass(frozen=True)
class KeyAttention:
    """The keys that matter, not all of them: lists are sorted most urgent first."""

    total: int
    near_limit: tuple[KeyReading, ...]
    expiring: tuple[KeyReading, ...]  # within 7 days, or expired, and still enabled
    disabled: tuple[KeyReading, ...]
    top_spenders: tuple[KeyReading, ...]


def key_attention(readings: Sequence[KeyReading], now: float) -> KeyAttention:
    """Sort a thousand keys into the few that need a look."""
    enabled = [item for item in readings if not item.disabled]
    near_limit = sorted(
        (
            item
            for item in enabled
            if item.limit is not None
            and item.limit_remaining is not None
            and item.limit_remaining <= item.limit * KEY_NEAR_LIMIT_SHARE
        ),
        key=lambda item: ((item.limit_remaining or 0.0) / (item.limit or 1.0), item.name),
    )
    expiring = sorted(
        (
            item
            for item in enabled
            if item.expires_at is not None and item.expires_at - now < KEY_EXPIRY_SOON_SECONDS
        ),
        key=lambda item: (item.expires_at or 0.0, item.name),
    )
    disabled = sorted((item for item in readings if item.disabled), key=lambda item: item.name)
    spenders = heapq.nsmallest(
        TOP_KEYS,
        (item for item in readings if item.usage is not None and item.usage > 0),
        key=lambda item: (-(item.usage or 0.0), item.name),
    )
    return KeyAttention(
        total=len(readings),
        near_limit=tuple(near_limit),
        expiring=tuple(expiring),
        disabled=tuple(disabled),
        top_spenders=tuple(spenders),
    )


FreshnessState = Literal["ok", "failing", "pending", "not_polled", "not_available"]
"""pending: no answer yet; not_polled: this account's key cannot read the endpoint;
not_available: OpenRouter answered 403 or 404 for a feature the account does not have."""


@dataclass(frozen=True)
class Freshness:
    """How current one endpoint's data is."""

    name: str
    state: FreshnessState
    last_success: float | None
    age_seconds: float | None
    stale: bool
    errors: Mapping[str, int]  # failed polls since start by reason; reasons never seen left out
    advice: str | None = None  # while failing: what to do, naming the key


def freshness(name: str, health: EndpointHealth, now: float) -> Freshness:
    state: FreshnessState
    if health.absent:
        state = "not_available"
    elif not health.polled:
        state = "not_polled"
    elif health.up:
        state = "ok"
    elif any(health.errors.values()):
        state = "failing"
    else:
        state = "pending"
    last_success = health.last_success
    age = None if last_success is None else max(0.0, now - last_success)
    limit = ACTIVITY_STALE_SECONDS if name == EndpointName.ACTIVITY else STALE_SECONDS
    return Freshness(
        name=name,
        state=state,
        last_success=last_success,
        age_seconds=age,
        stale=health.polled and age is not None and age > limit,
        errors={reason: count for reason, count in health.errors.items() if count > 0},
        advice=health.advice if state == "failing" else None,
    )
