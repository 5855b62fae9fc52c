"""PromQL building blocks of the dashboards: selectors, deduplication, liveness guards.

Three rules hold for every query the dashboards run:

* **Every series selector carries the mixin's ``selector``** and the dashboard's ``job``
  and ``account`` variables (:meth:`Series.__call__`).
* **Copies of a series never add up.** One exporter scraped by two jobs, or two Prometheus
  replicas behind one query layer, give each series twice, with labels that differ only
  outside the exporter's own (``job``, ``instance``, a replica label). So every
  aggregation first reduces a metric to one series per identity with ``max by (<the
  metric's own labels>)`` (:func:`dedup`), and counters are rated per series before that.
* **A number built on ``rate()`` or ``increase()`` disappears with the exporter**: such a
  function keeps a value for its whole window after the last scrape, so it is joined with
  the exporter's current ``openrouter_up`` (:meth:`Series.live`), which Prometheus marks
  stale as soon as a scrape fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from mixin.config import MixinConfig

JOB = 'job=~"$job"'
ACCOUNT = 'account=~"$account"'
#: ALERTS carry ``account`` only when the rule keeps it: match the selected accounts or none.
ALERT_ACCOUNT = 'account=~"$account|"'
#: The labels that identify a per-key series.
KEY_LABELS = "account, key_hash, key_name"


@dataclass(frozen=True)
class Series:
    """Selectors of the exporter's series within a dashboard's variables."""

    config: MixinConfig
    matchers: tuple[str, ...] = (JOB, ACCOUNT)
    #: Matchers of a drill-down's model or key variables: labels ``openrouter_up`` lacks.
    narrowing: tuple[str, ...] = ()

    def __call__(self, metric: str, *extra: str) -> str:
        """``metric{<mixin selector>, <dashboard matchers>, <extra>}``."""
        parts = [m for m in (self.config.selector, *self.matchers, *self.narrowing, *extra) if m]
        return f"{metric}{{{', '.join(parts)}}}" if parts else metric

    def narrowed(self, *extra: str) -> Series:
        """The same selectors with more matchers (a drill-down's model or key variables)."""
        return Series(self.config, self.matchers, (*self.narrowing, *extra))

    def live(self, endpoints: str) -> str:
        """Accounts whose exporter is scraped now and whose latest poll of one of
        ``endpoints`` (a regex) succeeded: the guard of counter-based numbers. Not
        narrowed: ``openrouter_up`` has no model or key label, so a selected model or key
        would match no series and empty every guarded panel."""
        up = Series(self.config, self.matchers)("openrouter_up", f'endpoint=~"{endpoints}"')
        return f"(max by (account) ({up}) == 1)"

    def guarded(self, expr: str, endpoints: str) -> str:
        """``expr`` (which must keep the ``account`` label) while :meth:`live` holds;
        parenthesised, since ``and`` binds looser than arithmetic around it."""
        return f"(({expr}) and on (account) {self.live(endpoints)})"

    def window_matcher(self) -> str:
        """The runway windows of the config as a ``window=~"..."`` matcher."""
        return f'window=~"{"|".join(self.config.runway_windows)}"'


def dedup(labels: str, expr: str) -> str:
    """One series per ``labels`` out of ``expr``, whatever copies of it Prometheus holds."""
    return f"max by ({labels}) ({expr})"


def rate(labels: str, selector: str, window: str = "$__rate_interval") -> str:
    """The per-second rate of a counter, per series, then deduplicated to ``labels``."""
    return dedup(labels, f"rate({selector}[{window}])")


def increase(labels: str, selector: str, window: str) -> str:
    """The increase of a counter over ``window``, per series, deduplicated to ``labels``."""
    return dedup(labels, f"increase({selector}[{window}])")
