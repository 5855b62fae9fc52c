"""The selector of the mixin applied to PromQL, in expressions and in annotation queries.

Rules are written with bare metric names (``openrouter_balance_usd{window="7d"}``); the
configured selector (``job="openrouter"``) is added to every selector of the exporter's
series, the way monitoring mixins interpolate their ``%(selector)s``.
"""

from __future__ import annotations

import re

_SERIES = re.compile(r"(?<![\w:])(openrouter_\w+|up)(?![\w:(])(\{)?")
_QUERY = re.compile(r"`([^`]*)`")


def with_selector(expr: str, selector: str) -> str:
    """``expr`` with ``selector`` added to each of the exporter's series (and to ``up``)."""
    if not selector:
        return expr

    def add(match: re.Match[str]) -> str:
        name, brace = match.group(1), match.group(2)
        return f"{name}{{{selector}," if brace else f"{name}{{{selector}}}"

    return _SERIES.sub(add, expr)


def template_with_selector(template: str, selector: str) -> str:
    """An annotation template whose queries (its backquoted strings) carry ``selector``.

    The queries are ``printf`` formats, so a ``%`` in the selector is doubled."""
    escaped = selector.replace("%", "%%")
    return _QUERY.sub(lambda m: "`" + with_selector(m.group(1), escaped) + "`", template)
