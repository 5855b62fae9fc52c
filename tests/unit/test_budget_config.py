"""Budgets declared per account in the YAML file, validated through the one settings model."""

from pathlib import Path

import pytest

from openrouter_exporter.config.errors import ConfigError, ConfigProblem
from openrouter_exporter.config.loader import load_config
from openrouter_exporter.config.schema import DEFAULT_BUDGET_THRESHOLDS, Budget, BudgetThreshold

SECRET = "sk-or-v1-FAKESECRET0c7e9b1a3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e"

_CONTRACT = f"""accounts:
  - name: prod
    management_key: {SECRET}
    budgets:
      - name: llm-monthly
        amount_usd: 2000
        period: monthly
      - name: research-weekly
        amount_usd: 300
        period: weekly
        scope: {{keys: [research, c56454edb818], models: [], providers: [], workspaces: []}}
        thresholds: [{{percent: 80, basis: actual}}, {{percent: 100, basis: forecast}}]
"""


def _budgets(tmp_path: Path, budgets: str) -> str:
    """A file whose one account has ``budgets`` (YAML at the budget list's indentation)."""
    text = f"accounts:\n  - name: prod\n    management_key: {SECRET}\n    budgets:\n{budgets}"
    path = tmp_path / "exporter.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _problems(tmp_path: Path, budgets: str) -> tuple[ConfigProblem, ...]:
    with pytest.raises(ConfigError) as caught:
        load_config({}, {"OPENROUTER_EXPORTER_CONFIG": _budgets(tmp_path, budgets)})
    return caught.value.problems


def _one_problem(tmp_path: Path, budgets: str) -> ConfigProblem:
    problems = _problems(tmp_path, budgets)
    assert len(problems) == 1, problems
    return problems[0]


def test_the_contracts_budgets_are_read(tmp_path: Path) -> None:
    path = tmp_path / "exporter.yml"
    path.write_text(_CONTRACT, encoding="utf-8")
    monthly, weekly = load_config({}, {"OPENROUTER_EXPORTER_CONFIG": str(path)}).accounts[0].budgets
    assert (monthly.name, monthly.amount_usd, monthly.period) == ("llm-monthly", 2000, "monthly")
    assert weekly.scope.keys == ("research", "c56454edb818")
    assert weekly.thresholds == (
        BudgetThreshold(percent=80, basis="actual"),
        BudgetThreshold(percent=100, basis="forecast"),
    )


def test_a_budget_without_thresholds_has_80_and_100_actual_and_100_forecast() -> None:
    budget = Budget(name="b", amount_usd=1, period="daily")
    assert budget.thresholds == DEFAULT_BUDGET_THRESHOLDS
    assert [(item.percent, item.basis) for item in budget.thresholds] == [
        (80, "actual"),
        (100, "actual"),
        (100, "forecast"),
    ]


def test_a_budget_without_a_scope_covers_the_whole_account() -> None:
    scope = Budget(name="b", amount_usd=1, period="daily").scope
    assert (scope.keys, scope.models, scope.providers, scope.workspaces) == ((), (), (), ())


def test_an_unknown_budget_field_is_refused_with_its_line(tmp_path: Path) -> None:
    problem = _one_problem(
        tmp_path,
        "      - name: b\n        amount_usd: 1\n        period: daily\n        amont: 2\n",
    )
    assert problem.setting == f"{tmp_path / 'exporter.yml'}:8 accounts[1].budgets[1].amont"
    assert problem.problem == "unknown setting"


def test_an_unknown_scope_field_is_refused_with_its_location(tmp_path: Path) -> None:
    problem = _one_problem(
        tmp_path, "      - {name: b, amount_usd: 1, period: daily, scope: {teams: [x]}}\n"
    )
    assert problem.setting.endswith(":5 accounts[1].budgets[1].scope.teams")
    assert problem.problem == "unknown setting"


def test_an_unknown_period_is_refused_naming_the_periods(tmp_path: Path) -> None:
    problem = _one_problem(tmp_path, "      - {name: b, amount_usd: 1, period: fortnightly}\n")
    assert problem.setting.endswith("accounts[1].budgets[1].period")
    assert "'daily', 'weekly', 'monthly', 'quarterly' or 'yearly'" in problem.problem
    assert "fortnightly" in problem.problem


def test_a_negative_amount_is_refused(tmp_path: Path) -> None:
    problem = _one_problem(tmp_path, "      - {name: b, amount_usd: -5, period: daily}\n")
    assert problem.setting.endswith("accounts[1].budgets[1].amount_usd")
    assert "greater than or equal to 0" in problem.problem


def test_an_infinite_amount_is_refused(tmp_path: Path) -> None:
    problem = _one_problem(tmp_path, "      - {name: b, amount_usd: .inf, period: daily}\n")
    assert problem.setting.endswith("accounts[1].budgets[1].amount_usd")


@pytest.mark.parametrize("percent", ["0", "-10", "1000.5", ".nan"])
def test_a_threshold_outside_0_to_1000_percent_is_refused(tmp_path: Path, percent: str) -> None:
    problem = _one_problem(
        tmp_path,
        "      - {name: b, amount_usd: 1, period: daily, "
        f"thresholds: [{{percent: {percent}}}]}}\n",
    )
    assert problem.setting.endswith("accounts[1].budgets[1].thresholds[1].percent")


def test_a_threshold_of_1000_percent_is_accepted(tmp_path: Path) -> None:
    path = _budgets(
        tmp_path, "      - {name: b, amount_usd: 1, period: daily, thresholds: [{percent: 1000}]}\n"
    )
    budget = load_config({}, {"OPENROUTER_EXPORTER_CONFIG": path}).accounts[0].budgets[0]
    assert budget.thresholds == (BudgetThreshold(percent=1000, basis="actual"),)


def test_an_unknown_basis_is_refused(tmp_path: Path) -> None:
    problem = _one_problem(
        tmp_path,
        "      - {name: b, amount_usd: 1, period: daily, "
        "thresholds: [{percent: 80, basis: projected}]}\n",
    )
    assert problem.setting.endswith("accounts[1].budgets[1].thresholds[1].basis")
    assert "'actual' or 'forecast'" in problem.problem


def test_a_threshold_given_twice_is_refused(tmp_path: Path) -> None:
    problem = _one_problem(
        tmp_path,
        "      - {name: b, amount_usd: 1, period: daily, "
        "thresholds: [{percent: 80}, {percent: 80, basis: actual}]}\n",
    )
    assert problem.setting.endswith("accounts[1].budgets[1].thresholds")
    assert problem.problem == "80% actual is given twice"


def test_a_duplicate_budget_name_is_refused_at_the_second(tmp_path: Path) -> None:
    problem = _one_problem(
        tmp_path,
        "      - {name: b, amount_usd: 1, period: daily}\n"
        "      - {name: b, amount_usd: 2, period: weekly}\n",
    )
    assert problem.setting == f"{tmp_path / 'exporter.yml'}:6 accounts[1].budgets[2].name"
    assert problem.problem == "budget 'b' appears twice in account 'prod'"


def test_a_budget_name_unfit_for_a_label_is_refused(tmp_path: Path) -> None:
    problem = _one_problem(tmp_path, "      - {name: 'my budget', amount_usd: 1, period: daily}\n")
    assert problem.setting.endswith("accounts[1].budgets[1].name")


def test_a_scope_mixing_keys_and_models_is_refused(tmp_path: Path) -> None:
    problem = _one_problem(
        tmp_path,
        "      - {name: b, amount_usd: 1, period: daily, scope: {keys: [k], models: [m]}}\n",
    )
    assert problem.setting.endswith("accounts[1].budgets[1].scope")
    assert "declare two budgets" in problem.problem


def test_every_budget_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "      - {name: a, amount_usd: -1, period: daily}\n"
        "      - {name: b, amount_usd: 1, period: hourly}\n"
        "      - {name: c, amount_usd: 1, period: daily, thresholds: [{percent: 2000}]}\n",
    )
    assert [problem.setting.split(" ")[1] for problem in problems] == [
        "accounts[1].budgets[1].amount_usd",
        "accounts[1].budgets[2].period",
        "accounts[1].budgets[3].thresholds[1].percent",
    ]


def test_the_example_of_docs_budgets_md_is_a_valid_config_file(tmp_path: Path) -> None:
    document = Path(__file__).resolve().parents[2] / "docs" / "budgets.md"
    example = document.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    secret = tmp_path / "openrouter"
    secret.write_text(SECRET, encoding="utf-8")
    path = tmp_path / "exporter.yml"
    path.write_text(example.replace("/run/secrets/openrouter", str(secret)), encoding="utf-8")
    budgets = load_config({}, {"OPENROUTER_EXPORTER_CONFIG": str(path)}).accounts[0].budgets
    assert [budget.name for budget in budgets] == ["llm-monthly", "research-weekly", "sonnet-daily"]
