"""The tables, as markdown, from the settings catalogue and the metric families."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import Metric

from openrouter_exporter.config.catalogue import SETTINGS, Setting
from openrouter_exporter.core.snapshot import Snapshot
from openrouter_exporter.endpoints.base import POLLED
from openrouter_exporter.serving.collector import render

SETTINGS_HEADER = ("| flag | environment variable | default | meaning |", "|---|---|---|---|")
METRICS_HEADER = ("| metric | type | labels | meaning |", "|---|---|---|---|")
#: Every family the exporter serves is rendered for a snapshot without accounts too, empty.
_NO_ACCOUNTS = Snapshot(version=0, accounts=(), ready=False)


def cell(text: str) -> str:
    """Text that stays in its table cell, shown as written (``<status>`` is no HTML tag)."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " ")):
        text = text.replace(raw, escaped)
    return text


def settings_table(settings: Iterable[Setting] = SETTINGS) -> str:
    rows = list(SETTINGS_HEADER)
    for setting in settings:
        env = f"`{setting.env}`" + (" (`_FILE`)" if setting.has_file_variant else "")
        default = cell(setting.documented_default)
        rows.append(f"| `{setting.flag}` | {env} | {default} | {cell(setting.help)} |")
    return "\n".join(rows) + "\n"


def served_name(family: Metric) -> str:
    """The sample name a scrape shows: a counter's carries ``_total``."""
    return f"{family.name}_total" if family.type == "counter" else family.name


def label_names(family: Metric) -> tuple[str, ...]:
    """The labels a family was declared with (prometheus-client keeps them on the family,
    also while it has no sample)."""
    names = getattr(family, "_labelnames", ())
    return tuple(str(name) for name in names)


def meaning(help_text: str) -> str:
    """The HELP text without the sentence every polled family ends with."""
    return help_text.removesuffix(POLLED).strip()


def metrics_table(families: Iterable[Metric] | None = None) -> str:
    rows = list(METRICS_HEADER)
    for family in render(_NO_ACCOUNTS) if families is None else families:
        labels = ", ".join(label_names(family))
        rows.append(
            f"| `{served_name(family)}` | {family.type} | {labels} | "
            f"{cell(meaning(family.documentation))} |"
        )
    return "\n".join(rows) + "\n"
