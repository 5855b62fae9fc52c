"""What stops requests first, the status page's card: the limits in the order
:func:`~openrouter_exporter.core.limits.in_order_of_exhaustion` gives them, the balance
among them; ``/status.json``'s ``accounts[].first_limit`` is the first, and ``check``
prints it (:func:`openrouter_exporter.check.first_limit`)."""

import time
from collections.abc import Sequence
from html import escape
from typing import Any

from openrouter_exporter.core.limit_text import DAY, HOUR, is_reached, limit_title, outlook
from openrouter_exporter.core.limits import Limit, SpendSource
from openrouter_exporter.core.wording import usd
from openrouter_exporter.status_page.markup import time_tag, unknown

OTHERS_SHOWN = 8  # after the first; /status.json has the first, the metrics have them all

_SOURCE = {
    SpendSource.OPENROUTER: "OpenRouter's figure",
    SpendSource.ANALYTICS: "estimated from the Analytics API",
    SpendSource.KEY_USAGE: "estimated from the key's usage",
}


def first_limit_json(limits: Sequence[Limit]) -> dict[str, Any] | None:
    """``accounts[].first_limit``: null while no limit is known."""
    if not limits:
        return None
    first = limits[0]
    when = first.exhaustion_timestamp
    return {
        "scope": first.scope.value,
        "id": first.id,
        "name": first.name,
        "period": first.period.value,
        "exhaustion": None
        if when is None
        else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)),
        "remaining_usd": first.remaining_usd,
    }


def _level(limit: Limit, now: float) -> str:
    if is_reached(limit):
        return "critical"
    when = limit.exhaustion_timestamp
    if when is None:
        return "ok"
    if when - now < HOUR:
        return "critical"
    return "warning" if when - now < DAY else "ok"


def _moment(timestamp: float | None, otherwise: str) -> str:
    return time_tag(timestamp) if timestamp is not None else otherwise


def _spend(limit: Limit) -> str:
    if limit.spend_usd is None:
        return f"{unknown('spend unknown')} of {usd(limit.limit_usd)}"
    remaining = limit.remaining_usd or 0.0
    return f"{usd(limit.spend_usd)} of {usd(limit.limit_usd)} ({usd(remaining)} left)"


def _first(limit: Limit, now: float) -> str:
    level = _level(limit, now)
    reaches = (
        f" Projected at {_moment(limit.exhaustion_timestamp, '')}."
        if limit.exhaustion_timestamp is not None and not is_reached(limit)
        else ""
    )
    return (
        f'<p class="figure {level}">{escape(outlook(limit, now))} <small>({level})</small></p>'
        f"<p><strong>{escape(limit_title(limit))}</strong>: {_spend(limit)}, "
        f"{_SOURCE[limit.source]}.{reaches} Resets: {_moment(limit.reset_timestamp, 'never')}."
        "</p>"
    )


def _row(limit: Limit, now: float) -> str:
    remaining = limit.remaining_usd
    left = unknown() if remaining is None else usd(remaining)
    level = _level(limit, now)
    word = "" if level == "ok" else f" <small>({level})</small>"
    return (
        f'<tr><td class="name">{escape(limit_title(limit))}</td>'
        f'<td class="{level}">{escape(outlook(limit, now))}{word}</td>'
        f'<td class="num">{left} of {usd(limit.limit_usd)}</td></tr>'
    )


def first_limit_card(limits: Sequence[Limit], now: float) -> str:
    """The card: the first limit to be reached, when, then the others in order."""
    title = "<h3>What stops requests first</h3>"
    if not limits:
        return (
            f'<article class="card limits-card">{title}'
            f"<p>{unknown()}: no limit read yet.</p></article>"
        )
    others = limits[1 : 1 + OTHERS_SHOWN]
    table = (
        "<table><caption>Then, in order</caption><thead><tr><th scope=col>Limit</th>"
        "<th scope=col>Reached</th><th scope=col class=num>Left</th></tr></thead>"
        f"<tbody>{''.join(_row(item, now) for item in others)}</tbody></table>"
        if others
        else ""
    )
    more = len(limits) - 1 - len(others)
    rest = f'<p class="muted">and {more:,} more in /metrics.</p>' if more > 0 else ""
    return (
        f'<article class="card limits-card">{title}{_first(limits[0], now)}{table}{rest}</article>'
    )
