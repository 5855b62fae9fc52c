"""Provisional per-model figures of today (Analytics API) in the SQLite ledger: counted at
once, reconciled with /activity when the day completes, kept across restarts and pruning."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrouter_exporter.core.ledger import ModelTotals
from openrouter_exporter.core.reconcile import Figures
from openrouter_exporter.storage.sqlite_state import LEDGER_REVISABLE_DAYS, StateStore
from tests.unit.test_state import ACCOUNT, TODAY, row

YESTERDAY = TODAY - timedelta(days=1)
MODEL = "anthropic/claude-sonnet-4"


def figures(spend: float, requests: float = 0.0) -> Figures:
    return (spend, 0.0, requests, 0.0, 0.0, 0.0)


def spend_by(store: StateStore) -> dict[tuple[str, str], float]:
    return {(t.model, t.provider): t.amounts.spend for t in store.model_totals(ACCOUNT)}


def model_spend(totals: tuple[ModelTotals, ...], model: str = MODEL) -> float:
    return sum(t.amounts.spend for t in totals if t.model == model)


@pytest.fixture
def store() -> Iterator[StateStore]:
    state = StateStore.in_memory()
    yield state
    state.close()


def seed_history(store: StateStore) -> None:
    """Two days ago the model was served 3:1 by Anthropic and Bedrock."""
    two_days_ago = TODAY - timedelta(days=2)
    store.record_activity(
        ACCOUNT,
        [
            row(two_days_ago, MODEL, "Anthropic", "e-a", usage=3.0),
            row(two_days_ago, MODEL, "Amazon Bedrock", "e-b", usage=1.0),
        ],
        TODAY,
    )


def test_todays_figures_count_at_once_split_like_the_models_latest_day(
    store: StateStore,
) -> None:
    seed_history(store)
    store.record_provisional(ACCOUNT, [(TODAY, MODEL, figures(8.0))], TODAY)
    assert spend_by(store) == pytest.approx(
        {(MODEL, "Anthropic"): 3.0 + 6.0, (MODEL, "Amazon Bedrock"): 1.0 + 2.0}
    )


def test_a_model_never_seen_in_activity_counts_under_provider_unknown(store: StateStore) -> None:
    store.record_provisional(ACCOUNT, [(TODAY, "openai/gpt-5", figures(2.5))], TODAY)
    assert spend_by(store) == {("openai/gpt-5", "unknown"): 2.5}


def test_provisional_figures_only_grow(store: StateStore) -> None:
    store.record_provisional(ACCOUNT, [(TODAY, MODEL, figures(5.0))], TODAY)
    store.record_provisional(ACCOUNT, [(TODAY, MODEL, figures(4.0))], TODAY)
    assert model_spend(store.model_totals(ACCOUNT)) == 5.0


def test_the_completed_day_from_activity_is_not_counted_twice(store: StateStore) -> None:
    seed_history(store)
    store.record_provisional(ACCOUNT, [(YESTERDAY, MODEL, figures(8.0))], YESTERDAY)
    before = spend_by(store)
    store.record_activity(
        ACCOUNT,
        [
            row(YESTERDAY, MODEL, "Anthropic", "e-a", usage=6.3),
            row(YESTERDAY, MODEL, "Amazon Bedrock", "e-b", usage=2.1),
        ],
        TODAY,
    )
    after = spend_by(store)
    assert sum(after.values()) == pytest.approx(4.0 + 8.4)  # history + the larger source
    assert all(after[series] >= before[series] for series in before)
    assert after == pytest.approx(
        {(MODEL, "Anthropic"): 3.0 + 6.3, (MODEL, "Amazon Bedrock"): 1.0 + 2.1}
    )


def test_activity_below_the_provisional_figure_lowers_nothing(store: StateStore) -> None:
    seed_history(store)
    store.record_provisional(ACCOUNT, [(YESTERDAY, MODEL, figures(8.0))], YESTERDAY)
    before = spend_by(store)
    store.record_activity(ACCOUNT, [row(YESTERDAY, MODEL, "Anthropic", "e-a", 7.0)], TODAY)
    assert spend_by(store) == before


def test_a_day_settled_by_activity_ignores_later_analytics_figures(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(YESTERDAY, MODEL, "Anthropic", "e-a", 6.0)], TODAY)
    store.record_provisional(ACCOUNT, [(YESTERDAY, MODEL, figures(9.0))], TODAY)
    assert spend_by(store) == {(MODEL, "Anthropic"): 6.0}


def test_provisional_figures_survive_a_restart(tmp_path: Path) -> None:
    first = StateStore.open(tmp_path)
    first.record_provisional(ACCOUNT, [(TODAY, MODEL, figures(3.5, 40))], TODAY)
    totals = first.model_totals(ACCOUNT)
    first.close()
    second = StateStore.open(tmp_path)
    try:
        assert second.model_totals(ACCOUNT) == totals
    finally:
        second.close()


def test_pruning_archives_reconciled_days_without_changing_the_counters(
    store: StateStore,
) -> None:
    old = TODAY - timedelta(days=LEDGER_REVISABLE_DAYS + 2)
    store.record_activity(
        ACCOUNT, [row(old - timedelta(days=1), MODEL, "Anthropic", "e", 2.0)], old
    )
    store.record_provisional(ACCOUNT, [(old, MODEL, figures(5.0))], old)
    store.record_activity(ACCOUNT, [row(old, MODEL, "Anthropic", "e", 6.0)], old)
    before = store.model_totals(ACCOUNT)
    store.prune(datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC).timestamp())
    assert store.model_totals(ACCOUNT) == before
    assert model_spend(before) == pytest.approx(8.0)


amounts = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
events = st.lists(
    st.one_of(
        st.tuples(st.just("analytics"), st.integers(0, 1), amounts),
        st.tuples(
            st.just("activity"),
            st.integers(0, 1),
            st.dictionaries(st.sampled_from(["Anthropic", "Amazon Bedrock"]), amounts, min_size=1),
        ),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(events)
def test_no_counter_ever_goes_down_and_each_day_counts_its_larger_source(
    steps: list[tuple[str, int, object]],
) -> None:
    store = StateStore.in_memory()
    try:
        seed_history(store)
        previous = spend_by(store)
        seen_provisional: dict[date, float] = {}
        seen_activity: dict[date, dict[str, float]] = {}
        for kind, offset, value in steps:
            day = YESTERDAY + timedelta(days=offset)
            if kind == "analytics":
                assert isinstance(value, float)
                if day not in seen_activity:
                    seen_provisional[day] = max(seen_provisional.get(day, 0.0), value)
                store.record_provisional(ACCOUNT, [(day, MODEL, figures(value))], TODAY)
            else:
                assert isinstance(value, dict)
                rows = [row(day, MODEL, p, p, usage) for p, usage in value.items()]
                store.record_activity(ACCOUNT, rows, TODAY + timedelta(days=1))
                marks = seen_activity.setdefault(day, {})
                for provider, usage in value.items():
                    marks[provider] = max(marks.get(provider, 0.0), usage)
            current = spend_by(store)
            for series, amount in previous.items():
                assert current.get(series, 0.0) >= amount - 1e-6
            previous = current
        expected = 4.0 + sum(
            max(seen_provisional.get(day, 0.0), sum(seen_activity.get(day, {}).values()))
            for day in (YESTERDAY, TODAY)
        )
        assert sum(previous.values()) == pytest.approx(expected, abs=1e-6)
    finally:
        store.close()
