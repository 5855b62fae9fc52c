"""Content negotiation for ``/metrics`` by RFC 9110: q-values decide, ``q=0`` refuses.

prometheus-client's ``choose_encoder`` and ``gzip_accepted`` look for the media type or
coding anywhere in the header and ignore q-values (``gzip;q=0`` would get gzip), so the
choice is made here; the formats themselves are still prometheus-client's. A scraper sends
the same headers every time, so the answers are remembered for the last few headers seen.
"""

import functools

OPENMETRICS = "application/openmetrics-text"
TEXT = "text/plain"


def _preferences(header: str) -> list[tuple[str, float]]:
    """``(token, q)`` pairs of an Accept or Accept-Encoding header, lower-cased."""
    found: list[tuple[str, float]] = []
    for element in header.split(","):
        token, *parameters = (part.strip() for part in element.split(";"))
        if not token:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0  # a q-value that cannot be read accepts nothing
        found.append((token.lower(), quality))
    return found


def _media_quality(preferences: list[tuple[str, float]], media_type: str) -> float | None:
    """The q-value of the most specific range matching ``media_type``; None if none does."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] | None = None
    for token, quality in preferences:
        if token == media_type:
            specificity = 2
        elif token == f"{kind}/*":
            specificity = 1
        elif token == "*/*":  # noqa: S105 (a media range, not a password)
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    return None if best is None else best[1]


@functools.lru_cache(maxsize=64)
def choose_format(accept: str | None) -> bool | None:
    """True for OpenMetrics, False for the text format, None when both are refused.

    The higher q-value wins; on a tie, or when the header names neither (like
    ``application/json``), the text format, prometheus-client's default. A format refused
    with ``q=0`` is never sent.
    """
    preferences = _preferences(accept or "")
    openmetrics = _media_quality(preferences, OPENMETRICS)
    text = _media_quality(preferences, TEXT)
    if openmetrics == 0 and text == 0:
        return None
    if text == 0:
        return True
    if not openmetrics:
        return False
    return openmetrics > (text or 0.0)


@functools.lru_cache(maxsize=64)
def choose_gzip(accept_encoding: str | None) -> bool | None:
    """True for gzip, False for no coding, None when both are refused.

    Without the header any coding is acceptable and the body is sent as is; gzip is chosen
    whenever its q-value is positive and at least that of ``identity`` (when named).
    """
    if accept_encoding is None:
        return False
    preferences = dict(_preferences(accept_encoding))
    wildcard = preferences.get("*")
    gzip = preferences.get("gzip", preferences.get("x-gzip", wildcard or 0.0))
    # No coding is acceptable unless refused by name, or by `*;q=0` without being named;
    # unnamed, it has no q-value to beat gzip's.
    identity = preferences.get("identity", wildcard)
    if gzip > 0 and (identity is None or gzip >= identity):
        return True
    if identity is None or identity > 0:
        return False
    return None
