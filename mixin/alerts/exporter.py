"""The exporter's own health: rejected key, API errors, stale data, exporter down.

No endpoint is listed here except where its expectation differs: ``activity`` is polled
every 30 minutes and holds completed days only, so its data may be hours old. Every other
endpoint (credits, key, keys, analytics and any added later) is polled every few minutes
and is held to the same limits.
"""

from __future__ import annotations

from mixin.alerts.build import Rule, alert
from mixin.alerts.templates import first_label, sentences
from mixin.config import MixinConfig

SLOW_ENDPOINTS = {"activity": "activity_stale_warning_seconds"}
"""Endpoints polled rarely, and the MixinConfig field with their stale-data limit."""

_SLOW = "|".join(SLOW_ENDPOINTS)


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
        "OpenRouter rejects the exporter's API key.",
        sentences(
            "Requests from the exporter to OpenRouter /{{ $labels.endpoint }} for account",
            "{{ $labels.account }} keep being rejected",
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
        "The exporter keeps failing to read the OpenRouter API.",
        sentences(
            "The exporter has failed to read OpenRouter /{{ $labels.endpoint }} for account",
            "{{ $labels.account }} for at least 30 minutes (most frequent reason in the last",
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
            "The exporter's OpenRouter data is stale.",
            sentences(
                "The last successful read of OpenRouter /{{ $labels.endpoint }} for account",
                "{{ $labels.account }} was {{ humanizeDuration $value }} ago. Metrics based on",
                "it are frozen at that time.",
            ),
        ),
        alert(
            config,
            "OpenRouterDataStale",
            "critical",
            f"""
time() - {last}{{endpoint!~"{_SLOW}"}} > {config.stale_critical_seconds:g}
""",
            "5m",
            "The exporter has not read OpenRouter for hours; credit alerts are blind.",
            sentences(
                "The last successful read of OpenRouter /{{ $labels.endpoint }} for account",
                "{{ $labels.account }} was {{ humanizeDuration $value }} ago. The balance,",
                "forecast and credit alerts are frozen at that time: check the balance in",
                "OpenRouter's settings by hand and fix the exporter.",
            ),
        ),
    ]


def exporter_down_alert(config: MixinConfig) -> Rule:
    # Only where an exporter was scraped: a Prometheus that never scraped one (a rule file
    # picked up by several Prometheus servers) stays quiet, which absent() could not do.
    #  1. a target that served build_info within the memory is down (up == 0);
    #  2. a job that served build_info within the memory serves none now (target gone from
    #     service discovery, scrape job deleted), unless 1. explains it.
    # Per job in 2., not per instance: a pod rescheduled under a new address is not "gone".
    build_info = "openrouter_exporter_build_info"
    memory = config.exporter_memory
    down = f"up == 0\n  and on (job, instance) last_over_time({build_info}[{memory}])"
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
  count by (job) (last_over_time({build_info}[{memory}]))
  unless on (job) count by (job) ({build_info})
  unless on (job) (
    {down.replace(chr(10), chr(10) + "  ")}
  )
)
""",
        "5m",
        "The openrouter-exporter is down; nothing warns before credits run out.",
        sentences(
            "{{ if $labels.instance }}Prometheus cannot scrape the openrouter-exporter at",
            "{{ $labels.instance }} (job {{ $labels.job }}).{{ else }}No target of job",
            "{{ $labels.job }} serves the openrouter-exporter any more (it did within the last",
            f"{memory}).{{{{ end }}}}",
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
        exporter_down_alert(config),
    ]
