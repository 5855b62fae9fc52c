"""``openrouter-exporter check``: poll once and tell a person how long the credits last.

Exit status as a monitoring plugin's (the Nagios plugin guidelines): 0 OK, 1 WARNING (a
warning threshold is crossed, or the money is going fast), 2 CRITICAL (a critical threshold
is crossed, or the balance is at or below zero), 3 UNKNOWN (the balance cannot be read, or
the configuration is wrong). Over several accounts the worst counts, CRITICAL before
UNKNOWN before WARNING. The runway of an account is the shortest of its windows, and of the
pace of the last hour or so when that is shorter: the most pessimistic honest forecast.
"""

import enum
import math
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from openrouter_exporter.config.loader import ExporterConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.pace import RecentPace, SpendToday, recent_pace, today_from_samples
from openrouter_exporter.core.snapshot import (
    AccountSnapshot,
    EndpointHealth,
    SnapshotStore,
)
from openrouter_exporter.endpoints.analytics_readings import analytics_today
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
from openrouter_exporter.storage.sqlite_state import SAMPLE_RETENTION, StateStore

TOP_MODELS = 5
KEY_NEAR_LIMIT_SHARE = 0.1
KEY_EXPIRY_SOON_SECONDS = 7 * 86400.0


class Status(enum.IntEnum):
    """A monitoring plugin's states; the value is ``check``'s exit status."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


# Which state wins over several accounts: out of money before "cannot tell".
_RANK = {Status.OK: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.CRITICAL: 3}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=_RANK.__getitem__, default=Status.OK)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Now:
    """What is being spent now and today (see :mod:`openrouter_exporter.core.pace`)."""

    today: SpendToday | None
    recent: RecentPace | None


def now_and_today(snapshot: AccountSnapshot, samples: list[tuple[float, float]], now: float) -> Now:
    """Today's spend (Analytics API, else the samples) and the recent pace of an account."""
    credits = snapshot.credits
    recent = (
        recent_pace(samples, credits.balance, now, snapshot.forecasts)
        if credits is not None
        else None
    )
    return Now(analytics_today(snapshot, now) or today_from_samples(samples, now), recent)


async def run_check(config: ExporterConfig, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    state = StateStore.open(config.state_dir)
    store = SnapshotStore([initial_snapshot(account, config) for account in config.accounts])
    pollers = [AccountPoller(account, config, store, state) for account in config.accounts]
    samples: dict[str, list[tuple[float, float]]] = {}
    try:
        for poller in pollers:
            await poller.poll_once()
        now = time.time()
        for account in config.accounts:
            kept = state.samples(account.name, now - SAMPLE_RETENTION)
            samples[account.name] = [(item.timestamp, item.total_usage) for item in kept]
    finally:
        for poller in pollers:
            await poller.aclose()
        state.close()
    statuses = []
    for snapshot in store.current().accounts:
        pace = now_and_today(snapshot, samples[snapshot.name], now)
        verdict = judge(snapshot, pace.recent)
        stream.write(report(snapshot, verdict, now, pace))
        statuses.append(verdict.status)
    return int(worst(statuses))


def judge(snapshot: AccountSnapshot, recent: RecentPace | None = None) -> Verdict:
    thresholds = snapshot.thresholds
    if snapshot.credits is None:
        problem = _problem(snapshot, EndpointName.CREDITS, advice=True)
        return Verdict(Status.UNKNOWN, (f"balance unknown: {problem}",))
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
        for severity, limit in (
            (Status.CRITICAL, thresholds.runway_critical_days),
            (Status.WARNING, thresholds.runway_warning_days),
        ):
            if days < limit:
                reasons.append(
                    (
                        severity,
                        f"runway {days_text(days)} ({basis}) is below the "
                        f"{severity.name.lower()} threshold of {days_text(limit)}",
                    )
                )
                break
    if recent is not None and recent.fast and balance > 0:
        reasons.append((Status.WARNING, fast_text(recent)))
    if not reasons:
        return Verdict(Status.OK, ())
    status = worst(severity for severity, _ in reasons)
    return Verdict(status, tuple(text for _, text in reasons))


def fast_text(recent: RecentPace) -> str:
    """The money is going fast: how fast, against what, and when it is gone at that pace."""
    return f"spending fast: {pace_text(recent)}"


def pace_text(recent: RecentPace) -> str:
    return (
        f"{usd(recent.usd_per_day)}/day over the last {span_text(recent)}"
        f"{_against(recent)}{_gone(recent)}"
    )


def _against(recent: RecentPace) -> str:
    if recent.usual_window is None or not recent.usual_usd_per_day:
        return ""
    return f", {recent.usd_per_day / recent.usual_usd_per_day:,.0f}x the {recent.usual_window} rate"


def _gone(recent: RecentPace) -> str:
    if recent.exhaustion_timestamp is None:
        return ""
    return f"; at this pace the credits run out {utc_time(recent.exhaustion_timestamp)}"


def span_text(recent: RecentPace) -> str:
    minutes = round(recent.span_seconds / 60)
    return f"{round(recent.span_seconds)} s" if minutes < 1 else f"{minutes} min"


def report(snapshot: AccountSnapshot, verdict: Verdict, now: float, pace: Now) -> str:
    lines = [f"OpenRouter credits for account {snapshot.name} at {utc_time(now)}"]
    credits = snapshot.credits
    if credits is not None:
        lines.append(
            f"  Balance          {usd(credits.balance)}  (purchased {usd(credits.total_credits)}"
            f", used {usd(credits.total_usage)})"
        )
    else:
        lines.append(f"  Balance          unknown: {_problem(snapshot, EndpointName.CREDITS)}")
    lines.append(f"  Spent today      {today_text(pace.today, now)}")
    lines.append(f"  Spending now     {recent_text(pace.recent)}")
    lines.extend(_runways(snapshot, pace.recent))
    thresholds = snapshot.thresholds
    lines.append(
        f"  Thresholds       warning below {days_text(thresholds.runway_warning_days)}, critical "
        f"below {days_text(thresholds.runway_critical_days)}"
    )
    lines.append(f"  Status           {verdict.status.name}")
    lines.extend(f"    - {reason}" for reason in verdict.reasons)
    lines.extend(_top_models(snapshot))
    lines.extend(_keys_needing_attention(snapshot, now))
    lines.append("  Data freshness")
    for endpoint, health in snapshot.health.items():
        if not health.polled:
            lines.append(f"    {endpoint:<9} not polled (needs a management key)")
        elif health.up:
            lines.append(f"    {endpoint:<9} ok, took {health.last_duration or 0:.2f}s")
        else:
            lines.append(f"    {endpoint:<9} FAILED: {', '.join(_reasons(health))}")
            if health.advice:
                lines.append(f"              {health.advice}")
    if snapshot.activity is not None and snapshot.activity.latest_day is not None:
        lines.append(f"    newest completed day in activity: {snapshot.activity.latest_day}")
    return "\n".join(lines) + "\n\n"


def today_text(today: SpendToday | None, now: float) -> str:
    if today is None:
        return (
            "unknown: needs the Analytics API (a management key) or two samples of /credits "
            "today (a running exporter keeps them; check polls once)"
        )
    since = datetime.fromtimestamp(today.since, UTC).strftime("%H:%M UTC")
    if today.source == "analytics":
        age = max(0.0, now - today.read_at)
        return f"{usd(today.usd)} since {since} (Analytics API, read {age:.0f}s ago)"
    return f"{usd(today.usd)} since {since} (from the exporter's own samples of /credits)"


def recent_text(recent: RecentPace | None) -> str:
    if recent is None:
        return (
            "unknown: needs samples of /credits over 30 s at least (a running exporter keeps "
            "them in its state directory; check polls once)"
        )
    text = f"{usd(recent.usd_per_day)}/day over the last {span_text(recent)}"
    if recent.fast:
        return f"{text}: FAST{_against(recent)}{_gone(recent)}"
    return f"{text}{_gone(recent)}"


def _runways(snapshot: AccountSnapshot, recent: RecentPace | None) -> list[str]:
    rows = [
        (item.window, item.burn_usd_per_day, item.days_remaining, item.exhaustion_timestamp)
        for item in snapshot.forecasts
    ]
    if recent is not None and recent.shortest:
        rows.append(
            (
                "recent",
                recent.usd_per_day,
                recent.days_remaining,
                recent.exhaustion_timestamp,
            )
        )
    if not rows:
        return []
    lines = ["  Window  burn/day     days left   runs out"]
    for window, burn, days, runs_out in rows:
        when = utc_time(runs_out) if runs_out is not None else "never at this rate"
        lines.append(f"  {window:<6}  {usd(burn):>10}  {days_text(days):>11}   {when}")
    if recent is not None and recent.shortest:
        lines.append(
            f"  (recent: the pace of the last {span_text(recent)}, shorter than every window)"
        )
    if not any(item.window == "24h" for item in snapshot.forecasts):
        lines.append("  (24h burn rate appears after one hour of the exporter's own samples)")
    return lines


def _top_models(snapshot: AccountSnapshot) -> list[str]:
    if snapshot.activity is None:
        return [f"  Top models       unknown: {_problem(snapshot, EndpointName.ACTIVITY)}"]
    spend = snapshot.activity.model_spend.get("7d", {})
    total = sum(spend.values())
    ranked = sorted(spend.items(), key=lambda item: item[1], reverse=True)[:TOP_MODELS]
    if not ranked or total <= 0:
        return ["  Top models (7 days): no spend"]
    lines = ["  Top models (7 days)"]
    for model, amount in ranked:
        lines.append(f"    {model:<40} {usd(amount):>10}  {amount / total:6.1%}")
    return lines


def _keys_needing_attention(snapshot: AccountSnapshot, now: float) -> list[str]:
    keys = snapshot.keys
    if keys is None:
        endpoint = EndpointName.KEYS if EndpointName.KEYS in snapshot.health else EndpointName.KEY
        return [f"  Keys             unknown: {_problem(snapshot, endpoint)}"]
    lines = []
    for key in keys:
        if key.disabled:
            continue
        name = f"{key.name} ({key.key_hash})"
        if (
            key.limit is not None
            and key.limit_remaining is not None
            and key.limit_remaining <= key.limit * KEY_NEAR_LIMIT_SHARE
        ):
            reset = f", resets {key.limit_reset}" if key.limit_reset else ""
            lines.append(f"    {name}: {usd(key.limit_remaining)} left of {usd(key.limit)}{reset}")
        if key.expires_at is not None and key.expires_at - now < KEY_EXPIRY_SOON_SECONDS:
            verb = "expired" if key.expires_at <= now else "expires"
            lines.append(f"    {name}: {verb} {utc_time(key.expires_at)}")
    if not lines:
        return ["  Keys             none at or near their limit or expiry"]
    return ["  Keys needing attention", *lines]


def _problem(snapshot: AccountSnapshot, endpoint: EndpointName, *, advice: bool = False) -> str:
    """Why ``endpoint`` has no reading, and with ``advice`` what to do, in words."""
    health = snapshot.health.get(endpoint)
    if health is None:
        return f"/{endpoint} is not polled with this configuration"
    reasons = _reasons(health)
    if not health.polled and reasons:
        return (
            f"this key cannot read /{endpoint}; a management key can"
            f" (set OPENROUTER_MANAGEMENT_KEY)"
        )
    if not reasons:
        return f"/{endpoint} has not answered yet"
    what = f": {health.advice}" if advice and health.advice else " (see Data freshness)"
    return f"/{endpoint} failed ({', '.join(reasons)}){what}"


def _reasons(health: EndpointHealth) -> list[str]:
    """The reasons the endpoint's polls failed for so far (known reasons start at 0)."""
    return sorted(reason for reason, count in health.errors.items() if count > 0)


def usd(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def days_text(value: float) -> str:
    if math.isinf(value):
        return "unlimited"
    text = f"{value:.1f}"
    return f"{text} day" if text == "1.0" else f"{text} days"


def utc_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%a %Y-%m-%d %H:%M UTC")
