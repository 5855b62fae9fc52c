"""Spend anomalies per key and per model: a key's or a model's spend over a short window far
above its own usual rate, which an account-level burn-rate alert misses when one key of a
large account goes wild.

The usual rate is the busiest hour from a day to a week ago, so that a daily rhythm and a
weekend count as usual (a mean would make every Monday morning an anomaly). A series younger than
the minimum history (a new key, every series after a fresh install) has no baseline and
raises nothing; nor does a rate under the floor in USD per day. A model's counters move
within the day only where the Analytics API is polled, so the model alert needs it up.
"""

from __future__ import annotations

from dataclasses import dataclass

from mixin.alerts.build import Rule, alert, record
from mixin.alerts.templates import DOLLARS, first_money, sentences
from mixin.config import MixinConfig


@dataclass(frozen=True)
class _Subject:
    """What an anomaly is about: a key or a model, and how its spend counter is read."""

    name: str  # the alert's name
    level: str  # the recorded rules' level: the labels they keep
    labels: str  # the labels that tell one subject apart, besides the account
    counter: str  # its spend counter, in USD (by ``labels``)
    describe: str  # how the description names it
    short: str  # how the summary names it
    link: str  # the drill-down dashboard's variables filtered to it
    args: str  # the template arguments of a query for one subject


_KEY = _Subject(
    name="OpenRouterKeySpendAnomaly",
    level="account_key",
    labels="key_hash, key_name",
    counter="openrouter_key_usage_usd_total",
    describe="Key {{ $labels.key_name }} ({{ $labels.key_hash }})",
    short="key {{ $labels.key_name }}",
    link="&var-key={{ $labels.key_hash | urlquery }}",
    args="$labels.account $labels.key_hash",
)
_MODEL = _Subject(
    name="OpenRouterModelSpendAnomaly",
    level="account_model",
    labels="model",
    counter="sum by (account, model) (openrouter_model_spend_usd_total{OFFSET})",
    describe="Model {{ $labels.model }}",
    short="model {{ $labels.model }}",
    link="&var-model={{ $labels.model | urlquery }}",
    args="$labels.account $labels.model",
)


def _counter(subject: _Subject, offset: str = "") -> str:
    if "{OFFSET}" in subject.counter:
        return subject.counter.replace("{OFFSET}", offset)
    return subject.counter + offset


def _rate(subject: _Subject, window: str) -> str:
    """USD per day over ``window``."""
    if "{OFFSET}" in subject.counter:
        return f"sum by (account, model) (rate(openrouter_model_spend_usd_total[{window}])) * 86400"
    return f"rate({subject.counter}[{window}]) * 86400"


def recorded_rate(subject: _Subject, window: str) -> str:
    return f"{subject.level}:openrouter_spend_usd_per_day:rate{window}"


def usual(subject: _Subject) -> str:
    return f"{subject.level}:openrouter_spend_usd_per_day:usual"


def _usual_expr(subject: _Subject, config: MixinConfig) -> str:
    # The busiest hour from a day to a week ago: yesterday at this time (a daily rhythm) and
    # last weekday's peaks (a Monday after a quiet weekend) are in it; the last day is not,
    # so an anomaly does not become usual within the hour it is noticed.
    hourly = recorded_rate(subject, "1h")
    return f"max_over_time({hourly}[6d:1h] offset 1d)"


def _alert(subject: _Subject, config: MixinConfig, factor: float, guard: str) -> Rule:
    now, base = recorded_rate(subject, config.anomaly_window), usual(subject)
    history = _counter(subject, f" offset {config.anomaly_min_history}")
    usual_money = first_money(
        f"{base}{{account=%q,{subject.labels.split(',')[0]}=%q}}", subject.args
    )
    rule = alert(
        config,
        subject.name,
        "warning",
        f"""
{now} > {config.anomaly_floor_usd_per_day:g}
and {now} > {factor:g} * {base}
and on (account, {subject.labels}) ({history})
{guard}
""",
        config.anomaly_for,
        f"{{{{ $labels.account }}}}: {subject.short} spends {{{{ $value {DOLLARS} }}}}/day, "
        f"usual at most {usual_money}/day",
        sentences(
            f"{subject.describe} of account {{{{ $labels.account }}}} spends",
            f"{{{{ $value {DOLLARS} }}}}/day over the last {config.anomaly_window},",
            f"against at most {usual_money}/day in any hour from a day to a week ago.",
            "Check what it runs; the drill-down dashboard is filtered to it.",
        ),
    )
    drilldown = rule["annotations"]["dashboard_url"].replace(
        f"/d/{config.overview_uid}", f"/d/{config.drilldown_uid}"
    )
    rule["annotations"]["dashboard_url"] = drilldown.replace(
        "| urlquery }}", "| urlquery }}" + subject.link, 1
    )
    return rule


def anomaly_rules(config: MixinConfig) -> list[Rule]:
    rules: list[Rule] = []
    for subject in (_KEY, _MODEL):
        for window in (config.anomaly_window, "1h"):
            rules.append(record(config, recorded_rate(subject, window), _rate(subject, window)))
        rules.append(record(config, usual(subject), _usual_expr(subject, config)))
    analytics = 'and on (account) (max by (account) (openrouter_up{endpoint="analytics"}) == 1)'
    rules.append(_alert(_KEY, config, config.key_anomaly_factor, ""))
    rules.append(_alert(_MODEL, config, config.model_anomaly_factor, analytics))
    return rules
