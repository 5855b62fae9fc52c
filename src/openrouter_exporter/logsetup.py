"""structlog set-up: JSON lines when not on a terminal, readable console output on one, or
logfmt lines (``key=value``, as Prometheus' own tools log) when asked.

A last processor replaces every configured secret wherever it appears in an event, so that
even an unexpected message cannot carry a key into the log.
"""

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class SecretRedactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def __call__(
        self, logger: Any, method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if not self._secrets:
            return event
        for name, value in event.items():
            event[name] = self._scrub(value)
        return event

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, "[redacted]")
            return value
        if isinstance(value, dict):
            return {key: self._scrub(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(item) for item in value]
        return value


def configure_logging(
    log_format: str, level: str, secrets: Iterable[str], stream: TextIO | None = None
) -> None:
    output = stream or sys.stderr
    use_console = log_format == "console" or (log_format == "auto" and output.isatty())
    renderer: Any
    if log_format == "logfmt":
        renderer = structlog.processors.LogfmtRenderer(
            key_order=["timestamp", "level", "event"], bool_as_flag=False
        )
    elif use_console:
        renderer = structlog.dev.ConsoleRenderer(colors=output.isatty())
    else:
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            SecretRedactor(secrets),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(output),
        cache_logger_on_first_use=False,
    )
