"""The credits-used counter never goes down: OpenRouter's decreases are counted apart."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from openrouter_exporter.core.ledger import UsageCounter, advance_usage
from openrouter_exporter.storage.sqlite_state import StateStore


@pytest.fixture
def store() -> Iterator[StateStore]:
    state = StateStore.in_memory()
    yield state
    state.close()


def test_the_counter_starts_at_openrouters_total_usage() -> None:
    assert advance_usage(None, 187.43) == UsageCounter(187.43, 187.43, 0.0)


def test_a_decrease_is_counted_as_refunded_and_leaves_the_counter() -> None:
    counter = advance_usage(UsageCounter(187.43, 187.43), 187.0)
    assert counter.used == 187.43
    assert counter.refunded == pytest.approx(0.43)


def test_after_a_refund_the_counter_advances_by_the_next_increases_only() -> None:
    counter = advance_usage(advance_usage(UsageCounter(187.43, 187.43), 187.0), 187.5)
    assert counter.used == pytest.approx(187.93)
    assert counter.refunded == pytest.approx(0.43)


def test_the_store_advances_the_accounts_counters_apart(store: StateStore) -> None:
    store.advance_usage("a", 10.0)
    store.advance_usage("b", 50.0)
    assert store.advance_usage("a", 9.0) == UsageCounter(9.0, 10.0, 1.0)
    assert store.advance_usage("b", 51.0) == UsageCounter(51.0, 51.0, 0.0)


def test_the_counter_survives_a_restart_without_counting_a_refund_twice(tmp_path: Path) -> None:
    first = StateStore.open(tmp_path)
    first.advance_usage("a", 187.43)
    first.advance_usage("a", 187.0)
    first.close()
    second = StateStore.open(tmp_path)
    try:
        counter = second.advance_usage("a", 187.0)
        assert counter.used == 187.43
        assert counter.refunded == pytest.approx(0.43)
    finally:
        second.close()
