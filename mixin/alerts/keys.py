"""The key alerts: spending limits, expiry, and the key driving a runaway."""

from __future__ import annotations

import re

from mixin.alerts.build import Rule, alert
from mixin.alerts.credits import spend_rate, usual_rate
from mixin.alerts.templates import KEY, first_money, first_value, sentences
from mixin.config import SECONDS_PER_DAY, MixinConfig

_ENABLED = "unless on (account, key_hash) (openrouter_key_disabled == 1)"


_REMAINING = first_money(
    "openrouter_key_limit_remaining_usd{account=%q,key_hash=%q}", KEY, fallback="?"
)
_LIMIT = first_money("openrouter_key_limit_usd{account=%q,key_hash=%q}", KEY, fallback="?")
_KEY_SUMMARY = "{{ $labels.account }}: key {{ $labels.key_name }}"


def _keys(config: MixinConfig, expr: str) -> str:
    """``expr`` with the key selector added to its ``openrouter_key_*`` series."""
    if not config.key_selector:
        return expr
    return re.sub(
        r"(?<![\w:])(openrouter_key_(?:limit_remaining_usd|limit_usd|expiry_timestamp_seconds"
        r"|usage_usd_total))(\{)?",
        lambda m: f"{m.group(1)}{{{config.key_selector}" + ("," if m.group(2) else "}"),
        expr,
    )


def _limit_description(ending: str) -> str:
    reset = (
        "{{ with printf `openrouter_key_info{account=%q,key_hash=%q}` $labels.account "
        '$labels.key_hash | query }}{{ with . | first | label "limit_reset" }}{{ . }} '
        "(00:00 UTC){{ else }}never{{ end }}{{ else }}never{{ end }}"
    )
    return sentences(
        "Key {{ $labels.key_name }} ({{ $labels.key_hash }}) has",
        "{{ $value | humanizePercentage }} of its limit left.",
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
            _keys(
                config,
                f"""
{_LEFT} < {config.key_near_limit_ratio:g}
{_ENABLED}
""",
            ),
            "15m",
            f"{_KEY_SUMMARY} has {_REMAINING} left of its {_LIMIT} limit",
            _limit_description(
                'Once it is reached, requests with this key fail with 403 "Key limit exceeded".'
            ),
            per_key=True,
        ),
        alert(
            config,
            "OpenRouterKeyLimitLow",
            config.key_critical_severity,
            _keys(
                config,
                f"""
{_LEFT} < {config.key_at_limit_ratio:g}
{_ENABLED}
""",
            ),
            "5m",
            f"{_KEY_SUMMARY} is at its {_LIMIT} limit ({_REMAINING} left); its requests fail",
            _limit_description(
                'Requests with this key fail with 403 "Key limit exceeded": raise the limit or'
                " switch the workload to another key."
            ),
            per_key=True,
        ),
    ]


def expiry_alerts(config: MixinConfig) -> list[Rule]:
    # The value is days until expiry, negative once expired; an expired key that is still
    # enabled keeps firing until it is disabled or deleted (the clean-up the runbook asks).
    description = sentences(
        "Key {{ $labels.key_name }} ({{ $labels.key_hash }})",
        "{{ if gt $value 0.0 }}expires{{ else }}expired{{ end }}",
        first_value(
            "openrouter_key_expiry_timestamp_seconds{account=%q,key_hash=%q}",
            "humanizeTimestamp",
            KEY,
            "at an unknown time",
        )
        + ".",
        "Requests with an expired key fail with 401: create a replacement, roll it out, then",
        "disable or delete this key.",
    )
    summary = (
        f"{_KEY_SUMMARY}"
        ' {{ if gt $value 0.0 }}expires in {{ printf "%.1f" $value }} days'
        "{{ else }}expired "
        + first_value(
            "time() - openrouter_key_expiry_timestamp_seconds{account=%q,key_hash=%q}",
            "humanizeDuration",
            KEY,
            "a while",
        )
        + " ago{{ end }}"
    )
    return [
        alert(
            config,
            "OpenRouterKeyExpiringSoon",
            severity,
            _keys(
                config,
                f"""
(openrouter_key_expiry_timestamp_seconds - time()) / {SECONDS_PER_DAY} < {days:g}
{_ENABLED}
""",
            ),
            "10m",
            summary,
            description,
            per_key=True,
        )
        for severity, days in (
            ("warning", config.key_expiry_warning_days),
            (config.key_critical_severity, config.key_expiry_critical_days),
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
    key_rate = _keys(config, f"rate(openrouter_key_usage_usd_total[{tier.long}])")
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
        f"{_KEY_SUMMARY} drives a runaway: "
        + first_money(
            f"rate(openrouter_key_usage_usd_total{{account=%q,key_hash=%q}}[{tier.long}])"
            f" * {SECONDS_PER_DAY}",
            KEY,
        )
        + f"/day over {tier.long}",
        sentences(
            "Key {{ $labels.key_name }} ({{ $labels.key_hash }}) carries",
            "{{ $value | humanizePercentage }} of the account's spend above its usual rate.",
            "Disable the key or lower its limit in OpenRouter if this spend is not intended.",
        ),
        per_key=True,
    )


def key_rules(config: MixinConfig) -> list[Rule]:
    return [*limit_alerts(config), *expiry_alerts(config)]
