"""Units of the poller: back-off, counters that never fall, and one poll against a fake API."""

import asyncio
import dataclasses
import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from openrouter_exporter.config.loader import load_config
from openrouter_exporter.config.types import AccountConfig, ExporterConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import (
    LedgerAmounts,
    LedgerRow,
    ModelTotals,
    Sample,
    monotonic_totals,
)
from openrouter_exporter.core.snapshot import AccountSnapshot, ActivityReading, SnapshotStore
from openrouter_exporter.endpoints import ENDPOINTS
from openrouter_exporter.endpoints.activity import Activity
from openrouter_exporter.endpoints.base import Poll
from openrouter_exporter.endpoints.key_readings import key_fingerprint
from openrouter_exporter.endpoints.keys import keys_interval
from openrouter_exporter.polling import poller
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot, planned_endpoints
from openrouter_exporter.polling.schedule import retry_delay
from openrouter_exporter.storage.sqlite_state import StateStore

JITTER = 0.2


class FixedRandom(random.Random):
    """A ``random.Random`` whose ``random()`` always answers the same number."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


NO_JITTER = FixedRandom(0.0)
MAX_JITTER = FixedRandom(0.999999)


def ceiling(interval: float) -> float:
    return max(interval, min(16 * interval, 600.0))


# retry_delay


def test_first_retry_waits_one_interval() -> None:
    assert retry_delay(60.0, 1, None, NO_JITTER) == 60.0


def test_retry_delay_doubles_with_each_failure() -> None:
    delays = [retry_delay(10.0, failures, None, NO_JITTER) for failures in range(1, 5)]
    assert delays == [10.0, 20.0, 40.0, 80.0]


@pytest.mark.parametrize(
    ("interval", "cap"),
    [(1.0, 16.0), (10.0, 160.0), (30.0, 480.0), (60.0, 600.0), (300.0, 600.0), (1800.0, 1800.0)],
)
def test_retry_delay_is_capped_at_16_intervals_or_10_minutes_but_never_below_the_interval(
    interval: float, cap: float
) -> None:
    assert retry_delay(interval, 50, None, NO_JITTER) == cap


def test_huge_failure_counts_do_not_overflow() -> None:
    assert retry_delay(60.0, 10**6, None, NO_JITTER) == 600.0


@given(
    interval=st.floats(min_value=1.0, max_value=3600.0),
    failures=st.integers(min_value=1, max_value=100),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_jitter_adds_at_most_20_percent(interval: float, failures: int, seed: int) -> None:
    base = retry_delay(interval, failures, None, NO_JITTER)
    delay = retry_delay(interval, failures, None, random.Random(seed))
    assert base <= delay <= base * (1 + JITTER)


@given(
    interval=st.floats(min_value=1.0, max_value=3600.0),
    failures=st.integers(min_value=1, max_value=100),
)
def test_retry_is_never_sooner_than_the_interval(interval: float, failures: int) -> None:
    assert retry_delay(interval, failures, None, NO_JITTER) >= interval


@given(
    interval=st.floats(min_value=1.0, max_value=3600.0),
    failures=st.integers(min_value=1, max_value=100),
)
def test_retry_never_exceeds_the_cap_plus_jitter(interval: float, failures: int) -> None:
    assert retry_delay(interval, failures, None, MAX_JITTER) <= ceiling(interval) * (1 + JITTER)


def test_maximum_jitter_is_just_under_20_percent() -> None:
    assert retry_delay(100.0, 1, None, MAX_JITTER) == pytest.approx(120.0)


@given(
    interval=st.floats(min_value=1.0, max_value=3600.0),
    failures=st.integers(min_value=1, max_value=100),
    retry_after=st.floats(min_value=0.0, max_value=86400.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_retry_is_never_sooner_than_retry_after(
    interval: float, failures: int, retry_after: float, seed: int
) -> None:
    assert retry_delay(interval, failures, retry_after, random.Random(seed)) >= retry_after


def test_retry_after_longer_than_the_cap_is_honoured() -> None:
    assert retry_delay(60.0, 1, 3600.0, MAX_JITTER) == 3600.0


def test_short_retry_after_does_not_shorten_the_back_off() -> None:
    assert retry_delay(60.0, 3, 5.0, NO_JITTER) == 240.0


def test_retry_delay_is_a_float() -> None:
    assert isinstance(retry_delay(60, 1, None, NO_JITTER), float)


# monotonic_totals


def totals(model: str, provider: str, amount: float) -> ModelTotals:
    return ModelTotals(
        model, provider, LedgerAmounts(amount, amount / 10, amount * 10, amount * 100, amount, 0)
    )


_COUNTERS = [field.name for field in dataclasses.fields(LedgerAmounts)]


def test_first_totals_are_taken_as_they_are() -> None:
    current = (totals("a", "x", 1.0),)
    assert monotonic_totals(None, current) == current
    assert monotonic_totals((), current) == current


def test_growing_totals_are_taken() -> None:
    assert monotonic_totals((totals("a", "x", 1.0),), (totals("a", "x", 2.0),)) == (
        totals("a", "x", 2.0),
    )


def test_totals_never_decrease() -> None:
    assert monotonic_totals((totals("a", "x", 5.0),), (totals("a", "x", 2.0),)) == (
        totals("a", "x", 5.0),
    )


def test_each_counter_keeps_its_own_maximum() -> None:
    before = ModelTotals("a", "x", LedgerAmounts(5.0, 0.0, 10.0, 0.0, 0.0, 0.0))
    after = ModelTotals("a", "x", LedgerAmounts(1.0, 2.0, 20.0, 0.0, 0.0, 0.0))
    assert monotonic_totals((before,), (after,)) == (
        ModelTotals("a", "x", LedgerAmounts(5.0, 2.0, 20.0, 0, 0, 0)),
    )


def test_series_that_vanished_are_kept() -> None:
    merged = monotonic_totals(
        (totals("a", "x", 1.0), totals("b", "y", 3.0)), (totals("a", "x", 2.0),)
    )
    assert merged == (totals("a", "x", 2.0), totals("b", "y", 3.0))


def test_new_series_are_added_in_model_and_provider_order() -> None:
    merged = monotonic_totals(
        (totals("b", "y", 1.0),), (totals("c", "z", 1.0), totals("a", "x", 1.0))
    )
    assert [(item.model, item.provider) for item in merged] == [("a", "x"), ("b", "y"), ("c", "z")]


model_totals = st.lists(
    st.builds(
        ModelTotals,
        model=st.sampled_from(["a/one", "b/two", "c/three"]),
        provider=st.sampled_from(["OpenAI", "Azure"]),
        amounts=st.builds(
            LedgerAmounts,
            spend=st.floats(0, 1e6),
            byok_spend=st.floats(0, 1e6),
            requests=st.floats(0, 1e9),
            prompt_tokens=st.floats(0, 1e12),
            completion_tokens=st.floats(0, 1e12),
            reasoning_tokens=st.floats(0, 1e12),
        ),
    ),
    unique_by=lambda item: (item.model, item.provider),
).map(tuple)


@given(model_totals, model_totals)
def test_no_field_of_any_series_ever_decreases(
    previous: tuple[ModelTotals, ...], current: tuple[ModelTotals, ...]
) -> None:
    merged = {(item.model, item.provider): item for item in monotonic_totals(previous, current)}
    for before in (*previous, *current):
        after = merged[(before.model, before.provider)]
        for name in _COUNTERS:
            assert getattr(after.amounts, name) >= getattr(before.amounts, name)


@given(model_totals, model_totals)
def test_merged_series_are_exactly_the_union(
    previous: tuple[ModelTotals, ...], current: tuple[ModelTotals, ...]
) -> None:
    merged = monotonic_totals(previous, current)
    keys = [(item.model, item.provider) for item in merged]
    expected = {(item.model, item.provider) for item in (*previous, *current)}
    assert len(keys) == len(set(keys))
    assert set(keys) == expected


# Small helpers the poller's logs and labels rely on.


def test_key_fingerprint_is_short_stable_and_not_the_key() -> None:
    key = SecretStr("sk-or-v1-FAKESECRET0123456789abcdef0123456789abcdef0123456789abcdef")
    fingerprint = key_fingerprint(key)
    assert fingerprint == key_fingerprint(key)
    assert len(fingerprint) == 12
    assert fingerprint not in key.get_secret_value()


def test_different_keys_have_different_fingerprints() -> None:
    assert key_fingerprint(SecretStr("sk-or-v1-a")) != key_fingerprint(SecretStr("sk-or-v1-b"))


def test_management_key_polls_keys_credits_activity_analytics_and_limits() -> None:
    config = load_config({}, {"OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-m"})
    assert planned_endpoints(config.accounts[0], config) == {
        "workspaces": 600.0,
        "keys": 60.0,
        "credits": 60.0,
        "activity": 1800.0,
        "analytics": 300.0,
        "workspace_budgets": 600.0,
        "guardrails": 600.0,
        "guardrail_assignments": 600.0,
        "members": 600.0,
        "budget_spend": 600.0,
    }


def test_an_interval_of_0_turns_an_endpoint_off() -> None:
    config = load_config({"analytics_interval": "0"}, {"OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-m"})
    assert "analytics" not in planned_endpoints(config.accounts[0], config)


def test_inference_key_alone_polls_key_and_credits() -> None:
    config = load_config({}, {"OPENROUTER_API_KEY": "sk-or-v1-i"})
    assert planned_endpoints(config.accounts[0], config) == {"key": 60.0, "credits": 60.0}


def test_management_key_makes_the_key_endpoint_unnecessary() -> None:
    config = load_config({}, {"OPENROUTER_API_KEY": "sk-or-v1-i", "OPENROUTER_MANAGEMENT_KEY": "m"})
    assert "key" not in planned_endpoints(config.accounts[0], config)


# One poll of every endpoint, against a fake OpenRouter: a failure is health, never a crash.

FIXTURES = Path(__file__).parents[1] / "fixtures"
MANAGEMENT_KEY = "sk-or-v1-FAKEMANAGEMENT00112233445566778899aabbccddeeff00112233445566778899"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fake_openrouter(keys_body: Any) -> httpx.MockTransport:
    bodies = {
        "/api/v1/keys": keys_body,
        "/api/v1/credits": fixture("credits.json"),
        "/api/v1/activity": fixture("activity.json"),
        "/api/v1/analytics/meta": fixture("analytics_meta.json"),
        "/api/v1/analytics/query": fixture("analytics_query_model_day.json"),
    }
    return httpx.MockTransport(lambda request: httpx.Response(200, json=bodies[request.url.path]))


def management_account() -> tuple[ExporterConfig, AccountConfig, SnapshotStore]:
    """An account with a management key against a fake OpenRouter (which knows no
    workspaces or guardrails: limits are off), and its snapshot store."""
    config = load_config(
        {"base_url": "https://openrouter.test/api/v1", "limits_interval": "0"},
        {"OPENROUTER_MANAGEMENT_KEY": MANAGEMENT_KEY},
    )
    account = config.accounts[0]
    return config, account, SnapshotStore([initial_snapshot(account, config)])


def poll_every_endpoint_once(state: StateStore, keys_body: Any) -> AccountSnapshot:
    config, account, store = management_account()
    poller = AccountPoller(
        account, config, store, state, transport=fake_openrouter(keys_body), rng=NO_JITTER
    )

    async def run() -> None:
        try:
            await poller.poll_once()
        finally:
            await poller.aclose()

    asyncio.run(run())
    return store.current().accounts[0]


def test_one_poll_of_every_endpoint_fills_the_snapshot() -> None:
    snapshot = poll_every_endpoint_once(StateStore.in_memory(), fixture("keys.json"))
    assert snapshot.credits is not None
    assert snapshot.keys is not None
    assert len(snapshot.keys) == 4
    assert snapshot.activity is not None
    assert {name: health.up for name, health in snapshot.health.items()} == {
        "keys": True,
        "credits": True,
        "activity": True,
        "analytics": True,
    }


class FailingSamples(StateStore):
    """A state store whose disk is full when a sample is written."""

    def add_sample(self, account: str, sample: Sample) -> None:
        raise sqlite3.OperationalError("database or disk is full")


def test_state_write_failure_does_not_stop_the_poll() -> None:
    snapshot = poll_every_endpoint_once(FailingSamples.in_memory(), fixture("keys.json"))
    assert snapshot.health[EndpointName.ACTIVITY].polled


def test_answer_the_models_cannot_handle_does_not_stop_the_poll() -> None:
    body = fixture("keys.json")
    body["data"][0]["expires_at"] = 1e20
    snapshot = poll_every_endpoint_once(StateStore.in_memory(), body)
    assert snapshot.health[EndpointName.KEYS].polled


@pytest.mark.parametrize(
    ("poll_interval", "pages", "expected"),
    [
        (60.0, 1, 60.0),
        (1.0, 1, 1.0),
        (60.0, 2, 72.0),
        (60.0, 11, 396.0),
        (600.0, 11, 600.0),
    ],
)
def test_keys_interval_spaces_out_accounts_with_many_pages_of_keys(
    poll_interval: float, pages: int, expected: float
) -> None:
    assert keys_interval(poll_interval, pages) == expected


def test_keys_polling_never_costs_more_than_100_requests_an_hour() -> None:
    for pages in range(2, 200):
        assert pages * 3600 / keys_interval(60.0, pages) <= 100.0


def test_empty_activity_while_the_window_had_spend_is_a_failure_not_zero_burn() -> None:
    state = StateStore.in_memory()
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    state.record_activity(
        "default",
        [LedgerRow(yesterday, "m", "unknown", "unknown", LedgerAmounts(spend=5.0))],
        yesterday + timedelta(days=1),
    )
    config, account, store = management_account()
    bodies = {
        "/api/v1/keys": fixture("keys.json"),
        "/api/v1/credits": fixture("credits.json"),
        "/api/v1/activity": {"data": []},
    }
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, json=bodies[request.url.path])
    )
    poller = AccountPoller(account, config, store, state, transport=transport, rng=NO_JITTER)

    async def run() -> None:
        try:
            await poller.poll_once()
        finally:
            await poller.aclose()

    asyncio.run(run())
    snapshot = store.current().accounts[0]

    assert snapshot.health[EndpointName.ACTIVITY].up is False
    assert snapshot.health[EndpointName.ACTIVITY].errors["invalid_response"] == 1
    assert snapshot.activity is None
    assert all(item.window == "24h" for item in snapshot.forecasts)


class UnansweredActivity(Activity):
    """/activity as a definition that readiness does not wait for, and that never answers."""

    readiness_waits = False

    async def poll(self, poll: Poll) -> ActivityReading:
        await asyncio.Event().wait()
        raise AssertionError("never reached")


def test_readiness_does_not_wait_for_an_endpoint_whose_definition_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = tuple(
        UnansweredActivity() if item.name is EndpointName.ACTIVITY else item for item in ENDPOINTS
    )
    monkeypatch.setattr(poller, "ENDPOINTS", registry)
    config, account, store = management_account()
    account_poller = AccountPoller(
        account,
        config,
        store,
        StateStore.in_memory(),
        transport=fake_openrouter(fixture("keys.json")),
        rng=NO_JITTER,
    )

    async def ready_while_activity_is_pending() -> dict[EndpointName, bool]:
        stop = asyncio.Event()
        polling = asyncio.create_task(account_poller.run(stop))
        try:
            await account_poller.first_polls_done()
            return {name: health.up for name, health in store.account("default").health.items()}
        finally:
            stop.set()
            await polling
            await account_poller.aclose()

    assert asyncio.run(ready_while_activity_is_pending()) == {
        EndpointName.KEYS: True,
        EndpointName.CREDITS: True,
        EndpointName.ACTIVITY: False,
        EndpointName.ANALYTICS: False,  # nor for analytics, which follows /activity
    }
