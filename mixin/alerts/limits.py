"""The limit alerts: any wall that refuses requests (a key's own limit, a workspace budget,
a guardrail budget) projected to be reached before it resets, or reached.

One rule per severity covers every scope of the ``openrouter_limit_*`` family. The balance
(``scope="credits"``) is left to the credit alerts, whose thresholds are per account: the
same wall must not page twice. The projection is the exporter's
(``openrouter_limit_exhaustion_timestamp_seconds``, absent when the period resets first or
nothing is spent), so a limit that resets in time never fires.
"""

from __future__ import annotations

from mixin.alerts.build import Rule, alert
from mixin.alerts.templates import DOLLARS, sentences
from mixin.config import MixinConfig

_SERIES = '{scope!="credits"}'
_REMAINING = f"openrouter_limit_remaining_usd{_SERIES}"
_EXHAUSTION = f"openrouter_limit_exhaustion_timestamp_seconds{_SERIES}"
# Key hashes are the ids of the key scopes; a disabled key refuses every request anyway.
_DISABLED = 'label_replace(openrouter_key_disabled == 1, "id", "$1", "key_hash", "(.+)")'
_LIMIT_ARGS = "$labels.account $labels.scope $labels.id $labels.period"
_MATCH = "{account=%q,scope=%q,id=%q,period=%q}"

# What the limit is, after the account's name: "key ci-bot's monthly limit".
_WHAT = (
    "{{ if eq $labels.scope `key_limit` }}key {{ $labels.name }}'s {{ $labels.period }} limit"
    "{{ else if eq $labels.scope `api_key` }}key {{ $labels.name }}'s {{ $labels.period }} "
    "guardrail budget"
    "{{ else if eq $labels.scope `member` }}member {{ $labels.name }}'s {{ $labels.period }} "
    "guardrail budget"
    "{{ else if eq $labels.scope `workspace` }}workspace {{ $labels.name }}'s "
    "{{ $labels.period }} budget"
    "{{ else if eq $labels.scope `workspace_default_key` }}key {{ $labels.name }}'s "
    "{{ $labels.period }} default guardrail budget"
    "{{ else if eq $labels.scope `workspace_default_member` }}member {{ $labels.name }}'s "
    "{{ $labels.period }} default guardrail budget"
    "{{ else }}{{ $labels.scope }} {{ $labels.name }}'s {{ $labels.period }} limit{{ end }}"
)
# "5h", "1d 4h", "45m": the alert's value (seconds left) without its trailing zeros.
_IN = (
    '{{ $value | humanizeDuration | reReplaceAll " [0-9.]+m?s$" "" '
    '| reReplaceAll " 0m$" "" | reReplaceAll " 0h$" "" }}'
)
_SUMMARY = (
    "{{ $labels.account }}: "
    + _WHAT
    + " {{ if le $value 0.0 }}is reached{{ else }}will be reached in "
    + _IN
    + "{{ end }}"
)
_SOURCE = (
    "{{ if eq $labels.source `openrouter` }}OpenRouter's figure"
    "{{ else if eq $labels.source `analytics_estimate` }}estimated from the Analytics API"
    "{{ else if eq $labels.source `key_usage_estimate` }}estimated from the key's usage"
    "{{ else }}{{ $labels.source }}{{ end }}"
)
_REFUSAL = (
    '{{ if eq $labels.scope `key_limit` }}403 "Key limit exceeded"'
    '{{ else if eq $labels.scope `workspace` }}403 "Workspace budget exceeded"'
    '{{ else }}403 "Budget limit exceeded"{{ end }}'
)


def _money(metric: str, fallback: str = "?") -> str:
    return (
        f"{{{{ with printf `{metric}{_MATCH}` {_LIMIT_ARGS} | query }}}}"
        f"{{{{ . | first | value {DOLLARS} }}}}{{{{ else }}}}{fallback}{{{{ end }}}}"
    )


def _when(metric: str, fallback: str) -> str:
    return (
        f"{{{{ with printf `{metric}{_MATCH}` {_LIMIT_ARGS} | query }}}}"
        f"{{{{ . | first | value | humanizeTimestamp }}}}{{{{ else }}}}{fallback}{{{{ end }}}}"
    )


def _description() -> str:
    reset = _when("openrouter_limit_reset_timestamp_seconds", "never (it does not reset)")
    projected = _when("openrouter_limit_exhaustion_timestamp_seconds", "now")
    return sentences(
        "Account {{ $labels.account }}, scope {{ $labels.scope }},",
        "{{ $labels.name }} ({{ $labels.id }}), {{ $labels.period }}:",
        f"{_money('openrouter_limit_spend_usd')} spent of {_money('openrouter_limit_usd')}",
        f"({_money('openrouter_limit_remaining_usd')} left; spend: {_SOURCE}).",
        "{{ if le $value 0.0 }}Reached: requests it covers fail with "
        + _REFUSAL
        + "."
        + "{{ else }}Projected to be reached at "
        + projected
        + " at the current rate; then requests it covers fail with "
        + _REFUSAL
        + ".{{ end }}",
        f"Resets: {reset}.",
    )


def _expr(horizon_seconds: float) -> str:
    # Value: seconds until the limit is reached, 0 once it is (remaining <= 0).
    return f"""
(
  0 * ({_REMAINING} <= 0)
  or
  {_EXHAUSTION} - time() < {horizon_seconds:g}
)
unless on (account, id) {_DISABLED}
"""


def limit_rules(config: MixinConfig) -> list[Rule]:
    return [
        alert(
            config,
            "OpenRouterLimitReachedSoon",
            severity,
            _expr(horizon),
            duration,
            _SUMMARY,
            _description(),
        )
        for severity, horizon, duration in (
            ("warning", config.limit_warning_horizon_seconds, config.limit_warning_for),
            ("critical", config.limit_critical_horizon_seconds, config.limit_critical_for),
        )
    ]
