"""Reading what an HTTP answer says besides its body: OpenRouter's error message (one line,
shortened), its clock (the ``Date`` header) and ``Retry-After``."""

import email.utils
import json

import httpx

MAX_MESSAGE = 200


def error_message(response: httpx.Response) -> str:
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return response.reason_phrase or "no error message"


def shorten(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= MAX_MESSAGE else one_line[: MAX_MESSAGE - 1] + "…"


def server_time(response: httpx.Response) -> float | None:
    """OpenRouter's clock from the ``Date`` header: it decides which UTC day is today."""
    try:
        return email.utils.parsedate_to_datetime(response.headers.get("Date", "")).timestamp()
    except (TypeError, ValueError):
        return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:
        return None
    return max(0.0, min(seconds, 86400.0))
