"""The credit alerts: runway, spend burn rate, floors, exhaustion, spike.

Thresholds in days or dollars are not written here: the exporter publishes each account's
thresholds (``openrouter_runway_threshold_days``, ``openrouter_balance_threshold_usd``) and
the rules compare against them. Burn-rate alerts read the spend counter
(``openrouter_credits_used_usd_total``), which a top-up never moves.
"""

from __future__ import annotations

from mixin.alerts.build import Rule, alert, record
from mixin.alerts.templates import (
    ACCOUNT,
    DOLLARS,
    first_money,
    first_value,
    listing,
    listing_or,
    sentences,
)
from mixin.config import SECONDS_PER_DAY, BurnWindows, MixinConfig

SPEND = "openrouter_credits_used_usd_total"
VALUE_DOLLARS = f"{{{{ $value {DOLLARS} }}}}"


def spend_rate(window: str) -> str:
    """Recorded spend rate of an account over ``window``, in USD per second."""
    return f"account:openrouter_credits_spend_usd_per_second:rate{window}"


def usual_rate(window: str) -> str:
    """Recorded usual spend rate for a ``window``-long look at spend, in USD per second."""
    return f"account:openrouter_credits_spend_usd_per_second:usual{window}"


def _usual_expr(window: str) -> str:
    # The highest of three references, so that a daily rhythm (yesterday at this time),
    # a weekly one (a week ago at this time) and a fresh install (the 7-day mean from
    # /activity, there from the first poll) all count as usual.
    return f"""
max without (reference) (
  label_replace(
    max without (window) (openrouter_burn_rate_usd_per_day{{window="7d"}}) / {SECONDS_PER_DAY},
    "reference", "7d-mean", "", ""
  )
  or label_replace(rate({SPEND}[{window}] offset 1d), "reference", "1d-ago", "", "")
  or label_replace(rate({SPEND}[{window}] offset 1w), "reference", "1w-ago", "", "")
)
"""


def recording_rules(config: MixinConfig) -> list[Rule]:
    windows = sorted(
        {w for tier in config.burn_tiers for w in (tier.long, tier.short)}, key=_seconds
    )
    rules = [record(config, spend_rate(w), f"rate({SPEND}[{w}])") for w in windows]
    rules += [record(config, usual_rate(t.long), _usual_expr(t.long)) for t in config.burn_tiers]
    return rules


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    return int(duration[:-1]) * units[duration[-1]]


def _tier(tier: BurnWindows, severity: str) -> str:
    runway = f'{SECONDS_PER_DAY} * openrouter_runway_threshold_days{{severity="{severity}"}}'
    long_, short, usual = spend_rate(tier.long), spend_rate(tier.short), usual_rate(tier.long)
    factor = f"{tier.factor:g}"
    # The value is the long window's multiple of the usual rate: the figure that crossed.
    return f"""
{long_} / {usual} > {factor}
and {short} / {usual} > {factor}
and (openrouter_balance_usd > 0) / {long_} < ignoring (severity) {runway}
and (openrouter_balance_usd > 0) / {short} < ignoring (severity) {runway}
"""


def _runway_threshold(severity: str) -> str:
    """The account's runway threshold of ``severity``, "3 days"."""
    return (
        f'{{{{ with printf `openrouter_runway_threshold_days{{account=%q,severity="{severity}"}}`'
        " $labels.account | query }}{{ with . | first | value }}"
        '{{ printf "%g" . }} {{ if eq . 1.0 }}day{{ else }}days{{ end }}{{ end }}'
        "{{ else }}unknown{{ end }}"
    )


def _gone_in(tier: BurnWindows) -> str:
    gone_in = f"(openrouter_balance_usd{{account=%q}} > 0) / {spend_rate(tier.long)}{{account=%q}}"
    return first_value(gone_in, "humanizeDuration", f"{ACCOUNT} {ACCOUNT}", "an unknown time")


def _burn_description(tier: BurnWindows, severity: str) -> str:
    per_day = f"* {SECONDS_PER_DAY}"
    top_keys = listing(
        f"topk(2, rate(openrouter_key_usage_usd_total{{account=%q}}[{tier.long}]) {per_day} > 0)",
        f"{{{{ .Labels.key_name }}}} {{{{ .Value {DOLLARS} }}}}/day",
        "none seen yet",
    )
    # Today's figures from the Analytics API move the per-model counters within minutes;
    # without them the counters move once a day, and the last completed day is what is known.
    model_rates = (
        "sum by (model) (max without (instance, job) "
        f"(rate(openrouter_model_spend_usd_total{{account=%q}}[{tier.long}])))"
    )
    top_models = listing_or(
        f"topk(2, {model_rates} {per_day} > 0)",
        "",
        f"{{{{ .Labels.model }}}} {{{{ .Value {DOLLARS} }}}}/day",
        listing(
            'topk(2, openrouter_model_window_spend_usd{account=%q,window="1d"} > 0)',
            f"{{{{ .Labels.model }}}} {{{{ .Value {DOLLARS} }}}} yesterday",
            "unknown",
        ),
    )
    action = (
        "Disable the key that drives it or lower its limit, then top up."
        if severity == "critical"
        else "Check that the key that drives it is meant to spend this much."
    )
    return sentences(
        f"Spend: {first_money(f'{spend_rate(tier.short)}{{account=%q}} {per_day}')}/day over",
        f"{tier.short},",
        f"{first_money(f'{spend_rate(tier.long)}{{account=%q}} {per_day}')}/day over {tier.long},",
        f"usually {first_money(f'{usual_rate(tier.long)}{{account=%q}} {per_day}')}/day.",
        f"Fires at {tier.factor:g}x over both windows when the balance",
        f"({first_money('openrouter_balance_usd{account=%q}')}) would last less than the",
        f"account's {severity} runway ({_runway_threshold(severity)}).",
        f"Top keys ({tier.long}): {top_keys}. Top models: {top_models}.",
        action,
    )


def burn_rate_alerts(config: MixinConfig) -> list[Rule]:
    # One rule per tier: its windows and factor are labels, so the page says which tier
    # fired, and its value is that tier's multiple of the usual rate.
    return [
        alert(
            config,
            "OpenRouterCreditsBurningFast",
            severity,
            _tier(tier, severity),
            config.burn_for,
            "{{ $labels.account }}: spending"
            ' {{ if lt $value 1000.0 }}{{ printf "%.1f" $value }}x{{ else }}many times{{ end }}'
            f" its usual rate over {tier.long}; credits gone in {_gone_in(tier)}",
            _burn_description(tier, severity),
            labels={
                "long_window": tier.long,
                "short_window": tier.short,
                "factor": f"{tier.factor:g}",
            },
        )
        for severity in ("warning", "critical")
        for tier in config.burn_tiers
    ]


def _runway_description(severity: str, action: str) -> str:
    burn = 'openrouter_burn_rate_usd_per_day{{account=%q,window="{}"}}'
    return sentences(
        f"Balance: {first_money('openrouter_balance_usd{account=%q}')}.",
        f"Burn rate: {first_money(burn.format('24h'), fallback='n/a', unit='/day')}",
        "over the last 24h,",
        f"{first_money(burn.format('7d'), fallback='n/a', unit='/day')} over the last 7 days.",
        "At the faster of the two they run out around",
        first_value(
            'min(openrouter_exhaustion_timestamp_seconds{account=%q,window=~"24h|7d"})',
            "humanizeTimestamp",
            fallback="an unknown time",
        )
        + ".",
        action,
    )


def runway_alerts(config: MixinConfig) -> list[Rule]:
    # The more pessimistic of the 24h forecast (the exporter's own samples, after 1h) and
    # the 7d one (completed days, there at start-up); 30d would keep paging for weeks after
    # a team cuts its spend. `min without (window)` keeps the alert's identity when the
    # pessimistic window changes. +Inf (zero burn) and NaN never compare below a threshold.
    # for: 5m rides out one bad reading; the input is already a smoothed forecast.
    return [
        alert(
            config,
            "OpenRouterCreditsRunwayLow",
            severity,
            f"""
min without (window) (openrouter_days_remaining{{window=~"24h|7d"}})
  < ignoring (severity) openrouter_runway_threshold_days{{severity="{severity}"}}
""",
            "5m",
            '{{ $labels.account }}: {{ printf "%.1f" $value }} days of credits left'
            f" ({severity} under {_runway_threshold(severity)})",
            _runway_description(severity, action),
        )
        for severity, action in (
            ("warning", "Plan a credit purchase now, or lower the spend."),
            ("critical", "Buy credits now, or lower the spend."),
        )
    ]


def floor_alerts(config: MixinConfig) -> list[Rule]:
    # Opt-in: openrouter_balance_threshold_usd exists only where a floor is configured.
    return [
        alert(
            config,
            "OpenRouterBalanceBelowFloor",
            severity,
            f"""
openrouter_balance_usd
  < ignoring (severity) openrouter_balance_threshold_usd{{severity="{severity}"}}
""",
            "5m",
            f"{{{{ $labels.account }}}}: balance {VALUE_DOLLARS}, below its {severity} floor of "
            + first_money(
                f'openrouter_balance_threshold_usd{{account=%q,severity="{severity}"}}',
                fallback="?",
            ),
            sentences(
                "Burn rate:",
                first_money(
                    'openrouter_burn_rate_usd_per_day{account=%q,window="7d"}',
                    fallback="n/a",
                    unit="/day",
                )
                + " over the last 7 days.",
                action,
            ),
        )
        for severity, action in (("warning", "Buy credits."), ("critical", "Buy credits now."))
    ]


def exhausted_alert(config: MixinConfig) -> Rule:
    # for: 2m: two polls; a top-up that lands within them never pages. In Alertmanager it
    # mutes the other credit alerts of the account: one page, not five.
    return alert(
        config,
        "OpenRouterCreditsExhausted",
        "critical",
        "openrouter_balance_usd <= 0",
        "2m",
        f"{{{{ $labels.account }}}}: credits exhausted (balance {VALUE_DOLLARS});"
        " requests fail with 402",
        sentences(
            "OpenRouter rejects requests to paid models with 402 (every request, free models",
            "included, while the balance is negative). Buy credits now; a card purchase can take",
            "up to an hour to show.",
        ),
    )


def spike_alert(config: MixinConfig) -> Rule:
    # A day of spend at more than 3x the 7-day mean (and >= $1/day): slower than the burn
    # rate alerts and independent of the runway, it says "this costs more than it did".
    return alert(
        config,
        "OpenRouterSpendSpike",
        "warning",
        f"""
rate({SPEND}[1d]) * 86400
  > ignoring (window) 3 * openrouter_burn_rate_usd_per_day{{window="7d"}}
and
rate({SPEND}[1d]) * 86400 >= 1
""",
        "30m",
        f"{{{{ $labels.account }}}}: spent {VALUE_DOLLARS}/day over the last 24h, "
        + first_value(
            f"(rate({SPEND}{{account=%q}}[1d]) * 86400) / ignoring (window) "
            '(openrouter_burn_rate_usd_per_day{account=%q,window="7d"} > 0)',
            'printf "%.1f"',
            f"{ACCOUNT} {ACCOUNT}",
            "many times",
        )
        + "x its 7-day average",
        sentences(
            "The 7-day average is",
            first_money(
                'openrouter_burn_rate_usd_per_day{account=%q,window="7d"}',
                fallback="n/a",
                unit="/day",
            )
            + ".",
            f"Balance: {first_money('openrouter_balance_usd{account=%q}')}.",
            "Check which model or key drives it.",
        ),
    )


def credit_rules(config: MixinConfig) -> list[Rule]:
    return [
        *recording_rules(config),
        *runway_alerts(config),
        *burn_rate_alerts(config),
        *floor_alerts(config),
        exhausted_alert(config),
        spike_alert(config),
    ]
