"""The simulator's runaway control: one key spends N times the account's rate on one model.

Each test runs the runaway simulator beside a twin with the same seed and clock and no
runaway, so the extra spend is measured exactly where the API shows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from openrouter_simulator import Scenario, Simulator
from tests.process.test_simulator import HOUR, NOON, FakeClock, activity, all_keys, get

MODEL = "anthropic/claude-sonnet-4"
KEY = "the first key's hash"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


def _started(clock: FakeClock) -> Simulator:
    simulator = Simulator(Scenario.demo(seed=7), speed=1.0, clock=clock)
    simulator.start("127.0.0.1", 0)
    return simulator


@pytest.fixture
def pair(clock: FakeClock) -> Iterator[tuple[Simulator, Simulator]]:
    """(runaway, twin): same scenario, same clock."""
    runaway, twin = _started(clock), _started(clock)
    yield runaway, twin
    runaway.stop()
    twin.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client


def total_usage(http: httpx.Client, sim: Simulator) -> float:
    return float(get(http, sim, "/credits").json()["data"]["total_usage"])


def key_usage(http: httpx.Client, sim: Simulator, name: str) -> float:
    return float(next(k for k in all_keys(http, sim) if k["name"] == name)["usage"])


def start(http: httpx.Client, sim: Simulator, **body: object) -> httpx.Response:
    return http.post(sim.control_url + "/runaway", json=body)


def test_a_runaway_multiplies_the_accounts_spend_in_credits(
    pair: tuple[Simulator, Simulator], clock: FakeClock, http: httpx.Client
) -> None:
    runaway, twin = pair
    key = runaway.engine.state()["keys"][0]
    before = total_usage(http, runaway)
    assert start(http, runaway, key=key["hash"], model=MODEL, factor=10).status_code == 200
    clock.advance(HOUR)
    normal = total_usage(http, twin) - before
    assert normal > 0
    assert total_usage(http, runaway) - before == pytest.approx(10 * normal, rel=1e-6)


def test_the_extra_spend_goes_through_the_runaways_key_in_keys(
    pair: tuple[Simulator, Simulator], clock: FakeClock, http: httpx.Client
) -> None:
    runaway, twin = pair
    name = runaway.engine.state()["keys"][0]["name"]
    hash_ = runaway.engine.state()["keys"][0]["hash"]
    before = total_usage(http, runaway)
    start(http, runaway, key=hash_, model=MODEL, factor=10)
    clock.advance(HOUR)
    normal = total_usage(http, twin) - before
    extra = key_usage(http, runaway, name) - key_usage(http, twin, name)
    assert extra == pytest.approx(9 * normal, rel=1e-6)
    others = {k["name"] for k in all_keys(http, runaway)} - {name}
    assert {n: key_usage(http, runaway, n) for n in others} == {
        n: key_usage(http, twin, n) for n in others
    }


def test_the_extra_spend_lands_on_the_models_activity_rows_once_the_day_completes(
    pair: tuple[Simulator, Simulator], clock: FakeClock, http: httpx.Client
) -> None:
    runaway, twin = pair
    day = datetime.fromtimestamp(clock.t, UTC).date().isoformat()
    before = total_usage(http, runaway)
    start(http, runaway, key=runaway.engine.state()["keys"][0]["hash"], model=MODEL, factor=5)
    clock.advance(2 * HOUR)
    http.delete(runaway.control_url + "/runaway")
    extra = (total_usage(http, runaway) - before) - (total_usage(http, twin) - before)
    clock.advance(11 * HOUR)  # past midnight: the day is completed

    def spend(sim: Simulator, model: str | None) -> float:
        rows = activity(http, sim, date=day)
        return sum(float(r["usage"]) for r in rows if model is None or r["model"] == model)

    assert spend(runaway, MODEL) - spend(twin, MODEL) == pytest.approx(extra, rel=1e-6)
    assert spend(runaway, None) - spend(twin, None) == pytest.approx(extra, rel=1e-6)


def test_a_runaway_can_start_later_and_be_ended(
    pair: tuple[Simulator, Simulator], clock: FakeClock, http: httpx.Client
) -> None:
    runaway, twin = pair
    before = total_usage(http, runaway)
    answer = start(
        http,
        runaway,
        key=runaway.engine.state()["keys"][0]["hash"],
        model=MODEL,
        factor=3,
        in_seconds=HOUR,
    )
    assert answer.json()["start"] == pytest.approx(clock.t + HOUR)
    clock.advance(HOUR)
    assert total_usage(http, runaway) == pytest.approx(total_usage(http, twin))
    assert http.delete(runaway.control_url + "/runaway").json() == {"runaway": None}
    clock.advance(HOUR)
    assert total_usage(http, runaway) - before == pytest.approx(total_usage(http, twin) - before)
    assert runaway.engine.state()["runaway"] is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"key": "0" * 64, "model": MODEL, "factor": 5}, 404),
        ({"model": MODEL, "factor": 5}, 400),
        ({"key": KEY, "model": "no/such-model", "factor": 5}, 404),
        ({"key": KEY, "model": MODEL, "factor": 0.5}, 400),
        ({"key": KEY, "model": MODEL, "factor": 5, "in_seconds": -1}, 400),
    ],
)
def test_a_bad_runaway_request_is_refused_and_changes_nothing(
    pair: tuple[Simulator, Simulator], http: httpx.Client, body: dict[str, object], status: int
) -> None:
    runaway, _ = pair
    if body.get("key") == KEY:
        body = {**body, "key": runaway.engine.state()["keys"][0]["hash"]}
    answer = start(http, runaway, **body)
    assert answer.status_code == status, answer.text
    assert runaway.engine.state()["runaway"] is None
