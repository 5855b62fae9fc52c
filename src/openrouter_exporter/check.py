"""``openrouter-exporter check``: poll once and tell a person how long the credits last.

Exit status: 0 fine, 1 a warning threshold is crossed, 2 a critical one is crossed or the
balance cannot be read. The runway of an account is the shortest of its windows: the
most pessimistic honest forecast.
"""

import enum
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from openrouter_exporter.config.loader import ExporterConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.limit_text import limit_title, outlook
from openrouter_exporter.core.limits import in_order_of_exhaustion
from openrouter_exporter.core.snapshot import (
    AccountSnapshot,
    EndpointHealth,
    KeyReading,
    SnapshotStore,
)
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot
from openrouter_exporter.storage.sqlite_state import StateStore

TOP_MODELS = 5
KEY_NEAR_LIMIT_SHARE = 0.1
KEY_EXPIRY_SOON_SECONDS = 7 * 86400.0


class Status(enum.IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2


@dataclass(frozen=True)
class Verdict:
    status: Status
    reasons: tuple[str, ...]


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


def judge(snapshot: AccountSnapshot) -> Verdict:
    thresholds = snapshot.thresholds
    if snapshot.credits is None:
        problem = _problem(snapshot, EndpointName.CREDITS)
        return Verdict(Status.CRITICAL, (f"balance unavailable: {problem}",))
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
    if snapshot.forecasts:
        shortest = min(snapshot.forecasts, key=lambda item: item.days_remaining)
        days = shortest.days_remaining
        for severity, limit in (
            (Status.CRITICAL, thresholds.runway_critical_days),
            (Status.WARNING, thresholds.runway_warning_days),
        ):
            if days < limit:
                reasons.append(
                    (
                        severity,
                        f"runway {days_text(days)} ({shortest.window} burn rate) is below the "
                        f"{severity.name.lower()} threshold of {days_text(limit)}",
                    )
                )
                break
    if not reasons:
        return Verdict(Status.OK, ())
    status = max(severity for severity, _ in reasons)
    return Verdict(status, tuple(text for _, text in reasons))


def report(snapshot: AccountSnapshot, verdict: Verdict, now: float) -> str:
    lines = [f"OpenRouter credits for account {snapshot.name} at {utc_time(now)}"]
    credits = snapshot.credits
    if credits is not None:
        lines.append(
            f"  Balance          {usd(credits.balance)}  (purchased {usd(credits.total_credits)}"
            f", used {usd(credits.total_usage)})"
        )
    else:
        lines.append(f"  Balance          unknown: {_problem(snapshot, EndpointName.CREDITS)}")
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
    lines.append(f"  First limit      {first_limit(snapshot, now)}")
    lines.extend(_top_models(snapshot))
    lines.extend(_keys_needing_attention(snapshot.keys or (), now))
    lines.append("  Data freshness")
    for endpoint, health in snapshot.health.items():
        if not health.polled:
            lines.append(f"    {endpoint:<9} not polled (needs a management key)")
        elif health.up:
            lines.append(f"    {endpoint:<9} ok, took {health.last_duration or 0:.2f}s")
        else:
            lines.append(f"    {endpoint:<9} FAILED: {', '.join(_reasons(health))}")
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


def _top_models(snapshot: AccountSnapshot) -> list[str]:
    if snapshot.activity is None:
        return []
    spend = snapshot.activity.model_spend.get("7d", {})
    total = sum(spend.values())
    ranked = sorted(spend.items(), key=lambda item: item[1], reverse=True)[:TOP_MODELS]
    if not ranked or total <= 0:
        return ["  Top models (7 days): no spend"]
    lines = ["  Top models (7 days)"]
    for model, amount in ranked:
        lines.append(f"    {model:<40} {usd(amount):>10}  {amount / total:6.1%}")
    return lines


def _keys_needing_attention(keys: tuple[KeyReading, ...], now: float) -> list[str]:
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


def _problem(snapshot: AccountSnapshot, endpoint: EndpointName) -> str:
    health = snapshot.health.get(endpoint)
    if health is None:
        return "not polled"
    reasons = _reasons(health)
    if not health.polled and reasons:
        return "this key cannot read the balance; a management key can"
    return ", ".join(reasons) or "not fetched"


def _reasons(health: EndpointHealth) -> list[str]:
    """The reasons the endpoint's polls failed for so far (known reasons start at 0)."""
    return sorted(reason for reason, count in health.errors.items() if count > 0)


def usd(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def days_text(value: float) -> str:
    if math.isinf(value):
        return "unlimited"
    return f"{value:.1f} day" if value == 1 else f"{value:.1f} days"


def utc_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%a %Y-%m-%d %H:%M UTC")
