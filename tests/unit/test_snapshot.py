"""The snapshot store: one version per published change, and waiters woken by it."""

import threading
from dataclasses import replace

from openrouter_exporter.config.types import Thresholds
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.snapshot import AccountSnapshot, CreditsReading, SnapshotStore


def store() -> SnapshotStore:
    return SnapshotStore([AccountSnapshot(name="a", thresholds=Thresholds())])


def with_credits(snapshot: AccountSnapshot) -> AccountSnapshot:
    reading = CreditsReading(total_credits=10.0, total_usage=4.0, fetched_at=0.0)
    return replace(snapshot, readings={**snapshot.readings, EndpointName.CREDITS: reading})


def test_each_update_publishes_exactly_one_version() -> None:
    snapshots = store()
    snapshots.update("a", with_credits)
    assert snapshots.current().version == 1
    assert snapshots.account("a").credits == CreditsReading(10.0, 4.0, 0.0)


def test_a_waiter_gets_a_snapshot_already_newer_than_its_version() -> None:
    snapshots = store()
    snapshots.update("a", with_credits)
    assert snapshots.wait_newer(0, timeout=0.0) is snapshots.current()


def test_a_waiter_gets_nothing_when_nothing_was_published() -> None:
    assert store().wait_newer(0, timeout=0.01) is None


def test_a_waiting_thread_is_woken_by_the_next_publish() -> None:
    snapshots = store()
    waiting = threading.Event()
    woken: list[int] = []

    def wait() -> None:
        waiting.set()
        published = snapshots.wait_newer(0, timeout=60.0)
        woken.append(published.version if published else -1)

    waiter = threading.Thread(target=wait)
    waiter.start()
    waiting.wait()
    snapshots.update("a", with_credits)
    waiter.join()
    assert woken == [1]


def test_readings_of_an_endpoint_are_typed_on_the_way_out() -> None:
    snapshot = with_credits(AccountSnapshot(name="a", thresholds=Thresholds()))
    assert snapshot.reading(EndpointName.CREDITS, CreditsReading) is not None
    assert snapshot.reading(EndpointName.CREDITS, tuple) is None
    assert snapshot.reading(EndpointName.KEYS, tuple) is None
