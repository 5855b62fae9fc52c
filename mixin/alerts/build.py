"""How one alerting or recording rule is written: the selector, the runbook and the link."""

from __future__ import annotations

from typing import Any

from mixin.alerts.promql import template_with_selector, with_selector
from mixin.alerts.templates import dashboard_url
from mixin.config import MixinConfig

Rule = dict[str, Any]
#: The runbooks shipped with the rules, relative to the repository's top directory.
RUNBOOKS = "docs/runbooks.md"


def record(config: MixinConfig, name: str, expr: str) -> Rule:
    return {"record": name, "expr": with_selector(expr.strip(), config.selector) + "\n"}


def runbook_annotation(config: MixinConfig, name: str) -> dict[str, str]:
    """Where the alert's runbook is: ``runbook_url`` into the configured copy of the
    runbooks, else ``runbook``, the shipped file and the section's anchor (its title, the
    alert's name, in lower case), never a link to a page that may not exist."""
    anchor = name.lower()
    if config.runbook_base_url:
        return {"runbook_url": f"{config.runbook_base_url}#{anchor}"}
    return {"runbook": f"{RUNBOOKS}#{anchor}"}


def alert(
    config: MixinConfig,
    name: str,
    severity: str,
    expr: str,
    duration: str,
    summary: str,
    description: str,
    *,
    per_account: bool = True,
    per_key: bool = False,
    labels: dict[str, str] | None = None,
) -> Rule:
    """An alerting rule with the four annotations every alert carries. The summary is what
    a pager shows: the account (the key, where there is one) and the figure that matters."""
    expr = with_selector(expr.strip(), config.selector)
    runbook = runbook_annotation(config, name)
    return {
        "alert": name,
        "expr": expr + "\n" if "\n" in expr else expr,
        "for": duration,
        "labels": {"severity": severity, **(labels or {})},
        "annotations": {
            "summary": template_with_selector(summary, config.selector),
            "description": template_with_selector(description, config.selector),
            **runbook,
            # A key alert opens the drill-down with its key selected, the others the overview.
            "dashboard_url": dashboard_url(
                config.grafana_url,
                config.drilldown_uid if per_key else config.overview_uid,
                per_account,
                per_key,
            ),
        },
    }
