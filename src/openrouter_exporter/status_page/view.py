"""The status page's view model: what a person needs to know per account, in one structure.

Built by one function, :func:`build_status`, from the current snapshot and the balance
samples in the state; the HTML page (:mod:`.html`) and ``/status.json`` both render
it, so they always tell the same facts. Nothing here is invented: a value the exporter does
not know is ``None`` (shown as "unknown"), never 0.
"""

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from openrouter_exporter import __version__
from openrouter_exporter.config.types import Thresholds
from openrouter_exporter.core.budget_judgement import budget_over
from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.judgement import (
    Freshness,
    KeyAttention,
    Ranked,
    Status,
    freshness,
    judge,
    key_attention,
    problem,
    runway_level,
    top_models,
    top_providers,
)
from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.core.pace import RecentPace, SpendToday, now_and_today
from openrouter_exporter.core.snapshot import AccountSnapshot, KeyReading, Snapshot
from openrouter_exporter.endpoints.analytics_readings import analytics_today

SCHEMA_VERSION = 1
#: The ``$id`` of docs/status.schema.json: a name, not an address to fetch.
SCHEMA_ID = "urn:openrouter-exporter:status:1"
HISTORY_DAYS = 30
DAY = 86400.0
HOUR = 3600.0
HOURLY_AFTER = DAY
MAX_POINTS = 744


SampleHistory = Callable[[str, float], Sequence[Sample]]
"""``(account, since)`` → the account's samples from ``since`` on, oldest first."""


@dataclass(frozen=True)
class Balance:
    purchased_usd: float
    used_usd: float
    balance_usd: float
    fetched_at: float


@dataclass(frozen=True)
class Runway:
    """One forecast window, with its level against the account's runway thresholds."""

    window: str
    burn_usd_per_day: float
    days_remaining: float | None  # None: never runs out at this rate (zero burn)
    exhaustion_timestamp: float | None
    level: Status


@dataclass(frozen=True)
class BalancePoint:
    timestamp: float
    balance_usd: float


@dataclass(frozen=True)
class DaySpend:
    day: date
    spend_usd: float


@dataclass(frozen=True)
class AccountStatus:
    name: str
    as_of: float
    status: Status
    reasons: tuple[str, ...]
    balance: Balance | None
    thresholds: Thresholds
    runways: tuple[Runway, ...]
    today: SpendToday | None
    recent: RecentPace | None
    recent_level: Status  # of the recent pace's runway, against the runway thresholds
    balance_history: tuple[BalancePoint, ...]
    balance_history_hourly: bool  # one point an hour; else every sample
    poll_interval: float | None  # of /credits, when known: how often a sample is taken
    daily_spend: tuple[DaySpend, ...]
    top_models: tuple[Ranked, ...]  # over the last 30 completed days
    top_providers: tuple[Ranked, ...]  # over everything the ledger holds
    keys: KeyAttention | None
    unread: Mapping[str, str]  # why a reading is missing, by endpoint: keys, activity
    endpoints: tuple[Freshness, ...]
    latest_activity_day: date | None
    budgets: tuple[BudgetStatus, ...] = ()

    @property
    def failing(self) -> tuple[Freshness, ...]:
        return tuple(item for item in self.endpoints if item.state == "failing")

    @property
    def stale(self) -> tuple[Freshness, ...]:
        return tuple(item for item in self.endpoints if item.stale)


@dataclass(frozen=True)
class StatusView:
    generated_at: float
    ready: bool
    accounts: tuple[AccountStatus, ...]


def build_status(
    snapshot: Snapshot, history: SampleHistory, now: float, poll_interval: float | None = None
) -> StatusView:
    """The view model of every account: the only place that reads the snapshot and state."""
    return StatusView(
        generated_at=now,
        ready=snapshot.ready,
        accounts=tuple(_account(item, history, now, poll_interval) for item in snapshot.accounts),
    )


def _account(
    snapshot: AccountSnapshot, history: SampleHistory, now: float, poll_interval: float | None
) -> AccountStatus:
    samples = history(snapshot.name, now - HISTORY_DAYS * DAY)
    usage = [(item.timestamp, item.total_usage) for item in samples]
    pace = now_and_today(snapshot, usage, now, analytics_today(snapshot, now))
    verdict = judge(snapshot, pace.recent)
    credits = snapshot.credits
    chart, hourly = balance_points(samples)
    return AccountStatus(
        name=snapshot.name,
        as_of=now,
        status=verdict.status,
        reasons=verdict.reasons,
        balance=(
            Balance(credits.total_credits, credits.total_usage, credits.balance, credits.fetched_at)
            if credits is not None
            else None
        ),
        thresholds=snapshot.thresholds,
        runways=tuple(
            Runway(
                window=item.window,
                burn_usd_per_day=item.burn_usd_per_day,
                days_remaining=None if math.isinf(item.days_remaining) else item.days_remaining,
                exhaustion_timestamp=item.exhaustion_timestamp,
                level=runway_level(item.days_remaining, snapshot.thresholds),
            )
            for item in snapshot.forecasts
        ),
        today=pace.today,
        recent=pace.recent,
        recent_level=(
            runway_level(pace.recent.days_remaining, snapshot.thresholds)
            if pace.recent
            else Status.OK
        ),
        balance_history=chart,
        balance_history_hourly=hourly,
        poll_interval=poll_interval,
        daily_spend=_daily_spend(snapshot),
        top_models=top_models(snapshot) or (),
        top_providers=top_providers(snapshot),
        keys=key_attention(snapshot.keys, now) if snapshot.keys is not None else None,
        endpoints=tuple(freshness(name, health, now) for name, health in snapshot.health.items()),
        latest_activity_day=snapshot.activity.latest_day if snapshot.activity else None,
        budgets=snapshot.budgets,
        unread=_unread(snapshot),
    )


def _unread(snapshot: AccountSnapshot) -> dict[str, str]:
    """Why the keys and the activity are unknown, for the cards that would show them."""
    unread = {}
    if snapshot.keys is None:
        for keys in (EndpointName.KEYS, EndpointName.KEY):
            if keys in snapshot.health:
                unread["keys"] = problem(snapshot, keys)
                break
    if snapshot.activity is None and EndpointName.ACTIVITY in snapshot.health:
        unread["activity"] = problem(snapshot, EndpointName.ACTIVITY)
    return unread


def balance_points(samples: Sequence[Sample]) -> tuple[tuple[BalancePoint, ...], bool]:
    """What the balance chart plots, and whether it is hourly: one point an hour once the
    samples span :data:`HOURLY_AFTER`, before that every sample (thinned to at most
    :data:`MAX_POINTS`), so that the first minutes, and a fast fall, are seen at once."""
    if not samples or samples[-1].timestamp - samples[0].timestamp >= HOURLY_AFTER:
        return hourly_balance(samples), True
    step = math.ceil(len(samples) / MAX_POINTS)
    kept = [*samples[-1::-step]][::-1]
    points = tuple(
        BalancePoint(item.timestamp, item.total_credits - item.total_usage) for item in kept
    )
    return points, False


def hourly_balance(samples: Iterable[Sample]) -> tuple[BalancePoint, ...]:
    """The latest sample of each hour (samples oldest first): the state keeps one an hour
    after a day anyway, and a month of them is a chart of at most 744 points."""
    points: list[BalancePoint] = []
    hour = None
    for sample in samples:
        point = BalancePoint(sample.timestamp, sample.total_credits - sample.total_usage)
        if sample.timestamp // HOUR == hour:
            points[-1] = point
        else:
            points.append(point)
            hour = sample.timestamp // HOUR
    return tuple(points)


def _daily_spend(snapshot: AccountSnapshot) -> tuple[DaySpend, ...]:
    """Completed days of the activity window, oldest first. A day before the data begins is
    unknown and left out; a day inside it without rows spent nothing."""
    activity = snapshot.activity
    if activity is None or not activity.daily_spend:
        return ()
    first = max(min(activity.daily_spend), activity.end_day - timedelta(days=HISTORY_DAYS - 1))
    days = (activity.end_day - first).days + 1
    return tuple(
        DaySpend(day, activity.daily_spend.get(day, 0.0))
        for day in (first + timedelta(days=offset) for offset in range(days))
    )


# /status.json: the same facts, versioned (docs/status.schema.json describes it).


def _time(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _key_json(key: KeyReading) -> dict[str, Any]:
    return {
        "key_hash": key.key_hash,
        "name": key.name,
        "disabled": key.disabled,
        "usage_usd": key.usage,
        "limit_usd": key.limit,
        "limit_remaining_usd": key.limit_remaining,
        "limit_reset": key.limit_reset or None,
        "expires_at": _time(key.expires_at),
    }


def _ranked_json(items: Iterable[Ranked]) -> list[dict[str, Any]]:
    return [{"name": i.name, "spend_usd": i.spend_usd, "share": i.share} for i in items]


def _runway_json(account: AccountStatus) -> dict[str, Any]:
    """The thresholds and the forecast windows against them."""
    return {
        "thresholds": {
            "runway_warning_days": account.thresholds.runway_warning_days,
            "runway_critical_days": account.thresholds.runway_critical_days,
            "balance_warning_usd": account.thresholds.balance_warning_usd,
            "balance_critical_usd": account.thresholds.balance_critical_usd,
        },
        "runways": [
            {
                "window": item.window,
                "burn_usd_per_day": item.burn_usd_per_day,
                "days_remaining": item.days_remaining,
                "exhaustion_at": _time(item.exhaustion_timestamp),
                "status": item.level.name.lower(),
            }
            for item in account.runways
        ],
    }


def _budget_json(status: BudgetStatus) -> dict[str, Any]:
    budget = status.budget
    return {
        "name": budget.name,
        "period": budget.period,
        "amount_usd": budget.amount_usd,
        "scope": budget.scope.model_dump(mode="json", exclude_defaults=True),
        "period_start": _time(status.period_start),
        "period_end": _time(status.period_end),
        "spend_usd": status.spend_usd,
        "forecast_usd": status.forecast_usd,
        "spend_complete": status.complete if status.spend_usd is not None else None,
        "scope_matched": status.matched,
        "over": budget_over(status),
        "thresholds": [
            {"percent": item.percent, "basis": item.basis} for item in budget.thresholds
        ],
    }


def _today_json(today: SpendToday | None) -> dict[str, Any] | None:
    if today is None:
        return None
    return {
        "spend_usd": today.usd,
        "source": today.source,
        "since": _time(today.since),
        "read_at": _time(today.read_at),
    }


def _recent_json(account: AccountStatus) -> dict[str, Any] | None:
    recent = account.recent
    if recent is None:
        return None
    return {
        "burn_usd_per_day": recent.usd_per_day,
        "span_seconds": recent.span_seconds,
        "days_remaining": None if math.isinf(recent.days_remaining) else recent.days_remaining,
        "exhaustion_at": _time(recent.exhaustion_timestamp),
        "shortest": recent.shortest,
        "fast": recent.fast,
        "status": account.recent_level.name.lower(),
    }


def _account_json(account: AccountStatus) -> dict[str, Any]:
    balance = account.balance
    keys = account.keys
    return {
        "name": account.name,
        "status": account.status.name.lower(),
        "reasons": list(account.reasons),
        "balance": None
        if balance is None
        else {
            "purchased_usd": balance.purchased_usd,
            "used_usd": balance.used_usd,
            "balance_usd": balance.balance_usd,
            "fetched_at": _time(balance.fetched_at),
        },
        **_runway_json(account),
        "today": _today_json(account.today),
        "recent": _recent_json(account),
        "balance_history": [
            {"at": _time(item.timestamp), "balance_usd": item.balance_usd}
            for item in account.balance_history
        ],
        "daily_spend": [
            {"day": item.day.isoformat(), "spend_usd": item.spend_usd}
            for item in account.daily_spend
        ],
        "latest_activity_day": (
            account.latest_activity_day.isoformat() if account.latest_activity_day else None
        ),
        "top_models_30d": _ranked_json(account.top_models),
        "top_providers_ledger": _ranked_json(account.top_providers),
        "keys": None
        if keys is None
        else {
            "total": keys.total,
            "near_limit": [_key_json(item) for item in keys.near_limit],
            "expiring": [_key_json(item) for item in keys.expiring],
            "disabled": [_key_json(item) for item in keys.disabled],
            "top_spenders": [_key_json(item) for item in keys.top_spenders],
        },
        "budgets": [_budget_json(item) for item in account.budgets],
        "endpoints": [
            {
                "name": item.name,
                "state": item.state,
                "last_success_at": _time(item.last_success),
                "age_seconds": item.age_seconds,
                "stale": item.stale,
                "errors": dict(item.errors),
                "advice": item.advice,
            }
            for item in account.endpoints
        ],
    }


def status_json(view: StatusView) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "exporter_version": __version__,
        "generated_at": _time(view.generated_at),
        "ready": view.ready,
        "accounts": [_account_json(item) for item in view.accounts],
    }
