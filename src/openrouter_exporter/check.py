"""``openrouter-exporter check``: poll once and tell a person how long the credits last.

Exit status: 0 fine, 1 a warning threshold is crossed, 2 a critical one is crossed or the
balance cannot be read. The runway of an account is the shortest of its windows: the
most pessimistic honest forecast. What needs attention is judged in
:mod:`openrouter_exporter.core.judgement`, as on the status page.
"""

import sys
import time
from typing import TextIO

from openrouter_exporter.config.types import ExporterConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.judgement import (
    TOP_MODELS_DAYS,
    Status,
    Verdict,
    failure_reasons,
    judge,
    key_attention,
    problem,
    top_models,
)
from openrouter_exporter.core.snapshot import AccountSnapshot, KeyReading, SnapshotStore
from openrouter_exporter.core.wording import days_text, usd, utc_time
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
from openrouter_exporter.storage.sqlite_state import StateStore


async def run_check(config: ExporterConfig, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    state = StateStore.open(config.state_dir)
    store = SnapshotStore([initial_snapshot(account, config) for account in config.accounts])
    pollers = [AccountPoller(account, config, store, state) for account in config.accounts]
    try:
        for poller in pollers:
            await poller.poll_once()
    finally:
        for poller in pollers:
            await poller.aclose()
        state.close()
    worst = Status.OK
    now = time.time()
    for snapshot in store.current().accounts:
        verdict = judge(snapshot)
        stream.write(report(snapshot, verdict, now))
        worst = max(worst, verdict.status)
    return int(worst)


def report(snapshot: AccountSnapshot, verdict: Verdict, now: float) -> str:
    lines = [f"OpenRouter credits for account {snapshot.name} at {utc_time(now)}"]
    credits = snapshot.credits
    if credits is not None:
        lines.append(
            f"  Balance          {usd(credits.balance)}  (purchased {usd(credits.total_credits)}"
            f", used {usd(credits.total_usage)})"
        )
    else:
        lines.append(f"  Balance          unknown: {problem(snapshot, EndpointName.CREDITS)}")
    if snapshot.forecasts:
        lines.append("  Window  burn/day     days left   runs out")
        for item in snapshot.forecasts:
            runs_out = (
                utc_time(item.exhaustion_timestamp)
                if item.exhaustion_timestamp is not None
                else "never at this rate"
            )
            lines.append(
                f"  {item.window:<6}  {usd(item.burn_usd_per_day):>10}  "
                f"{days_text(item.days_remaining):>11}   {runs_out}"
            )
        if not any(item.window == "24h" for item in snapshot.forecasts):
            lines.append("  (24h burn rate appears after one hour of the exporter's own samples)")
    thresholds = snapshot.thresholds
    lines.append(
        f"  Thresholds       warning below {days_text(thresholds.runway_warning_days)}, critical "
        f"below {days_text(thresholds.runway_critical_days)}"
    )
    lines.append(f"  Status           {verdict.status.name}")
    lines.extend(f"    - {reason}" for reason in verdict.reasons)
    lines.extend(_top_models(snapshot))
    lines.extend(_keys_needing_attention(snapshot.keys or (), now))
    lines.append("  Data freshness")
    for endpoint, health in snapshot.health.items():
        if not health.polled:
            lines.append(f"    {endpoint:<9} not polled (needs a management key)")
        elif health.up:
            lines.append(f"    {endpoint:<9} ok, took {health.last_duration or 0:.2f}s")
        else:
            lines.append(f"    {endpoint:<9} FAILED: {', '.join(failure_reasons(health))}")
    if snapshot.activity is not None and snapshot.activity.latest_day is not None:
        lines.append(f"    newest completed day in activity: {snapshot.activity.latest_day}")
    return "\n".join(lines) + "\n\n"


def _top_models(snapshot: AccountSnapshot) -> list[str]:
    ranking = top_models(snapshot)
    if ranking is None:
        return []
    heading = f"  Top models ({TOP_MODELS_DAYS} days)"
    if not ranking:
        return [f"{heading}: no spend"]
    lines = [heading]
    for item in ranking:
        lines.append(f"    {item.name:<40} {usd(item.spend_usd):>10}  {item.share:6.1%}")
    return lines


def _keys_needing_attention(keys: tuple[KeyReading, ...], now: float) -> list[str]:
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


def _key_name(key: KeyReading) -> str:
    return f"{key.name} ({key.key_hash})"
