"""What the log says about polls: a line when a problem starts, changes or ends, never one
per poll, and for each problem advice a person can act on."""

from collections.abc import Mapping

from structlog.typing import FilteringBoundLogger

from openrouter_exporter.config.durations import format_duration
from openrouter_exporter.endpoints.base import Key
from openrouter_exporter.openrouter.client import ErrorKind, FetchError

STOPPED_POLLING = (
    "an inference key cannot read the balance; polling /credits stopped. Set a management key "
    "(OpenRouter settings > Management keys) as OPENROUTER_MANAGEMENT_KEY to unlock balance, "
    "forecast and per-model spend"
)


def report_success(
    log: FilteringBoundLogger, endpoint: str, problem: str | None, failures: int
) -> None:
    """Say that the first poll worked, or that ``problem`` ended after ``failures`` polls."""
    if problem is None:
        log.info("first poll succeeded", endpoint=endpoint)
    else:
        log.info(
            "OpenRouter endpoint recovered",
            endpoint=endpoint,
            after_failures=failures,
            previous_problem=problem,
        )


def report_failure(
    log: FilteringBoundLogger,
    error: FetchError,
    *,
    endpoint: str,
    key: Key,
    key_fingerprint: str | None,
    stopped: bool,
    timeout: float,
    next_try_in: float,
    kept_values: bool,
    own_advice: Mapping[str, str],
) -> None:
    fields = {
        "endpoint": endpoint,
        "reason": error.reason,
        "error": error.message,
        "key": f"{key.value} sha256:{key_fingerprint}" if key_fingerprint else None,
    }
    if stopped:
        log.warning(STOPPED_POLLING, **fields)
        return
    level = log.error if error.kind in (ErrorKind.AUTH, ErrorKind.FORBIDDEN) else log.warning
    level(
        advice(error, key, endpoint, timeout, own_advice),
        exc_info=error.__cause__ if error.kind is ErrorKind.INTERNAL else None,
        next_try_in=format_duration(next_try_in),
        keeping="last good values" if kept_values else "nothing yet",
        **fields,
    )


def failure_advice(
    error: FetchError,
    *,
    endpoint: str,
    key: Key,
    key_fingerprint: str | None,
    stopped: bool,
    timeout: float,
    own_advice: Mapping[str, str],
) -> str:
    """The advice of a failed poll in one sentence for a report: which key, what to do."""
    text = STOPPED_POLLING if stopped else advice(error, key, endpoint, timeout, own_advice)
    which = f" (the {key.value} sha256:{key_fingerprint})" if key_fingerprint else ""
    return f"{text}{which}"


def advice(
    error: FetchError, key: Key, endpoint: str, timeout: float, own_advice: Mapping[str, str]
) -> str:
    """What a person can do about ``error``; ``own_advice``: the endpoint's own words for
    the failure reasons only it reports."""
    if error.kind is ErrorKind.AUTH:
        return (
            f"OpenRouter rejected the {key.value} for /{endpoint}: it is invalid, revoked or "
            "deleted. Create a new key in OpenRouter's settings and update the exporter's "
            "configuration"
        )
    if error.kind is ErrorKind.FORBIDDEN:
        if key is Key.INFERENCE:
            return (
                f"/{endpoint} needs a management key; an inference key can only read /key. "
                "Set OPENROUTER_MANAGEMENT_KEY to a management key"
            )
        return (
            f"OpenRouter refused /{endpoint} to the {key.value}: a key limit or workspace budget "
            "may be exhausted, or the key lacks access"
        )
    if error.status == 402:
        return (
            f"OpenRouter answered /{endpoint} with 402 Payment Required: the account's balance "
            "is probably at or below zero; buy credits"
        )
    if error.kind is ErrorKind.RATE_LIMITED:
        return f"OpenRouter rate-limited /{endpoint}; backing off"
    if error.kind is ErrorKind.SERVER:
        return f"OpenRouter answered /{endpoint} with a server error; retrying with back-off"
    if error.kind is ErrorKind.TIMEOUT:
        return f"/{endpoint} did not answer within {timeout:g}s; retrying with back-off"
    if error.kind is ErrorKind.CONNECTION:
        return f"cannot connect to OpenRouter for /{endpoint}; check the network and base URL"
    if error.kind is ErrorKind.INTERNAL:
        return (
            f"the exporter failed while handling /{endpoint}; keeping the last good values and "
            "retrying. Please report this with the log line"
        )
    if error.reason in own_advice:
        return own_advice[error.reason]
    return (
        f"the answer of /{endpoint} was not understood; keeping the last good values. If this "
        "persists, OpenRouter may have changed its API"
    )
