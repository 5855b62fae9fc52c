"""The exporter's own health: rejected key, API errors, stale data, exporter down.

No endpoint is listed here except where its expectation differs: ``activity`` is polled
every 30 minutes and holds completed days only, so its data may be hours old. Every other
endpoint (credits, key, keys, analytics and any added later) is polled every few minutes
and is held to the same limits.
"""

from __future__ import annotations

from mixin.alerts.build import Rule, alert, record
from mixin.alerts.templates import first_label, sentences
from mixin.config import MixinConfig

SLOW_ENDPOINTS = {"activity": "activity_stale_warning_seconds"}
"""Endpoints polled rarely, and the MixinConfig field with their stale-data limit."""

_SLOW = "|".join(SLOW_ENDPOINTS)
_STALE_SUMMARY = (
    "{{ $labels.account }}: /{{ $labels.endpoint }} data is {{ humanizeDuration $value }} old"
)


def auth_alert(config: MixinConfig) -> Rule:
    # "Keeps trying" matters: with only an inference key the exporter asks /credits once,
    # gets 403 by design and stops asking; that must not page. changes() counts the
    # counter's moves exactly (increase() extrapolates and can turn one probe into "2").
    return alert(
        config,
        "OpenRouterAPIAuthFailing",
        "critical",
        """
(
  openrouter_up == 0
  and changes(openrouter_api_requests_total[1h]) >= 2
)
and
sum without (reason) (
  increase(openrouter_api_errors_total{reason=~"http_401|http_403"}[1h])
) > 0
""",
        "10m",
        "{{ $labels.account }}: OpenRouter rejects the exporter's key on /{{ $labels.endpoint }}",
        sentences(
            "Requests from the exporter to OpenRouter /{{ $labels.endpoint }} keep being rejected",
            "("
            + first_label(
                "topk(1, sum by (reason) (increase(openrouter_api_errors_total"
                '{account=%q,endpoint=%q,reason=~"http_401|http_403"}[1h])))',
                "reason",
                "$labels.account $labels.endpoint",
                "http_401/http_403",
            )
            + ").",
            "The key is invalid, revoked or expired, or lacks permission: /credits, /keys and",
            "/activity need a management key. Until it is fixed the balance and the runway",
            "forecast are frozen and the credit alerts cannot fire.",
        ),
    )


def api_errors_alert(config: MixinConfig) -> Rule:
    # Persistent failures of every endpoint polled every few minutes, also one that never
    # succeeded since start (no egress, wrong base URL). The "still trying" guard keeps the
    # inference-key-only /credits probe quiet, and so does the `unless`: an inference key's
    # /credits may answer 0/0, reason "zero_credits" (balance unknown, not a fault).
    return alert(
        config,
        "OpenRouterAPIErrors",
        "warning",
        f"""
(
  openrouter_up{{endpoint!~"{_SLOW}"}} == 0
  and changes(openrouter_api_requests_total{{endpoint!~"{_SLOW}"}}[1h]) >= 2
)
unless ignoring (reason)
changes(openrouter_api_errors_total{{reason="zero_credits"}}[1h]) > 0
""",
        "30m",
        "{{ $labels.account }}: the exporter has failed to read /{{ $labels.endpoint }}"
        " for 30 minutes",
        sentences(
            "The exporter keeps failing to read OpenRouter /{{ $labels.endpoint }} (most",
            "frequent reason in the last",
            "hour: "
            + first_label(
                "topk(1, sum by (reason) (increase(openrouter_api_errors_total"
                "{account=%q,endpoint=%q}[1h])))",
                "reason",
                "$labels.account $labels.endpoint",
                "unknown",
            )
            + ").",
            "It keeps retrying with backoff; its metrics keep their last good values, so the",
            "balance, forecast and key limits may be out of date.",
        ),
    )


def stale_alerts(config: MixinConfig) -> list[Rule]:
    # Age of the last successful poll: catches a stuck poller (no requests, no errors) while
    # /metrics is still served. An endpoint that never succeeded has no timestamp and is
    # left to the alerts above (this keeps an inference-key-only account quiet).
    last = "openrouter_last_success_timestamp_seconds"
    slow = "\nor\n".join(
        f'time() - {last}{{endpoint="{name}"}} > {getattr(config, field):g}'
        for name, field in SLOW_ENDPOINTS.items()
    )
    return [
        alert(
            config,
            "OpenRouterDataStale",
            "warning",
            f"""
time() - {last}{{endpoint!~"{_SLOW}"}} > {config.stale_warning_seconds:g}
or
{slow}
""",
            "5m",
            _STALE_SUMMARY,
            "Metrics based on it are frozen at the last successful read.",
        ),
        alert(
            config,
            "OpenRouterDataStale",
            "critical",
            f"""
time() - {last}{{endpoint!~"{_SLOW}"}} > {config.stale_critical_seconds:g}
""",
            "5m",
            _STALE_SUMMARY + "; credit alerts are blind",
            sentences(
                "The balance, forecast and credit alerts are frozen at the last successful read:",
                "check the balance in OpenRouter's settings by hand and fix the exporter.",
            ),
        ),
    ]


def exporter_seen(config: MixinConfig) -> str:
    """The recorded memory of every target that served the exporter's build_info."""
    return f"instance:openrouter_exporter_build_info:last_over_time{config.exporter_memory}"


def exporter_seen_rule(config: MixinConfig) -> Rule:
    # One scan of the memory per evaluation, here, instead of one per use in the alert.
    by = ", ".join((*config.exporter_group_labels, "instance"))
    return record(
        config,
        exporter_seen(config),
        f"max by ({by}) (last_over_time(openrouter_exporter_build_info[{config.exporter_memory}]))",
    )


def exporter_down_alert(config: MixinConfig) -> Rule:
    # Only where an exporter was scraped: a Prometheus that never scraped one (a rule file
    # picked up by several Prometheus servers) stays quiet, which absent() could not do.
    #  1. a target that served build_info within the memory is down (up == 0);
    #  2. a deployment (job, namespace, cluster: exporter_group_labels) that served
    #     build_info within the memory serves none now (target gone from service discovery,
    #     scrape job deleted), unless 1. explains it.
    # Per deployment in 2., not per instance: a pod rescheduled under a new address is not
    # "gone"; the same job name elsewhere is another deployment and hides nothing.
    seen, memory = exporter_seen(config), config.exporter_memory
    group = ", ".join(config.exporter_group_labels)
    down = f"up == 0\n  and on ({group}, instance) {seen}"
    where = "".join(
        f"{{{{ with $labels.{label} }}}} {label} {{{{ . }}}}{{{{ end }}}}"
        for label in config.exporter_group_labels
    )
    return alert(
        config,
        "OpenRouterExporterDown",
        "critical",
        f"""
(
  {down}
)
or
(
  count by ({group}) ({seen})
  unless on ({group}) count by ({group}) (openrouter_exporter_build_info)
  unless on ({group}) (
    {down.replace(chr(10), chr(10) + "  ")}
  )
)
""",
        config.exporter_down_for,
        "openrouter-exporter down:{{ if $labels.instance }} {{ $labels.instance }}{{ end }}"
        + where
        + "; no credit alert can fire.",
        sentences(
            "{{ if $labels.instance }}Prometheus cannot scrape the openrouter-exporter at",
            "{{ $labels.instance }}.{{ else }}No target serves the openrouter-exporter any more",
            f"(one did within the last {memory}).{{{{ end }}}}",
            "Without it there is no balance, no forecast and no credit alert. Check the",
            "process or container, its logs and /healthz.",
        ),
        per_account=False,
    )


def exporter_rules(config: MixinConfig) -> list[Rule]:
    return [
        auth_alert(config),
        api_errors_alert(config),
        *stale_alerts(config),
        exporter_seen_rule(config),
        exporter_down_alert(config),
    ]
