"""The exporter-toolkit ``web-config.yml`` format, the subset this exporter supports.

Supported: ``tls_server_config`` with ``cert_file``, ``key_file``, ``client_ca_file``,
``client_auth_type`` (``NoClientCert``, ``VerifyClientCertIfGiven``,
``RequireAndVerifyClientCert``), ``min_version`` and ``max_version`` (``TLS12``,
``TLS13``); and ``basic_auth_users`` with bcrypt hashes. Anything else is rejected at
start-up, so a setting that looks protective is never silently ignored.
"""

import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from openrouter_exporter.config import SETTINGS_BY_KEY, ConfigError, read_yaml

_TLS_KEYS = {
    "cert_file",
    "key_file",
    "client_ca_file",
    "client_auth_type",
    "min_version",
    "max_version",
}
_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
_INSECURE_VERSIONS = {"TLS10", "TLS11"}
_BCRYPT_HASH = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")


@dataclass(frozen=True)
class WebConfig:
    ssl_context: ssl.SSLContext | None = None
    basic_auth_users: dict[str, bytes] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"


def load_web_config(path: Path | None) -> WebConfig:
    if path is None:
        return WebConfig()
    label = f"{SETTINGS_BY_KEY['web_config'].env} ({path})"
    document = read_yaml(path, label)
    if document is None:
        return WebConfig()
    if not isinstance(document, dict):
        raise ConfigError(label, "must be a mapping")
    unknown = set(document) - {"tls_server_config", "basic_auth_users"}
    if unknown:
        raise ConfigError(label, f"unsupported setting(s): {', '.join(sorted(map(str, unknown)))}")
    tls = document.get("tls_server_config")
    users = document.get("basic_auth_users")
    return WebConfig(
        ssl_context=_ssl_context(tls, path.parent, label) if tls else None,
        basic_auth_users=_users(users, label) if users else {},
    )


def _ssl_context(section: object, base: Path, label: str) -> ssl.SSLContext:
    where = f"{label} tls_server_config"
    if not isinstance(section, dict):
        raise ConfigError(where, "must be a mapping")
    unknown = set(section) - _TLS_KEYS
    if unknown:
        raise ConfigError(where, f"unsupported setting(s): {', '.join(sorted(map(str, unknown)))}")
    cert_file, key_file = section.get("cert_file"), section.get("key_file")
    if not cert_file or not key_file:
        raise ConfigError(where, "cert_file and key_file are both required")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _version(section.get("min_version", "TLS12"), f"{where}.min_version")
    if "max_version" in section:
        context.maximum_version = _version(section["max_version"], f"{where}.max_version")
        if context.maximum_version < context.minimum_version:
            raise ConfigError(f"{where}.max_version", "is below min_version")
    try:
        context.load_cert_chain(_resolve(base, cert_file), _resolve(base, key_file))
    except (OSError, ssl.SSLError) as error:
        raise ConfigError(
            f"{where}.cert_file", f"cannot load certificate and key: {error}"
        ) from None
    auth_type = section.get("client_auth_type", "NoClientCert")
    if auth_type not in _CLIENT_AUTH:
        raise ConfigError(
            f"{where}.client_auth_type",
            f"{auth_type!r} is not supported; use one of {', '.join(_CLIENT_AUTH)}",
        )
    context.verify_mode = _CLIENT_AUTH[auth_type]
    ca_file = section.get("client_ca_file")
    if ca_file:
        try:
            context.load_verify_locations(cafile=_resolve(base, ca_file))
        except (OSError, ssl.SSLError) as error:
            raise ConfigError(f"{where}.client_ca_file", f"cannot load: {error}") from None
    elif context.verify_mode != ssl.CERT_NONE:
        raise ConfigError(f"{where}.client_ca_file", f"is required with {auth_type}")
    return context


def _version(value: object, where: str) -> ssl.TLSVersion:
    if value not in _VERSIONS:
        raise ConfigError(where, f"{value!r} is not one of {', '.join(_VERSIONS)}")
    if value in _INSECURE_VERSIONS:
        raise ConfigError(where, f"{value} is insecure and not supported; use TLS12 or TLS13")
    return _VERSIONS[str(value)]


def _resolve(base: Path, value: object) -> str:
    path = Path(str(value))
    return str(path if path.is_absolute() else base / path)


def _users(section: object, label: str) -> dict[str, bytes]:
    where = f"{label} basic_auth_users"
    if not isinstance(section, dict):
        raise ConfigError(where, "must map user names to bcrypt hashes")
    users: dict[str, bytes] = {}
    for user, hashed in section.items():
        if not isinstance(user, str) or not user or ":" in user:
            raise ConfigError(where, "user names must be non-empty text without ':'")
        if not isinstance(hashed, str) or not _BCRYPT_HASH.fullmatch(hashed):
            raise ConfigError(
                f"{where}.{user}", "is not a bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters)"
            )
        users[user] = hashed.encode()
    return users
