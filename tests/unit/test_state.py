"""The SQLite state: the per-model ledger, the samples of credits used, and resilience."""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from openrouter_exporter.core.activity_windows import ACTIVITY_WINDOW_DAYS
from openrouter_exporter.core.ledger import LedgerAmounts, LedgerRow, ModelTotals, Sample
from openrouter_exporter.storage.sqlite_files import connect
from openrouter_exporter.storage.sqlite_state import LEDGER_REVISABLE_DAYS, STATE_FILE, StateStore

TODAY = date(2025, 8, 25)
NOW = datetime(2025, 8, 25, 12, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0
DAY = 86400.0
ACCOUNT = "default"


def row(
    day: date,
    model: str = "openai/gpt-4.1",
    provider: str = "OpenAI",
    endpoint: str = "endpoint-1",
    usage: float = 1.0,
    requests: float = 10.0,
) -> LedgerRow:
    return LedgerRow(
        day=day,
        model=model,
        provider=provider,
        endpoint=endpoint,
        amounts=LedgerAmounts(
            spend=usage,
            byok_spend=usage / 10,
            requests=requests,
            prompt_tokens=requests * 100,
            completion_tokens=requests * 10,
            reasoning_tokens=requests,
        ),
    )


def days_ago(count: int, today: date = TODAY) -> date:
    return today - timedelta(days=count)


@pytest.fixture
def store() -> Iterator[StateStore]:
    state = StateStore.in_memory()
    yield state
    state.close()


def spend(state: StateStore, model: str = "openai/gpt-4.1", account: str = ACCOUNT) -> float:
    return sum(item.amounts.spend for item in state.model_totals(account) if item.model == model)


# The ledger.


def test_ledger_totals_sum_rows_per_model_and_provider(store: StateStore) -> None:
    store.record_activity(
        ACCOUNT,
        [
            row(days_ago(1), usage=1.0),
            row(days_ago(2), usage=2.0),
            row(days_ago(1), provider="Azure", endpoint="endpoint-2", usage=4.0),
        ],
        TODAY,
    )
    totals = {
        (item.model, item.provider): item.amounts.spend for item in store.model_totals(ACCOUNT)
    }
    assert totals == {("openai/gpt-4.1", "Azure"): 4.0, ("openai/gpt-4.1", "OpenAI"): 3.0}


def test_ledger_totals_carry_every_counter_field(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=2.0, requests=5)], TODAY)
    assert store.model_totals(ACCOUNT) == (
        ModelTotals("openai/gpt-4.1", "OpenAI", LedgerAmounts(2.0, 0.2, 5.0, 500.0, 50.0, 5.0)),
    )


def test_recording_the_same_answer_twice_does_not_double_count(store: StateStore) -> None:
    rows = [row(days_ago(1), usage=1.5), row(days_ago(2), usage=2.5)]
    store.record_activity(ACCOUNT, rows, TODAY)
    store.record_activity(ACCOUNT, rows, TODAY)
    assert spend(store) == 4.0


def test_rows_of_one_answer_with_the_same_key_are_added(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=1.0), row(days_ago(1))], TODAY)
    assert spend(store) == 2.0


def test_rows_of_one_answer_with_the_same_key_add_every_counter_field(store: StateStore) -> None:
    rows = [row(days_ago(1), usage=20.0, requests=5), row(days_ago(1), usage=10.0, requests=1)]
    store.record_activity(ACCOUNT, rows, TODAY)
    (totals,) = store.model_totals(ACCOUNT)
    assert totals.amounts == LedgerAmounts(30.0, 3.0, 6.0, 600.0, 60.0, 6.0)


def test_the_ledger_reads_rows_made_one_at_a_time(store: StateStore) -> None:
    store.record_activity(ACCOUNT, (row(days_ago(day), usage=1.0) for day in (1, 2)), TODAY)
    assert spend(store) == 2.0


def test_accounts_have_separate_ledgers(store: StateStore) -> None:
    store.record_activity("a", [row(days_ago(1), usage=1.0)], TODAY)
    store.record_activity("b", [row(days_ago(1), usage=5.0)], TODAY)
    assert (spend(store, account="a"), spend(store, account="b")) == (1.0, 5.0)


def test_row_that_slides_out_of_the_window_stays_counted(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(days_ago(30), usage=3.0), row(days_ago(1))], TODAY)
    later = TODAY + timedelta(days=5)
    store.record_activity(ACCOUNT, [row(days_ago(1, later), usage=2.0)], later)
    assert spend(store) == 6.0


def test_upward_revision_raises_the_total(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=1.0)], TODAY)
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=1.5)], TODAY)
    assert spend(store) == 1.5


def test_downward_revision_keeps_the_high_water_mark(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=1.5, requests=20)], TODAY)
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=1.2, requests=15)], TODAY)
    (totals,) = store.model_totals(ACCOUNT)
    assert (totals.amounts.spend, totals.amounts.requests) == (1.5, 20.0)


def test_revision_keeps_the_high_water_mark_field_by_field(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=1.5, requests=10)], TODAY)
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=1.0, requests=30)], TODAY)
    (totals,) = store.model_totals(ACCOUNT)
    assert (totals.amounts.spend, totals.amounts.requests) == (1.5, 30.0)


def test_rows_older_than_the_revisable_horizon_are_ignored(store: StateStore) -> None:
    store.record_activity(
        ACCOUNT,
        [row(days_ago(LEDGER_REVISABLE_DAYS + 1), usage=9.0), row(days_ago(1), usage=1.0)],
        TODAY,
    )
    assert spend(store) == 1.0


def test_row_exactly_at_the_revisable_horizon_is_recorded(store: StateStore) -> None:
    store.record_activity(ACCOUNT, [row(days_ago(LEDGER_REVISABLE_DAYS), usage=9.0)], TODAY)
    assert spend(store) == 9.0


def test_the_oldest_day_openrouter_serves_can_still_be_revised(store: StateStore) -> None:
    oldest = days_ago(ACTIVITY_WINDOW_DAYS)
    store.record_activity(ACCOUNT, [row(oldest, usage=1.0)], TODAY)
    store.prune(NOW)
    store.record_activity(ACCOUNT, [row(oldest, usage=1.5)], TODAY)
    assert spend(store) == 1.5


def test_unknown_account_has_no_totals(store: StateStore) -> None:
    assert store.model_totals("nobody") == ()


# Pruning.


def _old_and_new_rows() -> list[LedgerRow]:
    return [
        row(days_ago(LEDGER_REVISABLE_DAYS + 5), usage=3.0),
        row(days_ago(LEDGER_REVISABLE_DAYS + 4), provider="Azure", endpoint="e2", usage=5.0),
        row(days_ago(LEDGER_REVISABLE_DAYS + 3), model="b/other", usage=7.0),
        row(days_ago(1), usage=1.0),
    ]


def test_prune_folds_old_rows_into_the_archive_without_changing_totals(
    store: StateStore,
) -> None:
    early = TODAY - timedelta(days=10)
    store.record_activity(ACCOUNT, _old_and_new_rows(), early)
    before = store.model_totals(ACCOUNT)
    store.prune(NOW)
    assert store.model_totals(ACCOUNT) == before


def test_prune_keeps_only_revisable_rows_in_the_ledger(tmp_path: Path) -> None:
    state = StateStore.open(tmp_path)
    state.record_activity(ACCOUNT, _old_and_new_rows(), TODAY - timedelta(days=10))
    state.prune(NOW)
    state.close()
    with sqlite3.connect(tmp_path / STATE_FILE) as connection:
        days = [day for (day,) in connection.execute("SELECT day FROM ledger")]
        archived = connection.execute("SELECT count(*) FROM ledger_archive").fetchone()[0]
    assert days == [days_ago(1).isoformat()]
    assert archived == 3


def test_pruning_twice_changes_nothing(store: StateStore) -> None:
    store.record_activity(ACCOUNT, _old_and_new_rows(), TODAY - timedelta(days=10))
    store.prune(NOW)
    once = store.model_totals(ACCOUNT)
    store.prune(NOW)
    assert store.model_totals(ACCOUNT) == once


def test_archived_rows_add_to_later_archived_rows(store: StateStore) -> None:
    early = TODAY - timedelta(days=10)
    store.record_activity(ACCOUNT, [row(days_ago(LEDGER_REVISABLE_DAYS + 5), usage=3.0)], early)
    store.prune(NOW)
    store.record_activity(ACCOUNT, [row(days_ago(1), usage=2.0)], TODAY)
    store.prune(NOW + 40 * DAY)
    assert spend(store) == 5.0


def test_rows_re_sent_after_archiving_do_not_count_twice(store: StateStore) -> None:
    old = row(days_ago(LEDGER_REVISABLE_DAYS + 1), usage=3.0)
    store.record_activity(ACCOUNT, [old], TODAY - timedelta(days=2))
    store.prune(NOW)
    store.record_activity(ACCOUNT, [old], TODAY)
    assert spend(store) == 3.0


def test_prune_drops_samples_older_than_31_days(store: StateStore) -> None:
    for age in (40 * DAY, 31 * DAY + HOUR, 30 * DAY, HOUR):
        store.add_sample(ACCOUNT, Sample(NOW - age, 1.0, 2.0))
    store.prune(NOW)
    kept = [NOW - sample.timestamp for sample in store.samples(ACCOUNT, 0.0)]
    assert kept == [30 * DAY, HOUR]


def test_prune_thins_samples_older_than_26_hours_to_one_per_hour(store: StateStore) -> None:
    start = (NOW - 3 * DAY) // HOUR * HOUR  # an hour boundary
    timestamps = [start + index * 15 * 60 for index in range(4 * 24 * 3)]
    for timestamp in timestamps:
        store.add_sample(ACCOUNT, Sample(timestamp, timestamp - start, 0.0))
    store.prune(NOW)
    kept = [sample.timestamp for sample in store.samples(ACCOUNT, 0.0)]
    old = [timestamp for timestamp in kept if timestamp < NOW - 26 * HOUR]
    recent = [timestamp for timestamp in kept if timestamp >= NOW - 26 * HOUR]
    assert len({timestamp // HOUR for timestamp in old}) == len(old)
    assert old[0] == start
    assert recent == [timestamp for timestamp in timestamps if timestamp >= NOW - 26 * HOUR]


def test_thinning_keeps_the_first_sample_of_each_hour(store: StateStore) -> None:
    hour_start = (NOW - 2 * DAY) // HOUR * HOUR
    for minute in (5, 20, 40):
        store.add_sample(ACCOUNT, Sample(hour_start + minute * 60, minute, 0.0))
    store.prune(NOW)
    assert [sample.total_usage for sample in store.samples(ACCOUNT, 0.0)] == [5.0]


# Samples.


def test_samples_are_returned_oldest_first_from_the_given_time(store: StateStore) -> None:
    for offset in (3, 1, 2):
        store.add_sample(ACCOUNT, Sample(NOW - offset * HOUR, 10.0 - offset, 100.0))
    samples = store.samples(ACCOUNT, NOW - 2 * HOUR)
    assert samples == [Sample(NOW - 2 * HOUR, 8.0, 100.0), Sample(NOW - HOUR, 9.0, 100.0)]


def test_sample_at_the_same_time_replaces_the_earlier_one(store: StateStore) -> None:
    store.add_sample(ACCOUNT, Sample(NOW, 1.0, 10.0))
    store.add_sample(ACCOUNT, Sample(NOW, 2.0, 10.0))
    assert store.samples(ACCOUNT, 0.0) == [Sample(NOW, 2.0, 10.0)]


def test_samples_are_kept_per_account(store: StateStore) -> None:
    store.add_sample("a", Sample(NOW, 1.0, 10.0))
    store.add_sample("b", Sample(NOW, 2.0, 20.0))
    assert store.samples("a", 0.0) == [Sample(NOW, 1.0, 10.0)]


# Persistence and resilience.


def test_state_in_a_dir_is_persistent(tmp_path: Path) -> None:
    state = StateStore.open(tmp_path / "state")
    try:
        assert state.persistent
        assert state.path == tmp_path / "state" / STATE_FILE
    finally:
        state.close()


def test_in_memory_state_is_not_persistent() -> None:
    state = StateStore.in_memory()
    try:
        assert not state.persistent
    finally:
        state.close()


def test_data_survives_close_and_reopen(tmp_path: Path) -> None:
    state = StateStore.open(tmp_path)
    state.record_activity(ACCOUNT, [row(days_ago(1), usage=2.5)], TODAY)
    state.add_sample(ACCOUNT, Sample(NOW, 60.0, 300.0))
    state.close()
    reopened = StateStore.open(tmp_path)
    try:
        assert spend(reopened) == 2.5
        assert reopened.samples(ACCOUNT, 0.0) == [Sample(NOW, 60.0, 300.0)]
    finally:
        reopened.close()


def test_corrupt_state_file_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_bytes(b"this is not a database, just garbage bytes\x00" * 200)
    state = StateStore.open(tmp_path)
    state.close()
    assert list(tmp_path.glob(f"{STATE_FILE}.broken-*"))


def test_fresh_state_replaces_a_corrupt_file_and_works(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_bytes(b"\xde\xad\xbe\xef" * 1024)
    state = StateStore.open(tmp_path)
    try:
        assert state.persistent
        state.record_activity(ACCOUNT, [row(days_ago(1), usage=1.0)], TODAY)
        assert spend(state) == 1.0
    finally:
        state.close()


def test_state_file_locked_by_another_process_is_moved_aside_and_replaced(
    tmp_path: Path,
) -> None:
    StateStore.open(tmp_path).close()
    holder = sqlite3.connect(tmp_path / STATE_FILE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        state = StateStore.open(tmp_path)
        try:
            assert state.persistent
            state.record_activity(ACCOUNT, [row(days_ago(1), usage=1.0)], TODAY)
            assert spend(state) == 1.0
        finally:
            state.close()
    finally:
        holder.close()
    assert list(tmp_path.glob(f"{STATE_FILE}.broken-*"))


def test_state_file_with_a_future_schema_is_moved_aside(tmp_path: Path) -> None:
    state = StateStore.open(tmp_path)
    state.close()
    with sqlite3.connect(tmp_path / STATE_FILE) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.close()
    reopened = StateStore.open(tmp_path)
    try:
        assert reopened.persistent
        assert list(tmp_path.glob(f"{STATE_FILE}.broken-*"))
    finally:
        reopened.close()


def test_unwritable_state_dir_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-regular-file"
    blocker.write_text("not a directory")
    state = StateStore.open(blocker / "sub")
    try:
        assert not state.persistent
        state.record_activity(ACCOUNT, [row(days_ago(1), usage=1.0)], TODAY)
        assert spend(state) == 1.0
    finally:
        state.close()


def test_state_dir_is_created_when_missing(tmp_path: Path) -> None:
    state = StateStore.open(tmp_path / "deep" / "er")
    state.close()
    assert (tmp_path / "deep" / "er" / STATE_FILE).exists()


def test_a_state_file_keeps_at_most_512_kib_of_its_pages_in_memory(tmp_path: Path) -> None:
    connection = connect(
        tmp_path / "state.db",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);",
        "1",
    )
    try:
        assert connection.execute("PRAGMA cache_size").fetchone() == (-512,)
    finally:
        connection.close()
