"""The status page at ``/``: the view model (:mod:`.view`) as one self-contained HTML page.

No script, no external resource: the styles are one inline ``<style>`` block allowed by its
hash in the Content-Security-Policy, the charts are inline SVG, and the page reloads itself
with ``<meta http-equiv="refresh">``. Every name that comes from outside (accounts, keys,
models, providers, error reasons) passes through :func:`html.escape`. Colour is never the
only cue: each coloured figure carries its level in words too.
"""

import math
from collections.abc import Sequence
from html import escape

from openrouter_exporter import __version__
from openrouter_exporter.config.durations import format_duration
from openrouter_exporter.core.judgement import Ranked, worst
from openrouter_exporter.core.snapshot import KeyReading
from openrouter_exporter.core.wording import days_text, usd, utc_time
from openrouter_exporter.status_page.budget_card import budgets_card
from openrouter_exporter.status_page.charts import bar_chart, line_chart
from openrouter_exporter.status_page.first_limit import first_limit_card
from openrouter_exporter.status_page.markup import (
    LEVEL,
    age_text,
    axis_usd,
    clock_text,
    day_text,
    iso_time,
    level_badge,
    short_time,
    time_tag,
    unknown,
)
from openrouter_exporter.status_page.now import RECENT_PREFIX, fast_banner, now_card, with_recent
from openrouter_exporter.status_page.style import STYLE
from openrouter_exporter.status_page.view import AccountStatus, Runway, StatusView

REFRESH_SECONDS = 30
KEY_ROWS = 10  # per list; the rest is counted, and complete in /status.json


def render_page(view: StatusView, metrics_path: str = "/metrics") -> str:
    overall = worst(account.status for account in view.accounts)
    accounts = "".join(_account(i, a, view.generated_at) for i, a in enumerate(view.accounts))
    waiting = (
        ""
        if view.ready
        else '<p class="banner warning" role="status"><strong>Waiting for the first poll'
        "</strong>: figures appear as OpenRouter answers.</p>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        f"<title>{LEVEL[overall].upper()}: OpenRouter credits</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>OpenRouter credits</h1>"
        f"<p>As of {time_tag(view.generated_at)}; refreshes every {REFRESH_SECONDS} s. "
        f"openrouter-exporter {escape(__version__)}.</p>"
        '<nav aria-label="Exporter endpoints"><ul>'
        f'<li><a href="{escape(metrics_path.lstrip("/"))}">Metrics</a></li>'
        '<li><a href="status.json">status.json</a></li>'
        '<li><a href="healthz">Health</a></li>'
        '<li><a href="readyz">Readiness</a></li>'
        "</ul></nav></header>"
        f"<main>{waiting}{accounts}</main></body></html>"
    )


def _account(index: int, account: AccountStatus, now: float) -> str:
    anchor = f"account-{index}"
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in account.reasons)
    return (
        f'<section class="account" aria-labelledby="{anchor}">'
        f'<h2 id="{anchor}">Account <span class="name">{escape(account.name)}</span>'
        f"{level_badge(account.status)}</h2>"
        f"{_banners(account)}"
        + (f'<ul class="reasons">{reasons}</ul>' if reasons else "")
        + f'<div class="grid">{_balance(account)}{now_card(account)}'
        f"{_runways(account)}{first_limit_card(account.limits, now)}{_endpoints(account)}</div>"
        f'<div class="grid charts">{_balance_chart(anchor, account)}'
        f"{_spend_chart(anchor, account)}</div>"
        '<div class="grid">'
        f"{_ranking('Top models', 'last 30 completed days', account.top_models, 'model')}"
        f"{_ranking('Top providers', 'all spend in the ledger', account.top_providers, 'provider')}"
        f"{_keys(account)}{budgets_card(account.budgets)}"
        "</div></section>"
    )


def _banners(account: AccountStatus) -> str:
    parts = [fast_banner(account)]
    for endpoint in account.failing:
        reasons = ", ".join(
            f"{escape(reason)} x{count}" for reason, count in sorted(endpoint.errors.items())
        )
        kept = (
            f"showing the last good values from {age_text(endpoint.age_seconds)} ago"
            if endpoint.age_seconds is not None
            else "nothing read from it yet"
        )
        advice = f" {escape(endpoint.advice)}." if endpoint.advice else ""
        parts.append(
            f'<p class="banner" role="alert"><strong>/{escape(endpoint.name)} is failing'
            f"</strong> ({reasons}): {kept}.{advice}</p>"
        )
    for endpoint in account.stale:
        if endpoint.state == "failing":
            continue
        parts.append(
            f'<p class="banner warning" role="alert"><strong>Data is stale</strong>: the last '
            f"successful read of /{escape(endpoint.name)} was "
            f"{age_text(endpoint.age_seconds or 0.0)} ago.</p>"
        )
    return "".join(parts)


def _balance(account: AccountStatus) -> str:
    balance = account.balance
    thresholds = account.thresholds
    if balance is None:
        figure = '<p class="figure balance unknown">unknown</p>'
        detail = '<p class="muted">/credits has not answered: see the endpoints below.</p>'
    else:
        value = balance.balance_usd
        critical = thresholds.balance_critical_usd
        warning = thresholds.balance_warning_usd
        if value <= 0 or (critical is not None and value < critical):
            css = "critical"
        elif warning is not None and value < warning:
            css = "warning"
        else:
            css = ""
        negative = "Negative: requests fail with 402. " if value < 0 else ""
        figure = f'<p class="figure balance {css}">{usd(value)}</p>'
        detail = (
            f'<p class="muted">{negative}Purchased {usd(balance.purchased_usd)}, used '
            f"{usd(balance.used_usd)}; read {time_tag(balance.fetched_at)}.</p>"
        )
    floors = [
        f"{name} below {usd(value)}"
        for name, value in (
            ("warning", thresholds.balance_warning_usd),
            ("critical", thresholds.balance_critical_usd),
        )
        if value is not None
    ]
    floor = f'<p class="muted">Balance floors: {", ".join(floors)}.</p>' if floors else ""
    return f'<article class="card"><h3>Balance</h3>{figure}{detail}{floor}</article>'


def _runways(account: AccountStatus) -> str:
    thresholds = account.thresholds
    legend = (
        f'<p class="muted">Warning below {days_text(thresholds.runway_warning_days)}, '
        f"critical below {days_text(thresholds.runway_critical_days)}.</p>"
    )
    runways = with_recent(account)
    if not runways:
        why = (
            "the runway needs the balance"
            if account.balance is None
            else "no burn rate yet (the 24h rate needs an hour of samples; 7d and 30d need "
            "activity or a week of samples)"
        )
        body = f"<p>{unknown()}: {why}.</p>"
        return f'<article class="card"><h3>Runway</h3>{body}{legend}</article>'
    shortest = min(runways, key=_days_or_inf)
    level = LEVEL[shortest.level]
    if account.balance is not None and account.balance.balance_usd <= 0:
        runs_out = ": the balance is used up"
    elif shortest.exhaustion_timestamp is not None:
        runs_out = f"; runs out {time_tag(shortest.exhaustion_timestamp)}"
    else:
        runs_out = ""
    basis = (
        f"at the pace of the {escape(shortest.window)} (shorter than every window)"
        if shortest.window.startswith(RECENT_PREFIX)
        else f"at the {escape(shortest.window)} burn rate"
    )
    headline = (
        f'<p class="figure runway {level}">{_runway_days(shortest)} <small>({level})</small>'
        f"</p><p>Shortest runway, {basis}{runs_out}.</p>"
    )
    rows = []
    for item in runways:
        level = LEVEL[item.level]
        recent = " recent" if item.window.startswith(RECENT_PREFIX) else ""
        days = "never" if item.days_remaining is None else f"{item.days_remaining:,.1f}"
        runs_out = (
            short_time(item.exhaustion_timestamp)
            if item.exhaustion_timestamp is not None
            else "never"
        )
        rows.append(
            f'<tr class="runway{recent}" data-window="{escape(item.window)}">'
            f"<th scope=row>{escape(item.window)}</th>"
            f'<td class="num">{usd(item.burn_usd_per_day)}</td>'
            f'<td class="num days {level}">{days} <small>{level}</small></td>'
            f'<td class="when">{runs_out}</td></tr>'
        )
    table = (
        "<table><caption>Days remaining per burn-rate window</caption><thead><tr>"
        '<th scope=col>Window</th><th scope=col class="num">Burn/day</th>'
        '<th scope=col class="num">Days left</th><th scope=col>Runs out (UTC)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return f'<article class="card"><h3>Runway</h3>{headline}{table}{legend}</article>'


def _days_or_inf(runway: Runway) -> float:
    return math.inf if runway.days_remaining is None else runway.days_remaining


def _runway_days(runway: Runway) -> str:
    if runway.days_remaining is None:
        return "never at this rate"
    return days_text(runway.days_remaining)


def _balance_chart(anchor: str, account: AccountStatus) -> str:
    points = account.balance_history
    if len(points) < 2:
        every = format_duration(account.poll_interval) if account.poll_interval else None
        body = (
            f"<p>{unknown('Waiting for a second sample')} of /credits: the chart starts at "
            "two, and one is taken at each poll of /credits"
            + (f" (every {every})" if every else "")
            + ".</p>"
        )
        return f'<article class="card"><h3>Balance, last 30 days</h3>{body}</article>'
    values = [item.balance_usd for item in points]
    hourly = account.balance_history_hourly
    description = (
        f"Balance from {usd(values[0])} on {utc_time(points[0].timestamp)} to "
        f"{usd(values[-1])} on {utc_time(points[-1].timestamp)}; lowest "
        f"{usd(min(values))}, highest {usd(max(values))}; {len(points)} "
        + ("hourly points." if hourly else "samples, one per poll.")
    )
    label = day_text if hourly else clock_text
    chart = line_chart(
        f"{anchor}-balance",
        f"Balance of account {account.name}, last 30 days",
        description,
        [(item.timestamp, item.balance_usd) for item in points],
        y_label=axis_usd,
        x_labels=(label(points[0].timestamp), label(points[-1].timestamp)),
    )
    return (
        '<article class="card"><h3>Balance, last 30 days</h3>'
        f"<figure>{chart}<figcaption>{escape(description)}</figcaption></figure></article>"
    )


def _spend_chart(anchor: str, account: AccountStatus) -> str:
    days = account.daily_spend
    if not days:
        why = account.unread.get("activity", "/activity needs a management key")
        body = f"<p>{unknown('No activity read yet')}: {escape(why)}.</p>"
        return f'<article class="card"><h3>Daily spend</h3>{body}</article>'
    total = sum(item.spend_usd for item in days)
    busiest = max(days, key=lambda item: item.spend_usd)
    description = (
        f"Spend per completed UTC day from {days[0].day} to {days[-1].day}: "
        f"{usd(total)} in {len(days)} days, {usd(total / len(days))} a day on "
        f"average; the most on {busiest.day} ({usd(busiest.spend_usd)})."
    )
    chart = bar_chart(
        f"{anchor}-spend",
        f"Daily spend of account {account.name}",
        description,
        [(item.day.strftime("%b %d"), item.spend_usd) for item in days],
        y_label=axis_usd,
        value_label=usd,
    )
    rows = "".join(
        f'<tr><th scope=row>{item.day}</th><td class="num">{usd(item.spend_usd)}</td></tr>'
        for item in days
    )
    table = (
        "<details><summary>Daily spend as a table</summary><table><thead><tr>"
        '<th scope=col>Day (UTC)</th><th scope=col class="num">Spend</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )
    return (
        f'<article class="card"><h3>Daily spend, last {len(days)} completed days</h3>'
        f"<figure>{chart}<figcaption>{escape(description)}</figcaption></figure>{table}</article>"
    )


def _ranking(title: str, span: str, items: Sequence[Ranked], what: str) -> str:
    if not items:
        body = f"<p>{unknown('No spend recorded')}</p>"
    else:
        rows = "".join(
            f'<tr><td class="name">{escape(item.name)}</td>'
            f'<td class="num">{usd(item.spend_usd)}</td>'
            f'<td class="num">{item.share:.1%}</td></tr>'
            for item in items
        )
        body = (
            f'<table><thead><tr><th scope=col>{what.capitalize()}</th><th scope=col class="num">'
            'Spend</th><th scope=col class="num">Share</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    heading = f'<h3>{title} <small class="muted">({span})</small></h3>'
    return f'<article class="card">{heading}{body}</article>'


def _key_table(caption: str, css: str, keys: Sequence[KeyReading], column: str) -> str:
    if not keys:
        return ""
    rows = []
    for key in keys[:KEY_ROWS]:
        if column == "limit":
            detail = f"{usd(key.limit_remaining or 0.0)} left of {usd(key.limit or 0.0)}" + (
                f", resets {escape(key.limit_reset)}" if key.limit_reset else ""
            )
        elif column == "expiry":
            detail = short_time(key.expires_at) if key.expires_at is not None else unknown()
        else:
            detail = usd(key.usage) if key.usage is not None else unknown()
        rows.append(
            f'<tr><td class="name">{escape(key.name)} <small class="muted">'
            f"{escape(key.key_hash)}</small></td><td>{detail}</td></tr>"
        )
    more = len(keys) - KEY_ROWS
    tail = (
        f'<p class="muted">and {more} more (all in <a href="status.json">status.json</a>)</p>'
        if more > 0
        else ""
    )
    return (
        f'<div><table class="keys {css}"><caption>{caption} ({len(keys)})</caption>'
        f"<tbody>{''.join(rows)}</tbody></table>{tail}</div>"
    )


def _keys(account: AccountStatus) -> str:
    keys = account.keys
    if keys is None:
        why = escape(account.unread.get("keys", "not read yet"))
        return f'<article class="card"><h3>Keys</h3><p>{unknown()}: {why}.</p></article>'
    tables = (
        _key_table("Near their limit", "near-limit", keys.near_limit, "limit")
        + _key_table("Expiring within 7 days or expired", "expiring", keys.expiring, "expiry")
        + _key_table("Disabled", "disabled", keys.disabled, "usage")
        + _key_table("Top spenders, all time", "top-spenders", keys.top_spenders, "usage")
    )
    calm = (
        "" if keys.near_limit or keys.expiring else "<p>No key is near its limit or expiring.</p>"
    )
    return (
        f'<article class="card keys-card"><h3>Keys <small class="muted">({keys.total:,} in all)'
        f'</small></h3>{calm}<div class="key-lists">{tables}</div></article>'
    )


_STATE_TEXT = {
    "ok": ("ok", "ok"),
    "failing": ("failing", "critical"),
    "pending": ("waiting for its first answer", "unknown"),
    "not_polled": ("not polled (needs a management key)", "unknown"),
    "not_available": ("not available to this account", "unknown"),
}


def _endpoints(account: AccountStatus) -> str:
    rows = []
    for item in account.endpoints:
        text, css = _STATE_TEXT[item.state]
        if item.stale and item.state == "ok":
            text, css = "stale", "warning"
        age = (
            f'<time datetime="{iso_time(item.last_success)}" title="{utc_time(item.last_success)}">'
            f"{age_text(item.age_seconds)} ago</time>"
            if item.last_success is not None and item.age_seconds is not None
            else unknown("never")
        )
        errors = ", ".join(
            f"{escape(reason)} x{count}" for reason, count in sorted(item.errors.items())
        )
        rows.append(
            f"<tr><th scope=row>/{escape(item.name)}</th><td class={css}>{text}</td>"
            f"<td>{age}</td><td>{errors or 'none'}</td></tr>"
        )
    latest = (
        f'<p class="muted">Newest completed day in activity: {account.latest_activity_day}.</p>'
        if account.latest_activity_day
        else ""
    )
    return (
        '<article class="card endpoints-card"><h3>Endpoints and data age</h3><table><thead><tr>'
        "<th scope=col>Endpoint</th><th scope=col>State</th><th scope=col>Last success</th>"
        f"<th scope=col>Errors</th></tr></thead><tbody>{''.join(rows)}</tbody>"
        f"</table>{latest}</article>"
    )
