"""The configuration contract: flags, environment variables, ``_FILE`` secrets, a YAML file."""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from openrouter_exporter.config.catalogue import (
    DEFAULT_BASE_URL,
    DEFAULT_PORT,
    SETTINGS,
    SETTINGS_BY_KEY,
)
from openrouter_exporter.config.errors import ConfigError, ConfigProblem
from openrouter_exporter.config.loader import load_config
from openrouter_exporter.config.schema import ListenAddress
from openrouter_exporter.config.sources import FlagValue
from openrouter_exporter.config.types import ExporterConfig, Thresholds

SECRET = "sk-or-v1-FAKESECRET0c7e9b1a3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e"
OTHER_SECRET = "sk-or-v1-FAKEINFERENCE9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5"
Flags = dict[str, FlagValue]


def load(flags: Flags | None = None, /, **environ: str) -> ExporterConfig:
    return load_config(flags or {}, environ)


def with_key(**environ: str) -> dict[str, str]:
    return {"OPENROUTER_MANAGEMENT_KEY": SECRET, **environ}


def only(error: ConfigError) -> ConfigProblem:
    assert len(error.problems) == 1, error.problems
    return error.problems[0]


def config_error(flags: Flags | None = None, /, **environ: str) -> ConfigProblem:
    """The one problem these settings have."""
    with pytest.raises(ConfigError) as caught:
        load(flags, **environ)
    return only(caught.value)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def unreadable_path(tmp_path: Path) -> Path:
    """A path that cannot be read even as root: it lies below a regular file."""
    blocker = write(tmp_path / "not-a-dir", "")
    return blocker / "secret"


# Defaults and precedence.


def test_defaults_apply_when_nothing_but_a_key_is_set() -> None:
    config = load(**with_key())
    account = config.accounts[0]
    assert (account.name, account.base_url) == ("default", DEFAULT_BASE_URL)
    assert config.listen_addresses == (ListenAddress("", DEFAULT_PORT),)
    assert (config.poll_interval, config.activity_interval) == (60.0, 1800.0)
    assert account.thresholds == Thresholds(3.0, 1.0, None, None)
    assert (config.log_format, config.log_level) == ("auto", "info")
    assert config.web_config_file is None
    assert config.config_file is None


def test_default_state_dir_follows_xdg_state_home() -> None:
    config = load(**with_key(XDG_STATE_HOME="/srv/state"))
    assert config.state_dir == Path("/srv/state/openrouter-exporter")
    assert not config.state_dir_explicit


def test_empty_environment_variable_counts_as_unset() -> None:
    config = load(**with_key(OPENROUTER_EXPORTER_POLL_INTERVAL=""))
    assert config.poll_interval == 60.0


def _reveal(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()


# (setting key, flag/env value, what the config then holds)
_VALUE_CASES: dict[str, tuple[str, Callable[[ExporterConfig], Any], Any]] = {
    "base_url": (
        "http://127.0.0.1:8080/api/v1/",
        lambda c: c.accounts[0].base_url,
        "http://127.0.0.1:8080/api/v1",
    ),
    "account": ("team-a", lambda c: c.accounts[0].name, "team-a"),
    "workspaces": (
        "ws-a, ws-b,,ws-a",
        lambda c: c.accounts[0].workspaces,
        ("ws-a", "ws-b"),
    ),
    "listen_address": (
        "127.0.0.1:9999",
        lambda c: c.listen_addresses,
        (ListenAddress("127.0.0.1", 9999),),
    ),
    "systemd_socket": ("true", lambda c: c.systemd_socket, True),
    "telemetry_path": ("/probe/metrics", lambda c: c.telemetry_path, "/probe/metrics"),
    "disable_exporter_metrics": ("true", lambda c: c.exporter_metrics, False),
    "web_config": ("/etc/web.yml", lambda c: c.web_config_file, Path("/etc/web.yml")),
    "poll_interval": ("2m", lambda c: c.poll_interval, 120.0),
    "activity_interval": ("1h", lambda c: c.activity_interval, 3600.0),
    "analytics_interval": ("10m", lambda c: c.analytics_interval, 600.0),
    "analytics_top_pairs": ("5", lambda c: c.analytics_top_pairs, 5),
    "limits_interval": ("30m", lambda c: c.limits_interval, 1800.0),
    "request_timeout": ("7s", lambda c: c.request_timeout, 7.0),
    "state_dir": (
        "/var/lib/x",
        lambda c: (c.state_dir, c.state_dir_explicit),
        (Path("/var/lib/x"), True),
    ),
    "runway_warning_days": ("5", lambda c: c.accounts[0].thresholds.runway_warning_days, 5.0),
    "runway_critical_days": ("2", lambda c: c.accounts[0].thresholds.runway_critical_days, 2.0),
    "balance_warning_usd": ("50", lambda c: c.accounts[0].thresholds.balance_warning_usd, 50.0),
    "balance_critical_usd": ("10", lambda c: c.accounts[0].thresholds.balance_critical_usd, 10.0),
    "log_format": ("CONSOLE", lambda c: c.log_format, "console"),
    "log_level": ("DEBUG", lambda c: c.log_level, "debug"),
    "management_key": (
        OTHER_SECRET,
        lambda c: _reveal(c.accounts[0].management_key),
        OTHER_SECRET,
    ),
    "api_key": (OTHER_SECRET, lambda c: _reveal(c.accounts[0].api_key), OTHER_SECRET),
}
# The config file replaces the environment's account entirely: covered by the YAML tests.
_COVERED_ELSEWHERE = {"config_file"}


def test_every_setting_has_an_environment_variable_case() -> None:
    assert {setting.key for setting in SETTINGS} == set(_VALUE_CASES) | _COVERED_ELSEWHERE


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.key in _VALUE_CASES], ids=str)
def test_environment_variable_sets_the_setting(setting: Any) -> None:
    value, read, expected = _VALUE_CASES[setting.key]
    environ = {"OPENROUTER_API_KEY": SECRET, setting.env: value}
    assert read(load_config({}, environ)) == expected


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.key in _VALUE_CASES], ids=str)
def test_flag_beats_its_environment_variable(setting: Any) -> None:
    value, read, expected = _VALUE_CASES[setting.key]
    environ = {"OPENROUTER_API_KEY": SECRET}
    environ[setting.env] = _other_valid_value(setting.key)
    assert read(load_config({setting.key: value}, environ)) == expected


def _other_valid_value(key: str) -> str:
    others = {
        "base_url": "https://example.invalid/api/v1",
        "account": "from-env",
        "workspaces": "ws-env",
        "listen_address": ":1234",
        "systemd_socket": "false",
        "telemetry_path": "/env-metrics",
        "disable_exporter_metrics": "false",
        "web_config": "/env/web.yml",
        "poll_interval": "90s",
        "activity_interval": "45m",
        "analytics_interval": "15m",
        "analytics_top_pairs": "50",
        "limits_interval": "20m",
        "request_timeout": "3s",
        "state_dir": "/env/state",
        "runway_warning_days": "9",
        "runway_critical_days": "0.5",
        "balance_warning_usd": "99",
        "balance_critical_usd": "1",
        "log_format": "json",
        "log_level": "error",
        "management_key": SECRET,
        "api_key": SECRET,
    }
    return others[key]


def test_settings_document_their_flag_and_environment_variable() -> None:
    for setting in SETTINGS:
        assert setting.flag.startswith("--")
        assert setting.env.startswith("OPENROUTER_")


# Secrets.


def test_secret_file_is_read_and_stripped(tmp_path: Path) -> None:
    secret_file = write(tmp_path / "key", f"\n  {SECRET}  \n")
    config = load(OPENROUTER_MANAGEMENT_KEY_FILE=str(secret_file))
    key = config.accounts[0].management_key
    assert key is not None
    assert key.get_secret_value() == SECRET


def test_api_key_file_is_read(tmp_path: Path) -> None:
    secret_file = write(tmp_path / "key", SECRET + "\n")
    config = load(OPENROUTER_API_KEY_FILE=str(secret_file))
    key = config.accounts[0].api_key
    assert key is not None
    assert key.get_secret_value() == SECRET


def test_secret_file_flag_is_read(tmp_path: Path) -> None:
    secret_file = write(tmp_path / "key", SECRET)
    config = load({"management_key_file": str(secret_file)})
    key = config.accounts[0].management_key
    assert key is not None
    assert key.get_secret_value() == SECRET


@pytest.mark.parametrize(
    ("flag", "variable"),
    [
        ("management_key", "OPENROUTER_MANAGEMENT_KEY_FILE"),
        ("management_key_file", "OPENROUTER_MANAGEMENT_KEY"),
    ],
)
def test_key_flag_beats_a_key_from_the_environment_in_the_other_form(
    tmp_path: Path, flag: str, variable: str
) -> None:
    from_flag = str(write(tmp_path / "flag.key", SECRET)) if flag.endswith("_file") else SECRET
    from_env = (
        str(write(tmp_path / "env.key", OTHER_SECRET))
        if variable.endswith("_FILE")
        else (OTHER_SECRET)
    )
    config = load({flag: from_flag}, **{variable: from_env})
    assert _reveal(config.accounts[0].management_key) == SECRET


def test_unreadable_secret_file_error_names_the_file_variable(tmp_path: Path) -> None:
    error = config_error(OPENROUTER_MANAGEMENT_KEY_FILE=str(unreadable_path(tmp_path)))
    assert error.setting == "OPENROUTER_MANAGEMENT_KEY_FILE"
    assert str(error).startswith("OPENROUTER_MANAGEMENT_KEY_FILE: cannot read")


def test_missing_secret_file_error_names_the_file_flag(tmp_path: Path) -> None:
    error = config_error({"api_key_file": str(tmp_path / "absent")})
    assert error.setting == "--openrouter.api-key-file"


def test_key_and_key_file_together_are_rejected(tmp_path: Path) -> None:
    secret_file = write(tmp_path / "key", SECRET)
    error = config_error(
        OPENROUTER_MANAGEMENT_KEY=SECRET, OPENROUTER_MANAGEMENT_KEY_FILE=str(secret_file)
    )
    assert "not both" in error.problem
    assert "OPENROUTER_MANAGEMENT_KEY" in error.setting


def test_empty_secret_file_is_rejected(tmp_path: Path) -> None:
    error = config_error(OPENROUTER_MANAGEMENT_KEY_FILE=str(write(tmp_path / "key", "\n \n")))
    assert error.problem == "is empty"


def test_secret_file_holding_two_values_is_rejected(tmp_path: Path) -> None:
    secret_file = write(tmp_path / "key", f"{SECRET}\n{OTHER_SECRET}\n")
    error = config_error(OPENROUTER_MANAGEMENT_KEY_FILE=str(secret_file))
    assert "whitespace" in error.problem


def test_secret_file_that_is_not_text_is_rejected(tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_bytes(b"\xff\xfe" + SECRET.encode())
    error = config_error(OPENROUTER_MANAGEMENT_KEY_FILE=str(secret_file))
    assert "UTF-8" in error.problem


def test_missing_key_is_rejected_naming_both_key_variables() -> None:
    error = config_error()
    assert "OPENROUTER_MANAGEMENT_KEY" in error.setting
    assert "OPENROUTER_API_KEY" in error.setting


def test_inference_key_alone_is_enough() -> None:
    config = load(OPENROUTER_API_KEY=SECRET)
    assert config.accounts[0].management_key is None
    assert config.accounts[0].api_key is not None


def test_no_key_is_accepted_when_not_required() -> None:
    config = load_config({}, {}, require_key=False)
    assert config.accounts[0].management_key is None
    assert config.accounts[0].api_key is None


def test_secrets_lists_every_configured_key() -> None:
    config = load(OPENROUTER_MANAGEMENT_KEY=SECRET, OPENROUTER_API_KEY=OTHER_SECRET)
    assert sorted(config.secrets()) == sorted([SECRET, OTHER_SECRET])


def test_description_says_whether_keys_are_set_without_their_value() -> None:
    config = load(OPENROUTER_MANAGEMENT_KEY=SECRET)
    description = config.describe()
    assert SECRET not in repr(description)
    assert description["accounts"][0]["management_key"] == "set"
    assert description["accounts"][0]["api_key"] == "unset"


def test_secret_is_hidden_from_the_config_repr() -> None:
    config = load(OPENROUTER_MANAGEMENT_KEY=SECRET, OPENROUTER_API_KEY=OTHER_SECRET)
    assert SECRET not in repr(config)
    assert OTHER_SECRET not in repr(config)


# Durations and intervals.


def test_bad_duration_names_the_setting() -> None:
    error = config_error(**with_key(OPENROUTER_EXPORTER_POLL_INTERVAL="soon"))
    assert error.setting == "OPENROUTER_EXPORTER_POLL_INTERVAL"
    assert "soon" in error.problem


@pytest.mark.parametrize("value", ["0.5", "500ms", "0", "-10"])
def test_interval_below_one_second_is_rejected(value: str) -> None:
    error = config_error(**with_key(OPENROUTER_EXPORTER_ACTIVITY_INTERVAL=value))
    assert "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL" in error.setting
    assert "minimum of 1s" in error.problem


def test_one_second_interval_is_accepted_with_a_politeness_warning() -> None:
    config = load(**with_key(OPENROUTER_EXPORTER_POLL_INTERVAL="1s"))
    assert config.poll_interval == 1.0
    assert len(config.warnings()) == 1


def test_default_intervals_give_no_warning() -> None:
    assert load(**with_key()).warnings() == []


def test_request_timeout_is_capped_at_half_the_poll_interval_when_not_set() -> None:
    config = load(**with_key(OPENROUTER_EXPORTER_POLL_INTERVAL="4s"))
    assert config.request_timeout == 2.0


def test_explicit_request_timeout_longer_than_half_the_poll_interval_is_rejected() -> None:
    error = config_error(
        **with_key(
            OPENROUTER_EXPORTER_POLL_INTERVAL="10s", OPENROUTER_EXPORTER_REQUEST_TIMEOUT="6s"
        )
    )
    assert "OPENROUTER_EXPORTER_REQUEST_TIMEOUT" in error.setting


# Listen address, URL, logging.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":10473", ("", 10473)),
        ("127.0.0.1:0", ("127.0.0.1", 0)),
        ("[::1]:9", ("::1", 9)),
        ("[::]:10473", ("::", 10473)),
        ("localhost:8080", ("localhost", 8080)),
        ("0.0.0.0:65535", ("0.0.0.0", 65535)),
    ],
)
def test_listen_address_forms_are_accepted(text: str, expected: tuple[str, int]) -> None:
    config = load(**with_key(OPENROUTER_EXPORTER_LISTEN_ADDRESS=text))
    assert config.listen_addresses == (ListenAddress(*expected),)


@pytest.mark.parametrize(
    "text",
    [
        "10473",
        "localhost",
        "::1:9",
        "[::1]",
        "[::1]9",
        "host:",
        "host:port",
        "host:65536",
        "host:-1",
        "my host:80",
        "host/path:80",
        " ",
    ],
)
def test_bad_listen_address_is_rejected(text: str) -> None:
    error = config_error({"listen_address": [text]}, **with_key())
    assert error.setting == "--web.listen-address"


def test_bad_listen_address_from_the_environment_stops_loading() -> None:
    error = config_error(**with_key(OPENROUTER_EXPORTER_LISTEN_ADDRESS="10473"))
    assert "OPENROUTER_EXPORTER_LISTEN_ADDRESS" in error.setting


@pytest.mark.parametrize("url", ["openrouter.ai/api/v1", "ftp://openrouter.ai", "https://"])
def test_base_url_must_be_http_or_https(url: str) -> None:
    error = config_error(**with_key(OPENROUTER_BASE_URL=url))
    assert "OPENROUTER_BASE_URL" in error.setting


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OPENROUTER_EXPORTER_LOG_FORMAT", "xml"), ("OPENROUTER_EXPORTER_LOG_LEVEL", "verbose")],
)
def test_unknown_log_setting_is_rejected(variable: str, value: str) -> None:
    assert variable in config_error(**with_key(**{variable: value})).setting


@pytest.mark.parametrize("name", ["-lead", "has space", "a" * 64, "ünïcode"])
def test_bad_account_name_is_rejected(name: str) -> None:
    assert "account name" in config_error(**with_key(OPENROUTER_EXPORTER_ACCOUNT=name)).problem


def test_no_extra_workspaces_by_default() -> None:
    assert load(**with_key()).accounts[0].workspaces == ()


@pytest.mark.parametrize("workspaces", ["ws a", "ws/1", "a" * 129])
def test_bad_workspace_id_is_rejected(workspaces: str) -> None:
    error = config_error(**with_key(OPENROUTER_EXPORTER_WORKSPACES=workspaces))
    assert "OPENROUTER_EXPORTER_WORKSPACES" in error.setting
    assert "workspace id" in error.problem


# Thresholds.


def test_runway_threshold_must_be_a_number() -> None:
    error = config_error(**with_key(OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS="three"))
    assert "OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS" in error.setting


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_runway_threshold_must_be_finite_and_positive(value: str) -> None:
    error = config_error(**with_key(OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS=value))
    assert "OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS" in error.setting


def test_balance_floor_may_be_zero() -> None:
    config = load(**with_key(OPENROUTER_EXPORTER_BALANCE_CRITICAL_USD="0"))
    assert config.accounts[0].thresholds.balance_critical_usd == 0.0


def test_critical_runway_longer_than_warning_is_rejected() -> None:
    error = config_error(
        **with_key(
            OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS="2",
            OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS="5",
        )
    )
    assert "critical runway" in error.problem


def test_equal_warning_and_critical_runways_are_accepted() -> None:
    config = load(
        **with_key(
            OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS="2",
            OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS="2",
        )
    )
    assert config.accounts[0].thresholds.runway_critical_days == 2.0


def test_critical_balance_floor_above_warning_is_rejected() -> None:
    error = config_error(
        **with_key(
            OPENROUTER_EXPORTER_BALANCE_WARNING_USD="10",
            OPENROUTER_EXPORTER_BALANCE_CRITICAL_USD="20",
        )
    )
    assert "critical balance floor" in error.problem


# The YAML file.

TWO_ACCOUNTS = f"""
accounts:
  - name: prod
    management_key: {SECRET}
    runway_warning_days: 7
    runway_critical_days: 2
    balance_warning_usd: 100
    balance_critical_usd: 25
  - name: research
    api_key: {OTHER_SECRET}
    base_url: http://127.0.0.1:9000/api/v1/
"""


def config_file(tmp_path: Path, text: str) -> dict[str, str]:
    return {"OPENROUTER_EXPORTER_CONFIG": str(write(tmp_path / "exporter.yml", text))}


def file_error(tmp_path: Path, text: str, /, **environ: str) -> ConfigProblem:
    with pytest.raises(ConfigError) as caught:
        load(**config_file(tmp_path, text), **environ)
    return only(caught.value)


def test_config_file_holds_several_accounts(tmp_path: Path) -> None:
    config = load(**config_file(tmp_path, TWO_ACCOUNTS))
    assert [account.name for account in config.accounts] == ["prod", "research"]
    prod, research = config.accounts
    assert prod.management_key is not None
    assert prod.management_key.get_secret_value() == SECRET
    assert research.api_key is not None
    assert research.api_key.get_secret_value() == OTHER_SECRET


def test_config_file_accounts_have_their_own_thresholds(tmp_path: Path) -> None:
    prod = load(**config_file(tmp_path, TWO_ACCOUNTS)).accounts[0]
    assert prod.thresholds == Thresholds(7.0, 2.0, 100.0, 25.0)


def test_config_file_account_without_thresholds_inherits_the_environment_defaults(
    tmp_path: Path,
) -> None:
    config = load(
        **config_file(tmp_path, TWO_ACCOUNTS),
        OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS="4",
        OPENROUTER_EXPORTER_BALANCE_WARNING_USD="30",
    )
    assert config.accounts[1].thresholds == Thresholds(4.0, 1.0, 30.0, None)


def test_config_file_account_base_url_overrides_the_default(tmp_path: Path) -> None:
    config = load(
        **config_file(tmp_path, TWO_ACCOUNTS), OPENROUTER_BASE_URL="https://proxy.invalid/v1"
    )
    assert config.accounts[0].base_url == "https://proxy.invalid/v1"
    assert config.accounts[1].base_url == "http://127.0.0.1:9000/api/v1"


def test_config_file_account_reads_its_key_from_a_file(tmp_path: Path) -> None:
    secret_file = write(tmp_path / "prod.key", SECRET + "\n")
    text = f"accounts:\n  - name: prod\n    management_key_file: {secret_file}\n"
    account = load(**config_file(tmp_path, text)).accounts[0]
    assert account.management_key is not None
    assert account.management_key.get_secret_value() == SECRET


def test_config_file_account_lists_its_workspaces(tmp_path: Path) -> None:
    text = f"accounts:\n  - name: prod\n    api_key: {SECRET}\n    workspaces: [ws-a, ws-b]\n"
    assert load(**config_file(tmp_path, text)).accounts[0].workspaces == ("ws-a", "ws-b")


def test_config_file_account_with_a_bad_workspace_id_is_rejected_with_its_location(
    tmp_path: Path,
) -> None:
    text = f"accounts:\n  - name: prod\n    api_key: {SECRET}\n    workspaces: ['a b']\n"
    assert file_error(tmp_path, text).setting.endswith("accounts[1].workspaces")


def test_config_file_path_is_kept(tmp_path: Path) -> None:
    environ = config_file(tmp_path, TWO_ACCOUNTS)
    config = load(**environ)
    assert config.config_file == Path(environ["OPENROUTER_EXPORTER_CONFIG"])


def test_unknown_account_key_is_rejected_with_its_location(tmp_path: Path) -> None:
    text = TWO_ACCOUNTS + "    runway_warnig_days: 3\n"
    error = file_error(tmp_path, text)
    assert error.setting.endswith("accounts[2].runway_warnig_days")
    assert error.problem == "unknown setting"


def test_unknown_top_level_key_is_rejected_with_its_location(tmp_path: Path) -> None:
    error = file_error(tmp_path, TWO_ACCOUNTS + "poll_interval: 5m\n")
    assert error.setting.endswith(" poll_interval")
    assert error.problem == "unknown setting"


def test_config_file_error_names_the_file_and_line(tmp_path: Path) -> None:
    error = file_error(tmp_path, TWO_ACCOUNTS + "bogus: 1\n")
    assert error.setting == f"{tmp_path / 'exporter.yml'}:12 bogus"


def test_duplicate_account_names_are_rejected(tmp_path: Path) -> None:
    text = f"""
accounts:
  - name: prod
    management_key: {SECRET}
  - name: prod
    api_key: {OTHER_SECRET}
"""
    error = file_error(tmp_path, text)
    assert error.setting.endswith("accounts[2].name")
    assert "twice" in error.problem


def test_invalid_yaml_is_rejected_with_its_line(tmp_path: Path) -> None:
    error = file_error(tmp_path, "accounts:\n  - name: prod\n    api_key: [unclosed\n")
    assert error.setting.startswith(f"{tmp_path / 'exporter.yml'}:")
    assert error.problem.startswith("is not valid YAML: ")
    assert "expected ',' or ']'" in error.problem  # the parser's reason
    assert "(line 4, column 1)" in error.problem


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain text\n"])
def test_config_file_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    assert "mapping" in file_error(tmp_path, text).problem


def test_config_file_needs_at_least_one_account(tmp_path: Path) -> None:
    error = file_error(tmp_path, "accounts: []\n")
    assert error.setting.endswith(" accounts")


def test_unreadable_config_file_is_rejected(tmp_path: Path) -> None:
    error = config_error(OPENROUTER_EXPORTER_CONFIG=str(unreadable_path(tmp_path)))
    assert error.setting.startswith("OPENROUTER_EXPORTER_CONFIG")
    assert "cannot read" in error.problem


def test_config_file_account_without_any_key_is_rejected_by_name(tmp_path: Path) -> None:
    error = file_error(tmp_path, "accounts:\n  - name: lonely\n")
    assert "'lonely'" in error.setting


def test_config_file_account_with_key_and_key_file_is_rejected(tmp_path: Path) -> None:
    secret_file = write(tmp_path / "prod.key", SECRET)
    text = (
        f"accounts:\n  - name: prod\n    management_key: {SECRET}\n"
        f"    management_key_file: {secret_file}\n"
    )
    error = file_error(tmp_path, text)
    assert error.setting.endswith("accounts[1].management_key")


def test_config_file_account_threshold_order_is_checked(tmp_path: Path) -> None:
    text = (
        f"accounts:\n  - name: prod\n    api_key: {SECRET}\n"
        "    runway_warning_days: 1\n    runway_critical_days: 4\n"
    )
    error = file_error(tmp_path, text)
    assert "accounts[1]" in error.setting


@pytest.mark.parametrize(
    "variable",
    [
        "OPENROUTER_MANAGEMENT_KEY",
        "OPENROUTER_API_KEY",
        "OPENROUTER_MANAGEMENT_KEY_FILE",
        "OPENROUTER_API_KEY_FILE",
    ],
)
def test_key_in_the_environment_together_with_a_config_file_is_rejected(
    tmp_path: Path, variable: str
) -> None:
    value = str(write(tmp_path / "key", SECRET)) if variable.endswith("_FILE") else SECRET
    error = file_error(tmp_path, TWO_ACCOUNTS, **{variable: value})
    assert "OPENROUTER_EXPORTER_CONFIG" in error.problem


# No message ever contains a secret.


def _secret_cases(tmp_path: Path) -> dict[str, Mapping[str, str]]:
    key_file = write(tmp_path / "key", SECRET)
    two_lines = write(tmp_path / "two-lines", f"{SECRET}\n{SECRET}\n")
    binary = tmp_path / "binary"
    binary.write_bytes(SECRET.encode() + b"\xff")
    return {
        "key and key file": {
            "OPENROUTER_MANAGEMENT_KEY": SECRET,
            "OPENROUTER_MANAGEMENT_KEY_FILE": str(key_file),
        },
        "key with whitespace inside": {"OPENROUTER_API_KEY": f"{SECRET} {SECRET}"},
        "key with a control character": {"OPENROUTER_API_KEY": f"{SECRET}\x07"},
        "key file with two lines": {"OPENROUTER_MANAGEMENT_KEY_FILE": str(two_lines)},
        "key file not UTF-8": {"OPENROUTER_MANAGEMENT_KEY_FILE": str(binary)},
        "bad duration beside a key": with_key(OPENROUTER_EXPORTER_POLL_INTERVAL="x"),
        "bad listen address beside a key": with_key(OPENROUTER_EXPORTER_LISTEN_ADDRESS="x"),
        "bad threshold beside a key": with_key(OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS="x"),
        "key beside a config file": {
            **config_file(tmp_path, TWO_ACCOUNTS),
            "OPENROUTER_MANAGEMENT_KEY": SECRET,
        },
        "unknown key in a config file with secrets": config_file(
            tmp_path, TWO_ACCOUNTS + "    extra: 1\n"
        ),
        "invalid YAML on the secret's line": config_file(
            tmp_path, f"accounts:\n  - name: a\n    api_key: {SECRET}: [\n"
        ),
        "secret as a YAML list": config_file(
            tmp_path, f"accounts:\n  - name: a\n    api_key: [{SECRET}]\n"
        ),
        "secret as a YAML mapping": config_file(
            tmp_path, f"accounts:\n  - name: a\n    management_key: {{{SECRET}: 1}}\n"
        ),
        "secret with spaces in a config file": config_file(
            tmp_path, f"accounts:\n  - name: a\n    api_key: '{SECRET} {SECRET}'\n"
        ),
        "duplicate account with secrets": config_file(
            tmp_path,
            f"accounts:\n  - name: a\n    api_key: {SECRET}\n  - name: a\n    api_key: {SECRET}\n",
        ),
    }


_SECRET_CASE_NAMES = [
    "key and key file",
    "key with whitespace inside",
    "key with a control character",
    "key file with two lines",
    "key file not UTF-8",
    "bad duration beside a key",
    "bad listen address beside a key",
    "bad threshold beside a key",
    "key beside a config file",
    "unknown key in a config file with secrets",
    "invalid YAML on the secret's line",
    "secret as a YAML list",
    "secret as a YAML mapping",
    "secret with spaces in a config file",
    "duplicate account with secrets",
]


def test_secret_case_list_is_complete(tmp_path: Path) -> None:
    assert sorted(_secret_cases(tmp_path)) == sorted(_SECRET_CASE_NAMES)


@pytest.mark.parametrize("case", _SECRET_CASE_NAMES)
def test_no_config_error_message_contains_the_secret(tmp_path: Path, case: str) -> None:
    environ = _secret_cases(tmp_path)[case]
    with pytest.raises(ConfigError) as caught:
        load_config({}, environ)
    message = str(caught.value)
    assert SECRET not in message
    assert "FAKESECRET" not in message
    assert all("\n" not in str(problem) for problem in caught.value.problems)


@pytest.mark.parametrize("variable", ["OPENROUTER_MANAGEMENT_KEY_FILE", "OPENROUTER_BASE_URL"])
def test_key_pasted_into_the_wrong_variable_is_not_echoed(variable: str) -> None:
    environ = {"OPENROUTER_API_KEY": OTHER_SECRET, variable: SECRET}
    with pytest.raises(ConfigError) as caught:
        load_config({}, environ)
    assert "FAKESECRET" not in str(caught.value)


# One validation path: every source through one model, every problem at once.

# YAML spelling, flag and variable spelling
_NON_FINITE = {"inf": (".inf", "inf"), "nan": (".nan", "nan"), "-inf": ("-.inf", "-inf")}


def _sources(
    source: str, tmp_path: Path, key: str, text: str, yaml_text: str
) -> tuple[Flags, dict[str, str]]:
    """Flags and environment that give setting `key` the value `text` from one source."""
    if source == "flag":
        return {key: text}, with_key()
    if source == "environment":
        return {}, with_key(**{SETTINGS_BY_KEY[key].env: text})
    account = f"accounts:\n  - name: a\n    api_key: {SECRET}\n    {key}: {yaml_text}\n"
    return {}, config_file(tmp_path, account)


@pytest.mark.parametrize("source", ["flag", "environment", "config file"])
@pytest.mark.parametrize("value", sorted(_NON_FINITE))
@pytest.mark.parametrize("key", ["balance_warning_usd", "runway_critical_days"])
def test_non_finite_threshold_is_rejected_from_every_source(
    tmp_path: Path, source: str, value: str, key: str
) -> None:
    yaml_text, text = _NON_FINITE[value]
    flags, environ = _sources(source, tmp_path, key, text, yaml_text)
    with pytest.raises(ConfigError) as caught:
        load_config(flags, environ)
    assert "finite number" in only(caught.value).problem


def test_nan_critical_floor_cannot_pass_the_order_check(tmp_path: Path) -> None:
    """NaN compares false with everything, so an order check alone would let it through."""
    text = (
        f"accounts:\n  - name: a\n    api_key: {SECRET}\n"
        "    balance_warning_usd: 10\n    balance_critical_usd: .nan\n"
    )
    problem = file_error(tmp_path, text)
    assert problem.setting == f"{tmp_path / 'exporter.yml'}:5 accounts[1].balance_critical_usd"


def test_bad_settings_from_three_sources_are_reported_together_with_their_locations(
    tmp_path: Path,
) -> None:
    text = f"accounts:\n  - name: a\n    api_key: {SECRET}\n    runway_warning_days: -2\n"
    with pytest.raises(ConfigError) as caught:
        load(
            {"poll_interval": "often"},
            **config_file(tmp_path, text),
            OPENROUTER_EXPORTER_BALANCE_WARNING_USD=".inf",
        )
    locations = {problem.setting for problem in caught.value.problems}
    assert locations == {
        "--poll.interval",
        "OPENROUTER_EXPORTER_BALANCE_WARNING_USD",
        f"{tmp_path / 'exporter.yml'}:4 accounts[1].runway_warning_days",
    }


def test_relations_between_settings_are_all_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(
            **with_key(
                OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS="1",
                OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS="2",
                OPENROUTER_EXPORTER_POLL_INTERVAL="10s",
                OPENROUTER_EXPORTER_REQUEST_TIMEOUT="8s",
            )
        )
    assert {problem.setting for problem in caught.value.problems} == {
        "OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS",
        "OPENROUTER_EXPORTER_REQUEST_TIMEOUT",
    }


# Several listen addresses, switches, log level spellings.


def test_repeated_listen_address_flag_keeps_every_address() -> None:
    config = load({"listen_address": ["127.0.0.1:9101", "[::1]:9102"]}, **with_key())
    assert config.listen_addresses == (
        ListenAddress("127.0.0.1", 9101),
        ListenAddress("::1", 9102),
    )


def test_listen_address_variable_takes_a_comma_separated_list() -> None:
    config = load(**with_key(OPENROUTER_EXPORTER_LISTEN_ADDRESS="127.0.0.1:9101, :9102"))
    assert config.listen_addresses == (ListenAddress("127.0.0.1", 9101), ListenAddress("", 9102))


def test_log_level_warn_is_spelled_as_prometheus_does() -> None:
    assert load(**with_key(OPENROUTER_EXPORTER_LOG_LEVEL="warn")).log_level == "warning"
    assert load(**with_key(OPENROUTER_EXPORTER_LOG_LEVEL="warning")).log_level == "warning"


def test_log_format_logfmt_is_accepted() -> None:
    assert load(**with_key(OPENROUTER_EXPORTER_LOG_FORMAT="logfmt")).log_format == "logfmt"


@pytest.mark.parametrize("path", ["metrics", "/a b", "/healthz"])
def test_telemetry_path_must_be_a_free_url_path(path: str) -> None:
    error = config_error(**with_key(OPENROUTER_EXPORTER_TELEMETRY_PATH=path))
    assert error.setting == "OPENROUTER_EXPORTER_TELEMETRY_PATH"


@pytest.mark.parametrize(("text", "on"), [("true", True), ("1", True), ("False", False)])
def test_switch_variable_takes_true_or_false(text: str, on: bool) -> None:
    config = load(**with_key(OPENROUTER_EXPORTER_DISABLE_EXPORTER_METRICS=text))
    assert config.exporter_metrics is not on


def test_a_missing_config_file_is_named_by_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yml"

    error = config_error({"config_file": str(missing)})

    assert error.setting == "--config.file"
    assert f"cannot read {missing}: No such file or directory" in error.problem


def test_one_day_is_written_in_the_singular(tmp_path: Path) -> None:
    error = config_error(
        OPENROUTER_API_KEY=SECRET,
        OPENROUTER_EXPORTER_RUNWAY_CRITICAL_DAYS="2",
        OPENROUTER_EXPORTER_RUNWAY_WARNING_DAYS="1",
    )

    assert "(2 days)" in error.problem
    assert "(1 day)" in error.problem
