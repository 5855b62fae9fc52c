"""Lenient parsing of OpenRouter's values, shared by every wire model: numbers may arrive as
strings, timestamps in two formats, and a malformed timestamp, number or flag becomes
``None`` (unknown) rather than failing the whole answer."""

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


def lenient_datetime(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (ValueError, OverflowError, OSError):
            return None
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value if isinstance(value, datetime) else None


def lenient_number(value: Any) -> Any:
    """Keep numbers and numeric strings; anything else (``""``, ``"n/a"``) is unknown."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float):
        try:
            return value if math.isfinite(value) else None
        except OverflowError:
            return None
    return None


def lenient_bool(value: Any) -> Any:
    """``true``/``false`` and their usual spellings; anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def lenient_text(value: Any) -> Any:
    return value if isinstance(value, str) else None


Timestamp = Annotated[datetime | None, BeforeValidator(lenient_datetime)]
Money = Annotated[float | None, BeforeValidator(lenient_number)]
Text = Annotated[str | None, BeforeValidator(lenient_text)]
Flag = Annotated[bool | None, BeforeValidator(lenient_bool)]
Amount = Annotated[float, BeforeValidator(lambda value: lenient_number(value) or 0.0)]


class Tolerant(BaseModel):
    """Unknown fields ignored; values frozen; no NaN or infinity."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)
