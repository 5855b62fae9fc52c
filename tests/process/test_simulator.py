"""The OpenRouter simulator: real HTTP against an in-process simulator.

Most tests drive the simulator with a fake clock fixed on a Wednesday at noon UTC, so
that spend, calendar days and the activity window are deterministic whatever the wall
clock says; time moves only when a test moves it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import openrouter_exporter
from openrouter_simulator import KeySpec, NewKey, Scenario, Simulator

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "openrouter-schemas.json"
NOON = datetime(2025, 6, 11, 12, 0, tzinfo=UTC).timestamp()  # a Wednesday
HOUR = 3600.0
DAY = 86_400.0


class FakeClock:
    def __init__(self, t: float = NOON) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[Simulator]:
    simulator = Simulator(Scenario.demo(seed=7), speed=1.0, clock=clock)
    simulator.start("127.0.0.1", 0)
    yield simulator
    simulator.stop()
    assert simulator.engine.state()["errors"] == []


@pytest.fixture(scope="module")
def large() -> Iterator[Simulator]:
    simulator = Simulator(Scenario.large(seed=7), clock=FakeClock())
    simulator.start("127.0.0.1", 0)
    yield simulator
    simulator.stop()
    assert simulator.engine.state()["errors"] == []


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def get(
    http: httpx.Client, sim: Simulator, path: str, key: str | None = None, **params: Any
) -> httpx.Response:
    headers = bearer(sim.management_key if key is None else key)
    return http.get(sim.base_url + path, headers=headers, params=params)


def all_keys(http: httpx.Client, sim: Simulator) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = get(http, sim, "/keys", include_disabled="true").json()["data"]
    return data


def key_named(http: httpx.Client, sim: Simulator, name: str) -> dict[str, Any]:
    return next(k for k in all_keys(http, sim) if k["name"] == name)


def activity(http: httpx.Client, sim: Simulator, **params: Any) -> list[dict[str, Any]]:
    response = get(http, sim, "/activity", **params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


def today(sim: Simulator) -> date:
    return date.fromisoformat(sim.engine.state()["today"])


# ---- schema ---------------------------------------------------------------------------------


SCHEMA_CASES = {
    "credits": ("GET /credits", "/credits", "management", {}),
    "key (management)": ("GET /key", "/key", "management", {}),
    "key (inference)": ("GET /key", "/key", "inference", {}),
    "auth/key (old path)": ("GET /key", "/auth/key", "inference", {}),
    "keys": ("GET /keys", "/keys", "management", {"include_disabled": "true"}),
    "keys/{hash}": ("GET /keys/{hash}", "/keys/{hash}", "management", {}),
    "activity": ("GET /activity", "/activity", "management", {}),
    "activity by workspace": (
        "GET /activity",
        "/activity",
        "management",
        {"group_by": "workspace"},
    ),
}


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=list(SCHEMA_CASES))
def test_every_endpoint_answer_validates_against_the_reference_schema(
    sim: Simulator, http: httpx.Client, case: str
) -> None:
    if not SCHEMAS.is_file():
        pytest.skip(f"reference schemas not found at {SCHEMAS} (not part of a clean clone)")
    from jsonschema import Draft202012Validator

    schema_name, path, who, params = SCHEMA_CASES[case]
    if "{hash}" in path:
        path = path.replace("{hash}", all_keys(http, sim)[0]["hash"])
    key = sim.management_key if who == "management" else sim.inference_keys[0]
    response = get(http, sim, path, key, **params)
    assert response.status_code == 200
    schema = json.loads(SCHEMAS.read_text())[schema_name]["response_200"]
    Draft202012Validator(schema).validate(response.json())


# ---- authentication -------------------------------------------------------------------------


def test_missing_authorization_header_answers_401_missing_authentication_header(
    sim: Simulator, http: httpx.Client
) -> None:
    response = http.get(sim.base_url + "/credits")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": 401, "message": "Missing Authentication header"}}


def test_unknown_key_answers_401_user_not_found(sim: Simulator, http: httpx.Client) -> None:
    response = get(http, sim, "/key", "sk-or-v1-" + "0" * 64)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": 401, "message": "User not found."}}


def test_deleted_key_answers_401_user_not_found(sim: Simulator, http: httpx.Client) -> None:
    secret = sim.key_secrets["production-chat"]
    sim.engine.delete_key(key_named(http, sim, "production-chat")["hash"])
    response = get(http, sim, "/key", secret)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User not found."


def test_disabled_key_answers_401(sim: Simulator, http: httpx.Client) -> None:
    assert get(http, sim, "/key", sim.key_secrets["legacy-integration"]).status_code == 401


@pytest.mark.parametrize("path", ["/credits", "/keys", "/activity", "/keys/{hash}"])
def test_inference_key_on_management_endpoint_answers_403(
    sim: Simulator, http: httpx.Client, path: str
) -> None:
    path = path.replace("{hash}", key_named(http, sim, "staging")["hash"])
    response = get(http, sim, path, sim.inference_keys[0])
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": 403, "message": "Only management keys can perform this operation"}
    }


def test_inference_credits_quirk_real_answers_the_account_values(
    sim: Simulator, http: httpx.Client
) -> None:
    sim.engine.set_quirks(inference_credits="real")
    as_inference = get(http, sim, "/credits", sim.inference_keys[0]).json()
    assert as_inference == get(http, sim, "/credits").json()


def test_inference_credits_quirk_zero_answers_zero_zero(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_quirks(inference_credits="zero")
    body = get(http, sim, "/credits", sim.inference_keys[0]).json()
    assert body == {"data": {"total_credits": 0.0, "total_usage": 0.0}}


def test_key_endpoint_describes_the_calling_inference_key(
    sim: Simulator, http: httpx.Client
) -> None:
    data = get(http, sim, "/key", sim.key_secrets["staging"]).json()["data"]
    listed = key_named(http, sim, "staging")
    assert data["label"] == listed["label"]
    assert data["limit"] == 60.0
    assert data["is_management_key"] is False


def test_key_endpoint_with_the_management_key_says_so(sim: Simulator, http: httpx.Client) -> None:
    data = get(http, sim, "/key").json()["data"]
    assert data["is_management_key"] is True
    assert data["is_provisioning_key"] is True


def test_old_auth_key_path_answers_like_key(sim: Simulator, http: httpx.Client) -> None:
    secret = sim.inference_keys[1]
    assert get(http, sim, "/auth/key", secret).json() == get(http, sim, "/key", secret).json()


# ---- /credits and spend -----------------------------------------------------------------------


def test_demo_account_starts_with_a_few_days_of_runway(sim: Simulator) -> None:
    state = sim.engine.state()
    runway_days = (state["exhaustion_timestamp"] - state["now"]) / DAY
    assert 40 <= state["balance"] <= 60
    assert 2 < runway_days < 6


def test_spend_accrues_with_time(sim: Simulator, http: httpx.Client, clock: FakeClock) -> None:
    before = get(http, sim, "/credits").json()["data"]["total_usage"]
    clock.advance(HOUR)
    after = get(http, sim, "/credits").json()["data"]["total_usage"]
    assert after > before


def test_speed_multiplies_the_spend_rate() -> None:
    slow_clock, fast_clock = FakeClock(), FakeClock()
    slow = Simulator(Scenario.demo(), speed=1.0, clock=slow_clock)
    fast = Simulator(Scenario.demo(), speed=10.0, clock=fast_clock)
    start_slow, start_fast = (
        slow.engine.totals()["total_usage"],
        fast.engine.totals()["total_usage"],
    )
    slow_clock.advance(HOUR)
    fast_clock.advance(HOUR)
    slow_spend = slow.engine.totals()["total_usage"] - start_slow
    fast_spend = fast.engine.totals()["total_usage"] - start_fast
    assert fast_spend == pytest.approx(10 * slow_spend, rel=1e-6)


def test_set_speed_changes_the_rate_from_now_on(sim: Simulator, clock: FakeClock) -> None:
    start = sim.engine.totals()["total_usage"]
    clock.advance(60)
    first_minute = sim.engine.totals()["total_usage"] - start
    sim.engine.set_speed(0)
    clock.advance(HOUR)
    assert sim.engine.totals()["total_usage"] - start == pytest.approx(first_minute)


def test_daytime_spends_faster_than_night(clock: FakeClock) -> None:
    simulator = Simulator(Scenario.demo(), clock=clock)
    noon_rate = simulator.engine.state()["current_rate_per_day"]
    clock.advance(14 * HOUR)  # 02:00 UTC
    assert simulator.engine.state()["current_rate_per_day"] < noon_rate


def test_top_up_raises_total_credits(sim: Simulator, http: httpx.Client) -> None:
    before = get(http, sim, "/credits").json()["data"]["total_credits"]
    sim.engine.top_up(100)
    assert get(http, sim, "/credits").json()["data"]["total_credits"] == pytest.approx(before + 100)


def test_balance_can_be_made_negative_through_the_control_api(
    sim: Simulator, http: httpx.Client
) -> None:
    sim.engine.set_usage(total_usage=120.0, total_credits=100.0)
    data = get(http, sim, "/credits").json()["data"]
    assert data["total_credits"] - data["total_usage"] == pytest.approx(-20.0)


def test_balance_reaches_zero_at_the_exhaustion_timestamp(sim: Simulator, clock: FakeClock) -> None:
    exhaustion = sim.engine.exhaustion_timestamp()
    assert exhaustion is not None
    clock.t = exhaustion
    assert sim.engine.totals()["balance"] == pytest.approx(0.0, abs=1e-6)


def test_spend_past_zero_stops_at_the_overdraft_limit(sim: Simulator, clock: FakeClock) -> None:
    clock.advance(20 * DAY)
    state = sim.engine.state()
    assert state["balance"] == pytest.approx(-Scenario.demo().overdraft_limit)
    assert state["exhaustion_timestamp"] == state["exhausted_at"] < state["now"]


def test_exhaustion_timestamp_is_null_when_nothing_spends(sim: Simulator) -> None:
    sim.engine.set_speed(0)
    assert sim.engine.state()["exhaustion_timestamp"] is None


# ---- keys -----------------------------------------------------------------------------------


def test_key_near_its_limit_stops_accruing_at_the_limit(
    sim: Simulator, http: httpx.Client, clock: FakeClock
) -> None:
    assert 0 < key_named(http, sim, "staging")["limit_remaining"] < 2
    clock.advance(3 * DAY)
    staging = key_named(http, sim, "staging")
    assert staging["limit_remaining"] == 0
    assert staging["usage"] == pytest.approx(60.0)


def test_capped_key_share_moves_to_the_other_keys(sim: Simulator, clock: FakeClock) -> None:
    """The account spends the same whether the near-limit key caps or never spends."""
    start = sim.engine.totals()["total_usage"]
    reference_clock = FakeClock()
    reference = Simulator(Scenario.demo(), clock=reference_clock)
    ref_start = reference.engine.totals()["total_usage"]
    staging = next(k["hash"] for k in reference.engine.state()["keys"] if k["name"] == "staging")
    reference.engine.update_key(staging, weight=0)
    clock.advance(3 * DAY)
    reference_clock.advance(3 * DAY)
    spent = sim.engine.totals()["total_usage"] - start
    assert spent == pytest.approx(reference.engine.totals()["total_usage"] - ref_start, rel=1e-9)


def test_usage_daily_resets_at_utc_midnight(http: httpx.Client) -> None:
    clock = FakeClock(datetime(2025, 6, 11, 23, 0, tzinfo=UTC).timestamp())
    with Simulator(Scenario.demo(), clock=clock) as simulator:
        clock.t = datetime(2025, 6, 12, tzinfo=UTC).timestamp()
        at_midnight = key_named(http, simulator, "production-chat")
        clock.advance(HOUR)
        later = key_named(http, simulator, "production-chat")
    assert at_midnight["usage_daily"] == pytest.approx(0.0)
    assert later["usage_daily"] == pytest.approx(later["usage"] - at_midnight["usage"])
    assert later["usage_weekly"] > later["usage_daily"]


def test_keys_include_disabled_defaults_to_false(sim: Simulator, http: httpx.Client) -> None:
    default = {k["name"] for k in get(http, sim, "/keys").json()["data"]}
    everything = {k["name"] for k in all_keys(http, sim)}
    assert everything - default == {"legacy-integration"}


def test_keys_show_both_timestamp_formats(sim: Simulator, http: httpx.Client) -> None:
    created = [k["created_at"] for k in all_keys(http, sim)]
    assert any(c.endswith("Z") for c in created)
    assert any(c.endswith("+00:00") and "." in c for c in created)


def test_keys_have_null_updated_at_and_absent_or_present_expires_at(
    sim: Simulator, http: httpx.Client
) -> None:
    keys = all_keys(http, sim)
    assert any(k["updated_at"] is None for k in keys)
    assert any("expires_at" not in k for k in keys)
    assert any(k.get("expires_at") for k in keys)


def test_expired_key_stops_authenticating(
    sim: Simulator, http: httpx.Client, clock: FakeClock
) -> None:
    secret = sim.key_secrets["hackathon-2025"]
    assert get(http, sim, "/key", secret).status_code == 200
    clock.advance(2 * DAY + 1)
    assert get(http, sim, "/key", secret).status_code == 401


def test_keys_by_hash_answers_the_key(sim: Simulator, http: httpx.Client) -> None:
    staging = key_named(http, sim, "staging")
    assert get(http, sim, f"/keys/{staging['hash']}").json() == {"data": staging}


def test_keys_by_unknown_hash_answers_404(sim: Simulator, http: httpx.Client) -> None:
    response = get(http, sim, "/keys/" + "f" * 64)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404


def test_key_hashes_are_64_hex_and_labels_masked(sim: Simulator, http: httpx.Client) -> None:
    for key in all_keys(http, sim):
        assert len(key["hash"]) == 64
        int(key["hash"], 16)
        assert key["label"].startswith("sk-or-v1-")
        assert "..." in key["label"]


def test_created_key_is_listed_and_authenticates(sim: Simulator, http: httpx.Client) -> None:
    created = sim.engine.create_key(NewKey(name="new-service", limit=10.0, limit_reset="daily"))
    assert created["hash"] in {k["hash"] for k in all_keys(http, sim)}
    assert get(http, sim, "/key", created["secret"]).json()["data"]["limit"] == 10.0


def test_deleted_key_disappears_from_the_list(sim: Simulator, http: httpx.Client) -> None:
    staging = key_named(http, sim, "staging")
    sim.engine.delete_key(staging["hash"])
    assert staging["hash"] not in {k["hash"] for k in all_keys(http, sim)}
    assert get(http, sim, f"/keys/{staging['hash']}").status_code == 404


def test_keys_pages_hold_100_keys_until_a_short_page(large: Simulator, http: httpx.Client) -> None:
    sizes: list[int] = []
    hashes: set[str] = set()
    offset = 0
    while True:
        page = get(http, large, "/keys", include_disabled="true", offset=offset).json()["data"]
        sizes.append(len(page))
        hashes.update(k["hash"] for k in page)
        if len(page) < 100:
            break
        offset += len(page)
    assert sizes == [100] * 10 + [0]
    assert len(hashes) == 1000


def test_keys_without_disabled_end_on_a_short_tenth_page(
    large: Simulator, http: httpx.Client
) -> None:
    sizes: list[int] = []
    offset = 0
    while not sizes or sizes[-1] == 100:
        page = get(http, large, "/keys", offset=offset).json()["data"]
        sizes.append(len(page))
        offset += 100
    assert sizes == [100] * 9 + [60]


def test_keys_workspace_id_lists_another_workspace(large: Simulator, http: httpx.Client) -> None:
    research = next(
        k["workspace_id"] for k in large.engine.state()["keys"] if k["name"] == "research-0"
    )
    page = get(http, large, "/keys", workspace_id=research).json()["data"]
    assert sorted(k["name"] for k in page) == [f"research-{i}" for i in range(5)]


def test_keys_rejects_a_negative_offset(sim: Simulator, http: httpx.Client) -> None:
    assert get(http, sim, "/keys", offset="-1").status_code == 400


# ---- /activity --------------------------------------------------------------------------------


def test_activity_covers_the_last_30_completed_days(sim: Simulator, http: httpx.Client) -> None:
    dates = {row["date"] for row in activity(http, sim)}
    day = today(sim)
    assert dates == {(day - timedelta(days=n)).isoformat() for n in range(1, 31)}


def test_activity_rejects_today_with_400(sim: Simulator, http: httpx.Client) -> None:
    response = get(http, sim, "/activity", date=today(sim).isoformat())
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": 400, "message": "Date must be within the last 30 (completed) UTC days"}
    }


def test_activity_rejects_a_day_before_the_window_with_400(
    sim: Simulator, http: httpx.Client
) -> None:
    day = today(sim) - timedelta(days=31)
    assert get(http, sim, "/activity", date=day.isoformat()).status_code == 400


def test_activity_date_filter_returns_only_that_day(sim: Simulator, http: httpx.Client) -> None:
    day = (today(sim) - timedelta(days=5)).isoformat()
    rows = activity(http, sim, date=day)
    assert rows
    assert {row["date"] for row in rows} == {day}
    assert rows == [row for row in activity(http, sim) if row["date"] == day]


def test_activity_rows_are_stable_across_calls_and_time(
    sim: Simulator, http: httpx.Client, clock: FakeClock
) -> None:
    first = activity(http, sim)
    clock.advance(HOUR)
    assert activity(http, sim) == first


def test_activity_rows_are_deterministic_from_the_seed(http: httpx.Client) -> None:
    with Simulator(Scenario.demo(seed=3), clock=FakeClock()) as one:
        rows_one = activity(http, one)
    with Simulator(Scenario.demo(seed=3), clock=FakeClock()) as two:
        rows_two = activity(http, two)
    assert rows_one == rows_two


def test_activity_has_several_providers_for_some_model(sim: Simulator, http: httpx.Client) -> None:
    providers: dict[str, set[str]] = {}
    for row in activity(http, sim):
        providers.setdefault(row["model"], set()).add(row["provider_name"])
    assert any(len(names) >= 2 for names in providers.values())
    assert len(providers) == 6


def test_activity_reasoning_tokens_are_within_completion_tokens(
    sim: Simulator, http: httpx.Client
) -> None:
    rows = activity(http, sim)
    assert all(row["reasoning_tokens"] <= row["completion_tokens"] for row in rows)
    assert any(row["reasoning_tokens"] > 0 for row in rows)


def test_activity_window_total_does_not_exceed_total_usage(
    sim: Simulator, http: httpx.Client
) -> None:
    window = sum(row["usage"] for row in activity(http, sim))
    assert window <= get(http, sim, "/credits").json()["data"]["total_usage"]


def test_activity_key_rows_add_up_to_the_account_rows(sim: Simulator, http: httpx.Client) -> None:
    account = sum(row["usage"] for row in activity(http, sim))
    per_key = sum(
        row["usage"]
        for key in all_keys(http, sim)
        for row in activity(http, sim, api_key_hash=key["hash"])
    )
    assert per_key == pytest.approx(account, rel=1e-6)


def test_activity_unknown_key_hash_answers_404(sim: Simulator, http: httpx.Client) -> None:
    assert get(http, sim, "/activity", api_key_hash="0" * 64).status_code == 404


def test_activity_byok_requests_quirk_adds_the_field(sim: Simulator, http: httpx.Client) -> None:
    assert all("byok_requests" in row for row in activity(http, sim))
    sim.engine.set_quirks(activity_byok_requests=False)
    assert all("byok_requests" not in row for row in activity(http, sim))


def test_activity_datetime_quirk_formats_dates_with_a_time(
    sim: Simulator, http: httpx.Client
) -> None:
    sim.engine.set_quirks(activity_date_format="datetime")
    assert all(row["date"].endswith(" 00:00:00") for row in activity(http, sim))


def test_activity_lag_quirk_hides_yesterday_until_the_lag_passed(http: httpx.Client) -> None:
    clock = FakeClock(datetime(2025, 6, 12, 0, 30, tzinfo=UTC).timestamp())
    scenario = Scenario.demo().with_quirks(activity_lag_seconds=HOUR)
    with Simulator(scenario, clock=clock) as simulator:
        early = {row["date"] for row in activity(http, simulator)}
        yesterday_early = activity(http, simulator, date="2025-06-11")
        clock.advance(HOUR)
        late = {row["date"] for row in activity(http, simulator)}
    assert max(early) == "2025-06-10"
    assert yesterday_early == []
    assert max(late) == "2025-06-11"


def test_advance_days_slides_the_activity_window(sim: Simulator, http: httpx.Client) -> None:
    before = sorted({row["date"] for row in activity(http, sim)})
    sim.engine.advance_days(3)
    after = sorted({row["date"] for row in activity(http, sim)})
    shift = [(date.fromisoformat(d) + timedelta(days=3)).isoformat() for d in before]
    assert after == shift


def test_advance_days_spends_the_skipped_days_at_the_normal_rate(sim: Simulator) -> None:
    sim.engine.top_up(1000)
    sim.engine.set_speed(5)
    before = sim.engine.totals()["total_usage"]
    normal = sim.engine.ledger.model.spend_between(NOON, NOON + 2 * DAY)
    sim.engine.advance_days(2)
    assert sim.engine.totals()["total_usage"] - before == pytest.approx(normal, rel=1e-9)


def test_revise_changes_only_the_named_rows(sim: Simulator, http: httpx.Client) -> None:
    day = (today(sim) - timedelta(days=4)).isoformat()
    model = "openai/gpt-4.1"
    before = activity(http, sim)
    assert sim.engine.revise_day(day, model, 2.0) >= 1
    after = activity(http, sim)
    for old, new in zip(before, after, strict=True):
        if old["date"] == day and old["model"] == model:
            assert new["usage"] == pytest.approx(2 * old["usage"])
            assert new["requests"] == pytest.approx(2 * old["requests"], abs=1)
        else:
            assert new == old


def test_large_activity_spans_many_models_and_providers(
    large: Simulator, http: httpx.Client
) -> None:
    rows = activity(http, large)
    assert len({row["model"] for row in rows}) > 250
    assert len({row["provider_name"] for row in rows}) >= 10


def test_models_lists_prices_as_strings_and_router_at_minus_one(
    sim: Simulator, http: httpx.Client
) -> None:
    models = http.get(sim.base_url + "/models").json()["data"]
    auto = next(m for m in models if m["id"] == "openrouter/auto")
    assert auto["pricing"]["prompt"] == "-1"
    assert all(isinstance(m["pricing"]["completion"], str) for m in models)


# ---- faults ---------------------------------------------------------------------------------


STATUS_FAULTS = {
    "http_500": 500,
    "http_502": 502,
    "http_503": 503,
    "http_429": 429,
    "http_401": 401,
    "http_403": 403,
}


@pytest.mark.parametrize("mode", STATUS_FAULTS)
def test_status_fault_answers_its_status_until_cleared(
    sim: Simulator, http: httpx.Client, mode: str
) -> None:
    sim.engine.set_fault("credits", mode)
    assert get(http, sim, "/credits").status_code == STATUS_FAULTS[mode]
    assert get(http, sim, "/keys").status_code == 200
    sim.engine.clear_faults("credits")
    assert get(http, sim, "/credits").status_code == 200


@pytest.mark.parametrize("mode", ["http_429", "http_503"])
def test_retry_after_header_is_sent_when_asked(
    sim: Simulator, http: httpx.Client, mode: str
) -> None:
    sim.engine.set_fault("keys", mode, retry_after=7)
    assert get(http, sim, "/keys").headers["Retry-After"] == "7"


def test_retry_after_header_is_absent_when_not_asked(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("keys", "http_429")
    assert "Retry-After" not in get(http, sim, "/keys").headers


def test_fault_envelope_follows_openrouter(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("key", "http_429")
    assert get(http, sim, "/key").json() == {
        "error": {"code": 429, "message": "Rate limit exceeded"}
    }


def test_refuse_fault_closes_the_connection_without_an_answer(
    sim: Simulator, http: httpx.Client
) -> None:
    sim.engine.set_fault("activity", "refuse")
    with pytest.raises(httpx.TransportError):
        get(http, sim, "/activity")
    sim.engine.clear_faults()
    assert get(http, sim, "/activity").status_code == 200


def test_malformed_fault_answers_200_with_invalid_json(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("credits", "malformed")
    response = get(http, sim, "/credits")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    sim.engine.clear_faults()
    assert get(http, sim, "/credits").json()["data"]


def test_drift_fault_renames_and_drops_optional_fields(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("key", "drift")
    data = get(http, sim, "/key", sim.inference_keys[0]).json()["data"]
    assert "usage_daily" not in data
    assert "usage_today" in data
    assert data["usage"] > 0
    sim.engine.clear_faults()
    assert "usage_daily" in get(http, sim, "/key", sim.inference_keys[0]).json()["data"]


def test_drift_fault_adds_unknown_fields_to_activity(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("activity", "drift")
    rows = activity(http, sim)
    assert all("cached_tokens" in row and "model_permaslug" not in row for row in rows)


def test_zero_credits_fault_answers_zero_zero(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("credits", "zero_credits")
    assert get(http, sim, "/credits").json() == {"data": {"total_credits": 0.0, "total_usage": 0.0}}
    sim.engine.clear_faults()
    assert get(http, sim, "/credits").json()["data"]["total_usage"] > 0


def test_activity_datetime_fault_formats_dates_with_a_time(
    sim: Simulator, http: httpx.Client
) -> None:
    sim.engine.set_fault("activity", "activity_datetime_format")
    assert all(row["date"].endswith(" 00:00:00") for row in activity(http, sim))
    sim.engine.clear_faults()
    assert all(len(row["date"]) == 10 for row in activity(http, sim))


def test_wildcard_fault_applies_to_every_endpoint(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("*", "http_500")
    assert {get(http, sim, p).status_code for p in ("/credits", "/key", "/keys", "/activity")} == {
        500
    }


def test_fault_with_times_switches_itself_off(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("credits", "http_503", times=2)
    statuses = [get(http, sim, "/credits").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_slow_fault_does_not_block_other_requests(clock: FakeClock) -> None:
    simulator = Simulator(Scenario.demo(), clock=clock)
    simulator.start()
    simulator.engine.set_fault("activity", "slow", delay=60)
    slow_done = threading.Event()

    def slow_request() -> None:
        with httpx.Client(timeout=120) as client, contextlib.suppress(httpx.TransportError):
            get(client, simulator, "/activity")
        slow_done.set()

    worker = threading.Thread(target=slow_request)
    worker.start()
    with httpx.Client(timeout=30) as client:
        assert get(client, simulator, "/credits").status_code == 200
    finished_first = not slow_done.is_set()
    simulator.stop()  # cuts the slow answer short
    worker.join(timeout=30)
    assert finished_first
    assert not worker.is_alive()


def test_slow_fault_switched_off_answers_at_once(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("credits", "slow", delay=600)
    sim.engine.clear_faults("credits")
    assert get(http, sim, "/credits").status_code == 200


# ---- call counting --------------------------------------------------------------------------


def test_every_request_is_counted_per_endpoint_faults_included(
    sim: Simulator, http: httpx.Client
) -> None:
    sim.engine.set_fault("credits", "http_429", retry_after=1)
    for _ in range(3):
        get(http, sim, "/credits")
    get(http, sim, "/keys")
    assert sim.engine.call_counts() == {"credits": 3, "keys": 1}
    assert sim.engine.calls_detail()["credits"]["statuses"] == [429, 429, 429]
    assert len(sim.engine.calls_detail()["credits"]["timestamps"]) == 3


def test_refused_requests_are_counted_with_status_0(sim: Simulator, http: httpx.Client) -> None:
    sim.engine.set_fault("key", "refuse")
    with pytest.raises(httpx.TransportError):
        get(http, sim, "/key")
    assert sim.engine.calls_detail()["key"]["statuses"] == [0]


def test_reset_counts_forgets_the_counts(sim: Simulator, http: httpx.Client) -> None:
    get(http, sim, "/credits")
    sim.engine.reset_counts()
    assert sim.engine.call_counts() == {}


# ---- the control API over HTTP --------------------------------------------------------------


def control(http: httpx.Client, sim: Simulator, method: str, path: str, body: Any = None) -> Any:
    response = http.request(method, sim.control_url + path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_control_state_reports_money_keys_and_exhaustion(
    sim: Simulator, http: httpx.Client
) -> None:
    state = control(http, sim, "GET", "/state")
    assert state["balance"] == pytest.approx(state["total_credits"] - state["total_usage"])
    assert {k["name"] for k in state["keys"]} >= {"production-chat", "staging"}
    assert state["exhaustion_timestamp"] > state["now"]


def test_control_topup_and_usage_change_the_credits(sim: Simulator, http: httpx.Client) -> None:
    control(http, sim, "POST", "/usage", {"total_usage": 10.0, "total_credits": 20.0})
    totals = control(http, sim, "POST", "/topup", {"amount": 5})
    assert totals == {"total_credits": 25.0, "total_usage": 10.0, "balance": 15.0}


def test_control_speed_sets_the_speed(sim: Simulator, http: httpx.Client) -> None:
    assert control(http, sim, "POST", "/speed", {"factor": 60}) == {"speed": 60.0}


def test_control_fault_switches_on_and_off(sim: Simulator, http: httpx.Client) -> None:
    body = {"endpoint": "credits", "mode": "http_503", "retry_after": 3, "delay": 0}
    control(http, sim, "POST", "/fault", body)
    assert get(http, sim, "/credits").status_code == 503
    assert control(http, sim, "DELETE", "/fault?endpoint=credits") == {"faults": {}}
    assert get(http, sim, "/credits").status_code == 200


def test_control_rejects_an_unknown_fault_mode(sim: Simulator, http: httpx.Client) -> None:
    response = http.post(sim.control_url + "/fault", json={"endpoint": "credits", "mode": "boom"})
    assert response.status_code == 400


def test_control_creates_and_deletes_keys(sim: Simulator, http: httpx.Client) -> None:
    created = control(http, sim, "POST", "/keys", {"name": "tmp", "limit": 5})
    assert get(http, sim, "/key", created["secret"]).status_code == 200
    assert control(http, sim, "DELETE", f"/keys/{created['hash']}") == {"deleted": created["hash"]}
    assert get(http, sim, "/key", created["secret"]).status_code == 401


def test_control_advance_and_revise(sim: Simulator, http: httpx.Client) -> None:
    moved = control(http, sim, "POST", "/advance", {"days": 1})
    assert moved["calendar_offset_days"] == 1
    day = moved["activity_window"]["last"]
    revised = control(
        http, sim, "POST", "/revise", {"date": day, "model": "openai/gpt-4.1", "factor": 0.5}
    )
    assert revised["rows"] == 1


def test_control_quirks_switch_the_activity_date_format(sim: Simulator, http: httpx.Client) -> None:
    quirks = control(http, sim, "POST", "/quirks", {"activity_date_format": "datetime"})["quirks"]
    assert quirks["activity_date_format"] == "datetime"
    assert activity(http, sim)[0]["date"].endswith(" 00:00:00")


def test_control_update_key_disables_it(sim: Simulator, http: httpx.Client) -> None:
    staging = key_named(http, sim, "staging")
    updated = control(http, sim, "POST", f"/keys/{staging['hash']}", {"disabled": True})["key"]
    assert updated["disabled"] is True
    assert get(http, sim, "/key", sim.key_secrets["staging"]).status_code == 401


def test_control_credentials_give_the_keys_file_shape(sim: Simulator, http: httpx.Client) -> None:
    creds = control(http, sim, "GET", "/credentials")
    assert creds["base_url"] == sim.base_url
    assert creds["management_key"] == sim.management_key
    assert creds["inference_keys"] == sim.inference_keys


def test_custom_scenario_is_constructible(http: httpx.Client) -> None:
    demo = Scenario.demo()
    scenario = Scenario(
        name="custom",
        seed=1,
        balance=5.0,
        daily_rate=1.0,
        models=demo.models[:1],
        keys=(KeySpec("only"),),
    )
    with Simulator(scenario, clock=FakeClock()) as simulator:
        assert get(http, simulator, "/credits").json()["data"]["total_credits"] > 0
        assert [k["name"] for k in all_keys(http, simulator)] == ["only"]


# ---- standalone -----------------------------------------------------------------------------


def test_standalone_writes_a_private_keys_file_and_stops_on_sigterm(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    src = Path(openrouter_exporter.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "openrouter_simulator", "--keys-file", str(keys_file)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        creds = json.loads(keys_file.read_text())
        assert line == creds["base_url"]
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
        with httpx.Client(timeout=10) as client:
            response = client.get(line + "/credits", headers=bearer(creds["management_key"]))
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert creds["management_key"] not in line + process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
