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

# The scopes whose id is a key hash: the key alerts' selector and critical severity apply.
KEY_SCOPES = ("key_limit", "api_key", "workspace_default_key")
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


def _summary() -> str:
    """``acme: key ci-bot's monthly limit will be reached in 5h`` (or ``is reached: $101.00
    of $100.00``): a pager's line, with the figure that matters."""
    spend_of_limit = f"{_money('openrouter_limit_spend_usd')} of {_money('openrouter_limit_usd')}"
    return (
        "{{ $labels.account }}: "
        + _WHAT
        + f" {{{{ if le $value 0.0 }}}}is reached: {spend_of_limit}"
        + "{{ else }}will be reached in "
        + _IN
        + "{{ end }}"
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


def _left_out(config: MixinConfig) -> str:
    """Keys that never fire: disabled ones (they refuse every request anyway) and, with a
    key selector, those it leaves out; as ``id`` (the key scopes' id is the key hash)."""
    keys = "openrouter_key_disabled == 1"
    if config.key_selector:
        keys += (
            f" or (openrouter_key_disabled unless openrouter_key_disabled{{{config.key_selector}}})"
        )
    return f'label_replace({keys}, "id", "$1", "key_hash", "(.+)")'


def _expr(config: MixinConfig, horizon_seconds: float, scopes: str) -> str:
    # Value: seconds until the limit is reached, 0 once it is (remaining <= 0).
    remaining = f"openrouter_limit_remaining_usd{{{scopes}}}"
    exhaustion = f"openrouter_limit_exhaustion_timestamp_seconds{{{scopes}}}"
    return f"""
(
  0 * ({remaining} <= 0)
  or
  {exhaustion} - time() < {horizon_seconds:g}
)
unless on (account, id) {_left_out(config)}
"""


def _tiers(config: MixinConfig) -> list[tuple[str, float, str, str]]:
    """(severity, horizon, for, scopes) of each rule: one per severity, the critical tier
    split when the key alerts' critical severity differs."""
    key_scopes = "|".join(KEY_SCOPES)
    warning = ("warning", config.limit_warning_horizon_seconds, config.limit_warning_for)
    critical = (config.limit_critical_horizon_seconds, config.limit_critical_for)
    tiers = [(*warning, 'scope!="credits"')]
    if config.key_critical_severity == "critical":
        return [*tiers, ("critical", *critical, 'scope!="credits"')]
    return [
        *tiers,
        ("critical", *critical, f'scope!~"credits|{key_scopes}"'),
        (config.key_critical_severity, *critical, f'scope=~"{key_scopes}"'),
    ]


def limit_rules(config: MixinConfig) -> list[Rule]:
    return [
        alert(
            config,
            "OpenRouterLimitReachedSoon",
            severity,
            _expr(config, horizon, scopes),
            duration,
            _summary(),
            _description(),
        )
        for severity, horizon, duration, scopes in _tiers(config)
    ]
