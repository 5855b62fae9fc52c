"""The one model every configuration source is validated through.

Flags and environment variables arrive as text, the YAML file as typed values; both fill the
same :class:`Settings`, whose field types (a duration, a finite threshold, an account name …)
are shared by the file's accounts, so that ``.inf`` is refused wherever it is written.
Relations between settings (a critical threshold beyond the warning one …) are checked by
:mod:`openrouter_exporter.config.relations` once each setting is valid on its own.
"""

import re
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from openrouter_exporter.config.durations import parse_duration

# Anything shaped like an OpenRouter key, in case one was typed into the wrong setting.
_KEY_SHAPE = re.compile(r"sk-[A-Za-z0-9_-]{6,}")
_ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$")
_WORKSPACE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_HOST = re.compile(r"[A-Za-z0-9.:%_-]+")


def redact(text: str) -> str:
    """One line, with anything shaped like a key replaced."""
    return _KEY_SHAPE.sub("[redacted key]", " ".join(text.split()))


class ListenAddress(NamedTuple):
    host: str  # empty: every interface
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen_address(value: str) -> ListenAddress:
    text = value.strip()
    if text.startswith("["):
        end = text.find("]:")
        if end < 0:
            raise ValueError(f"{text!r} is not host:port ([::1]:10473 for IPv6)")
        host, port_text = text[1:end], text[end + 2 :]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or ":" in host:
            raise ValueError(f"{text!r} is not host:port (for example :10473)")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"port {port_text!r} is not a number from 0 to 65535")
    if host and not _HOST.fullmatch(host):
        raise ValueError(f"host {host!r} is not a host name or address")
    return ListenAddress(host, int(port_text))


def _listen_addresses(value: object) -> object:
    if isinstance(value, str):
        return value.split(",")
    return value


def _duration(value: object) -> object:
    return parse_duration(value) if isinstance(value, str) else value


def _at_least(minimum: float) -> AfterValidator:
    def check(seconds: float) -> float:
        if seconds < minimum:
            raise ValueError(f"{seconds:g}s is shorter than the minimum of {minimum:g}s")
        return seconds

    return AfterValidator(check)


def _base_url(value: str) -> str:
    url = value.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"{url!r} is not an http(s) URL")
    return url


def _account_name(name: str) -> str:
    if not _ACCOUNT_NAME.match(name):
        raise ValueError(
            f"account name {name!r} must be 1-63 letters, digits, '_', '.', ':' or '-'"
        )
    return name


def _workspaces(value: object) -> object:
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, list | tuple):
        return value
    ids = tuple(dict.fromkeys(str(part).strip() for part in parts if str(part).strip()))
    for workspace in ids:
        if not _WORKSPACE_ID.fullmatch(workspace):
            raise ValueError(f"{workspace!r} is not a workspace id")
    return ids


def _secret(value: SecretStr) -> SecretStr:
    stripped = value.get_secret_value().strip()
    if not stripped:
        raise ValueError("is empty")
    if any(ch.isspace() or not ch.isprintable() for ch in stripped):
        raise ValueError("contains whitespace or control characters; is it one key?")
    return SecretStr(stripped)


def _read_secret_file(value: object) -> object:
    if not isinstance(value, str | Path):
        return value
    path = Path(value)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _log_level(value: object) -> object:
    level = _lower(value)
    return "warning" if level == "warn" else level  # `warn` as Prometheus' own tools spell it


def _telemetry_path(path: str) -> str:
    if not path.startswith("/") or any(ch.isspace() or ch in "?#" for ch in path):
        raise ValueError(f"{path!r} is not a URL path (for example /metrics)")
    if path in ("/healthz", "/readyz"):
        raise ValueError(f"{path} is the exporter's own probe")
    return path


Seconds = Annotated[float, BeforeValidator(_duration), Field(allow_inf_nan=False)]
Interval = Annotated[Seconds, _at_least(1.0)]
Timeout = Annotated[Seconds, _at_least(0.1)]


def _off_or_at_least_a_second(seconds: float) -> float:
    if seconds < 0 or 0 < seconds < 1:
        raise ValueError(f"{seconds:g}s must be 0 (off) or at least 1s")
    return seconds


#: An interval that 0 turns off.
OptionalInterval = Annotated[Seconds, AfterValidator(_off_or_at_least_a_second)]
Days = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Usd = Annotated[float, Field(allow_inf_nan=False)]
BaseUrl = Annotated[str, AfterValidator(_base_url)]
AccountName = Annotated[str, AfterValidator(_account_name)]
Workspaces = Annotated[tuple[str, ...], BeforeValidator(_workspaces)]
Secret = Annotated[SecretStr, AfterValidator(_secret)]
SecretFile = Annotated[Secret, BeforeValidator(_read_secret_file)]
Address = Annotated[ListenAddress, BeforeValidator(lambda v: parse_listen_address(str(v)))]
Switch = Annotated[bool, BeforeValidator(_lower)]


class _AccountFields(BaseModel):
    """What the environment's single account and each account of the file both have."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    management_key: Secret | None = None
    management_key_file: SecretFile | None = None
    api_key: Secret | None = None
    api_key_file: SecretFile | None = None
    balance_warning_usd: Usd | None = None
    balance_critical_usd: Usd | None = None
    workspaces: Workspaces = ()


BudgetPeriod = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
_Names = tuple[Annotated[str, Field(min_length=1)], ...]


def _budget_name(name: str) -> str:
    if not _ACCOUNT_NAME.match(name):
        raise ValueError(f"budget name {name!r} must be 1-63 letters, digits, '_', '.', ':' or '-'")
    return name


class BudgetScope(BaseModel):
    """What a budget counts; within a field any value matches, across fields all must."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keys: _Names = ()  # a key's name or its hash (or the start of its hash)
    models: _Names = ()
    providers: _Names = ()
    workspaces: _Names = ()

    @property
    def by_key(self) -> bool:
        """Whether the budget counts keys' spend (keys, workspaces) rather than models'."""
        return bool(self.keys or self.workspaces)

    @model_validator(mode="after")
    def _one_source(self) -> "BudgetScope":
        if self.by_key and (self.models or self.providers):
            raise ValueError(
                "keys or workspaces cannot be combined with models or providers: OpenRouter "
                "reports a key's spend without its models; declare two budgets"
            )
        return self


class BudgetThreshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    percent: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
    basis: Literal["actual", "forecast"] = "actual"


DEFAULT_BUDGET_THRESHOLDS = (
    BudgetThreshold(percent=80, basis="actual"),
    BudgetThreshold(percent=100, basis="actual"),
    BudgetThreshold(percent=100, basis="forecast"),
)


class Budget(BaseModel):
    """A spending budget declared for an account: an amount per calendar period (UTC)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, AfterValidator(_budget_name)]
    amount_usd: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    period: BudgetPeriod
    scope: BudgetScope = BudgetScope()
    thresholds: tuple[BudgetThreshold, ...] = DEFAULT_BUDGET_THRESHOLDS

    @field_validator("thresholds")
    @classmethod
    def _distinct(cls, thresholds: tuple[BudgetThreshold, ...]) -> tuple[BudgetThreshold, ...]:
        seen = set()
        for item in thresholds:
            if (item.percent, item.basis) in seen:
                raise ValueError(f"{item.percent:g}% {item.basis} is given twice")
            seen.add((item.percent, item.basis))
        return thresholds


class FileAccount(_AccountFields):
    """One account of the YAML file; thresholds left out inherit the flags' values."""

    name: AccountName
    base_url: BaseUrl | None = None
    runway_warning_days: Days | None = None
    runway_critical_days: Days | None = None
    budgets: tuple[Budget, ...] = ()


class ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    accounts: list[FileAccount] = Field(min_length=1)


class Settings(_AccountFields):
    """Every setting, from whichever source gave it. Field names are ``Setting.key``s; the
    caller fills unset ones with ``Setting.default``, so defaults are validated too."""

    config_file: Path | None = None
    config_document: ConfigFile | None = None
    base_url: BaseUrl
    account: AccountName
    listen_address: Annotated[list[Address], BeforeValidator(_listen_addresses)] = Field(
        min_length=1
    )
    systemd_socket: Switch
    telemetry_path: Annotated[str, AfterValidator(_telemetry_path)]
    disable_exporter_metrics: Switch
    web_config: Path | None = None
    poll_interval: Interval
    activity_interval: Interval
    analytics_interval: OptionalInterval
    analytics_top_pairs: Annotated[int, Field(ge=0)]
    limits_interval: OptionalInterval
    request_timeout: Timeout
    state_dir: Path | None = None
    runway_warning_days: Days
    runway_critical_days: Days
    log_format: Annotated[Literal["auto", "json", "logfmt", "console"], BeforeValidator(_lower)] = (
        "auto"
    )
    log_level: Annotated[Literal["debug", "info", "warning", "error"], BeforeValidator(_log_level)]


def error_message(error: dict[str, Any], *, secret: bool) -> str:
    """A pydantic error as one line for a person; never the input of a secret field."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown setting"
    if kind == "missing":
        return "is required"
    message = str(error["msg"])
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    given = error.get("input")
    if not secret and isinstance(given, str | int | float) and not isinstance(given, bool):
        return f"{message} (got {given!r})"
    return message
