"""Parse durations the way Prometheus users write them: ``60``, ``30s``, ``5m``, ``1h30m``,
``1d``, ``2w``."""

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")


def parse_duration(text: str) -> float:
    """Return seconds for a bare number of seconds or a sequence like ``1h30m``.

    Raises ``ValueError`` with a message meant for a person.
    """
    value = text.strip().lower()
    if not value:
        raise ValueError("is empty; use seconds or a duration like 30s, 5m, 1h")
    try:
        seconds = float(value)
    except ValueError:
        seconds = _parse_units(value)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError(f"{text!r} is not a finite duration")
    return seconds


def _parse_units(value: str) -> float:
    position = 0
    total = 0.0
    for match in _PART.finditer(value):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(value) or position == 0:
        raise ValueError(f"{value!r} is not a duration; use seconds or e.g. 30s, 5m, 1h30m, 1d, 2w")
    return total


def format_duration(seconds: float) -> str:
    """Render seconds compactly for logs: ``90`` -> ``1m30s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    remaining = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
