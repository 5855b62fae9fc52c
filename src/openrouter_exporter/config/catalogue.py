"""The catalogue of settings: each one's flag, environment variable, default and help, the
single source of the command line, the documentation and the deployment files."""

from dataclasses import dataclass

from openrouter_exporter.config.types import Thresholds

DEFAULT_PORT = 10473
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_TELEMETRY_PATH = "/metrics"


@dataclass(frozen=True)
class Setting:
    """One configurable value: its flag, its environment variable and its documentation.

    ``default`` is the text an unset setting stands for; it is validated like a value the
    user typed, so it is the only place the default is spelled. ``default_doc`` describes a
    default that is not one value (derived from the environment, or none).
    """

    key: str
    flag: str
    env: str
    help: str
    default: str | None = None
    default_doc: str = "none"
    secret: bool = False
    has_file_variant: bool = False
    # A switch takes no value on the command line and `true`/`false` in the environment.
    switch: bool = False
    # A repeatable flag may be given several times; its variable takes a comma-separated list.
    repeatable: bool = False

    @property
    def documented_default(self) -> str:
        return self.default if self.default is not None else self.default_doc


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "config_file",
        "--config.file",
        "OPENROUTER_EXPORTER_CONFIG",
        "YAML file with several accounts and per-account thresholds",
    ),
    Setting(
        "management_key",
        "--openrouter.management-key",
        "OPENROUTER_MANAGEMENT_KEY",
        "management key: balance, all keys, per-model activity",
        secret=True,
        has_file_variant=True,
    ),
    Setting(
        "api_key",
        "--openrouter.api-key",
        "OPENROUTER_API_KEY",
        "inference key: /key about itself (enough for a small user)",
        secret=True,
        has_file_variant=True,
    ),
    Setting(
        "base_url",
        "--openrouter.base-url",
        "OPENROUTER_BASE_URL",
        "OpenRouter API base URL",
        default=DEFAULT_BASE_URL,
    ),
    Setting(
        "workspaces",
        "--openrouter.workspaces",
        "OPENROUTER_EXPORTER_WORKSPACES",
        "comma-separated workspace ids whose keys /keys lists besides the default workspace",
        default_doc="the default workspace",
    ),
    Setting(
        "account",
        "--openrouter.account",
        "OPENROUTER_EXPORTER_ACCOUNT",
        "`account` label of the single account configured from the environment",
        default="default",
    ),
    Setting(
        "listen_address",
        "--web.listen-address",
        "OPENROUTER_EXPORTER_LISTEN_ADDRESS",
        "host:port to serve on (empty host: all interfaces); repeat the flag, or separate "
        "with commas in the variable, to serve on several",
        default=f":{DEFAULT_PORT}",
        repeatable=True,
    ),
    Setting(
        "systemd_socket",
        "--web.systemd-socket",
        "OPENROUTER_EXPORTER_SYSTEMD_SOCKET",
        "serve on the sockets systemd passes (socket activation) instead of listening",
        default="false",
        switch=True,
    ),
    Setting(
        "telemetry_path",
        "--web.telemetry-path",
        "OPENROUTER_EXPORTER_TELEMETRY_PATH",
        "path under which the metrics are served",
        default=DEFAULT_TELEMETRY_PATH,
    ),
    Setting(
        "disable_exporter_metrics",
        "--web.disable-exporter-metrics",
        "OPENROUTER_EXPORTER_DISABLE_EXPORTER_METRICS",
        "leave out the exporter's own process_* and python_* metrics",
        default="false",
        switch=True,
    ),
    Setting(
        "web_config",
        "--web.config.file",
        "OPENROUTER_EXPORTER_WEB_CONFIG",
        "exporter-toolkit web-config.yml subset: TLS (reloaded on change), client "
        "certificates, basic auth, headers",
    ),
    Setting(
        "poll_interval",
        "--poll.interval",
        "OPENROUTER_EXPORTER_POLL_INTERVAL",
        "between polls of /credits, /key and /keys (seconds or 30s, 5m, 1h30m, 1d, 1w)",
        default="60s",
    ),
    Setting(
        "activity_interval",
        "--poll.activity-interval",
        "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL",
        "between polls of /activity",
        default="30m",
    ),
    Setting(
        "analytics_interval",
        "--poll.analytics-interval",
        "OPENROUTER_EXPORTER_ANALYTICS_INTERVAL",
        "between polls of the Analytics API (today per model and per key x model); 0: off",
        default="5m",
    ),
    Setting(
        "limits_interval",
        "--poll.limits-interval",
        "OPENROUTER_EXPORTER_LIMITS_INTERVAL",
        "between reads of workspaces, budgets, guardrails, members and their spend "
        "estimates (spaced out further to stay within 200 calls an hour); 0: off",
        default="10m",
    ),
    Setting(
        "analytics_top_pairs",
        "--analytics.top-pairs",
        "OPENROUTER_EXPORTER_ANALYTICS_TOP_PAIRS",
        "key x model pairs shown by today's spend; the rest are summed into `other`",
        default="20",
    ),
    Setting(
        "request_timeout",
        "--poll.timeout",
        "OPENROUTER_EXPORTER_REQUEST_TIMEOUT",
        "timeout of one request to OpenRouter; at most half the poll interval",
        default="10s",
    ),
    Setting(
        "state_dir",
        "--state.dir",
        "OPENROUTER_EXPORTER_STATE_DIR",
        "where the SQLite state (ledger, samples) lives",
        default_doc="$XDG_STATE_HOME/openrouter-exporter",
    ),
    Setting(
        "runway_warning_days",
        "--runway.warning-days",
        "OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS",
        "runway warning threshold in days (default for every account)",
        default=f"{Thresholds.runway_warning_days:g}",
    ),
    Setting(
        "runway_critical_days",
        "--runway.critical-days",
        "OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS",
        "runway critical threshold in days (default for every account)",
        default=f"{Thresholds.runway_critical_days:g}",
    ),
    Setting(
        "balance_warning_usd",
        "--balance.warning-usd",
        "OPENROUTER_EXPORTER_BALANCE_WARNING_USD",
        "balance floor in USD for a warning (default for every account)",
    ),
    Setting(
        "balance_critical_usd",
        "--balance.critical-usd",
        "OPENROUTER_EXPORTER_BALANCE_CRITICAL_USD",
        "balance floor in USD for a critical alert (default for every account)",
    ),
    Setting(
        "log_format",
        "--log.format",
        "OPENROUTER_EXPORTER_LOG_FORMAT",
        "`json`, `logfmt` or `console`",
        default_doc="json, or console on a terminal",
    ),
    Setting(
        "log_level",
        "--log.level",
        "OPENROUTER_EXPORTER_LOG_LEVEL",
        "`debug`, `info`, `warn` (or `warning`) or `error`",
        default="info",
    ),
)
SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
