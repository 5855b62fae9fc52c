"""Checks between settings that are each valid on their own (a critical threshold beyond the
warning one, a key given twice, an account set both in the file and the environment …),
and the :class:`ExporterConfig` they make."""

from collections.abc import Callable, Mapping
from dataclasses import fields, replace

from pydantic import SecretStr

from openrouter_exporter.config.catalogue import SETTINGS_BY_KEY
from openrouter_exporter.config.errors import ConfigError, ConfigProblem
from openrouter_exporter.config.schema import ConfigFile, FileAccount, Settings, redact
from openrouter_exporter.config.sources import SECRET_FIELDS, Sources
from openrouter_exporter.config.types import (
    AccountConfig,
    ExporterConfig,
    Thresholds,
    default_state_dir,
)

NO_KEY = (
    "no OpenRouter key given; set a management key (balance, keys, per-model spend) or at "
    "least an inference key (/key), directly or as a _FILE"
)
THRESHOLDS = [item.name for item in fields(Thresholds)]


class Relations:
    """Checks between settings, each valid on its own, and the resulting configuration."""

    def __init__(
        self,
        settings: Settings,
        sources: Sources,
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
            limits_interval=settings.limits_interval,
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
                f"the critical runway ({_days(thresholds.runway_critical_days)}) must not be "
                f"longer than the warning one ({_days(thresholds.runway_warning_days)}); either "
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
                NO_KEY,
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
        for key in (*SECRET_FIELDS, "account", "workspaces"):
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
            self._check_budget_names(index, entry)
            inherited = {name: getattr(entry, name) for name in THRESHOLDS}
            thresholds = replace(
                defaults, **{name: value for name, value in inherited.items() if value is not None}
            )
            if thresholds != defaults:  # the defaults' own order is checked once, above
                self._check_order(thresholds, locate)
            management_key, api_key = self._keys(entry, locate)
            if self.require_key and management_key is None and api_key is None:
                self.problem(f"{locate()} (account {entry.name!r})", NO_KEY)
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

    def _check_budget_names(self, index: int, entry: FileAccount) -> None:
        file = self.sources.file
        assert file is not None
        names: set[str] = set()
        for number, budget in enumerate(entry.budgets):
            if budget.name in names:
                self.problem(
                    file.locate(("accounts", index, "budgets", number, "name")),
                    f"budget {budget.name!r} appears twice in account {entry.name!r}",
                )
            names.add(budget.name)


def _days(value: float) -> str:
    return f"{value:g} day" if value == 1 else f"{value:g} days"
