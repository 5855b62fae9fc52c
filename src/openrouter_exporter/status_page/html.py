"""The status page at ``/``: the view model (:mod:`.status`) as one self-contained HTML page.

No script, no external resource: the styles are one inline ``<style>`` block allowed by its
hash in the Content-Security-Policy, the charts are inline SVG, and the page reloads itself
with ``<meta http-equiv="refresh">``. Every name that comes from outside (accounts, keys,
models, providers, error reasons) passes through :func:`html.escape`. Colour is never the
only cue: each coloured figure carries its level in words too.
"""

import base64
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from openrouter_exporter import __version__
from openrouter_exporter.check import (
    Status,
    days_text,
    pace_text,
    span_text,
    today_text,
    usd,
    utc_time,
    worst,
)
from openrouter_exporter.config.durations import format_duration
from openrouter_exporter.status_page.charts import bar_chart, line_chart
from openrouter_exporter.status_page.view import (
    AccountStatus,
    KeyStatus,
    Ranked,
    Runway,
    StatusView,
)

REFRESH_SECONDS = 30
DAY = 86400.0
KEY_ROWS = 10  # per list; the rest is counted, and complete in /status.json


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str
    text: str
    muted: str
    link: str
    ok: str
    warning: str
    critical: str
    border: str
    chart: str


LIGHT = Palette(
    background="#ffffff",
    surface="#f3f5f7",
    text="#1b1f24",
    muted="#4f5864",
    link="#0550ae",
    ok="#116329",
    warning="#8a5a00",
    critical="#b3141f",
    border="#7d8590",
    chart="#0550ae",
)
DARK = Palette(
    background="#0d1117",
    surface="#161b22",
    text="#e6edf3",
    muted="#a3adb8",
    link="#6cb6ff",
    ok="#56d364",
    warning="#e3b341",
    critical="#ff8078",
    border="#6e7681",
    chart="#6cb6ff",
)
# Text on both backgrounds needs 4.5:1 (WCAG AA); chart strokes and borders 3:1.
TEXT_COLOURS = ("text", "muted", "link", "ok", "warning", "critical")
GRAPHIC_COLOURS = ("border", "chart")


def _variables(palette: Palette) -> str:
    return "".join(f"--{name}:{value};" for name, value in vars(palette).items())


STYLE = (
    f":root{{color-scheme:light dark;{_variables(LIGHT)}}}"
    f"@media (prefers-color-scheme:dark){{:root{{{_variables(DARK)}}}}}"
    "*{box-sizing:border-box}"
    "html{font-size:100%}"
    "@media (min-width:1800px){html{font-size:140%}}"
    "@media (min-width:2600px){html{font-size:190%}}"
    "body{margin:0;padding:1rem;background:var(--background);color:var(--text);"
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
    "line-height:1.45}"
    "a{color:var(--link)}"
    "header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline}"
    "header h1{margin:0;font-size:1.5rem}"
    "header p{margin:0;color:var(--muted)}"
    "nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}"
    "main{max-width:120rem}"
    ".account{margin-top:1.5rem;border-top:2px solid var(--border);padding-top:.5rem}"
    "h2{font-size:1.35rem;margin:.5rem 0}"
    "h3{font-size:1.05rem;margin:0 0 .5rem}"
    ".grid{display:grid;gap:1rem;margin-bottom:1rem;"
    "grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr))}"
    ".grid.charts{grid-template-columns:repeat(auto-fit,minmax(min(100%,34rem),1fr))}"
    ".card{background:var(--surface);border:1px solid var(--border);border-radius:6px;"
    "padding:.75rem 1rem;min-width:0;overflow-x:auto}"
    ".figure{font-size:2.4rem;font-weight:700;margin:0;font-variant-numeric:tabular-nums}"
    ".muted{color:var(--muted)}"
    ".ok{color:var(--ok)}.warning{color:var(--warning)}.critical{color:var(--critical)}"
    ".unknown{color:var(--muted);font-style:italic}"
    ".badge{font-size:.9rem;border:2px solid currentColor;border-radius:4px;padding:0 .4rem;"
    "margin-left:.5rem;vertical-align:middle;text-transform:uppercase;font-weight:700}"
    ".banner{border:2px solid var(--critical);border-left-width:.6rem;border-radius:6px;"
    "padding:.5rem 1rem;margin:.5rem 0;background:var(--surface)}"
    ".banner.warning{border-color:var(--warning)}"
    ".banner strong{color:var(--critical)}.banner.warning strong{color:var(--warning)}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
    "th,td{text-align:left;padding:.2rem .5rem .2rem 0;border-bottom:1px solid var(--border);"
    "vertical-align:top}"
    "td.num,th.num{text-align:right;white-space:nowrap}"
    "td.when{white-space:nowrap}"
    "td.name{overflow-wrap:anywhere}"
    "caption{text-align:left;font-weight:600;padding:.25rem 0}"
    "figure{margin:0}figcaption{color:var(--muted);font-size:.9rem}"
    ".chart{width:100%;height:auto;display:block}"
    ".chart .line{stroke:var(--chart);stroke-width:2}"
    ".chart .bar{fill:var(--chart)}"
    ".chart .axis,.chart .zero{stroke:var(--border);stroke-width:1}"
    ".chart .grid-label{fill:var(--muted);font-size:16px}"
    ".keys-card{grid-column:1/-1}"
    ".key-lists{display:grid;gap:0 1.5rem;"
    "grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr))}"
    "details{margin-top:.5rem}"
    "ul.reasons{margin:.25rem 0;padding-left:1.25rem}"
    "@media (max-width:30rem){body{padding:.5rem}.card{padding:.5rem}"
    "th,td{padding-right:.3rem}td.when,td.days{white-space:normal}}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_LEVEL = {
    Status.OK: "ok",
    Status.WARNING: "warning",
    Status.CRITICAL: "critical",
    Status.UNKNOWN: "unknown",
}


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%b %d")


def _axis_usd(value: float) -> str:
    """Short enough for a chart's axis: $18.29, $5.5k, $20k."""
    if abs(value) >= 10_000:
        return f"{'-' if value < 0 else ''}${abs(value) / 1000:,.0f}k"
    if abs(value) >= 1000:
        return f"{'-' if value < 0 else ''}${abs(value) / 1000:.1f}k"
    return usd(value)


def _age(seconds: float) -> str:
    return format_duration(max(1.0, round(seconds)))


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _time(timestamp: float) -> str:
    return f'<time datetime="{_iso(timestamp)}">{escape(utc_time(timestamp))}</time>'


def _short_time(timestamp: float) -> str:
    """A date and time that fits a table cell on a phone; the full one is its tooltip."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return (
        f'<time datetime="{moment.isoformat()}" title="{escape(utc_time(timestamp))}">'
        f"{moment.strftime('%b %d %H:%M')}</time>"
    )


def _unknown(why: str = "unknown") -> str:
    return f'<span class="unknown">{escape(why)}</span>'


def _level(status: Status) -> str:
    return f'<span class="badge {_LEVEL[status]}">{_LEVEL[status]}</span>'


def render_page(view: StatusView, metrics_path: str = "/metrics") -> str:
    overall = worst(account.status for account in view.accounts)
    accounts = "".join(_account(index, item) for index, item in enumerate(view.accounts))
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
        f"<title>{_LEVEL[overall].upper()}: OpenRouter credits</title>"
        f"<style>{STYLE}</style></head><body>"
        "<header><h1>OpenRouter credits</h1>"
        f"<p>As of {_time(view.generated_at)}; refreshes every {REFRESH_SECONDS} s. "
        f"openrouter-exporter {escape(__version__)}.</p>"
        '<nav aria-label="Exporter endpoints"><ul>'
        f'<li><a href="{escape(metrics_path.lstrip("/"))}">Metrics</a></li>'
        '<li><a href="status.json">status.json</a></li>'
        '<li><a href="healthz">Health</a></li>'
        '<li><a href="readyz">Readiness</a></li>'
        "</ul></nav></header>"
        f"<main>{waiting}{accounts}</main></body></html>"
    )


def _account(index: int, account: AccountStatus) -> str:
    anchor = f"account-{index}"
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in account.reasons)
    return (
        f'<section class="account" aria-labelledby="{anchor}">'
        f'<h2 id="{anchor}">Account <span class="name">{escape(account.name)}</span>'
        f"{_level(account.status)}</h2>"
        f"{_banners(account)}"
        + (f'<ul class="reasons">{reasons}</ul>' if reasons else "")
        + f'<div class="grid">{_balance(account)}{_now(account)}{_runways(account)}'
        f"{_endpoints(account)}</div>"
        f'<div class="grid charts">{_balance_chart(anchor, account)}'
        f"{_spend_chart(anchor, account)}</div>"
        '<div class="grid">'
        f"{_ranking('Top models', 'last 30 completed days', account.top_models, 'model')}"
        f"{_ranking('Top providers', 'all spend in the ledger', account.top_providers, 'provider')}"
        f"{_keys(account)}"
        "</div></section>"
    )


def _banners(account: AccountStatus) -> str:
    parts = []
    recent = account.recent
    if recent is not None and recent.fast and account.balance and account.balance.balance_usd > 0:
        css = "" if account.recent_level is Status.CRITICAL else " warning"
        left = (
            f" (in {_age(recent.days_remaining * DAY)})"
            if not math.isinf(recent.days_remaining)
            else ""
        )
        parts.append(
            f'<p class="banner fast{css}" role="alert"><strong>The money is going fast'
            f"</strong>: {escape(pace_text(recent))}{left}.</p>"
        )
    for endpoint in account.failing:
        reasons = ", ".join(
            f"{escape(reason)} x{count}" for reason, count in sorted(endpoint.errors.items())
        )
        kept = (
            f"showing the last good values from {_age(endpoint.age_seconds)} ago"
            if endpoint.age_seconds is not None
            else "nothing read from it yet"
        )
        parts.append(
            f'<p class="banner" role="alert"><strong>/{escape(endpoint.name)} is failing'
            f"</strong> ({reasons}): {kept}.</p>"
        )
    for endpoint in account.stale:
        if endpoint.state == "failing":
            continue
        parts.append(
            f'<p class="banner warning" role="alert"><strong>Data is stale</strong>: the last '
            f"successful read of /{escape(endpoint.name)} was "
            f"{_age(endpoint.age_seconds or 0.0)} ago.</p>"
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
            f"{usd(balance.used_usd)}; read {_time(balance.fetched_at)}.</p>"
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


def _now(account: AccountStatus) -> str:
    """Spent today and the pace of the last hour or so: what is happening now."""
    today = account.today
    if today is None:
        figure = '<p class="figure today unknown">unknown</p>'
    else:
        figure = f'<p class="figure today">{usd(today.usd)}</p>'
    detail = f'<p class="muted">Spent today: {escape(today_text(today, account.as_of))}.</p>'
    recent = account.recent
    if recent is None:
        pace = (
            f"<p>Pace now: {_unknown()}: the pace is measured over the last hour of samples "
            "of /credits, from 30 s of them on.</p>"
        )
    else:
        level = _LEVEL[account.recent_level] if recent.fast else "ok"
        fast = f' <span class="badge {level}">fast</span>' if recent.fast else ""
        pace = (
            f'<p class="pace">Pace now: <strong class="{level if recent.fast else ""}">'
            f"{usd(recent.usd_per_day)}/day</strong>{fast} over the last "
            f"{escape(span_text(recent))}; at this pace the credits last "
            f"{escape(_pace_days(recent.days_remaining))}.</p>"
        )
    return f'<article class="card now"><h3>Today and now</h3>{figure}{detail}{pace}</article>'


def _pace_days(days: float) -> str:
    if math.isinf(days):
        return "for ever"
    if days < 1:
        return _age(days * DAY)
    return days_text(days)


def _runways(account: AccountStatus) -> str:
    thresholds = account.thresholds
    legend = (
        f'<p class="muted">Warning below {days_text(thresholds.runway_warning_days)}, '
        f"critical below {days_text(thresholds.runway_critical_days)}.</p>"
    )
    runways = _with_recent(account)
    if not runways:
        why = (
            "the runway needs the balance"
            if account.balance is None
            else "no burn rate yet (the 24h rate needs an hour of samples; 7d and 30d need "
            "activity or a week of samples)"
        )
        body = f"<p>{_unknown()}: {why}.</p>"
        return f'<article class="card"><h3>Runway</h3>{body}{legend}</article>'
    shortest = min(runways, key=_days_or_inf)
    level = _LEVEL[shortest.level]
    if account.balance is not None and account.balance.balance_usd <= 0:
        runs_out = ": the balance is used up"
    elif shortest.exhaustion_timestamp is not None:
        runs_out = f"; runs out {_time(shortest.exhaustion_timestamp)}"
    else:
        runs_out = ""
    basis = (
        f"at the pace of the {escape(shortest.window)} (shorter than every window)"
        if shortest.window.startswith("last ")
        else f"at the {escape(shortest.window)} burn rate"
    )
    headline = (
        f'<p class="figure runway {level}">{_runway_days(shortest)} <small>({level})</small>'
        f"</p><p>Shortest runway, {basis}{runs_out}.</p>"
    )
    rows = []
    for item in runways:
        level = _LEVEL[item.level]
        days = "never" if item.days_remaining is None else f"{item.days_remaining:,.1f}"
        runs_out = (
            _short_time(item.exhaustion_timestamp)
            if item.exhaustion_timestamp is not None
            else "never"
        )
        recent = " recent" if item.window.startswith("last ") else ""
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


def _with_recent(account: AccountStatus) -> list[Runway]:
    """The windows' runways, and the recent pace's when it is shorter than all of them."""
    recent = account.recent
    if recent is None or not recent.shortest:
        return list(account.runways)
    return [
        *account.runways,
        Runway(
            window=f"last {span_text(recent)}",
            burn_usd_per_day=recent.usd_per_day,
            days_remaining=recent.days_remaining,
            exhaustion_timestamp=recent.exhaustion_timestamp,
            level=account.recent_level,
        ),
    ]


def _days_or_inf(runway: Runway) -> float:
    return math.inf if runway.days_remaining is None else runway.days_remaining


def _runway_days(runway: Runway) -> str:
    if runway.days_remaining is None:
        return "never at this rate"
    return days_text(runway.days_remaining)


def _balance_chart(anchor: str, account: AccountStatus) -> str:
    points = account.balance_history
    if len(points) < 2:
        every = (
            f"every {format_duration(account.poll_interval)}"
            if account.poll_interval
            else "one per poll"
        )
        body = (
            f"<p>{_unknown('Waiting for a second sample')} of /credits: the chart starts at "
            f"two, and a sample is taken at each poll of /credits ({every}).</p>"
        )
        return f'<article class="card"><h3>Balance, last 30 days</h3>{body}</article>'
    values = [item.balance_usd for item in points]
    lowest = min(values)
    resolution = "hourly points" if account.balance_history_hourly else "samples, one per poll"
    description = (
        f"Balance from {usd(values[0])} on {utc_time(points[0].timestamp)} to "
        f"{usd(values[-1])} on {utc_time(points[-1].timestamp)}; lowest "
        f"{usd(lowest)}, highest {usd(max(values))}; {len(points)} {resolution}."
    )
    if account.balance_history_hourly:
        x_labels = (_date(points[0].timestamp), _date(points[-1].timestamp))
    else:
        x_labels = (_clock(points[0].timestamp), _clock(points[-1].timestamp))
    chart = line_chart(
        f"{anchor}-balance",
        f"Balance of account {account.name}, last 30 days",
        description,
        [(item.timestamp, item.balance_usd) for item in points],
        y_label=_axis_usd,
        x_labels=x_labels,
    )
    return (
        '<article class="card"><h3>Balance, last 30 days</h3>'
        f"<figure>{chart}<figcaption>{escape(description)}</figcaption></figure></article>"
    )


def _clock(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%H:%M:%S")


def _spend_chart(anchor: str, account: AccountStatus) -> str:
    days = account.daily_spend
    if not days:
        body = f"<p>{_unknown('No activity read yet')} (/activity needs a management key).</p>"
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
        y_label=_axis_usd,
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
        body = f"<p>{_unknown('No spend recorded')}</p>"
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


def _key_table(caption: str, css: str, keys: Sequence[KeyStatus], column: str) -> str:
    if not keys:
        return ""
    rows = []
    for key in keys[:KEY_ROWS]:
        if column == "limit":
            detail = (
                f"{usd(key.limit_remaining_usd or 0.0)} left of "
                f"{usd(key.limit_usd or 0.0)}"
                + (f", resets {escape(key.limit_reset)}" if key.limit_reset else "")
            )
        elif column == "expiry":
            detail = _short_time(key.expires_at) if key.expires_at is not None else _unknown()
        else:
            detail = usd(key.usage_usd) if key.usage_usd is not None else _unknown()
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
        return f'<article class="card"><h3>Keys</h3><p>{_unknown()}: not read yet.</p></article>'
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
}


def _endpoints(account: AccountStatus) -> str:
    rows = []
    for item in account.endpoints:
        text, css = _STATE_TEXT[item.state]
        if item.stale and item.state == "ok":
            text, css = "stale", "warning"
        age = (
            f'<time datetime="{_iso(item.last_success)}" title="{utc_time(item.last_success)}">'
            f"{_age(item.age_seconds)} ago</time>"
            if item.last_success is not None and item.age_seconds is not None
            else _unknown("never")
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
        '<article class="card"><h3>Endpoints and data age</h3><table><thead><tr>'
        "<th scope=col>Endpoint</th><th scope=col>State</th><th scope=col>Last success</th>"
        f"<th scope=col>Errors</th></tr></thead><tbody>{''.join(rows)}</tbody>"
        f"</table>{latest}</article>"
    )
