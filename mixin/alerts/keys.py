"""The key alerts: spending limits, expiry, and the key driving a runaway."""

from __future__ import annotations

from mixin.alerts.build import Rule, alert
from mixin.alerts.credits import spend_rate, usual_rate
from mixin.alerts.templates import KEY, first_money, first_value, sentences
from mixin.config import SECONDS_PER_DAY, MixinConfig

_ENABLED = "unless on (account, key_hash) (openrouter_key_disabled == 1)"


def _limit_description(ending: str) -> str:
    remaining = first_money(
        "openrouter_key_limit_remaining_usd{account=%q,key_hash=%q}", KEY, fallback="?"
    )
    limit = first_money("openrouter_key_limit_usd{account=%q,key_hash=%q}", KEY, fallback="?")
    reset = (
        "{{ with printf `openrouter_key_info{account=%q,key_hash=%q}` $labels.account "
        '$labels.key_hash | query }}{{ with . | first | label "limit_reset" }}{{ . }} '
        "(00:00 UTC){{ else }}never{{ end }}{{ else }}never{{ end }}"
    )
    return sentences(
        "Key {{ $labels.key_name }} ({{ $labels.key_hash }}) of account {{ $labels.account }}",
        f"has {remaining} left of its {limit} limit ({{{{ $value | humanizePercentage }}}}).",
        f"Limit reset: {reset}.",
        ending,
    )


_LEFT = "openrouter_key_limit_remaining_usd / (openrouter_key_limit_usd > 0)"


def limit_alerts(config: MixinConfig) -> list[Rule]:
    # Only keys with a limit have openrouter_key_limit_*; disabled keys never page. Under
    # the at-limit ratio OpenRouter already refuses requests that cost more than is left.
    return [
        alert(
            config,
            "OpenRouterKeyLimitLow",
            "warning",
            f"""
{_LEFT} < {config.key_near_limit_ratio:g}
{_ENABLED}
""",
            "15m",
            "An OpenRouter API key is close to its spending limit.",
            _limit_description(
                'Once it is reached, requests with this key fail with 403 "Key limit exceeded".'
            ),
        ),
        alert(
            config,
            "OpenRouterKeyLimitLow",
            "critical",
            f"""
{_LEFT} < {config.key_at_limit_ratio:g}
{_ENABLED}
""",
            "5m",
            "An OpenRouter API key has reached its spending limit; its requests fail.",
            _limit_description(
                'Requests with this key fail with 403 "Key limit exceeded": raise the limit or'
                " switch the workload to another key."
            ),
        ),
    ]


def expiry_alerts(config: MixinConfig) -> list[Rule]:
    # The value is days until expiry, negative once expired; an expired key that is still
    # enabled keeps firing until it is disabled or deleted (the clean-up the runbook asks).
    description = sentences(
        "Key {{ $labels.key_name }} ({{ $labels.key_hash }}) of account {{ $labels.account }}",
        '{{ if gt $value 0.0 }}expires in {{ printf "%.1f" $value }} days{{ else }}has expired'
        "{{ end }}",
        "("
        + first_value(
            "openrouter_key_expiry_timestamp_seconds{account=%q,key_hash=%q}",
            "humanizeTimestamp",
            KEY,
            "?",
        )
        + ").",
        "Requests with an expired key fail with 401: create a replacement, roll it out, then",
        "disable or delete this key.",
    )
    return [
        alert(
            config,
            "OpenRouterKeyExpiringSoon",
            severity,
            f"""
(openrouter_key_expiry_timestamp_seconds - time()) / {SECONDS_PER_DAY} < {days:g}
{_ENABLED}
""",
            "10m",
            summary,
            description,
        )
        for severity, days, summary in (
            (
                "warning",
                config.key_expiry_warning_days,
                "An OpenRouter API key expires within a week.",
            ),
            (
                "critical",
                config.key_expiry_critical_days,
                "An OpenRouter API key expires within a day, or has expired.",
            ),
        )
    ]


def runaway_key_alert(config: MixinConfig) -> Rule:
    # Placed in the credits group, after the recording rules it reads (mixin/alerts/__init__).
    # The key carrying most of the spend above the usual rate while the account is in the
    # first (runaway) tier of OpenRouterCreditsBurningFast at warning level. Quiet on normal
    # traffic by construction: without an account-level runaway it cannot fire. Key usage
    # comes from /keys, refreshed every poll, or every 30 s x pages for several pages.
    tier = config.burn_tiers[0]
    long_, short, usual = spend_rate(tier.long), spend_rate(tier.short), usual_rate(tier.long)
    runway = f'{SECONDS_PER_DAY} * openrouter_runway_threshold_days{{severity="warning"}}'
    key_rate = f"rate(openrouter_key_usage_usd_total[{tier.long}])"
    return alert(
        config,
        "OpenRouterKeySpendRunaway",
        "warning",
        f"""
{key_rate}
  / ignoring (key_hash, key_name) group_left ()
  ({long_} - {usual} > 0)
  > {config.key_runaway_share:g}
and ignoring (key_hash, key_name)
(
  {long_} / {usual} > {tier.factor:g}
  and {short} / {usual} > {tier.factor:g}
  and (openrouter_balance_usd > 0) / {long_} < ignoring (severity) {runway}
)
""",
        config.burn_for,
        "One OpenRouter API key drives a runaway in spend.",
        sentences(
            "Key {{ $labels.key_name }} ({{ $labels.key_hash }}) of account {{ $labels.account }}",
            "spends",
            first_money(
                f"{key_rate.replace('[', '{account=%q,key_hash=%q}[')} * {SECONDS_PER_DAY}",
                KEY,
            )
            + f"/day over the last {tier.long},",
            "{{ $value | humanizePercentage }} of the account's spend above its usual rate.",
            "Disable the key or lower its limit in OpenRouter if this spend is not intended.",
        ),
    )


def key_rules(config: MixinConfig) -> list[Rule]:
    return [*limit_alerts(config), *expiry_alerts(config)]
