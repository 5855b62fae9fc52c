"""Snapshot to exposition: a golden file and the "unknown is never zero" rules.

promtool checks the golden file in ``tests/tools/test_collector_promtool.py``.

Set ``UPDATE_GOLDEN=1`` to rewrite ``tests/golden/exposition.prom`` from the snapshot below
after an intended change; review the diff before committing it.
"""

import gzip
import os
import platform
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import exposition as prometheus_exposition
from prometheus_client.openmetrics import exposition as openmetrics_exposition
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from openrouter_exporter.config.schema import Budget, BudgetScope, BudgetThreshold
from openrouter_exporter.config.types import Thresholds
from openrouter_exporter.core.budget_status import BudgetStatus
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import LedgerAmounts, ModelTotals, UsageCounter
from openrouter_exporter.core.limits import Limit, LimitPeriod, LimitScope, SpendSource
from openrouter_exporter.core.snapshot import (
    AccountSnapshot,
    ActivityReading,
    ActivitySummary,
    CreditsReading,
    EndpointHealth,
    KeyReading,
    Snapshot,
    SnapshotStore,
    WindowForecast,
)
from openrouter_exporter.endpoints import ENDPOINTS
from openrouter_exporter.endpoints.analytics_readings import AnalyticsReading, ModelToday, PairToday
from openrouter_exporter.openrouter.analytics_models import AnalyticsMeta
from openrouter_exporter.polling.poller import error_reasons
from openrouter_exporter.serving import collector
from openrouter_exporter.serving.exposition import Exposition

GOLDEN = Path(__file__).parents[1] / "golden" / "exposition.prom"
NOW = 1_756_123_200.0  # 2025-08-25T12:00:00Z
DAY = 86400.0
LATEST_DAY = date(2025, 8, 24)
WORKSPACE = "0df9e665-d932-4b2b-9b7e-3e2b0fbe6e21"


def counted_from_zero(endpoint: EndpointName, **failures: int) -> dict[str, int]:
    """Error counts as the poller keeps them: every known reason from 0, plus ``failures``."""
    (definition,) = [item for item in ENDPOINTS if item.name == endpoint]
    return {**dict.fromkeys(error_reasons(definition), 0), **failures}


def healthy(endpoint: EndpointName, requests: int, **failures: int) -> EndpointHealth:
    return EndpointHealth(
        up=True,
        polled=True,
        last_success=NOW - 30.0,
        last_duration=0.25,
        requests=requests,
        errors=counted_from_zero(endpoint, **failures),
    )


def prod_account() -> AccountSnapshot:
    """A management-key account with everything known, balance floors configured."""
    return AccountSnapshot(
        name="prod",
        thresholds=Thresholds(
            runway_warning_days=7.0,
            runway_critical_days=2.0,
            balance_warning_usd=100.0,
            balance_critical_usd=25.0,
        ),
        readings={
            EndpointName.CREDITS: CreditsReading(
                total_credits=300.0, total_usage=60.75, fetched_at=NOW
            ),
            EndpointName.KEYS: (
                KeyReading(
                    key_hash="f01d52606dc8",
                    name="prod-backend",
                    label="sk-or-v1-0e6...1c96",
                    workspace_id=WORKSPACE,
                    limit_reset="",
                    disabled=False,
                    usage=211.5,
                    byok_usage=12.5,
                    limit=None,
                    limit_remaining=None,
                    expires_at=None,
                ),
                KeyReading(
                    key_hash="8c4b6e1f2a3d",
                    name="old-notebook",
                    label="sk-or-v1-9a2...77b0",
                    workspace_id=WORKSPACE,
                    limit_reset="",
                    disabled=True,
                    usage=20.0,
                    byok_usage=0.0,
                    limit=20.0,
                    limit_remaining=0.0,
                    expires_at=None,
                ),
                KeyReading(
                    key_hash="3e9a0c7d1b5f",
                    name="ci-runner",
                    label="sk-or-v1-c31...5d2e",
                    workspace_id=WORKSPACE,
                    limit_reset="weekly",
                    disabled=False,
                    usage=147.5,
                    byok_usage=0.0,
                    limit=50.0,
                    limit_remaining=2.5,
                    expires_at=1_756_684_800.0,  # 2025-09-01T00:00:00Z
                ),
            ),
            EndpointName.ACTIVITY: ActivityReading(
                summary=ActivitySummary(
                    latest_day=LATEST_DAY,
                    end_day=LATEST_DAY,
                    daily_spend={LATEST_DAY: 5.0, LATEST_DAY - timedelta(days=1): 2.5},
                    model_spend={
                        "1d": {"anthropic/claude-sonnet-4": 0.0, "openai/gpt-4.1": 5.0},
                        "7d": {"anthropic/claude-sonnet-4": 4.0, "openai/gpt-4.1": 5.0},
                        "30d": {"anthropic/claude-sonnet-4": 4.0, "openai/gpt-4.1": 5.75},
                    },
                    cost_per_request={"anthropic/claude-sonnet-4": 0.0625, "openai/gpt-4.1": 0.02},
                ),
                model_totals=(
                    ModelTotals(
                        "anthropic/claude-sonnet-4",
                        "Amazon Bedrock",
                        LedgerAmounts(2.5, 0.0, 40, 5e5, 6e4, 1.5e4),
                    ),
                    ModelTotals(
                        "anthropic/claude-sonnet-4",
                        "Anthropic",
                        LedgerAmounts(1.5, 0.3, 20, 2.5e5, 3e4, 8e3),
                    ),
                    ModelTotals(
                        "openai/gpt-4.1", "Azure", LedgerAmounts(1.0, 0.25, 50, 3e5, 2e4, 0)
                    ),
                    ModelTotals(
                        "openai/gpt-4.1", "OpenAI", LedgerAmounts(4.75, 0.0, 230, 1.35e6, 9e4, 0)
                    ),
                ),
            ),
            EndpointName.ANALYTICS: todays_analytics(),
        },
        forecasts=(
            WindowForecast("24h", 12.0, 239.25 / 12.0, NOW + 239.25 / 12.0 * DAY),
            WindowForecast("7d", 1.0, 239.25, NOW + 239.25 * DAY),
            WindowForecast("30d", 0.25, 957.0, NOW + 957.0 * DAY),
        ),
        budgets=prod_budgets(),
        health={
            EndpointName.KEYS: healthy(EndpointName.KEYS, 120, http_429=2),
            EndpointName.CREDITS: healthy(EndpointName.CREDITS, 120),
            EndpointName.ACTIVITY: healthy(EndpointName.ACTIVITY, 4, timeout=1),
            EndpointName.ANALYTICS: healthy(EndpointName.ANALYTICS, 25),
        },
        limits=prod_limits(),
    )


def prod_limits() -> tuple[Limit, ...]:
    """One limit of each kind of source: the balance, a key limit about to be hit, a
    workspace budget whose spend is not estimated yet, a member guardrail estimated."""
    month_end = NOW + 20 * DAY
    return (
        Limit(
            LimitScope.CREDITS,
            "",
            "balance",
            LimitPeriod.LIFETIME,
            300.0,
            60.75,
            SpendSource.OPENROUTER,
            None,
            NOW + 239.25 / 12.0 * DAY,
        ),
        Limit(
            LimitScope.KEY_LIMIT,
            "5e0c1d7a9b3f",
            "batch",
            LimitPeriod.MONTHLY,
            50.0,
            48.5,
            SpendSource.OPENROUTER,
            month_end,
            NOW + 3 * 3600.0,
        ),
        Limit(
            LimitScope.WORKSPACE,
            WORKSPACE,
            "Production",
            LimitPeriod.WEEKLY,
            500.0,
            None,
            SpendSource.ANALYTICS,
            NOW + 2 * DAY,
            None,
        ),
        Limit(
            LimitScope.MEMBER,
            "user_2dHFtVWx2n56w6HkM",
            "Jane Doe",
            LimitPeriod.MONTHLY,
            100.0,
            101.25,
            SpendSource.ANALYTICS,
            month_end,
            NOW,
        ),
    )


def prod_budgets() -> tuple[BudgetStatus, ...]:
    """A monthly budget on course to exceed; a quarterly one whose history starts inside the
    quarter, too new to forecast; a weekly one whose scope names no key."""
    monthly = Budget(name="llm-monthly", amount_usd=2000, period="monthly")
    quarterly = Budget(
        name="claude-quarterly",
        amount_usd=500,
        period="quarterly",
        scope=BudgetScope(models=("anthropic/claude-sonnet-4",)),
        thresholds=(BudgetThreshold(percent=50), BudgetThreshold(percent=90, basis="forecast")),
    )
    weekly = Budget(
        name="research-weekly", amount_usd=300, period="weekly", scope=BudgetScope(keys=("typo",))
    )
    august, september = 1_754_006_400.0, 1_756_684_800.0  # 2025-08-01, 2025-09-01
    return (
        BudgetStatus(monthly, NOW, august, september, 1500.0, 2150.5, True, True),
        BudgetStatus(quarterly, NOW, 1_751_328_000.0, 1_759_276_800.0, 4.0, None, False, True),
        BudgetStatus(weekly, NOW, 1_756_080_000.0, 1_756_684_800.0, None, None, False, False),
    )


def todays_analytics() -> AnalyticsReading:
    """Fetched just now (the today gauges show only while the day is OpenRouter's today);
    one key name shared by two keys, so no hash."""
    now = time.time()
    return AnalyticsReading(
        day=datetime.fromtimestamp(now, UTC).date(),
        server_time=now,
        fetched_at=now,
        models=(
            ModelToday("anthropic/claude-sonnet-4", 0.75, 0.125, 12, 2e4, 5e3, 1e3),
            ModelToday("openai/gpt-4.1", 0.5, None, 25, 4e4, 1e4, None),
        ),
        pairs=(
            PairToday("f01d52606dc8", "prod-backend", "anthropic/claude-sonnet-4", 0.625),
            PairToday("", "batch", "openai/gpt-4.1", 0.25),
        ),
        other_spend=0.375,
        model_totals=(),
        meta=AnalyticsMeta(),
        meta_fetched_at=now,
    )


def overdrawn_account() -> AccountSnapshot:
    """An inference-key account whose usage exceeds its purchases."""
    return AccountSnapshot(
        name="overdrawn",
        thresholds=Thresholds(),
        readings={
            # OpenRouter refunded $0.50 of an earlier charge: its total_usage fell to 52.125.
            EndpointName.CREDITS: CreditsReading(
                total_credits=50.0,
                total_usage=52.125,
                fetched_at=NOW,
                counter=UsageCounter(last_usage=52.125, used=52.625, refunded=0.5),
            ),
            EndpointName.KEY: (
                KeyReading(
                    key_hash="5d41402abc4b",
                    name="sk-or-v1-aed...9ee",
                    label="sk-or-v1-aed...9ee",
                    workspace_id="",
                    limit_reset="monthly",
                    disabled=False,
                    usage=52.125,
                    byok_usage=0.0,
                    limit=100.0,
                    limit_remaining=47.875,
                    expires_at=None,
                ),
            ),
        },
        forecasts=(WindowForecast("24h", 3.0, 0.0, NOW),),
        health={
            EndpointName.KEY: healthy(EndpointName.KEY, 60),
            EndpointName.CREDITS: healthy(EndpointName.CREDITS, 60),
        },
    )


def idle_account() -> AccountSnapshot:
    """Money left and nothing spent: infinite runway, no exhaustion."""
    return AccountSnapshot(
        name="idle",
        thresholds=Thresholds(runway_warning_days=5.0, balance_critical_usd=0.0),
        readings={
            EndpointName.CREDITS: CreditsReading(
                total_credits=25.0, total_usage=5.0, fetched_at=NOW
            ),
            EndpointName.KEYS: (),
            EndpointName.ACTIVITY: ActivityReading(
                summary=ActivitySummary(
                    latest_day=None,
                    end_day=LATEST_DAY - timedelta(days=1),
                    daily_spend={},
                    model_spend={"1d": {}, "7d": {}, "30d": {}},
                    cost_per_request={},
                ),
                model_totals=(),
            ),
        },
        forecasts=(
            WindowForecast("7d", 0.0, float("inf"), None),
            WindowForecast("30d", 0.0, float("inf"), None),
        ),
        health={
            EndpointName.KEYS: healthy(EndpointName.KEYS, 10),
            EndpointName.CREDITS: healthy(EndpointName.CREDITS, 10),
            EndpointName.ACTIVITY: healthy(EndpointName.ACTIVITY, 1),
        },
    )


def never_fetched_account() -> AccountSnapshot:
    """Every poll failed so far: only configuration and health are known."""
    return AccountSnapshot(
        name="new",
        thresholds=Thresholds(),
        health={
            EndpointName.KEYS: EndpointHealth(
                polled=True,
                last_duration=0.125,
                requests=2,
                errors=counted_from_zero(EndpointName.KEYS, http_401=2),
            ),
            EndpointName.CREDITS: EndpointHealth(
                polled=True,
                last_duration=10.0,
                requests=2,
                errors=counted_from_zero(EndpointName.CREDITS, timeout=1, http_401=1),
            ),
            EndpointName.ACTIVITY: EndpointHealth(errors=counted_from_zero(EndpointName.ACTIVITY)),
        },
    )


def store_of(*accounts: AccountSnapshot) -> SnapshotStore:
    return SnapshotStore(list(accounts))


def golden_store() -> SnapshotStore:
    return store_of(prod_account(), overdrawn_account(), idle_account(), never_fetched_account())


@pytest.fixture
def pinned_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """build_info carries the running Python, the package version and its revision: pin them."""
    monkeypatch.setattr(platform, "python_version", lambda: "3.11.0")
    monkeypatch.setattr(collector, "__version__", "0.0.0")
    monkeypatch.setattr(collector, "installed_revision", lambda: "0123456789abcdef")


def text(store: SnapshotStore) -> str:
    return Exposition(store).render(openmetrics_format=False, gzipped=False).decode()


def openmetrics_text(store: SnapshotStore) -> str:
    return Exposition(store).render(openmetrics_format=True, gzipped=False).decode()


def samples(body: str) -> dict[str, list[dict[str, str]]]:
    """Sample name to the label sets it appears with."""
    found: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(dict(sample.labels))
    return found


def value(body: str, name: str, **labels: str) -> float | None:
    matches = [
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    ]
    assert len(matches) <= 1, f"{name}{labels} matches {len(matches)} series"
    return matches[0] if matches else None


# The golden file.


@pytest.mark.usefixtures("pinned_build")
def test_exposition_matches_the_golden_file() -> None:
    rendered = text(golden_store())
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.usefixtures("pinned_build")
def test_build_info_reports_the_version_and_python() -> None:
    body = text(store_of())
    assert value(body, "openrouter_exporter_build_info", version="0.0.0", python_version="3.11.0")


def test_openmetrics_rendering_ends_with_eof() -> None:
    assert openmetrics_text(golden_store()).endswith("# EOF\n")


def test_openmetrics_rendering_is_valid_openmetrics() -> None:
    families = list(openmetrics_families(openmetrics_text(golden_store())))  # type: ignore[no-untyped-call]
    assert families


def test_gzipped_rendering_is_the_plain_text_compressed() -> None:
    store = golden_store()
    exposition = Exposition(store)
    plain = exposition.render(openmetrics_format=False, gzipped=False)
    assert gzip.decompress(exposition.render(openmetrics_format=False, gzipped=True)) == plain


@pytest.mark.parametrize("openmetrics_format", [False, True], ids=["text", "openmetrics"])
def test_rendering_family_by_family_answers_exactly_what_prometheus_client_renders_whole(
    openmetrics_format: bool,
) -> None:
    store = golden_store()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector.SnapshotCollector(store))
    generate = (
        openmetrics_exposition.generate_latest
        if openmetrics_format
        else prometheus_exposition.generate_latest
    )
    rendered = Exposition(store).render(openmetrics_format=openmetrics_format, gzipped=False)
    assert rendered == generate(registry)


def test_rendering_is_cached_until_the_snapshot_changes() -> None:
    store = store_of(prod_account())
    exposition = Exposition(store)
    first = exposition.render(openmetrics_format=False, gzipped=False)
    assert exposition.render(openmetrics_format=False, gzipped=False) is first
    store.update("prod", lambda account: account)
    assert exposition.render(openmetrics_format=False, gzipped=False) is not first


# What each account shows.


def test_negative_balance_is_exposed_unclamped() -> None:
    body = text(store_of(overdrawn_account()))
    assert value(body, "openrouter_balance_usd", account="overdrawn") == -2.125


def test_credits_are_exposed_as_purchased_gauge_and_used_counter() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_credits_purchased_usd", account="prod") == 300.0
    assert value(body, "openrouter_credits_used_usd_total", account="prod") == 60.75
    assert value(body, "openrouter_balance_usd", account="prod") == 239.25


def test_a_refund_keeps_the_used_counter_and_counts_apart_while_the_balance_is_openrouters() -> (
    None
):
    body = text(store_of(overdrawn_account()))
    assert value(body, "openrouter_credits_used_usd_total", account="overdrawn") == 52.625
    assert value(body, "openrouter_credits_refunded_usd_total", account="overdrawn") == 0.5
    assert value(body, "openrouter_balance_usd", account="overdrawn") == -2.125


def test_never_fetched_account_shows_no_balance_keys_or_models() -> None:
    body = text(store_of(never_fetched_account()))
    names = set(samples(body))
    for prefix in (
        "openrouter_credits",
        "openrouter_balance_usd",
        "openrouter_key",
        "openrouter_model",
    ):
        assert not [name for name in names if name.startswith(prefix)], prefix
    assert "openrouter_burn_rate_usd_per_day" not in names
    assert "openrouter_days_remaining" not in names
    assert "openrouter_activity_latest_day_timestamp_seconds" not in names


def test_never_fetched_account_shows_thresholds_and_health() -> None:
    body = text(store_of(never_fetched_account()))
    assert value(body, "openrouter_runway_threshold_days", account="new", severity="warning") == 3
    assert value(body, "openrouter_runway_threshold_days", account="new", severity="critical") == 1
    assert value(body, "openrouter_up", account="new", endpoint="credits") == 0.0
    assert value(body, "openrouter_api_requests_total", account="new", endpoint="keys") == 2.0
    assert (
        value(
            body, "openrouter_api_errors_total", account="new", endpoint="keys", reason="http_401"
        )
        == 2.0
    )


def test_never_fetched_account_has_no_last_success() -> None:
    body = text(store_of(never_fetched_account()))
    assert value(body, "openrouter_last_success_timestamp_seconds", account="new") is None


def test_endpoint_not_polled_yet_has_no_up_series() -> None:
    body = text(store_of(never_fetched_account()))
    assert value(body, "openrouter_up", account="new", endpoint="activity") is None
    assert value(body, "openrouter_api_requests_total", account="new", endpoint="activity") == 0.0


def test_unlimited_key_has_no_limit_series() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_key_limit_usd", key_name="prod-backend") is None
    assert value(body, "openrouter_key_limit_remaining_usd", key_name="prod-backend") is None
    assert value(body, "openrouter_key_info", key_name="prod-backend") == 1.0


def test_key_without_expiry_has_no_expiry_series() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_key_expiry_timestamp_seconds", key_name="prod-backend") is None


def test_key_near_its_limit_shows_limit_remaining_and_expiry() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_key_limit_usd", key_name="ci-runner") == 50.0
    assert value(body, "openrouter_key_limit_remaining_usd", key_name="ci-runner") == 2.5
    assert value(body, "openrouter_key_expiry_timestamp_seconds", key_name="ci-runner") == (
        1_756_684_800.0
    )


def test_disabled_key_is_flagged_and_enabled_keys_are_zero() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_key_disabled", key_name="old-notebook") == 1.0
    assert value(body, "openrouter_key_disabled", key_name="ci-runner") == 0.0


def test_key_info_carries_masked_label_workspace_and_limit_reset() -> None:
    body = text(store_of(prod_account()))
    (labels,) = [
        item for item in samples(body)["openrouter_key_info"] if item["key_name"] == "ci-runner"
    ]
    assert labels == {
        "account": "prod",
        "key_hash": "3e9a0c7d1b5f",
        "key_name": "ci-runner",
        "key_label": "sk-or-v1-c31...5d2e",
        "workspace_id": WORKSPACE,
        "limit_reset": "weekly",
    }


def test_vanished_key_has_no_series() -> None:
    account = prod_account()
    assert account.keys is not None
    store = store_of(account)
    store.update(
        "prod",
        lambda item: replace(
            item,
            readings={**item.readings, EndpointName.KEYS: account.keys[:1] if account.keys else ()},
        ),
    )
    body = text(store)
    assert value(body, "openrouter_key_info", key_name="ci-runner") is None


def test_model_counters_are_per_model_and_provider() -> None:
    body = text(store_of(prod_account()))
    assert (
        value(
            body,
            "openrouter_model_spend_usd_total",
            model="openai/gpt-4.1",
            provider="Azure",
        )
        == 1.0
    )
    assert value(body, "openrouter_model_requests_total", provider="OpenAI") == 230.0


def test_window_spend_has_an_explicit_zero_for_a_quiet_model() -> None:
    body = text(store_of(prod_account()))
    assert (
        value(
            body,
            "openrouter_model_window_spend_usd",
            model="anthropic/claude-sonnet-4",
            window="1d",
        )
        == 0.0
    )


def test_latest_activity_day_is_its_utc_midnight() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_activity_latest_day_timestamp_seconds") == 1_755_993_600.0


def test_activity_without_rows_has_no_latest_day() -> None:
    body = text(store_of(idle_account()))
    assert value(body, "openrouter_activity_latest_day_timestamp_seconds") is None


def test_zero_burn_shows_infinite_days_and_no_exhaustion() -> None:
    body = text(store_of(idle_account()))
    assert value(body, "openrouter_days_remaining", window="7d") == float("inf")
    assert value(body, "openrouter_burn_rate_usd_per_day", window="7d") == 0.0
    assert value(body, "openrouter_exhaustion_timestamp_seconds", window="7d") is None


def test_infinite_days_render_as_prometheus_plus_inf() -> None:
    body = text(store_of(idle_account()))
    assert 'openrouter_days_remaining{account="idle",window="7d"} +Inf' in body


def test_overdrawn_account_has_zero_days_and_exhaustion_now() -> None:
    body = text(store_of(overdrawn_account()))
    assert value(body, "openrouter_days_remaining", window="24h") == 0.0
    assert value(body, "openrouter_exhaustion_timestamp_seconds", window="24h") == NOW


def test_balance_floors_appear_only_when_configured() -> None:
    body = text(store_of(prod_account(), overdrawn_account()))
    assert (
        value(body, "openrouter_balance_threshold_usd", account="prod", severity="warning") == 100
    )
    assert (
        value(body, "openrouter_balance_threshold_usd", account="prod", severity="critical") == 25
    )
    assert value(body, "openrouter_balance_threshold_usd", account="overdrawn") is None


def test_zero_balance_floor_is_exposed() -> None:
    body = text(store_of(idle_account()))
    assert value(body, "openrouter_balance_threshold_usd", account="idle", severity="critical") == 0
    assert (
        value(body, "openrouter_balance_threshold_usd", account="idle", severity="warning") is None
    )


def test_health_counts_requests_and_errors_by_reason() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_api_requests_total", account="prod", endpoint="keys") == 120
    assert value(body, "openrouter_api_errors_total", endpoint="keys", reason="http_429") == 2
    assert value(body, "openrouter_up", account="prod", endpoint="keys") == 1.0
    assert value(body, "openrouter_last_success_timestamp_seconds", endpoint="keys") == NOW - 30
    assert value(body, "openrouter_poll_duration_seconds", endpoint="keys") == 0.25


def test_reasons_that_never_failed_are_served_at_zero() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_api_errors_total", endpoint="keys", reason="timeout") == 0
    assert value(body, "openrouter_api_errors_total", endpoint="credits", reason="http_429") == 0
    assert (
        value(body, "openrouter_api_errors_total", endpoint="credits", reason="zero_credits") == 0
    )
    assert (
        value(body, "openrouter_api_errors_total", endpoint="keys", reason="zero_credits") is None
    )


def test_health_endpoints_are_the_documented_ones() -> None:
    body = text(golden_store())
    endpoints = {labels["endpoint"] for labels in samples(body)["openrouter_api_requests_total"]}
    assert (
        endpoints
        <= set(EndpointName)
        == {
            "credits",
            "key",
            "keys",
            "activity",
            "analytics",
            "workspaces",
            "workspace_budgets",
            "guardrails",
            "guardrail_assignments",
            "members",
            "budget_spend",
            "key_budgets",
        }
    )


def test_todays_figures_are_left_out_once_openrouters_day_is_over() -> None:
    reading = replace(todays_analytics(), server_time=time.time() - DAY)
    account = replace(
        prod_account(), readings={**prod_account().readings, EndpointName.ANALYTICS: reading}
    )
    body = samples(text(store_of(account)))
    assert "openrouter_model_today_spend_usd" not in body
    assert "openrouter_key_model_today_spend_usd" not in body


# Rules every series follows.


def test_no_sample_carries_a_timestamp() -> None:
    for family in text_string_to_metric_families(text(golden_store())):
        for sample in family.samples:
            assert sample.timestamp is None, sample


def test_every_openrouter_series_carries_the_account_label() -> None:
    for name, label_sets in samples(text(golden_store())).items():
        if name == "openrouter_exporter_build_info":
            continue
        assert all("account" in labels for labels in label_sets), name


_OPENROUTER_DATA = (
    "openrouter_credits",
    "openrouter_balance_usd",
    "openrouter_key_",
    "openrouter_model_",
    "openrouter_activity_",
    "openrouter_burn_rate",
    "openrouter_days_remaining",
    "openrouter_exhaustion",
)


def test_help_of_every_openrouter_data_family_says_the_poller_refreshes_it() -> None:
    for family in text_string_to_metric_families(text(golden_store())):
        if family.name.startswith(_OPENROUTER_DATA):
            assert "poller" in family.documentation, family.name
            assert "never fetched on scrape" in family.documentation, family.name


def test_help_of_every_family_read_from_openrouter_names_its_source() -> None:
    read = ("openrouter_credits", "openrouter_balance_usd", "openrouter_key_", "openrouter_model_")
    for family in text_string_to_metric_families(text(golden_store())):
        if family.name.startswith((*read, "openrouter_activity_")):
            assert "OpenRouter" in family.documentation, family.name


def test_help_of_health_families_speaks_of_polls() -> None:
    health = ("openrouter_up", "openrouter_last_success", "openrouter_poll_duration")
    for family in text_string_to_metric_families(text(golden_store())):
        if family.name.startswith(health) or family.name == "openrouter_api_errors":
            assert "poll" in family.documentation, family.name


def test_empty_snapshot_renders_only_build_info() -> None:
    body = text(store_of())
    assert set(samples(body)) == {"openrouter_exporter_build_info"}


def test_collector_describes_nothing_so_registration_never_renders() -> None:
    assert list(collector.SnapshotCollector(store_of(prod_account())).describe()) == []


def test_collector_renders_the_current_snapshot() -> None:
    store = store_of(never_fetched_account())
    rendered = list(collector.SnapshotCollector(store).collect())
    assert rendered == list(collector.render(store.current()))
    assert isinstance(store.current(), Snapshot)


def test_a_limit_with_unknown_spend_has_only_its_amount_and_reset() -> None:
    body = text(store_of(prod_account()))
    labels = {"scope": "workspace", "source": "analytics_estimate"}
    assert value(body, "openrouter_limit_usd", **labels) == 500.0
    assert value(body, "openrouter_limit_reset_timestamp_seconds", **labels) is not None
    for name in (
        "openrouter_limit_spend_usd",
        "openrouter_limit_remaining_usd",
        "openrouter_limit_exhaustion_timestamp_seconds",
    ):
        assert value(body, name, **labels) is None, name


def test_a_limit_that_never_resets_has_no_reset_series_and_an_overshoot_is_negative() -> None:
    body = text(store_of(prod_account()))
    assert value(body, "openrouter_limit_reset_timestamp_seconds", scope="credits") is None
    assert value(body, "openrouter_limit_remaining_usd", scope="member") == -1.25


def test_the_help_of_api_errors_lists_every_reason_an_endpoint_reports() -> None:
    rendered = text(golden_store())
    help_line = next(
        line for line in rendered.splitlines() if line.startswith("# HELP openrouter_api_errors")
    )

    for endpoint in ENDPOINTS:
        for reason in endpoint.own_error_reasons:
            assert reason in help_line
    assert "unsupported" in help_line
