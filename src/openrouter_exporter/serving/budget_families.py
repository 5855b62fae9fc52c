"""The declared budgets as metric families: each budget's amount, its period, the spend in
the period so far, the forecast at its end and its thresholds (labels ``account`` and
``budget``, plus ``basis`` and ``percent`` on the thresholds)."""

from collections.abc import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from openrouter_exporter.core.snapshot import AccountSnapshot
from openrouter_exporter.endpoints.base import POLLED

_LABELS = ["account", "budget"]
_CONFIG = "from the exporter's configuration (budgets: in the config file)"


def _family(name: str, text: str, extra: Iterable[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, labels=[*_LABELS, *extra])


def budget_families(accounts: Iterable[AccountSnapshot]) -> Iterator[Metric]:
    info = _family(
        "openrouter_budget_info",
        f"One series per declared budget, value 1, naming its period; {_CONFIG}.",
        ["period"],
    )
    limit = _family("openrouter_budget_limit_usd", f"Amount of the budget in USD, {_CONFIG}.")
    ratio = _family(
        "openrouter_budget_threshold_ratio",
        "Alert threshold of the budget as a fraction of its amount, on the actual spend or "
        f"on the forecast (basis); percent tells two thresholds of one basis apart; {_CONFIG}.",
        ["basis", "percent"],
    )
    start = _family(
        "openrouter_budget_period_start_timestamp_seconds",
        "Start of the budget's current period (Unix time, 00:00 UTC; weeks start on Monday).",
    )
    end = _family(
        "openrouter_budget_period_end_timestamp_seconds",
        "End of the budget's current period (Unix time): the start of the next.",
    )
    spend = _family(
        "openrouter_budget_spend_usd",
        "Spend in USD counted against the budget in its current period, from the ledger "
        "(account, models, providers) or OpenRouter's per-key usage (keys, workspaces); "
        f"absent while unknown or when the scope matches nothing. {POLLED}",
    )
    forecast = _family(
        "openrouter_budget_forecast_usd",
        "Forecast spend in USD at the end of the budget's period: the spend so far plus the "
        "scope's recent daily rate times the days left; absent while there is too little "
        f"history. {POLLED}",
    )
    complete = _family(
        "openrouter_budget_spend_complete",
        "1 when the budget's spend covers its whole period so far, 0 when the exporter's "
        f"history starts inside the period (the spend is then a lower bound). {POLLED}",
    )
    for account in accounts:
        for status in account.budgets:
            budget = status.budget
            labels = [account.name, budget.name]
            info.add_metric([*labels, budget.period], 1.0)
            limit.add_metric(labels, budget.amount_usd)
            for threshold in budget.thresholds:
                ratio.add_metric(
                    [*labels, threshold.basis, f"{threshold.percent:g}"], threshold.percent / 100
                )
            start.add_metric(labels, status.period_start)
            end.add_metric(labels, status.period_end)
            if status.spend_usd is not None:
                spend.add_metric(labels, status.spend_usd)
                complete.add_metric(labels, 1.0 if status.complete else 0.0)
            if status.forecast_usd is not None:
                forecast.add_metric(labels, status.forecast_usd)
    yield from (info, limit, ratio, start, end, spend, forecast, complete)
