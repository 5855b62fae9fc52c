"""The names of the OpenRouter endpoints the exporter polls: the ``endpoint`` label's values."""

from enum import StrEnum


class EndpointName(StrEnum):
    CREDITS = "credits"
    KEY = "key"
    KEYS = "keys"
    ACTIVITY = "activity"
    ANALYTICS = "analytics"
