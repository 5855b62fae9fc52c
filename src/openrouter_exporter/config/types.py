"""What the configuration amounts to: the exporter's settings and its accounts, each with
its thresholds, as the rest of the exporter reads them."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from openrouter_exporter.config.schema import Budget, ListenAddress

POLITE_INTERVAL_SECONDS = 30.0


@dataclass(frozen=True)
class Thresholds:
    runway_warning_days: float = 3.0
    runway_critical_days: float = 1.0
    balance_warning_usd: float | None = None
    balance_critical_usd: float | None = None


@dataclass(frozen=True)
class AccountConfig:
    name: str
    base_url: str
    management_key: SecretStr | None
    api_key: SecretStr | None
    thresholds: Thresholds = field(default_factory=Thresholds)
    workspaces: tuple[str, ...] = ()
    budgets: tuple[Budget, ...] = ()

    def secrets(self) -> list[str]:
        return [k.get_secret_value() for k in (self.management_key, self.api_key) if k]


@dataclass(frozen=True)
class ExporterConfig:
    accounts: tuple[AccountConfig, ...]
    listen_addresses: tuple[ListenAddress, ...]
    poll_interval: float
    activity_interval: float
    request_timeout: float
    state_dir: Path
    state_dir_explicit: bool
    web_config_file: Path | None
    log_format: str
    log_level: str
    telemetry_path: str
    systemd_socket: bool
    exporter_metrics: bool
    config_file: Path | None = None
    analytics_interval: float = 300.0  # 0: the Analytics API is not polled
    analytics_top_pairs: int = 20
    limits_interval: float = 600.0  # 0: workspaces, budgets and guardrails are not read

    def secrets(self) -> list[str]:
        return [secret for account in self.accounts for secret in account.secrets()]

    def warnings(self) -> list[str]:
        """Settings that are valid but worth a line in the log."""
        intervals = [self.poll_interval, self.activity_interval]
        if self.analytics_interval > 0:
            intervals.append(self.analytics_interval)
        if min(intervals) < POLITE_INTERVAL_SECONDS:
            return [
                "poll intervals below 30s are meant for tests and demos; OpenRouter's balance "
                "moves slowly, so poll it about once a minute and /activity a few times an hour"
            ]
        return []

    def describe(self) -> dict[str, Any]:
        """Everything worth logging at start-up, with secrets reduced to whether they are set."""
        return {
            "accounts": [
                {
                    "name": account.name,
                    "base_url": account.base_url,
                    "management_key": "set" if account.management_key else "unset",
                    "api_key": "set" if account.api_key else "unset",
                    "workspaces": list(account.workspaces),
                    "runway_warning_days": account.thresholds.runway_warning_days,
                    "runway_critical_days": account.thresholds.runway_critical_days,
                    "balance_warning_usd": account.thresholds.balance_warning_usd,
                    "balance_critical_usd": account.thresholds.balance_critical_usd,
                }
                for account in self.accounts
            ],
            "listen_addresses": (
                ["systemd socket"]
                if self.systemd_socket
                else [str(address) for address in self.listen_addresses]
            ),
            "telemetry_path": self.telemetry_path,
            "exporter_metrics": self.exporter_metrics,
            "poll_interval_seconds": self.poll_interval,
            "activity_interval_seconds": self.activity_interval,
            "analytics_interval_seconds": self.analytics_interval,
            "analytics_top_pairs": self.analytics_top_pairs,
            "limits_interval_seconds": self.limits_interval,
            "request_timeout_seconds": self.request_timeout,
            "state_dir": str(self.state_dir),
            "web_config_file": str(self.web_config_file) if self.web_config_file else None,
            "config_file": str(self.config_file) if self.config_file else None,
        }


def default_state_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "openrouter-exporter"
