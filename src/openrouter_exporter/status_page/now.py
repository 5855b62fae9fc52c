"""The status page's "Today and now": the spend today, the pace of the last hour or so, the
banner when the money is going fast, and the recent pace's runway when it is the shortest."""

import math
from html import escape

from openrouter_exporter.core.judgement import Status
from openrouter_exporter.core.wording import (
    days_text,
    pace_text,
    span_text,
    today_source_text,
    today_text,
    usd,
)
from openrouter_exporter.status_page.markup import LEVEL, age_text, unknown
from openrouter_exporter.status_page.view import AccountStatus, Runway

DAY = 86400.0
RECENT_PREFIX = "last "  # the window name of the recent pace's runway: "last 12 min"


def now_card(account: AccountStatus) -> str:
    """Spent today and the pace now: what is happening, on the first row."""
    today = account.today
    if today is None:
        figure = '<p class="figure today unknown">unknown</p>'
        detail = f'<p class="muted">Spent today: {escape(today_text(today, account.as_of))}.</p>'
    else:
        figure = f'<p class="figure today">{usd(today.usd)} <small>today</small></p>'
        detail = f'<p class="muted">Spent {escape(today_source_text(today, account.as_of))}.</p>'
    recent = account.recent
    if recent is None:
        pace = (
            f"<p>Pace now: {unknown()}: it is measured over the last hour of samples of "
            "/credits, from 30 s of them on.</p>"
        )
    else:
        level = LEVEL[account.recent_level] if recent.fast else ""
        badge = f' <span class="badge {level or "warning"}">fast</span>' if recent.fast else ""
        lasts = (
            "the credits are used up"
            if recent.days_remaining <= 0
            else f"at this pace the credits last {escape(_pace_days(recent.days_remaining))}"
        )
        pace = (
            f'<p class="pace">Pace now: <strong class="{level}">{usd(recent.usd_per_day)}/day'
            f"</strong>{badge} over the last {escape(span_text(recent))}; {lasts}.</p>"
        )
    return f'<article class="card now"><h3>Today and now</h3>{figure}{detail}{pace}</article>'


def _pace_days(days: float) -> str:
    if math.isinf(days):
        return "for ever"
    if days < 1:
        return age_text(days * DAY)
    return days_text(days)


def fast_banner(account: AccountStatus) -> str:
    """Says that the money is going fast, how fast, and when it is gone at that pace."""
    recent = account.recent
    balance = account.balance
    if recent is None or not recent.fast or balance is None or balance.balance_usd <= 0:
        return ""
    css = "" if account.recent_level is Status.CRITICAL else " warning"
    left = "" if math.isinf(recent.days_remaining) else f" (in {_pace_days(recent.days_remaining)})"
    return (
        f'<p class="banner fast{css}" role="alert"><strong>The money is going fast</strong>: '
        f"{escape(pace_text(recent))}{left}.</p>"
    )


def with_recent(account: AccountStatus) -> list[Runway]:
    """The windows' runways, and the recent pace's when it is shorter than all of them."""
    recent = account.recent
    if recent is None or not recent.shortest:
        return list(account.runways)
    return [
        *account.runways,
        Runway(
            window=f"{RECENT_PREFIX}{span_text(recent)}",
            burn_usd_per_day=recent.usd_per_day,
            days_remaining=recent.days_remaining,
            exhaustion_timestamp=recent.exhaustion_timestamp,
            level=account.recent_level,
        ),
    ]
