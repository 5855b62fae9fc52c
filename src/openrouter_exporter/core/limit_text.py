"""A limit in words, the same in ``check``, on the status page and in the alerts' summaries
("key ci-bot's monthly limit", "reached in 5 h 10 min")."""

import math

from openrouter_exporter.core.limits import Limit, LimitScope

HOUR = 3600.0
DAY = 86400.0

_WHAT = {
    LimitScope.KEY_LIMIT: ("key", "limit"),
    LimitScope.API_KEY: ("key", "guardrail budget"),
    LimitScope.MEMBER: ("member", "guardrail budget"),
    LimitScope.WORKSPACE: ("workspace", "budget"),
    LimitScope.WORKSPACE_DEFAULT_KEY: ("key", "default guardrail budget"),
    LimitScope.WORKSPACE_DEFAULT_MEMBER: ("member", "default guardrail budget"),
}


def limit_title(limit: Limit) -> str:
    """``key ci-bot's monthly limit``; the balance is ``the balance``."""
    if limit.scope is LimitScope.CREDITS:
        return "the balance"
    holder, what = _WHAT[limit.scope]
    return f"{holder} {limit.name}'s {limit.period.value} {what}"


def is_reached(limit: Limit) -> bool:
    remaining = limit.remaining_usd
    return remaining is not None and remaining <= 0


def duration_text(seconds: float) -> str:
    """``45 min``, ``5 h 10 min``, ``3.2 days``."""
    seconds = max(0.0, seconds)
    if seconds < HOUR:
        return f"{math.ceil(seconds / 60)} min"
    if seconds < DAY:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{seconds / DAY:.1f} days"


def outlook(limit: Limit, now: float) -> str:
    """``reached``, ``reached in 5 h``, or why there is no projection."""
    if is_reached(limit):
        return "reached"
    if limit.exhaustion_timestamp is not None:
        return f"reached in {duration_text(limit.exhaustion_timestamp - now)}"
    if limit.spend_usd is None:
        return "spend unknown"
    if limit.reset_timestamp is not None:
        return "not before it resets"
    return "not at the current rate"
