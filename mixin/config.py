"""The values the dashboards and the alert rules share, and their defaults.

Every threshold a dashboard colours with is the one an alert fires on; both read them here,
and so do the tests of both.
"""

from __future__ import annotations

from dataclasses import dataclass

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class BurnWindows:
    """One tier of the multi-window, multi-burn-rate spend alerts (Google SRE workbook):
    the spend rate over ``long`` proves the burn is real, over ``short`` that it is still
    going on, and both must exceed ``factor`` times the usual rate."""

    long: str
    short: str
    factor: float


@dataclass(frozen=True)
class MixinConfig:
    """What a team may change when it adopts the dashboards and the rules."""

    #: Label matchers added to every selector of the exporter's series, for setups where
    #: other series carry the same names or several exporters are scraped (``job="openrouter"``).
    selector: str = ""
    #: Where your copy of ``docs/runbooks.md`` is served (a wiki page, your fork on a forge).
    #: Set, each alert's ``runbook_url`` is ``<base>#<alertname in lower case>`` and the
    #: dashboards link it; empty (the default), each alert's ``runbook`` annotation names
    #: the shipped file and the section instead, and the dashboards have no runbooks link.
    runbook_base_url: str = ""
    #: Grafana's base URL for ``dashboard_url``; empty: Prometheus' external label
    #: ``grafana_url`` when it has one.
    grafana_url: str = ""
    overview_uid: str = "openrouter-overview"
    drilldown_uid: str = "openrouter-drilldown"

    #: The exporter's default runway thresholds (``openrouter_runway_threshold_days``). The
    #: rules compare against the published metric; dashboards colour with these defaults.
    runway_warning_days: float = 3
    runway_critical_days: float = 1
    #: A key near its limit has under 10% of it left (warning), under 1% it is at the limit.
    key_near_limit_ratio: float = 0.1
    key_at_limit_ratio: float = 0.01
    #: A key expiring within 7 days is a warning, within 1 day critical.
    key_expiry_warning_days: float = 7
    key_expiry_critical_days: float = 1
    #: Data staleness: credits/key/keys older than 30 minutes warn, 4 hours is critical;
    #: activity (polled every 30 minutes) warns after 6 hours.
    stale_warning_seconds: float = 30 * 60
    stale_critical_seconds: float = 4 * 3600
    activity_stale_warning_seconds: float = 6 * 3600

    # Dashboards ------------------------------------------------------------------------
    #: The burn-rate windows the days-remaining and runs-out stats read, as the runway
    #: alerts do (30d is left out: after a cut in spend it stays pessimistic for weeks).
    runway_windows: tuple[str, ...] = ("24h", "7d")
    #: The oldest Grafana the dashboards are written for (``__requires``; schemaVersion 39).
    grafana_version: str = "10.4.0"
    #: "Right now" row: the spend rates OpenRouterCreditsBurningFast reads (its recorded
    #: series, coloured at its factors), and the keys driving it. The alerts link to these
    #: panel ids on the overview.
    right_now_row_id: int = 100
    spend_now_panel_id: int = 101
    spend_now_ratio_panel_id: int = 102
    spend_now_graph_panel_id: int = 103
    keys_now_panel_id: int = 104
    #: How many keys the "right now" row lists.
    keys_now_count: int = 5
    #: The rate window of per-key spend: key usage moves once per /keys listing, up to every
    #: 6.6 minutes for many keys, so a window under twice that shows zeros and spikes.
    key_rate_window: str = "15m"
    #: "Today" row (Analytics API): spend per model and per key x model since 00:00 UTC.
    #: Fixed ids, so that the runaway alerts can link to the model and pair panels.
    today_row_id: int = 110
    models_today_panel_id: int = 111
    key_models_today_panel_id: int = 112
    #: How many models the overview's "Spend today by model" lists.
    models_today_count: int = 10

    # ---- alert rules (mixin/alerts); the derivation is in alerts/README.md ----------------
    #: Spend burn-rate tiers: a runaway (30m/5m at 6x the usual rate) and a sustained surge
    #: (2h/10m at 2x). Either fires when the spend rate over both windows would also empty
    #: the balance within the account's runway threshold.
    burn_tiers: tuple[BurnWindows, ...] = (
        BurnWindows(long="30m", short="5m", factor=6),
        BurnWindows(long="2h", short="10m", factor=2),
    )
    burn_for: str = "2m"
    #: A key is named as the runaway when it carries at least this share of the account's
    #: spend above the usual rate, over the first tier's long window.
    key_runaway_share: float = 0.5
    #: Budgets (``budgets:`` in the exporter's config file): how long the spend must stay
    #: at a threshold, and the forecast over one, before the alert fires. The forecast
    #: moves with each day's spend, so it must hold for longer.
    budget_threshold_for: str = "5m"
    budget_forecast_for: str = "1h"
    #: Spend anomalies: a key's or a model's spend rate over ``anomaly_window`` above
    #: ``*_anomaly_factor`` times its usual rate and above the floor (USD per day), for a
    #: series at least ``anomaly_min_history`` old (in days; more than half the week the
    #: usual rate looks back on). A model's spend is the sum over many keys, smoother than
    #: one key's, so a smaller factor already means something.
    anomaly_window: str = "15m"
    anomaly_for: str = "5m"
    key_anomaly_factor: float = 5
    model_anomaly_factor: float = 2.5
    anomaly_floor_usd_per_day: float = 10
    anomaly_min_history: str = "4d"
    #: How long a scrape target that served the exporter's build_info is remembered: a job
    #: that served it within this time and serves it no more is "down".
    exporter_memory: str = "7d"
    #: The labels that tell one exporter deployment from another in OpenRouterExporterDown:
    #: a job of the same name in another cluster or namespace never hides an outage. Labels
    #: your targets lack are empty on both sides and harmless.
    exporter_group_labels: tuple[str, ...] = ("cluster", "namespace", "job")
    #: How long an exporter may be away before it pages: longer than a restart and than
    #: the shipped Kubernetes Deployment's comeback after a node failure (Recreate and a
    #: ReadWriteOnce volume re-attach: about 6 minutes).
    exporter_down_for: str = "15m"
    #: Label matchers added to the key series the key alerts read (OpenRouterKeyLimitLow,
    #: OpenRouterKeyExpiringSoon, OpenRouterKeySpendRunaway), to include or exclude keys:
    #: ``key_name!~"sandbox-.*"`` leaves alone keys whose limit is meant to be hit.
    key_selector: str = ""
    #: The severity of the key alerts' critical tier (at the limit, expiring within a day);
    #: ``warning`` keeps keys off the pager.
    key_critical_severity: str = "critical"


DEFAULT = MixinConfig()
