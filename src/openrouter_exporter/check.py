"""``openrouter-exporter check``: poll once and tell a person how long the credits last.

Exit status as a monitoring plugin's (the Nagios plugin guidelines): 0 OK, 1 WARNING (a
warning threshold is crossed, or the money is going fast), 2 CRITICAL (a critical threshold
is crossed, or the balance is at or below zero), 3 UNKNOWN (the balance cannot be read, or
the configuration is wrong). Over several accounts the worst counts, CRITICAL before
UNKNOWN before WARNING. The runway of an account is the shortest of its windows, and of the
pace of the last hour or so when that is shorter: the most pessimistic honest forecast.
What needs attention is judged in :mod:`openrouter_exporter.core.judgement`, as on the
status page.
"""

import sys
import time
from typing import TextIO

from openrouter_exporter.config.types import ExporterConfig
from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.judgement import (
    TOP_MODELS_DAYS,
    Verdict,
    failure_reasons,
    judge,
    key_attention,
    problem,
    top_models,
    worst,
)
from openrouter_exporter.core.limit_text import limit_title, outlook
from openrouter_exporter.core.limits import in_order_of_exhaustion
from openrouter_exporter.core.pace import Now, RecentPace, now_and_today
from openrouter_exporter.core.snapshot import AccountSnapshot, KeyReading, SnapshotStore
from openrouter_exporter.core.wording import (
    days_text,
    pace_text,
    span_text,
    today_text,
    usd,
    utc_time,
)
from openrouter_exporter.endpoints.analytics_readings import analytics_today
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
from openrouter_exporter.storage.sqlite_state import SAMPLE_RETENTION, StateStore


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
        pace = now_and_today(snapshot, samples[snapshot.name], now, analytics_today(snapshot, now))
        verdict = judge(snapshot, pace.recent)
        stream.write(report(snapshot, verdict, now, pace))
        statuses.append(verdict.status)
    return int(worst(statuses))


def report(snapshot: AccountSnapshot, verdict: Verdict, now: float, pace: Now) -> str:
    lines = [f"OpenRouter credits for account {snapshot.name} at {utc_time(now)}"]
    credits = snapshot.credits
    if credits is not None:
        lines.append(
            f"  Balance          {usd(credits.balance)}  (purchased {usd(credits.total_credits)}"
            f", used {usd(credits.total_usage)})"
        )
    else:
        lines.append(f"  Balance          unknown: {problem(snapshot, EndpointName.CREDITS)}")
    lines.append(f"  Spent today      {today_text(pace.today, now)}")
    lines.append(f"  Spending now     {_recent_text(pace.recent)}")
    lines.extend(_runways(snapshot, pace.recent))
    thresholds = snapshot.thresholds
    lines.append(
        f"  Thresholds       warning below {days_text(thresholds.runway_warning_days)}, critical "
        f"below {days_text(thresholds.runway_critical_days)}"
    )
    lines.append(f"  Status           {verdict.status.name}")
    lines.extend(f"    - {reason}" for reason in verdict.reasons)
    lines.append(f"  First limit      {first_limit(snapshot, now)}")
    lines.extend(_top_models(snapshot))
    lines.extend(_keys_needing_attention(snapshot, now))
    lines.extend(_budgets(snapshot.budgets))
    lines.append("  Data freshness")
    width = max((len(endpoint) for endpoint in snapshot.health), default=0)
    for endpoint, health in snapshot.health.items():
        name = f"{endpoint:<{width}}"
        if health.absent:
            lines.append(f"    {name} not available to this account")
        elif not health.polled:
            lines.append(f"    {name} not polled (needs a management key)")
        elif health.up:
            lines.append(f"    {name} ok, took {health.last_duration or 0:.2f}s")
        else:
            lines.append(f"    {name} FAILED: {', '.join(failure_reasons(health))}")
            if health.advice:
                lines.append(f"    {'':<{width}} {health.advice}")
    if snapshot.activity is not None and snapshot.activity.latest_day is not None:
        lines.append(f"    newest completed day in activity: {snapshot.activity.latest_day}")
    return "\n".join(lines) + "\n\n"


def first_limit(snapshot: AccountSnapshot, now: float) -> str:
    """What stops requests first: the first of :func:`in_order_of_exhaustion`, in words."""
    ordered = in_order_of_exhaustion(snapshot.limits)
    if not ordered:
        return "unknown: no limit read yet"
    limit = ordered[0]
    remaining = limit.remaining_usd
    left = "spend unknown" if remaining is None else f"{usd(remaining)} left"
    when = (
        f" ({utc_time(limit.exhaustion_timestamp)})"
        if limit.exhaustion_timestamp is not None and remaining is not None and remaining > 0
        else ""
    )
    reset = (
        f"; resets {utc_time(limit.reset_timestamp)}"
        if limit.reset_timestamp is not None
        else "; never resets"
    )
    return (
        f"{limit_title(limit)}, {outlook(limit, now)}{when}: {left} of "
        f"{usd(limit.limit_usd)}{reset}"
    )


def _recent_text(recent: RecentPace | None) -> str:
    if recent is None:
        return (
            "unknown: needs samples of /credits over 30 s at least (a running exporter keeps "
            "them in its state directory; check polls once)"
        )
    if recent.fast:
        return f"FAST: {pace_text(recent)}"
    return pace_text(recent)


def _runways(snapshot: AccountSnapshot, recent: RecentPace | None) -> list[str]:
    """The windows' runways, and the recent pace's, marked, when it is shorter than all."""
    rows = [
        (item.window, item.burn_usd_per_day, item.days_remaining, item.exhaustion_timestamp)
        for item in snapshot.forecasts
    ]
    if recent is not None and recent.shortest:
        rows.append(
            ("recent", recent.usd_per_day, recent.days_remaining, recent.exhaustion_timestamp)
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
    ranking = top_models(snapshot)
    if ranking is None:
        return [f"  Top models       unknown: {problem(snapshot, EndpointName.ACTIVITY)}"]
    heading = f"  Top models ({TOP_MODELS_DAYS} days)"
    if not ranking:
        return [f"{heading}: no spend"]
    lines = [heading]
    for item in ranking:
        lines.append(f"    {item.name:<40} {usd(item.spend_usd):>10}  {item.share:6.1%}")
    return lines


def _keys_needing_attention(snapshot: AccountSnapshot, now: float) -> list[str]:
    keys = snapshot.keys
    if keys is None:
        endpoint = EndpointName.KEYS if EndpointName.KEYS in snapshot.health else EndpointName.KEY
        return [f"  Keys             unknown: {problem(snapshot, endpoint)}"]
    attention = key_attention(keys, now)
    lines = []
    for key in attention.near_limit:
        reset = f", resets {key.limit_reset}" if key.limit_reset else ""
        lines.append(
            f"    {_key_name(key)}: {usd(key.limit_remaining or 0.0)} left of "
            f"{usd(key.limit or 0.0)}{reset}"
        )
    for key in attention.expiring:
        expires_at = key.expires_at or 0.0
        verb = "expired" if expires_at <= now else "expires"
        lines.append(f"    {_key_name(key)}: {verb} {utc_time(expires_at)}")
    if not lines:
        return ["  Keys             none at or near their limit or expiry"]
    return ["  Keys needing attention", *lines]


def _budgets(statuses: tuple[BudgetStatus, ...]) -> list[str]:
    """Each declared budget: spent and forecast against its amount, and the days left."""
    lines = []
    for status in statuses:
        budget = status.budget
        spent = "unknown" if status.spend_usd is None else usd(status.spend_usd)
        if not status.matched:
            spent = "unknown (the scope matches nothing)"
        elif status.spend_usd is not None and not status.complete:
            spent += " (partial)"
        forecast = "unknown" if status.forecast_usd is None else usd(status.forecast_usd)
        lines.append(
            f"    {budget.name:<20} {budget.period:<9} spent {spent} of "
            f"{usd(budget.amount_usd)}, forecast {forecast}, {days_text(status.days_left)} left"
        )
    return ["  Budgets", *lines] if lines else []


def _key_name(key: KeyReading) -> str:
    return f"{key.name} ({key.key_hash})"
