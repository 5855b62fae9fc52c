"""Small pieces of the status page's HTML: a moment, an age, an amount on a chart's axis, an
unknown value, a level badge. Every text from outside passes through :func:`html.escape`."""

from datetime import UTC, datetime
from html import escape

from openrouter_exporter.config.durations import format_duration
from openrouter_exporter.core.judgement import Status
from openrouter_exporter.core.wording import usd, utc_time

LEVEL = {
    Status.OK: "ok",
    Status.WARNING: "warning",
    Status.CRITICAL: "critical",
    Status.UNKNOWN: "unknown",
}


def day_text(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%b %d")


def clock_text(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%H:%M:%S")


def axis_usd(value: float) -> str:
    """Short enough for a chart's axis: $18.29, $5.5k, $20k."""
    if abs(value) >= 10_000:
        return f"{'-' if value < 0 else ''}${abs(value) / 1000:,.0f}k"
    if abs(value) >= 1000:
        return f"{'-' if value < 0 else ''}${abs(value) / 1000:.1f}k"
    return usd(value)


def age_text(seconds: float) -> str:
    return format_duration(max(1.0, round(seconds)))


def iso_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def time_tag(timestamp: float) -> str:
    return f'<time datetime="{iso_time(timestamp)}">{escape(utc_time(timestamp))}</time>'


def short_time(timestamp: float) -> str:
    """A date and time that fits a table cell on a phone; the full one is its tooltip."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return (
        f'<time datetime="{moment.isoformat()}" title="{escape(utc_time(timestamp))}">'
        f"{moment.strftime('%b %d %H:%M')}</time>"
    )


def unknown(why: str = "unknown") -> str:
    return f'<span class="unknown">{escape(why)}</span>'


def level_badge(status: Status) -> str:
    return f'<span class="badge {LEVEL[status]}">{LEVEL[status]}</span>'
