"""The real exporter process against the simulator over loopback HTTP."""

import json
import signal
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from openrouter_simulator import NewKey, Scenario, Simulator
from tests.conftest import StartExporter
from tests.support.activity import activity_rows, row_day, spend_by_model_provider, window_end
from tests.support.exporter import Metrics, start_exporter, wait_until


def _sim_keys(sim: Simulator) -> list[dict[str, object]]:
    keys: list[dict[str, object]] = sim.engine.state()["keys"]
    return [key for key in keys if not key.get("deleted")]


def test_balance_is_purchased_minus_used(simulator: Simulator, start: StartExporter) -> None:
    totals = simulator.engine.state()
    metrics = start(simulator).metrics()

    assert metrics.get("openrouter_credits_purchased_usd") == pytest.approx(totals["total_credits"])
    assert metrics.get("openrouter_credits_used_usd_total") == pytest.approx(totals["total_usage"])
    assert metrics.get("openrouter_balance_usd") == pytest.approx(
        totals["total_credits"] - totals["total_usage"]
    )


def test_negative_balance_is_reported_not_clamped(
    simulator: Simulator, start: StartExporter
) -> None:
    credits = simulator.engine.state()["total_credits"]
    simulator.engine.set_usage(total_usage=credits + 12.5)

    metrics = start(simulator).metrics()

    assert metrics.get("openrouter_balance_usd") == pytest.approx(-12.5)
    assert metrics.get("openrouter_days_remaining", window="7d") == 0.0


def test_every_key_has_one_series_set_disabled_keys_included(
    simulator: Simulator, start: StartExporter
) -> None:
    keys = _sim_keys(simulator)
    metrics = start(simulator).metrics()

    info = metrics.series("openrouter_key_info")
    assert len(info) == len(keys)
    assert len({dict(labels)["key_hash"] for labels in info}) == len(keys)
    assert len(metrics.series("openrouter_key_disabled")) == len(keys)
    assert any(value == 1.0 for value in metrics.series("openrouter_key_disabled").values())


def test_unlimited_keys_have_no_limit_series(simulator: Simulator, start: StartExporter) -> None:
    keys = _sim_keys(simulator)
    unlimited = {str(key["hash"])[:12] for key in keys if key.get("limit") is None}
    assert unlimited, "the demo scenario has an unlimited key"

    metrics = start(simulator).metrics()

    limited = {dict(labels)["key_hash"] for labels in metrics.series("openrouter_key_limit_usd")}
    remaining = {
        dict(labels)["key_hash"] for labels in metrics.series("openrouter_key_limit_remaining_usd")
    }
    assert limited.isdisjoint(unlimited)
    assert remaining.isdisjoint(unlimited)
    assert len(limited) == len(keys) - len(unlimited)


def test_key_deleted_upstream_disappears(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator)
    victim = str(_sim_keys(simulator)[0]["hash"])[:12]
    assert exporter.metrics().series("openrouter_key_info", key_hash=victim)

    simulator.engine.delete_key(str(_sim_keys(simulator)[0]["hash"]))

    exporter.wait_for_metrics(
        lambda m: (
            not m.series("openrouter_key_info", key_hash=victim)
            and not m.series("openrouter_key_usage_usd_total", key_hash=victim)
        ),
        timeout=15,
        message="the deleted key's series are gone",
    )


def test_model_spend_windows_match_the_simulator_activity(
    simulator: Simulator, start: StartExporter
) -> None:
    rows = activity_rows(simulator)
    end = window_end(rows)
    expected: dict[str, dict[str, float]] = {"1d": defaultdict(float), "7d": defaultdict(float)}
    for row in rows:
        for window, length in (("1d", 1), ("7d", 7)):
            if end - timedelta(days=length - 1) <= row_day(row) <= end:
                expected[window][str(row["model"])] += float(str(row["usage"]))

    metrics = start(simulator).metrics()

    for window, spend in expected.items():
        assert spend, f"the simulator has spend in the {window} window"
        for model, amount in spend.items():
            served = metrics.get("openrouter_model_window_spend_usd", model=model, window=window)
            assert served == pytest.approx(amount, rel=1e-9, abs=1e-9), (model, window)


def test_model_counters_sum_every_provider_row(simulator: Simulator, start: StartExporter) -> None:
    expected = spend_by_model_provider(activity_rows(simulator))

    metrics = start(simulator).metrics()

    for (model, provider), amount in expected.items():
        served = metrics.get("openrouter_model_spend_usd_total", model=model, provider=provider)
        assert served == pytest.approx(amount), (model, provider)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("http_500", "http_500"),
        ("http_503", "http_503"),
        ("malformed", "invalid_response"),
        ("refuse", "connection"),
        ("slow", "timeout"),
    ],
)
def test_no_false_zero_while_a_fault_is_on(
    simulator: Simulator, start: StartExporter, mode: str, reason: str
) -> None:
    exporter = start(simulator)
    before = exporter.metrics()
    balance = before.get("openrouter_balance_usd")
    assert balance is not None
    assert balance > 0

    simulator.engine.set_fault("*", mode, delay=3.0)
    during = exporter.wait_for_metrics(
        lambda m: (
            m.get("openrouter_up", endpoint="credits") == 0.0
            and (m.get("openrouter_api_errors_total", endpoint="credits", reason=reason) or 0) > 0
        ),
        timeout=15,
        message=f"credits reported down with reason {reason}",
    )

    assert during.get("openrouter_balance_usd") == balance
    for name in ("openrouter_credits_purchased_usd", "openrouter_credits_used_usd_total"):
        assert during.get(name) == before.get(name)
    assert during.series("openrouter_key_info") == before.series("openrouter_key_info")
    assert during.series("openrouter_model_spend_usd_total") == before.series(
        "openrouter_model_spend_usd_total"
    )


def test_full_recovery_when_the_fault_clears(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator)
    simulator.engine.set_fault("*", "http_502")
    exporter.wait_for_metrics(
        lambda m: m.get("openrouter_up", endpoint="keys") == 0.0,
        timeout=15,
        message="keys reported down",
    )

    simulator.engine.clear_faults()

    recovered = exporter.wait_for_metrics(
        lambda m: all(
            m.get("openrouter_up", endpoint=endpoint) == 1.0
            for endpoint in ("credits", "keys", "activity")
        ),
        timeout=30,
        message="every endpoint is up again",
    )
    assert recovered.get("openrouter_balance_usd") is not None


def test_zero_credits_quirk_is_a_failure_not_a_zero_balance(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator)
    balance = exporter.metrics().get("openrouter_balance_usd")

    simulator.engine.set_fault("credits", "zero_credits")

    during = exporter.wait_for_metrics(
        lambda m: (
            (m.get("openrouter_api_errors_total", endpoint="credits", reason="zero_credits") or 0)
            > 0
        ),
        timeout=15,
        message="the 0/0 answer is counted as a failure",
    )
    assert during.get("openrouter_balance_usd") == balance
    assert during.get("openrouter_up", endpoint="credits") == 0.0


def _wait_for_key_polls(simulator: Simulator, polls: int) -> None:
    """Several poll cycles have passed: a request asked only once was not asked again."""
    wait_until(
        lambda: simulator.engine.call_counts().get("key", 0) >= polls,
        30,
        f"{polls} polls of /key",
    )


def test_inference_key_alone_asks_for_credits_once_and_says_why(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator, key="inference")
    _wait_for_key_polls(simulator, 4)

    metrics = exporter.metrics()

    assert simulator.engine.call_counts().get("credits") == 1
    assert metrics.get("openrouter_balance_usd") is None
    assert metrics.get("openrouter_up", endpoint="credits") is None
    assert metrics.get("openrouter_up", endpoint="key") == 1.0
    assert len(metrics.series("openrouter_key_info")) == 1
    advice = [line for line in exporter.log_events() if "management key" in line]
    assert len(advice) == 1
    assert "OPENROUTER_MANAGEMENT_KEY" in advice[0]


def test_auth_failure_is_logged_once_per_state_change(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator)
    simulator.engine.set_fault("credits", "http_401")
    exporter.wait_for_metrics(
        lambda m: (
            (m.get("openrouter_api_errors_total", endpoint="credits", reason="http_401") or 0) >= 3
        ),
        timeout=30,
        message="three failed polls of credits",
    )
    simulator.engine.clear_faults()
    exporter.wait_for_metrics(
        lambda m: m.get("openrouter_up", endpoint="credits") == 1.0,
        timeout=30,
        message="credits recovered",
    )

    events = [json.loads(line) for line in exporter.log_events()]
    credits_events = [event for event in events if event.get("endpoint") == "credits"]
    rejected = [event for event in credits_events if event.get("reason") == "http_401"]
    recovered = [event for event in credits_events if "recovered" in event["event"]]
    assert len(rejected) == 1
    assert "revoked" in rejected[0]["event"]
    assert rejected[0]["key"].startswith("management key sha256:")
    assert len(recovered) == 1


def test_served_and_logged_output_never_contains_a_key(
    simulator: Simulator, start: StartExporter
) -> None:
    secrets = [simulator.management_key, *simulator.inference_keys]
    exporter = start(simulator, env={"OPENROUTER_EXPORTER_LOG_LEVEL": "debug"})
    simulator.engine.set_fault("credits", "http_401")
    exporter.wait_for_metrics(
        lambda m: m.get("openrouter_up", endpoint="credits") == 0.0,
        timeout=15,
        message="credits failed with 401",
    )

    served = [exporter.get(path).text for path in ("/", "/metrics", "/healthz", "/readyz")]
    exporter.stop()
    for text in [*served, exporter.logs()]:
        for secret in secrets:
            assert secret not in text


def test_sigterm_stops_the_exporter_promptly(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(simulator)
    started = time.monotonic()

    status = exporter.stop(signal.SIGTERM, timeout=10)

    elapsed = time.monotonic() - started
    assert status == 0
    print(f"stopped {elapsed:.2f}s after SIGTERM")
    assert "stopped" in exporter.logs()


def test_error_counters_start_at_zero_for_every_polled_endpoint(
    simulator: Simulator, start: StartExporter
) -> None:
    """So that increase() over the first failure sees it: a series that appears at 1 does not."""
    metrics = start(simulator).metrics()

    for endpoint in ("keys", "credits", "activity"):
        counted = {
            dict(labels)["reason"]: value
            for labels, value in metrics.series(
                "openrouter_api_errors_total", endpoint=endpoint
            ).items()
        }
        assert set(counted) >= {"timeout", "connection", "invalid_response", "http_429"}
        assert set(counted.values()) == {0.0}, endpoint
    assert metrics.series("openrouter_api_errors_total", endpoint="key") == {}
    assert (
        metrics.get("openrouter_api_errors_total", endpoint="credits", reason="zero_credits") == 0.0
    )


def test_readyz_answers_only_after_the_first_poll(
    simulator: Simulator, start: StartExporter
) -> None:
    simulator.engine.set_fault("*", "slow", delay=3.0)
    exporter = start(
        simulator,
        wait_ready=False,
        env={
            "OPENROUTER_EXPORTER_POLL_INTERVAL": "20s",
            "OPENROUTER_EXPORTER_REQUEST_TIMEOUT": "8s",
        },
    )

    assert exporter.get("/healthz").status_code == 200
    assert exporter.get("/readyz").status_code == 503
    wait_until(lambda: exporter.get("/readyz").status_code == 200, 20, "ready")


def test_metrics_are_served_as_openmetrics_when_asked(
    simulator: Simulator, start: StartExporter
) -> None:
    exporter = start(simulator)

    response = exporter.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )

    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def test_landing_page_links_to_metrics(simulator: Simulator, start: StartExporter) -> None:
    page = start(simulator).get("/")

    assert page.status_code == 200
    assert 'href="metrics"' in page.text


def test_unknown_paths_are_not_found(simulator: Simulator, start: StartExporter) -> None:
    assert start(simulator).get("/nope").status_code == 404


def test_scrapes_do_not_call_openrouter(simulator: Simulator, start: StartExporter) -> None:
    exporter = start(
        simulator,
        env={
            "OPENROUTER_EXPORTER_POLL_INTERVAL": "1h",
            "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL": "1h",
        },
    )
    before = dict(simulator.engine.call_counts())

    for _ in range(20):
        Metrics.parse(exporter.metrics_text())

    assert simulator.engine.call_counts() == before


def test_config_file_serves_several_accounts(
    simulator: Simulator, start: StartExporter, tmp_path: Path
) -> None:
    key_file = tmp_path / "management-key"
    key_file.write_text(simulator.management_key + "\n")
    config = tmp_path / "accounts.yml"
    config.write_text(
        "accounts:\n"
        f"  - name: production\n    management_key_file: {key_file}\n"
        "    runway_warning_days: 7\n"
        f"  - name: research\n    api_key: {simulator.inference_keys[0]}\n"
    )

    metrics = start(
        simulator,
        key="none",
        env={"OPENROUTER_EXPORTER_CONFIG": str(config)},
    ).metrics()

    assert metrics.get("openrouter_balance_usd", account="production") is not None
    assert metrics.get("openrouter_balance_usd", account="research") is None
    assert metrics.get("openrouter_up", account="research", endpoint="key") == 1.0
    assert (
        metrics.get("openrouter_runway_threshold_days", account="production", severity="warning")
        == 7.0
    )


def test_keys_of_configured_workspaces_are_listed_too(
    simulator: Simulator, start: StartExporter
) -> None:
    created = simulator.engine.create_key(NewKey(name="research-bot", workspace="research"))
    workspace_id = str(created["key"]["workspace_id"])
    research_hash = str(created["hash"])[:12]

    default_only = start(simulator).metrics()
    with_research = start(simulator, env={"OPENROUTER_EXPORTER_WORKSPACES": workspace_id}).metrics()

    assert not default_only.series("openrouter_key_info", key_hash=research_hash)
    info = with_research.series("openrouter_key_info", key_hash=research_hash)
    assert [dict(labels)["workspace_id"] for labels in info] == [workspace_id]
    assert len(with_research.series("openrouter_key_info")) == (
        len(default_only.series("openrouter_key_info")) + 1
    )


def test_inference_key_zero_credits_are_never_taken_as_a_zero_balance(
    simulator: Simulator, start: StartExporter
) -> None:
    simulator.engine.set_quirks(inference_credits="zero")
    exporter = start(simulator, key="inference")
    _wait_for_key_polls(simulator, 4)

    metrics = exporter.metrics()

    assert metrics.get("openrouter_balance_usd") is None
    assert simulator.engine.call_counts().get("credits") == 1
    assert (
        metrics.get("openrouter_api_errors_total", endpoint="credits", reason="zero_credits") == 1.0
    )


def test_an_account_with_many_pages_of_keys_is_listed_less_often(start: StartExporter) -> None:
    with Simulator(Scenario.large(), speed=0.0) as large:
        # A page of 100 keys from the in-process simulator can take longer than the 0.5 s
        # timeout a 1 s interval allows when the machine is busy: give each request 2 s.
        exporter = start(
            large,
            env={
                "OPENROUTER_EXPORTER_POLL_INTERVAL": "4s",
                "OPENROUTER_EXPORTER_REQUEST_TIMEOUT": "2s",
            },
        )
        pages = large.engine.call_counts()["keys"]
        credits = large.engine.call_counts()["credits"]

        wait_until(
            lambda: large.engine.call_counts()["credits"] >= credits + 3,
            60,
            "three more credits polls",
        )

        assert pages == 11, "1,000 keys take 11 pages"
        assert large.engine.call_counts()["keys"] == pages
        assert len(exporter.metrics().series("openrouter_key_info")) == 1000


def test_demo_takes_an_interval_from_the_environment_over_its_own_default(
    tmp_path: Path,
) -> None:
    exporter = start_exporter(
        ["demo"], {"OPENROUTER_EXPORTER_ANALYTICS_INTERVAL": "0"}, tmp_path / "demo.log"
    )
    try:
        endpoints = {
            dict(labels)["endpoint"] for labels in exporter.metrics().series("openrouter_up")
        }
    finally:
        exporter.kill()

    assert "analytics" not in endpoints, "analytics is off, as the variable says"
    assert {"credits", "keys", "activity"} <= endpoints
