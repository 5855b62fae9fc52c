"""The exporter-toolkit ``web-config.yml`` format, the subset this exporter supports.

Supported: ``tls_server_config`` with ``cert_file``, ``key_file``, ``client_ca_file``,
``client_auth_type`` (``NoClientCert``, ``VerifyClientCertIfGiven``,
``RequireAndVerifyClientCert``), ``min_version`` and ``max_version`` (``TLS12``,
``TLS13``); ``basic_auth_users`` with bcrypt hashes; and ``http_server_config.headers``
(the headers exporter-toolkit allows, with its allowed values). Anything else is rejected
at start-up, so a setting that looks protective is never silently ignored.

Like exporter-toolkit, the certificate, key and client CA files are read again when they
change (a certificate rotated by cert-manager is served without a restart): each new
connection compares their modification stamps. A changed set that cannot be loaded (a
rotation half written) keeps the previous certificate until the files change again.
"""

import os
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from openrouter_exporter.config.catalogue import SETTINGS_BY_KEY
from openrouter_exporter.config.errors import ConfigError, config_error
from openrouter_exporter.config.yaml_file import read_yaml

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
# exporter-toolkit's extraHTTPHeaders: the headers that may be set, and their allowed values
# (None: any value).
ALLOWED_HEADERS: dict[str, tuple[str, ...] | None] = {
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": None,
    "Content-Security-Policy": None,
}
log = structlog.get_logger("openrouter_exporter.webconfig")


class ReloadingTls:
    """The TLS context for new connections, rebuilt when its files change on disk."""

    def __init__(self, section: dict[Any, Any], base: Path, where: str) -> None:
        self._section = section
        self._base = base
        self._where = where
        self._files = [
            Path(_resolve(base, section[name]))
            for name in ("cert_file", "key_file", "client_ca_file")
            if section.get(name)
        ]
        self._lock = threading.Lock()
        self._stamp = self._stamps()
        self._context = _ssl_context(section, base, where)

    def _stamps(self) -> tuple[tuple[int, int, int] | None, ...]:
        stamps: list[tuple[int, int, int] | None] = []
        for path in self._files:
            try:
                status = os.stat(path)
            except OSError:
                stamps.append(None)
            else:
                stamps.append((status.st_mtime_ns, status.st_size, status.st_ino))
        return tuple(stamps)

    def context(self) -> ssl.SSLContext:
        stamp = self._stamps()
        if stamp == self._stamp:
            return self._context
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._context = _ssl_context(self._section, self._base, self._where)
                except ConfigError as error:
                    log.warning(
                        "TLS files changed but cannot be loaded; serving the previous certificate",
                        error=str(error),
                    )
                else:
                    log.info("TLS certificate reloaded", files=[str(p) for p in self._files])
            return self._context


@dataclass(frozen=True)
class WebConfig:
    tls: ReloadingTls | None = None
    basic_auth_users: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"


def load_web_config(path: Path | None) -> WebConfig:
    if path is None:
        return WebConfig()
    label = f"{SETTINGS_BY_KEY['web_config'].env} ({path})"
    document = read_yaml(path, label)
    if document is None:
        return WebConfig()
    if not isinstance(document, dict):
        raise config_error(label, "must be a mapping")
    unknown = set(document) - {"tls_server_config", "basic_auth_users", "http_server_config"}
    if unknown:
        raise config_error(label, f"unsupported setting(s): {', '.join(sorted(map(str, unknown)))}")
    tls = document.get("tls_server_config")
    users = document.get("basic_auth_users")
    http = document.get("http_server_config")
    where = f"{label} tls_server_config"
    if tls and not isinstance(tls, dict):
        raise config_error(where, "must be a mapping")
    return WebConfig(
        tls=ReloadingTls(tls, path.parent, where) if tls else None,
        basic_auth_users=_users(users, label) if users else {},
        headers=_headers(http, f"{label} http_server_config") if http else {},
    )


def _headers(section: object, where: str) -> dict[str, str]:
    if not isinstance(section, dict):
        raise config_error(where, "must be a mapping")
    unknown = set(section) - {"headers"}
    if unknown:
        raise config_error(where, f"unsupported setting(s): {', '.join(sorted(map(str, unknown)))}")
    headers = section.get("headers") or {}
    if not isinstance(headers, dict):
        raise config_error(f"{where}.headers", "must map header names to values")
    canonical = {name.lower(): name for name in ALLOWED_HEADERS}
    chosen: dict[str, str] = {}
    for name, value in headers.items():
        header = canonical.get(str(name).lower())
        if header is None:
            raise config_error(
                f"{where}.headers",
                f"header {name!r} cannot be set; allowed: {', '.join(ALLOWED_HEADERS)}",
            )
        allowed = ALLOWED_HEADERS[header]
        text = str(value)
        if not isinstance(value, str) or any(ch in text for ch in "\r\n\0"):
            raise config_error(f"{where}.headers.{header}", "must be one line of text")
        if allowed is not None and text not in allowed:
            raise config_error(
                f"{where}.headers.{header}", f"{text!r} is not one of {', '.join(allowed)}"
            )
        chosen[header] = text
    return chosen


def _ssl_context(section: dict[Any, Any], base: Path, where: str) -> ssl.SSLContext:
    unknown = set(section) - _TLS_KEYS
    if unknown:
        raise config_error(where, f"unsupported setting(s): {', '.join(sorted(map(str, unknown)))}")
    cert_file, key_file = section.get("cert_file"), section.get("key_file")
    if not cert_file or not key_file:
        raise config_error(where, "cert_file and key_file are both required")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _version(section.get("min_version", "TLS12"), f"{where}.min_version")
    if "max_version" in section:
        context.maximum_version = _version(section["max_version"], f"{where}.max_version")
        if context.maximum_version < context.minimum_version:
            raise config_error(f"{where}.max_version", "is below min_version")
    try:
        context.load_cert_chain(_resolve(base, cert_file), _resolve(base, key_file))
    except (OSError, ssl.SSLError) as error:
        raise config_error(
            f"{where}.cert_file", f"cannot load certificate and key: {error}"
        ) from None
    auth_type = section.get("client_auth_type", "NoClientCert")
    if auth_type not in _CLIENT_AUTH:
        raise config_error(
            f"{where}.client_auth_type",
            f"{auth_type!r} is not supported; use one of {', '.join(_CLIENT_AUTH)}",
        )
    context.verify_mode = _CLIENT_AUTH[auth_type]
    ca_file = section.get("client_ca_file")
    if ca_file:
        try:
            context.load_verify_locations(cafile=_resolve(base, ca_file))
        except (OSError, ssl.SSLError) as error:
            raise config_error(f"{where}.client_ca_file", f"cannot load: {error}") from None
    elif context.verify_mode != ssl.CERT_NONE:
        raise config_error(f"{where}.client_ca_file", f"is required with {auth_type}")
    return context


def _version(value: object, where: str) -> ssl.TLSVersion:
    if value not in _VERSIONS:
        raise config_error(where, f"{value!r} is not one of {', '.join(_VERSIONS)}")
    if value in _INSECURE_VERSIONS:
        raise config_error(where, f"{value} is insecure and not supported; use TLS12 or TLS13")
    return _VERSIONS[str(value)]


def _resolve(base: Path, value: object) -> str:
    path = Path(str(value))
    return str(path if path.is_absolute() else base / path)


def _users(section: object, label: str) -> dict[str, bytes]:
    where = f"{label} basic_auth_users"
    if not isinstance(section, dict):
        raise config_error(where, "must map user names to bcrypt hashes")
    users: dict[str, bytes] = {}
    for user, hashed in section.items():
        if not isinstance(user, str) or not user or ":" in user:
            raise config_error(where, "user names must be non-empty text without ':'")
        if not isinstance(hashed, str) or not _BCRYPT_HASH.fullmatch(hashed):
            raise config_error(
                f"{where}.{user}", "is not a bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters)"
            )
        users[user] = hashed.encode()
    return users
