"""The configuration contract: flags, environment variables, ``_FILE`` secrets and a YAML file.

Precedence: a flag beats its environment variable, which beats the default. Accounts come
either from the YAML file (several accounts, per-account thresholds) or, without a file,
from the environment as one account named ``default``.

Every source goes through one pydantic model, :class:`settings.Settings`, so a value means
the same wherever it is written. Every problem is reported at once in a :class:`ConfigError`,
each with its location: the flag, the environment variable, or ``file:line``. No message
ever contains a secret.
"""

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import SecretStr, ValidationError

from openrouter_exporter.config.schema import (
    Budget,
    ConfigFile,
    FileAccount,
    ListenAddress,
    Settings,
    error_message,
    redact,
)

DEFAULT_PORT = 10473
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_TELEMETRY_PATH = "/metrics"
POLITE_INTERVAL_SECONDS = 30.0


class ConfigProblem(NamedTuple):
    """One bad setting: where it was written, and what is wrong with it."""

    setting: str
    problem: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.problem}"


class ConfigError(Exception):
    """Every bad setting found, one line each. Values are quoted to help, but anything shaped
    like a key is redacted first."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


def config_error(setting: str, problem: str) -> ConfigError:
    return ConfigError([ConfigProblem(setting, redact(problem))])


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


@dataclass(frozen=True)
class Thresholds:
    runway_warning_days: float = 3.0
    runway_critical_days: float = 1.0
    balance_warning_usd: float | None = None
    balance_critical_usd: float | None = None


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
            "request_timeout_seconds": self.request_timeout,
            "state_dir": str(self.state_dir),
            "web_config_file": str(self.web_config_file) if self.web_config_file else None,
            "config_file": str(self.config_file) if self.config_file else None,
        }


def default_state_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "openrouter-exporter"


FlagValue = str | list[str] | None
_SECRET_FIELDS = ("management_key", "management_key_file", "api_key", "api_key_file")


def load_config(
    flags: Mapping[str, FlagValue],
    environ: Mapping[str, str] | None = None,
    *,
    require_key: bool = True,
) -> ExporterConfig:
    """Build the configuration from parsed flags (keyed by ``Setting.key``) and the environment.

    Raises :class:`ConfigError` listing every problem found, each with its location.
    """
    env = os.environ if environ is None else environ
    sources = _Sources(flags, env)
    settings = sources.validate()
    return _Relations(settings, sources, env, require_key).config()


class _Sources:
    """Where each setting's value comes from: its flag, its variable, or its default."""

    def __init__(self, flags: Mapping[str, FlagValue], environ: Mapping[str, str]) -> None:
        self.values: dict[str, object] = {}
        self.where: dict[str, str] = {}
        self.explicit: set[str] = set()
        self.file: YamlDocument | None = None
        problems: list[ConfigProblem] = []
        for setting in SETTINGS:
            if setting.secret:
                self._secret(setting, flags, environ)
                continue
            flag_value = flags.get(setting.key)
            if flag_value is not None and flag_value != []:
                self._set(setting.key, flag_value, setting.flag, explicit=True)
            elif environ.get(setting.env):
                self._set(setting.key, environ[setting.env], setting.env, explicit=True)
            elif setting.default is not None:
                self._set(setting.key, setting.default, f"default of {setting.flag}")
        config_file = self.values.get("config_file")
        if isinstance(config_file, str):
            try:
                self.file = YamlDocument.read(Path(config_file), self.where["config_file"])
            except ConfigError as error:
                problems.extend(error.problems)
            else:
                if isinstance(self.file.data, dict):
                    self.values["config_document"] = self.file.data
                else:
                    problems.append(
                        ConfigProblem(
                            f"{self.where['config_file']} ({config_file})",
                            "must be a mapping with an `accounts:` list",
                        )
                    )
        self.problems = problems

    def _set(self, key: str, value: object, where: str, *, explicit: bool = False) -> None:
        self.values[key] = value
        self.where[key] = where
        if explicit:
            self.explicit.add(key)

    def _secret(
        self, setting: Setting, flags: Mapping[str, FlagValue], environ: Mapping[str, str]
    ) -> None:
        """A key from its flags if either is given, else from its environment variables."""
        file_key = f"{setting.key}_file"
        if flags.get(setting.key) is not None or flags.get(file_key) is not None:
            levels = (
                (setting.key, flags.get(setting.key), setting.flag),
                (file_key, flags.get(file_key), f"{setting.flag}-file"),
            )
        else:
            levels = (
                (setting.key, environ.get(setting.env) or None, setting.env),
                (file_key, environ.get(f"{setting.env}_FILE") or None, f"{setting.env}_FILE"),
            )
        for key, value, where in levels:
            if value is not None:
                self._set(key, value, where, explicit=True)

    def locate(self, location: tuple[int | str, ...]) -> str:
        key = str(location[0])
        if key == "config_document" and self.file is not None:
            return self.file.locate(location[1:])
        return self.where.get(key, SETTINGS_BY_KEY[key].flag if key in SETTINGS_BY_KEY else key)

    def validate(self) -> Settings:
        problems = list(self.problems)
        try:
            settings = Settings.model_validate(self.values)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                location = tuple(item["loc"])
                secret = any(str(part) in _SECRET_FIELDS for part in location)
                problems.append(
                    ConfigProblem(
                        self.locate(location),
                        redact(error_message(dict(item), secret=secret)),
                    )
                )
            raise ConfigError(problems) from None
        if problems:
            raise ConfigError(problems)
        return settings


class _Relations:
    """Checks between settings, each valid on its own, and the resulting configuration."""

    def __init__(
        self,
        settings: Settings,
        sources: _Sources,
        environ: Mapping[str, str],
        require_key: bool,
    ) -> None:
        self.settings = settings
        self.sources = sources
        self.environ = environ
        self.require_key = require_key
        self.problems: list[ConfigProblem] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append(ConfigProblem(where, redact(text)))

    def config(self) -> ExporterConfig:
        settings, where = self.settings, self.sources.where
        request_timeout = settings.request_timeout
        if request_timeout > settings.poll_interval / 2:
            if "request_timeout" in self.sources.explicit:
                self.problem(
                    where["request_timeout"],
                    f"must be at most half the poll interval ({settings.poll_interval / 2:g}s)",
                )
            request_timeout = settings.poll_interval / 2
        defaults = Thresholds(
            runway_warning_days=settings.runway_warning_days,
            runway_critical_days=settings.runway_critical_days,
            balance_warning_usd=settings.balance_warning_usd,
            balance_critical_usd=settings.balance_critical_usd,
        )
        self._check_order(defaults, self._threshold_location)
        if settings.config_document is not None:
            accounts = self._file_accounts(settings.config_document, defaults)
        else:
            accounts = (self._environment_account(defaults),)
        if self.problems:
            raise ConfigError(self.problems)
        return ExporterConfig(
            accounts=accounts,
            listen_addresses=tuple(dict.fromkeys(settings.listen_address)),
            poll_interval=settings.poll_interval,
            activity_interval=settings.activity_interval,
            analytics_interval=settings.analytics_interval,
            analytics_top_pairs=settings.analytics_top_pairs,
            request_timeout=request_timeout,
            state_dir=settings.state_dir or default_state_dir(self.environ),
            state_dir_explicit=settings.state_dir is not None,
            web_config_file=settings.web_config,
            log_format=settings.log_format,
            log_level=settings.log_level,
            config_file=settings.config_file,
            telemetry_path=settings.telemetry_path,
            systemd_socket=settings.systemd_socket,
            exporter_metrics=not settings.disable_exporter_metrics,
        )

    def _threshold_location(self, *keys: str) -> str:
        explicit = [key for key in keys if key in self.sources.explicit]
        return self.sources.where[(explicit or list(keys))[0]]

    def _check_order(self, thresholds: Thresholds, locate: Callable[..., str]) -> None:
        if thresholds.runway_critical_days > thresholds.runway_warning_days:
            self.problem(
                locate("runway_critical_days", "runway_warning_days"),
                f"the critical runway ({thresholds.runway_critical_days:g} days) must not be "
                f"longer than the warning one ({thresholds.runway_warning_days:g} days); either "
                "may be the default or inherited",
            )
        warning, critical = thresholds.balance_warning_usd, thresholds.balance_critical_usd
        if warning is not None and critical is not None and critical > warning:
            self.problem(
                locate("balance_critical_usd", "balance_warning_usd"),
                f"the critical balance floor ({critical:g} USD) must not be above the warning "
                f"one ({warning:g} USD)",
            )

    def _keys(
        self, entry: Settings | FileAccount, locate: Callable[[str], str]
    ) -> tuple[SecretStr | None, SecretStr | None]:
        keys: list[SecretStr | None] = []
        for name in ("management_key", "api_key"):
            value, from_file = getattr(entry, name), getattr(entry, f"{name}_file")
            if value is not None and from_file is not None:
                self.problem(
                    locate(name),
                    f"set either {locate(name)} or {locate(name + '_file')}, not both",
                )
            keys.append(value or from_file)
        return keys[0], keys[1]

    def _environment_account(self, defaults: Thresholds) -> AccountConfig:
        settings = self.settings
        management_key, api_key = self._keys(settings, lambda key: self.sources.where[key])
        if self.require_key and management_key is None and api_key is None:
            self.problem(
                f"{SETTINGS_BY_KEY['management_key'].env} or {SETTINGS_BY_KEY['api_key'].env}",
                _NO_KEY,
            )
        return AccountConfig(
            name=settings.account,
            base_url=settings.base_url,
            management_key=management_key,
            api_key=api_key,
            thresholds=defaults,
            workspaces=settings.workspaces,
        )

    def _file_accounts(
        self, document: ConfigFile, defaults: Thresholds
    ) -> tuple[AccountConfig, ...]:
        file = self.sources.file
        assert file is not None
        config_env = SETTINGS_BY_KEY["config_file"].env
        for key in (*_SECRET_FIELDS, "account", "workspaces"):
            if key in self.sources.explicit:
                self.problem(
                    self.sources.where[key],
                    f"is set per account in the config file when {config_env} is set; set one "
                    "or the other",
                )
        accounts: list[AccountConfig] = []
        seen: set[str] = set()
        for index, entry in enumerate(document.accounts):

            def locate(*keys: str, index: int = index, entry: FileAccount = entry) -> str:
                given = [key for key in keys if key in entry.model_fields_set]
                return file.locate(("accounts", index, *given[:1]))

            if entry.name in seen:
                self.problem(locate("name"), f"account {entry.name!r} appears twice")
            seen.add(entry.name)
            budget_names: set[str] = set()
            for number, budget in enumerate(entry.budgets):
                if budget.name in budget_names:
                    self.problem(
                        file.locate(("accounts", index, "budgets", number, "name")),
                        f"budget {budget.name!r} appears twice in account {entry.name!r}",
                    )
                budget_names.add(budget.name)
            inherited = {name: getattr(entry, name) for name in _THRESHOLDS}
            thresholds = replace(
                defaults, **{name: value for name, value in inherited.items() if value is not None}
            )
            if thresholds != defaults:  # the defaults' own order is checked once, above
                self._check_order(thresholds, locate)
            management_key, api_key = self._keys(entry, locate)
            if self.require_key and management_key is None and api_key is None:
                self.problem(f"{locate()} (account {entry.name!r})", _NO_KEY)
            accounts.append(
                AccountConfig(
                    name=entry.name,
                    base_url=entry.base_url or self.settings.base_url,
                    management_key=management_key,
                    api_key=api_key,
                    thresholds=thresholds,
                    workspaces=entry.workspaces,
                    budgets=entry.budgets,
                )
            )
        return tuple(accounts)


_NO_KEY = (
    "no OpenRouter key given; set a management key (balance, keys, per-model spend) or at "
    "least an inference key (/key), directly or as a _FILE"
)


_THRESHOLDS = [item.name for item in fields(Thresholds)]


class YamlDocument:
    """A YAML file's data, and where each of its values was written."""

    def __init__(self, path: Path, data: Any, root: Any) -> None:
        self.path = path
        self.data = data
        self._root = root

    @classmethod
    def read(cls, path: Path, setting: str) -> "YamlDocument":
        import yaml  # on first use: most set-ups read no file, and PyYAML costs 2.5 MB

        data = read_yaml(path, setting)
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        return cls(path, data, root)

    def locate(self, location: Sequence[int | str]) -> str:
        """``file:line`` of the value at ``location`` (its nearest written parent's line when
        it is missing), then the location as dotted keys."""
        import yaml

        node = self._root
        for part in location:
            if isinstance(node, yaml.MappingNode):
                child = next((value for key, value in node.value if key.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                child = node.value[part] if part < len(node.value) else None
            else:
                child = None
            if child is None:
                break
            node = child
        line = node.start_mark.line + 1 if node is not None else 1
        dotted = ".".join(str(part) for part in location)
        return f"{self.path}:{line}" + (f" {dotted}" if dotted else "")


def read_yaml(path: Path, setting: str) -> Any:
    """A YAML file's document, or a ConfigError naming the setting."""
    import yaml  # on first use: most set-ups read no file, and PyYAML costs 2.5 MB resident

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise config_error(setting, f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise config_error(setting, "is not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else setting
        raise config_error(where, "is not valid YAML") from None
