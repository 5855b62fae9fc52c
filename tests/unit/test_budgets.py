"""Budget spend and forecast, from the ledger's days and the keys' own usage figures."""

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from openrouter_exporter.config.schema import Budget, BudgetScope
from openrouter_exporter.core.budget_periods import Period
from openrouter_exporter.core.budget_status import BudgetStatus, DaySpend, LedgerDays
from openrouter_exporter.core.budgets import budget_statuses
from openrouter_exporter.core.snapshot import KeyReading

# Thursday 2026-05-14, 12:00 UTC: 17.5 days left in May, the week began on Monday the 11th.
NOW = datetime(2026, 5, 14, 12, tzinfo=UTC).timestamp()
TODAY = date(2026, 5, 14)


def budget(period: Period = "monthly", **scope: Any) -> Budget:
    return Budget(name="b", amount_usd=100, period=period, scope=BudgetScope(**scope))


def daily(
    first: date, last: date, usd: float, model: str = "m/a", provider: str = "P"
) -> list[DaySpend]:
    return [
        DaySpend(date.fromordinal(day), model, provider, usd)
        for day in range(first.toordinal(), last.toordinal() + 1)
    ]


def one(item: Budget, ledger: LedgerDays | None = None, **kwargs: Any) -> BudgetStatus:
    (status,) = budget_statuses([item], now=kwargs.pop("now", NOW), ledger=ledger, **kwargs)
    return status


# Two dollars a day since April 14th, 30 days before the first poll.
LEDGER = LedgerDays(date(2026, 4, 14), tuple(daily(date(2026, 4, 14), TODAY, 2.0)))


def test_the_accounts_spend_this_month_sums_the_ledgers_days_of_the_month() -> None:
    status = one(budget(), LEDGER, keys=None)
    assert status.spend_usd == pytest.approx(14 * 2.0)
    assert status.complete


def test_the_period_runs_from_the_first_of_the_month_to_the_first_of_the_next() -> None:
    status = one(budget(), LEDGER, keys=None)
    assert status.period_start == datetime(2026, 5, 1, tzinfo=UTC).timestamp()
    assert status.period_end == datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    assert status.days_left == pytest.approx(17.5)


def test_the_forecast_adds_the_last_7_days_mean_for_each_day_left() -> None:
    ledger = LedgerDays(
        LEDGER.first_day,
        (*daily(date(2026, 4, 14), date(2026, 5, 6), 1.0), *daily(date(2026, 5, 7), TODAY, 3.0)),
    )
    status = one(budget(), ledger, keys=None)
    spend = 6 * 1.0 + 8 * 3.0
    assert status.spend_usd == pytest.approx(spend)
    assert status.forecast_usd == pytest.approx(spend + 3.0 * 17.5)


def test_no_forecast_without_a_completed_day_of_history() -> None:
    status = one(budget(), LedgerDays(TODAY, tuple(daily(TODAY, TODAY, 5.0))), keys=None)
    assert status.spend_usd == 5.0
    assert status.forecast_usd is None


def test_a_quarter_reaching_back_before_the_history_is_partial() -> None:
    status = one(budget("quarterly"), LEDGER, keys=None)
    assert status.spend_usd == pytest.approx(31 * 2.0)  # April 14th to May 14th
    assert not status.complete


def test_without_the_ledger_the_spend_is_unknown_not_zero() -> None:
    status = one(budget(), None, keys=None)
    assert status.spend_usd is None
    assert status.forecast_usd is None


def test_a_model_budget_counts_only_its_models() -> None:
    ledger = replace(LEDGER, rows=(*LEDGER.rows, *daily(date(2026, 5, 1), TODAY, 10.0, "m/b")))
    assert one(budget(models=["m/b"]), ledger, keys=None).spend_usd == pytest.approx(140.0)


def test_a_provider_budget_counts_only_its_providers() -> None:
    ledger = replace(LEDGER, rows=(*LEDGER.rows, *daily(date(2026, 5, 1), TODAY, 1.0, "m/a", "Q")))
    assert one(budget(providers=["Q"]), ledger, keys=None).spend_usd == pytest.approx(14.0)


def test_a_scope_matching_nothing_says_so_and_has_no_spend() -> None:
    status = one(budget(models=["no/such-model"]), LEDGER, keys=None)
    assert not status.matched
    assert status.spend_usd is None


def key(name: str, key_hash: str, workspace: str = "", **usage: float | None) -> KeyReading:
    return KeyReading(
        key_hash,
        name,
        "",
        workspace,
        "",
        False,
        usage.pop("usage", 50.0),
        0.0,
        None,
        None,
        None,
        usage_daily=usage.get("usage_daily"),
        usage_weekly=usage.get("usage_weekly"),
        usage_monthly=usage.get("usage_monthly"),
    )


KEYS = (
    key("research", "c56454edb818", usage_daily=1.0, usage_weekly=6.0, usage_monthly=20.0),
    key("prod", "aaaaaaaaaaaa", "ws-prod", usage_daily=9.0, usage_weekly=40.0, usage_monthly=90.0),
)


@pytest.mark.parametrize(("period", "spend"), [("daily", 1.0), ("weekly", 6.0), ("monthly", 20.0)])
def test_a_key_budget_takes_openrouters_own_figure_for_its_period(
    period: Period, spend: float
) -> None:
    status = one(budget(period, keys=["research"]), None, keys=KEYS)
    assert status.spend_usd == spend
    assert status.complete


def test_a_key_is_named_by_the_start_of_its_hash() -> None:
    assert one(budget("weekly", keys=["c56454…"]), None, keys=KEYS).spend_usd == 6.0


def test_a_workspace_budget_counts_the_keys_of_the_workspace() -> None:
    assert one(budget("monthly", workspaces=["ws-prod"]), None, keys=KEYS).spend_usd == 90.0


def test_a_key_budgets_forecast_uses_the_longer_of_the_week_and_the_month_so_far() -> None:
    status = one(budget("monthly", keys=["research"]), None, keys=KEYS)
    assert status.forecast_usd == pytest.approx(20.0 + 20.0 / 13.5 * 17.5)


def test_a_key_budget_without_openrouters_figure_is_unknown() -> None:
    keys = (key("research", "c56454edb818", usage_daily=None),)
    assert one(budget("daily", keys=["research"]), None, keys=keys).spend_usd is None


def test_a_key_budget_naming_no_known_key_says_so() -> None:
    status = one(budget("daily", keys=["typo"]), None, keys=KEYS)
    assert not status.matched
    assert status.spend_usd is None


def test_a_key_budget_over_a_quarter_counts_the_keys_counter_since_its_first_reading() -> None:
    item = budget("quarterly", keys=["research"])
    first = one(item, None, keys=KEYS)
    assert first.spend_usd == 20.0  # this month's figure: more than the counter's 0 so far
    assert not first.complete
    later = (replace(KEYS[0], usage=80.0, usage_monthly=5.0),)
    then = datetime(2026, 6, 2, tzinfo=UTC).timestamp()
    status = one(item, None, keys=later, previous=[first], now=then)
    assert status.spend_usd == 30.0  # 80 - 50 since May 14th: more than June's 5


def test_days_the_ledger_does_not_have_yet_are_forecast_at_the_rate_and_left_out_of_it() -> None:
    # Without the Analytics API, today and (until /activity has it) yesterday are missing:
    # the rate is not lowered by them, and the forecast counts them at the rate.
    ledger = LedgerDays(LEDGER.first_day, tuple(daily(date(2026, 4, 14), date(2026, 5, 12), 2.0)))
    status = one(budget(), ledger, keys=None)
    assert status.spend_usd == pytest.approx(12 * 2.0)
    assert status.forecast_usd == pytest.approx(24.0 + 2.0 * 19)  # May 13th 00:00 to June 1st
