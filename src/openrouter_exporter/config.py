"""The configuration contract: flags, environment variables, ``_FILE`` secrets and a YAML file.

Precedence: a flag beats its environment variable, which beats the default. Accounts come
either from the YAML file (several accounts, per-account thresholds) or, without a file,
from the environment as one account named ``default``. Every problem is raised as a
:class:`ConfigError` naming the setting; no message ever contains a secret.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from openrouter_exporter.durations import parse_duration

DEFAULT_PORT = 10473
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
POLITE_INTERVAL_SECONDS = 30.0
_ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$")


# Anything shaped like an OpenRouter key, in case one was typed into the wrong setting.
_KEY_SHAPE = re.compile(r"sk-[A-Za-z0-9_-]{6,}")


class ConfigError(Exception):
    """A bad setting. ``str()`` is one line: the setting, then what is wrong. Values are
    quoted to help, but anything shaped like a key is redacted first."""

    def __init__(self, setting: str, problem: str) -> None:
        problem = _KEY_SHAPE.sub("[redacted key]", " ".join(problem.split()))
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


@dataclass(frozen=True)
class Setting:
    """One configurable value: its flag, its environment variable and its documentation."""

    key: str
    flag: str
    env: str
    default: str
    help: str
    secret: bool = False
    has_file_variant: bool = False

    @property
    def label(self) -> str:
        return f"{self.env} ({self.flag})"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "config_file",
        "--config.file",
        "OPENROUTER_EXPORTER_CONFIG",
        "none",
        "YAML file with several accounts and per-account thresholds",
    ),
    Setting(
        "management_key",
        "--openrouter.management-key",
        "OPENROUTER_MANAGEMENT_KEY",
        "none",
        "management key: balance, all keys, per-model activity",
        secret=True,
        has_file_variant=True,
    ),
    Setting(
        "api_key",
        "--openrouter.api-key",
        "OPENROUTER_API_KEY",
        "none",
        "inference key: /key about itself (enough for a small user)",
        secret=True,
        has_file_variant=True,
    ),
    Setting(
        "base_url",
        "--openrouter.base-url",
        "OPENROUTER_BASE_URL",
        DEFAULT_BASE_URL,
        "OpenRouter API base URL",
    ),
    Setting(
        "workspaces",
        "--openrouter.workspaces",
        "OPENROUTER_EXPORTER_WORKSPACES",
        "the default workspace",
        "comma-separated workspace ids whose keys /keys lists besides the default workspace",
    ),
    Setting(
        "account",
        "--openrouter.account",
        "OPENROUTER_EXPORTER_ACCOUNT",
        "default",
        "`account` label of the single account configured from the environment",
    ),
    Setting(
        "listen_address",
        "--web.listen-address",
        "OPENROUTER_EXPORTER_LISTEN_ADDRESS",
        f":{DEFAULT_PORT}",
        "host:port to serve on (empty host: all interfaces)",
    ),
    Setting(
        "web_config",
        "--web.config.file",
        "OPENROUTER_EXPORTER_WEB_CONFIG",
        "none",
        "exporter-toolkit web-config.yml subset: TLS, client certificates, basic auth",
    ),
    Setting(
        "poll_interval",
        "--poll.interval",
        "OPENROUTER_EXPORTER_POLL_INTERVAL",
        "60s",
        "between polls of /credits, /key and /keys (seconds or 30s, 5m)",
    ),
    Setting(
        "activity_interval",
        "--poll.activity-interval",
        "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL",
        "30m",
        "between polls of /activity",
    ),
    Setting(
        "analytics_interval",
        "--poll.analytics-interval",
        "OPENROUTER_EXPORTER_ANALYTICS_INTERVAL",
        "5m",
        "between polls of the Analytics API (today per model and per key x model); 0: off",
    ),
    Setting(
        "analytics_top_pairs",
        "--analytics.top-pairs",
        "OPENROUTER_EXPORTER_ANALYTICS_TOP_PAIRS",
        "20",
        "key x model pairs shown by today's spend; the rest are summed into `other`",
    ),
    Setting(
        "request_timeout",
        "--poll.timeout",
        "OPENROUTER_EXPORTER_REQUEST_TIMEOUT",
        "10s",
        "timeout of one request to OpenRouter; at most half the poll interval",
    ),
    Setting(
        "state_dir",
        "--state.dir",
        "OPENROUTER_EXPORTER_STATE_DIR",
        "$XDG_STATE_HOME/openrouter-exporter",
        "where the SQLite state (ledger, samples) lives",
    ),
    Setting(
        "runway_warning_days",
        "--runway.warning-days",
        "OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS",
        "3",
        "runway warning threshold in days (default for every account)",
    ),
    Setting(
        "runway_critical_days",
        "--runway.critical-days",
        "OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS",
        "1",
        "runway critical threshold in days (default for every account)",
    ),
    Setting(
        "balance_warning_usd",
        "--balance.warning-usd",
        "OPENROUTER_EXPORTER_BALANCE_WARNING_USD",
        "none",
        "balance floor in USD for a warning (default for every account)",
    ),
    Setting(
        "balance_critical_usd",
        "--balance.critical-usd",
        "OPENROUTER_EXPORTER_BALANCE_CRITICAL_USD",
        "none",
        "balance floor in USD for a critical alert (default for every account)",
    ),
    Setting(
        "log_format",
        "--log.format",
        "OPENROUTER_EXPORTER_LOG_FORMAT",
        "json, or console on a terminal",
        "`json` or `console`",
    ),
    Setting(
        "log_level",
        "--log.level",
        "OPENROUTER_EXPORTER_LOG_LEVEL",
        "info",
        "`debug`, `info`, `warning` or `error`",
    ),
)
SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}


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

    def secrets(self) -> list[str]:
        return [k.get_secret_value() for k in (self.management_key, self.api_key) if k]


@dataclass(frozen=True)
class ExporterConfig:
    accounts: tuple[AccountConfig, ...]
    listen_host: str
    listen_port: int
    poll_interval: float
    activity_interval: float
    request_timeout: float
    state_dir: Path
    state_dir_explicit: bool
    web_config_file: Path | None
    log_format: str
    log_level: str
    config_file: Path | None = None
    analytics_interval: float = 300.0  # 0: the Analytics API is not polled
    analytics_top_pairs: int = 20

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
            "listen_address": f"{self.listen_host}:{self.listen_port}",
            "poll_interval_seconds": self.poll_interval,
            "activity_interval_seconds": self.activity_interval,
            "analytics_interval_seconds": self.analytics_interval,
            "analytics_top_pairs": self.analytics_top_pairs,
            "request_timeout_seconds": self.request_timeout,
            "state_dir": str(self.state_dir),
            "web_config_file": str(self.web_config_file) if self.web_config_file else None,
            "config_file": str(self.config_file) if self.config_file else None,
        }


class _FileAccount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    base_url: str | None = None
    management_key: SecretStr | None = None
    management_key_file: Path | None = None
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    runway_warning_days: float | None = Field(default=None, gt=0)
    runway_critical_days: float | None = Field(default=None, gt=0)
    balance_warning_usd: float | None = None
    balance_critical_usd: float | None = None
    workspaces: list[str] = Field(default_factory=list)


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    accounts: list[_FileAccount] = Field(min_length=1)


def default_state_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "openrouter-exporter"


def load_config(
    flags: Mapping[str, str | None],
    environ: Mapping[str, str] | None = None,
    *,
    require_key: bool = True,
) -> ExporterConfig:
    """Build the configuration from parsed flags (keyed by ``Setting.key``) and the environment."""
    env = os.environ if environ is None else environ
    raw = _Raw(flags, env)

    poll_interval = _duration(raw, "poll_interval")
    activity_interval = _duration(raw, "activity_interval")
    analytics_interval = _duration(raw, "analytics_interval", minimum=0.0)
    if 0 < analytics_interval < 1:
        raise ConfigError(
            SETTINGS_BY_KEY["analytics_interval"].label, "must be 0 (off) or at least 1s"
        )
    analytics_top_pairs = _count(raw, "analytics_top_pairs")
    request_timeout = _duration(raw, "request_timeout", minimum=0.1)
    if request_timeout > poll_interval / 2:
        if raw.is_set("request_timeout"):
            raise ConfigError(
                SETTINGS_BY_KEY["request_timeout"].label,
                f"must be at most half the poll interval ({poll_interval / 2:g}s)",
            )
        request_timeout = poll_interval / 2
    host, port = parse_listen_address(raw.get("listen_address") or f":{DEFAULT_PORT}")
    state_dir_text = raw.get("state_dir")
    state_dir = Path(state_dir_text) if state_dir_text else default_state_dir(env)
    web_config = raw.get("web_config")
    log_format = (raw.get("log_format") or "auto").lower()
    if log_format not in ("auto", "json", "console"):
        raise ConfigError(SETTINGS_BY_KEY["log_format"].label, "must be `json` or `console`")
    log_level = (raw.get("log_level") or "info").lower()
    if log_level not in ("debug", "info", "warning", "error"):
        raise ConfigError(
            SETTINGS_BY_KEY["log_level"].label, "must be debug, info, warning or error"
        )

    base_url = _base_url(raw.get("base_url") or DEFAULT_BASE_URL, "base_url")
    default_thresholds = _thresholds(raw)
    config_file_text = raw.get("config_file")
    config_file = Path(config_file_text) if config_file_text else None
    if config_file is not None:
        for key in ("management_key", "api_key", "account", "workspaces"):
            if raw.is_set(key) or (SETTINGS_BY_KEY[key].has_file_variant and raw.is_set_file(key)):
                raise ConfigError(
                    SETTINGS_BY_KEY[key].label,
                    "is set per account in the config file when "
                    f"{SETTINGS_BY_KEY['config_file'].env} is set; set one or the other",
                )
        accounts = _accounts_from_file(config_file, base_url, default_thresholds)
    else:
        accounts = (
            AccountConfig(
                name=_account_name(raw.get("account") or "default", "account"),
                base_url=base_url,
                management_key=raw.secret("management_key"),
                api_key=raw.secret("api_key"),
                thresholds=default_thresholds,
                workspaces=_workspaces(raw.get("workspaces") or ""),
            ),
        )
    if require_key:
        for account in accounts:
            if account.management_key is None and account.api_key is None:
                where = (
                    f"account {account.name!r} in {config_file}"
                    if config_file
                    else f"{SETTINGS_BY_KEY['management_key'].env} or "
                    f"{SETTINGS_BY_KEY['api_key'].env}"
                )
                raise ConfigError(
                    where,
                    "no OpenRouter key given; set a management key (balance, keys, per-model "
                    "spend) or at least an inference key (/key), directly or as a _FILE",
                )

    return ExporterConfig(
        accounts=accounts,
        listen_host=host,
        listen_port=port,
        poll_interval=poll_interval,
        activity_interval=activity_interval,
        request_timeout=request_timeout,
        state_dir=state_dir,
        state_dir_explicit=bool(state_dir_text),
        web_config_file=Path(web_config) if web_config else None,
        log_format=log_format,
        log_level=log_level,
        config_file=config_file,
        analytics_interval=analytics_interval,
        analytics_top_pairs=analytics_top_pairs,
    )


def parse_listen_address(text: str) -> tuple[str, int]:
    label = SETTINGS_BY_KEY["listen_address"].label
    value = text.strip()
    if value.startswith("["):
        end = value.find("]:")
        if end < 0:
            raise ConfigError(label, f"{value!r} is not host:port ([::1]:10473 for IPv6)")
        host, port_text = value[1:end], value[end + 2 :]
    else:
        host, sep, port_text = value.rpartition(":")
        if not sep or ":" in host:
            raise ConfigError(label, f"{value!r} is not host:port (for example :{DEFAULT_PORT})")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(label, f"port {port_text!r} is not a number from 0 to 65535")
    if host and not re.fullmatch(r"[A-Za-z0-9.:%_-]+", host):
        raise ConfigError(label, f"host {host!r} is not a host name or address")
    return host, int(port_text)


class _Raw:
    """Reads a setting from its flag, else its environment variable."""

    def __init__(self, flags: Mapping[str, str | None], environ: Mapping[str, str]) -> None:
        self._flags = flags
        self._environ = environ

    def get(self, key: str) -> str | None:
        flag_value = self._flags.get(key)
        if flag_value is not None:
            return flag_value
        env_value = self._environ.get(SETTINGS_BY_KEY[key].env)
        return env_value if env_value not in (None, "") else None

    def is_set(self, key: str) -> bool:
        return self.get(key) is not None

    def is_set_file(self, key: str) -> bool:
        env_file = self._environ.get(f"{SETTINGS_BY_KEY[key].env}_FILE")
        return self._flags.get(f"{key}_file") is not None or bool(env_file)

    def secret(self, key: str) -> SecretStr | None:
        """A key from its flags if either is given, else from its environment variables;
        the value and the file of the same level are mutually exclusive."""
        setting = SETTINGS_BY_KEY[key]
        flag_value, flag_file = self._flags.get(key), self._flags.get(f"{key}_file")
        if flag_value is not None or flag_file is not None:
            levels = (setting.flag, flag_value, f"{setting.flag}-file", flag_file)
        else:
            env_file = f"{setting.env}_FILE"
            levels = (
                setting.env,
                self._environ.get(setting.env) or None,
                env_file,
                self._environ.get(env_file) or None,
            )
        value_label, value, file_label, file_path = levels
        if value is not None and file_path is not None:
            raise ConfigError(value_label, f"set either {value_label} or {file_label}, not both")
        if file_path is not None:
            return read_secret_file(Path(file_path), file_label)
        if value is not None:
            return _check_secret(value, value_label)
        return None


def read_secret_file(path: Path, setting: str) -> SecretStr:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(setting, f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(setting, f"{path} is not UTF-8 text") from None
    return _check_secret(text.strip(), setting)


def _check_secret(value: str, setting: str) -> SecretStr:
    stripped = value.strip()
    if not stripped:
        raise ConfigError(setting, "is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in stripped):
        raise ConfigError(setting, "contains whitespace or control characters; is it one key?")
    return SecretStr(stripped)


def _duration(raw: _Raw, key: str, minimum: float = 1.0) -> float:
    setting = SETTINGS_BY_KEY[key]
    text = raw.get(key) or setting.default
    try:
        seconds = parse_duration(text)
    except ValueError as error:
        raise ConfigError(setting.label, str(error)) from None
    if seconds < minimum:
        raise ConfigError(setting.label, f"{text!r} is shorter than the minimum of {minimum:g}s")
    return seconds


def _count(raw: _Raw, key: str) -> int:
    setting = SETTINGS_BY_KEY[key]
    text = (raw.get(key) or setting.default).strip()
    if not text.isdigit():
        raise ConfigError(setting.label, f"{text!r} is not a whole number >= 0")
    return int(text)


def _number(raw: _Raw, key: str, *, positive: bool) -> float | None:
    text = raw.get(key)
    if text is None:
        return None
    label = SETTINGS_BY_KEY[key].label
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(label, f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(label, f"{text!r} is not a finite number")
    if positive and value <= 0:
        raise ConfigError(label, "must be greater than 0")
    return value


def _thresholds(raw: _Raw) -> Thresholds:
    warning = _number(raw, "runway_warning_days", positive=True)
    critical = _number(raw, "runway_critical_days", positive=True)
    thresholds = Thresholds(
        runway_warning_days=3.0 if warning is None else warning,
        runway_critical_days=1.0 if critical is None else critical,
        balance_warning_usd=_number(raw, "balance_warning_usd", positive=False),
        balance_critical_usd=_number(raw, "balance_critical_usd", positive=False),
    )
    _check_threshold_order(thresholds, SETTINGS_BY_KEY["runway_critical_days"].label)
    return thresholds


def _check_threshold_order(thresholds: Thresholds, setting: str) -> None:
    if thresholds.runway_critical_days > thresholds.runway_warning_days:
        raise ConfigError(
            setting,
            f"the critical runway ({thresholds.runway_critical_days:g} days) must not be longer "
            f"than the warning one ({thresholds.runway_warning_days:g} days); either may be the "
            "default or inherited",
        )
    warning, critical = thresholds.balance_warning_usd, thresholds.balance_critical_usd
    if warning is not None and critical is not None and critical > warning:
        raise ConfigError(
            setting,
            f"the critical balance floor ({critical:g} USD) must not be above the warning one "
            f"({warning:g} USD)",
        )


def _base_url(text: str, key: str) -> str:
    value = text.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(SETTINGS_BY_KEY[key].label, f"{value!r} is not an http(s) URL")
    return value


def _account_name(name: str, where: str) -> str:
    if not _ACCOUNT_NAME.match(name):
        raise ConfigError(
            where,
            f"account name {name!r} must be 1-63 letters, digits, '_', '.', ':' or '-'",
        )
    return name


def read_yaml(path: Path, setting: str) -> Any:
    """A YAML file's document, or a ConfigError naming the setting."""
    import yaml  # on first use: most set-ups read no file, and PyYAML costs 2.5 MB resident

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(setting, f"cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(setting, f"is not valid YAML{where}") from None


def _accounts_from_file(
    path: Path, default_base_url: str, defaults: Thresholds
) -> tuple[AccountConfig, ...]:
    label = f"{SETTINGS_BY_KEY['config_file'].env} ({path})"
    document = read_yaml(path, label)
    if not isinstance(document, dict):
        raise ConfigError(label, "must be a mapping with an `accounts:` list")
    try:
        parsed = _ConfigFile.model_validate(document)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        location = ".".join(str(part) for part in first["loc"])
        problem = "unknown setting" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(f"{label} {location}", problem) from None

    accounts: list[AccountConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(parsed.accounts):
        where = f"{label} accounts.{index}"
        name = _account_name(entry.name, f"{where}.name")
        if name in seen:
            raise ConfigError(f"{where}.name", f"account {name!r} appears twice")
        seen.add(name)
        thresholds = Thresholds(
            runway_warning_days=entry.runway_warning_days or defaults.runway_warning_days,
            runway_critical_days=entry.runway_critical_days or defaults.runway_critical_days,
            balance_warning_usd=_first(entry.balance_warning_usd, defaults.balance_warning_usd),
            balance_critical_usd=_first(entry.balance_critical_usd, defaults.balance_critical_usd),
        )
        _check_threshold_order(thresholds, where)
        accounts.append(
            AccountConfig(
                name=name,
                base_url=(
                    _base_url(entry.base_url, "base_url") if entry.base_url else default_base_url
                ),
                management_key=_file_secret(
                    entry.management_key, entry.management_key_file, f"{where}.management_key"
                ),
                api_key=_file_secret(entry.api_key, entry.api_key_file, f"{where}.api_key"),
                thresholds=thresholds,
                workspaces=_workspaces(",".join(entry.workspaces), f"{where}.workspaces"),
            )
        )
    return tuple(accounts)


def _workspaces(text: str, where: str | None = None) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    for workspace in ids:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}", workspace):
            raise ConfigError(
                where or SETTINGS_BY_KEY["workspaces"].label,
                f"{workspace!r} is not a workspace id",
            )
    return ids


def _first(value: float | None, fallback: float | None) -> float | None:
    return fallback if value is None else value


def _file_secret(value: SecretStr | None, path: Path | None, where: str) -> SecretStr | None:
    if value is not None and path is not None:
        raise ConfigError(where, "set either the key or the _file, not both")
    if path is not None:
        return read_secret_file(path, f"{where}_file")
    if value is not None:
        return _check_secret(value.get_secret_value(), where)
    return None
