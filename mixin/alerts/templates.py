"""Pieces of Go template shared by the alerts' annotations.

Money reads "$12.34" (a negative amount "-$3.00"), days have one decimal, times are
``humanizeTimestamp`` (UTC). A query that returns nothing shows a fallback, never a zero.
"""

from __future__ import annotations

DOLLARS = '| printf "%.2f" | reReplaceAll "^(-?)" "${1}$$"'
"""Pipe a number into this to print it as money."""

ACCOUNT = "$labels.account"
KEY = "$labels.account $labels.key_hash"


def first_money(query: str, args: str = ACCOUNT, fallback: str = "unknown", unit: str = "") -> str:
    """The first sample of ``query`` (a printf format over ``args``) as money followed by
    ``unit``; ``fallback`` (without the unit) when the query returns nothing."""
    return (
        f"{{{{ with printf `{query}` {args} | query }}}}"
        f"{{{{ . | first | value {DOLLARS} }}}}{unit}{{{{ else }}}}{fallback}{{{{ end }}}}"
    )


def first_value(query: str, pipeline: str, args: str = ACCOUNT, fallback: str = "unknown") -> str:
    """The first sample of ``query`` piped through ``pipeline`` (``printf "%.1f"``...)."""
    return (
        f"{{{{ with printf `{query}` {args} | query }}}}"
        f"{{{{ . | first | value | {pipeline} }}}}{{{{ else }}}}{fallback}{{{{ end }}}}"
    )


def first_label(query: str, label: str, args: str, fallback: str) -> str:
    return (
        f"{{{{ with printf `{query}` {args} | query }}}}"
        f'{{{{ . | first | label "{label}" }}}}{{{{ else }}}}{fallback}{{{{ end }}}}'
    )


def listing(query: str, item: str, fallback: str, args: str = ACCOUNT) -> str:
    """Every sample of ``query``, each written by ``item`` (a template over ``.Labels`` and
    ``.Value``), separated by "; "; ``fallback`` when there is none."""
    return (
        f"{{{{ range $i, $sample := printf `{query}` {args} | query }}}}"
        f"{{{{ if $i }}}}; {{{{ end }}}}{item}{{{{ else }}}}{fallback}{{{{ end }}}}"
    )


def listing_or(query: str, intro: str, item: str, otherwise: str, args: str = ACCOUNT) -> str:
    """``intro`` and the samples of ``query`` as :func:`listing` writes them, or ``otherwise``
    when the query has none."""
    return (
        f"{{{{ with printf `{query}` {args} | query }}}}{intro}"
        f"{{{{ range $i, $sample := . }}}}{{{{ if $i }}}}; {{{{ end }}}}{item}{{{{ end }}}}"
        f"{{{{ else }}}}{otherwise}{{{{ end }}}}"
    )


def dashboard_url(
    grafana_url: str, uid: str, per_account: bool = True, per_key: bool = False
) -> str:
    """The dashboard link: the configured Grafana URL, else Prometheus' external label
    ``grafana_url``; with neither the annotation is empty (no link rather than a wrong one).
    ``per_key``: the key selected too (the drill-down's ``key`` variable is the key hash)."""
    query = "?var-account={{ $labels.account | urlquery }}" if per_account else ""
    if per_key:
        query += "&var-key={{ $labels.key_hash | urlquery }}"
    path = f"/d/{uid}{query}"
    if grafana_url:
        return grafana_url.rstrip("/") + path
    return (
        '{{ with $externalLabels.grafana_url }}{{ . | reReplaceAll "/+$" "" }}'
        f"{path}{{{{ end }}}}"
    )


def sentences(*parts: str) -> str:
    """One description from its parts, joined by spaces."""
    return " ".join(part.strip() for part in parts if part.strip())
