"""Budgets where people look: the account's reasons (``check`` and the page), the Budgets
card and ``/status.json``."""

import jsonschema

from openrouter_exporter.config.schema import Budget, BudgetScope
from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.judgement import Status, judge
from openrouter_exporter.core.snapshot import AccountSnapshot
from tests.unit.test_status import HOSTILE, NOW, SCHEMA, json_of, page_of, text_of
from tests.unit.test_status import account as team_account

DAY = 86400.0


def account(*budgets: BudgetStatus) -> AccountSnapshot:
    """An account with a long runway, so that only its budgets may need attention."""
    return team_account(forecasts=(), budgets=budgets)


def status(
    name: str = "llm-monthly",
    spend: float | None = 500.0,
    forecast: float | None = 900.0,
    *,
    matched: bool = True,
    complete: bool = True,
) -> BudgetStatus:
    budget = Budget(name=name, amount_usd=1000, period="monthly")
    return BudgetStatus(
        budget, NOW, NOW - 10 * DAY, NOW + 20 * DAY, spend, forecast, complete, matched
    )


def test_a_budget_on_track_is_no_reason() -> None:
    assert judge(account(status())).status is Status.OK


def test_a_budget_forecast_over_its_amount_is_a_warning_naming_it() -> None:
    verdict = judge(account(status(forecast=1500.0)))
    assert verdict.status is Status.WARNING
    assert verdict.reasons == (
        "monthly budget llm-monthly is forecast at $1,500.00 by the end of the period, over "
        "its $1,000.00 ($500.00 spent so far); 20.0 days left in the period",
    )


def test_a_budget_spent_is_a_warning() -> None:
    verdict = judge(account(status(spend=1200.0, forecast=None)))
    assert verdict.status is Status.WARNING
    assert "has spent $1,200.00 of its $1,000.00" in verdict.reasons[0]


def test_the_budgets_card_shows_spend_forecast_and_amount() -> None:
    text = text_of(page_of(account(status(forecast=1500.0))))
    assert "Budgets" in text
    assert "llm-monthly over" in text
    assert "$1,000.00 monthly, 20.0 days left" in text
    assert "$500.0050%" in text  # the amount, then its share on the next line
    assert "$1,500.00150%" in text


def test_the_budgets_card_says_what_is_unknown() -> None:
    text = text_of(
        page_of(
            account(
                status("a", forecast=None, complete=False), status("b", None, None, matched=False)
            )
        )
    )
    assert ", partial" in text
    assert "too little history" in text
    assert "scope matches nothing" in text


def test_an_account_without_budgets_has_no_budgets_card() -> None:
    assert "Budgets" not in text_of(page_of(account()))


def test_a_budget_name_is_escaped_on_the_page() -> None:
    hostile = Budget.model_construct(
        name=HOSTILE, amount_usd=1.0, period="daily", scope=BudgetScope(), thresholds=()
    )
    page = page_of(account(BudgetStatus(hostile, NOW, NOW, NOW + DAY, 0, 0, True, True)))
    assert HOSTILE not in page


def test_status_json_lists_the_budgets_as_its_schema_says() -> None:
    document = json_of(account(status(forecast=1500.0), status("b", None, None)))
    jsonschema.validate(document, SCHEMA)
    first, second = document["accounts"][0]["budgets"]
    assert (first["name"], first["spend_usd"], first["forecast_usd"], first["over"]) == (
        "llm-monthly",
        500.0,
        1500.0,
        True,
    )
    assert (second["spend_usd"], second["spend_complete"]) == (None, None)


def test_a_zero_budget_is_over_once_anything_is_spent_and_not_before() -> None:
    zero = Budget(name="frozen", amount_usd=0, period="monthly")
    spent = BudgetStatus(zero, NOW, NOW - DAY, NOW + DAY, 0.5, None, True, True)
    idle = BudgetStatus(zero, NOW, NOW - DAY, NOW + DAY, 0.0, 0.0, True, True)
    assert judge(account(spent)).status is Status.WARNING
    assert judge(account(idle)).status is Status.OK
