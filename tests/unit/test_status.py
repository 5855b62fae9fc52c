"""The status page's view model, its HTML and its JSON, from hand-made snapshots (no I/O)."""

import json
import math
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mixin.config import DEFAULT as MIXIN

from openrouter_exporter.config.types import Thresholds
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.judgement import (
    ACTIVITY_STALE_SECONDS,
    STALE_SECONDS,
    Status,
    key_attention,
)
from openrouter_exporter.core.ledger import LedgerAmounts, ModelTotals, Sample
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
from openrouter_exporter.status_page import html as statuspage
from openrouter_exporter.status_page.balance_points import hourly_balance
from openrouter_exporter.status_page.html import render_page
from openrouter_exporter.status_page.routes import REUSE_SECONDS, StatusRoutes
from openrouter_exporter.status_page.style import (
    CONTENT_SECURITY_POLICY,
    DARK,
    GRAPHIC_COLOURS,
    LIGHT,
    STYLE,
    STYLE_HASH,
    TEXT_COLOURS,
    Palette,
)
from openrouter_exporter.status_page.view import (
    SampleHistory,
    StatusView,
    build_status,
    status_json,
)

NOW = 1_764_000_000.0
SCHEMA = json.loads(
    (Path(__file__).parents[2] / "docs" / "status.schema.json").read_text(encoding="utf-8")
)
HOSTILE = "<img src=x onerror=alert(1)>"


def no_history(account: str, since: float) -> list[Sample]:
    return []


def key(name: str, **fields: Any) -> KeyReading:
    base = KeyReading(
        key_hash=f"{abs(hash(name)) % 10**12:012d}",
        name=name,
        label="sk-or-v1-abc...def",
        workspace_id="",
        limit_reset="",
        disabled=False,
        usage=1.0,
        byok_usage=0.0,
        limit=None,
        limit_remaining=None,
        expires_at=None,
    )
    return replace(base, **fields)


_END = date(2025, 11, 23)
_DEFAULT_READINGS: dict[str, Any] = {
    "credits": CreditsReading(100.0, 60.0, NOW - 30),
    "keys": (key("prod", usage=30.0),),
    "activity": ActivitySummary(
        latest_day=_END,
        end_day=_END,
        daily_spend={_END - timedelta(days=back): 2.0 for back in range(10)},
        model_spend={"30d": {"openai/gpt-4.1": 15.0, "anthropic/claude": 5.0}},
        cost_per_request={},
    ),
    "model_totals": (
        ModelTotals("openai/gpt-4.1", "OpenAI", LedgerAmounts(spend=15.0, requests=10.0)),
        ModelTotals("openai/gpt-4.1", "Azure", LedgerAmounts(spend=5.0, requests=10.0)),
    ),
}


def account(**fields: Any) -> AccountSnapshot:
    """A team account; ``credits``, ``keys``, ``activity`` and ``model_totals`` (``None``:
    never read) replace the default readings, other fields the snapshot's own."""
    read = {name: fields.pop(name, value) for name, value in _DEFAULT_READINGS.items()}
    readings: dict[EndpointName, Any] = {}
    if read["credits"] is not None:
        readings[EndpointName.CREDITS] = read["credits"]
    if read["keys"] is not None:
        readings[EndpointName.KEYS] = read["keys"]
    if read["activity"] is not None:
        readings[EndpointName.ACTIVITY] = ActivityReading(
            read["activity"], read["model_totals"] or ()
        )
    base = AccountSnapshot(
        name="team",
        thresholds=Thresholds(runway_warning_days=3.0, runway_critical_days=1.0),
        readings=readings,
        forecasts=(WindowForecast("7d", 20.0, 2.0, NOW + 2 * 86400),),
        health={EndpointName.CREDITS: EndpointHealth(up=True, polled=True, last_success=NOW - 30)},
    )
    return replace(base, **fields)


def view_of(*accounts: AccountSnapshot, history: SampleHistory = no_history) -> StatusView:
    return build_status(Snapshot(1, tuple(accounts), ready=True), history, NOW)


def page_of(*accounts: AccountSnapshot) -> str:
    return render_page(view_of(*accounts))


def json_of(*accounts: AccountSnapshot) -> dict[str, Any]:
    return status_json(view_of(*accounts))


def text_of(html: str) -> str:
    """What a person reads: the page's text without markup, style and SVG labels."""
    parts: list[str] = []
    blocks = {"p", "h1", "h2", "h3", "li", "td", "th", "tr", "caption", "figcaption", "article"}

    class Text(HTMLParser):
        skip = 0

        def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str | None]]) -> None:
            self.skip += tag in ("style", "svg")
            if tag in blocks:
                parts.append(" ")

        def handle_endtag(self, tag: str) -> None:
            self.skip -= tag in ("style", "svg")

        def handle_data(self, data: str) -> None:
            if not self.skip:
                parts.append(data)

    Text().feed(html)
    return " ".join("".join(parts).split())


def validate(document: object) -> None:
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)


# --- Unknown is unknown -----------------------------------------------------------------------


def test_a_balance_never_read_is_unknown_not_zero() -> None:
    snapshot = account(credits=None, forecasts=())

    text = text_of(page_of(snapshot))
    document = json_of(snapshot)

    assert "Balance unknown" in text
    assert "$0.00" not in text
    assert document["accounts"][0]["balance"] is None
    validate(document)


def test_keys_and_activity_never_read_are_unknown_not_empty() -> None:
    snapshot = account(keys=None, activity=None, model_totals=None)

    text = text_of(page_of(snapshot))
    document = json_of(snapshot)

    assert "Keys unknown: not read yet" in text
    assert "No activity read yet" in text
    assert document["accounts"][0]["keys"] is None
    assert document["accounts"][0]["daily_spend"] == []


def test_zero_burn_is_a_runway_that_never_ends_not_a_number() -> None:
    snapshot = account(forecasts=(WindowForecast("30d", 0.0, math.inf, None),))

    document = json_of(snapshot)

    runway = document["accounts"][0]["runways"][0]
    assert runway["days_remaining"] is None
    assert runway["exhaustion_at"] is None
    assert "never at this rate" in text_of(page_of(snapshot))


def test_days_before_the_activity_data_begin_are_left_out_of_the_spend_chart() -> None:
    view = view_of(account())

    days = view.accounts[0].daily_spend
    assert len(days) == 10
    assert days[0].day == date(2025, 11, 14)


def test_a_day_without_rows_inside_the_activity_data_spent_nothing() -> None:
    end = date(2025, 11, 23)
    activity = ActivitySummary(end, end, {end: 3.0, end - timedelta(days=2): 1.0}, {}, {})

    days = view_of(account(activity=activity)).accounts[0].daily_spend

    assert [item.spend_usd for item in days] == [1.0, 0.0, 3.0]


# --- Levels against the account's own thresholds ----------------------------------------------


@pytest.mark.parametrize(
    ("days", "level"),
    [(0.5, Status.CRITICAL), (2.0, Status.WARNING), (5.0, Status.WARNING), (9.0, Status.OK)],
)
def test_runway_is_coloured_against_the_accounts_thresholds(days: float, level: Status) -> None:
    snapshot = account(
        thresholds=Thresholds(runway_warning_days=7.0, runway_critical_days=1.0),
        forecasts=(WindowForecast("7d", 1.0, days, NOW + days * 86400),),
    )

    runway = view_of(snapshot).accounts[0].runways[0]

    assert runway.level is level
    assert f'class="num days {level.name.lower()}"' in page_of(snapshot)


def test_negative_balance_is_shown_with_its_sign_and_as_critical() -> None:
    snapshot = account(
        credits=CreditsReading(100.0, 112.5, NOW),
        forecasts=(WindowForecast("7d", 20.0, 0.0, NOW),),
    )

    html = page_of(snapshot)

    assert '<p class="figure balance critical">-$12.50</p>' in html
    assert "Negative: requests fail with 402" in text_of(html)
    assert json_of(snapshot)["accounts"][0]["balance"]["balance_usd"] == -12.5


def test_balance_below_its_warning_floor_is_coloured_as_a_warning() -> None:
    snapshot = account(
        thresholds=Thresholds(balance_warning_usd=50.0, balance_critical_usd=10.0),
    )

    assert '<p class="figure balance warning">$40.00</p>' in page_of(snapshot)


# --- Freshness ------------------------------------------------------------------------------


def test_stale_ages_are_those_the_data_stale_alert_uses() -> None:
    assert MIXIN.stale_warning_seconds == STALE_SECONDS
    assert MIXIN.activity_stale_warning_seconds == ACTIVITY_STALE_SECONDS


def test_data_older_than_the_stale_age_raises_a_banner() -> None:
    old = EndpointHealth(up=True, polled=True, last_success=NOW - STALE_SECONDS - 60)

    text = text_of(page_of(account(health={"credits": old})))

    assert "Data is stale: the last successful read of /credits was 31m ago" in text


def test_fresh_data_raises_no_banner() -> None:
    assert 'class="banner' not in page_of(account())


def test_failing_endpoint_raises_a_banner_naming_it_and_its_errors() -> None:
    failing = EndpointHealth(up=False, polled=True, last_success=NOW - 300, errors={"http_500": 4})

    text = text_of(page_of(account(health={"credits": failing})))

    assert "/credits is failing (http_500 x4): showing the last good values from 5m ago" in text


def test_error_counters_at_zero_are_no_errors() -> None:
    waiting = EndpointHealth(up=False, polled=True, errors={"http_500": 0, "timeout": 0})

    endpoint = view_of(account(health={"credits": waiting})).accounts[0].endpoints[0]

    assert (endpoint.state, dict(endpoint.errors)) == ("pending", {})
    assert "x0" not in page_of(account(health={"credits": waiting}))


def test_an_endpoint_this_key_cannot_read_is_neither_failing_nor_stale() -> None:
    idle = EndpointHealth(up=False, polled=False, errors={"http_403": 1})

    endpoint = view_of(account(health={"credits": idle})).accounts[0].endpoints[0]

    assert (endpoint.state, endpoint.stale) == ("not_polled", False)


def test_a_feature_the_account_does_not_have_is_not_available_rather_than_not_polled() -> None:
    missing = EndpointHealth(up=False, polled=True, absent=True)

    endpoint = view_of(account(health={"workspaces": missing})).accounts[0].endpoints[0]

    assert endpoint.state == "not_available"
    assert "not available to this account" in page_of(account(health={"workspaces": missing}))


# --- History ------------------------------------------------------------------------------


def test_balance_history_keeps_the_latest_sample_of_each_hour() -> None:
    samples = [Sample(7200.0 + offset, float(offset), 100.0) for offset in (0, 600, 3599, 3600)]

    points = hourly_balance(samples)

    assert [(p.timestamp, p.balance_usd) for p in points] == [
        (10799.0, -3499.0),
        (10800.0, -3500.0),
    ]


def test_balance_history_reads_the_last_30_days_of_the_account() -> None:
    asked: list[tuple[str, float]] = []

    def history(name: str, since: float) -> list[Sample]:
        asked.append((name, since))
        return [Sample(NOW - 7200, 10.0, 100.0), Sample(NOW - 60, 20.0, 100.0)]

    view = view_of(account(), history=history)

    assert asked == [("team", NOW - 30 * 86400)]
    assert [p.balance_usd for p in view.accounts[0].balance_history] == [90.0, 80.0]
    assert len(_polyline(render_page(view)).split()) == 2


def _polyline(html: str) -> str:
    match = re.search(r'<polyline class="line" fill="none" points="([^"]*)"', html)
    assert match is not None
    return match.group(1)


# --- Keys ---------------------------------------------------------------------------------


def test_a_thousand_keys_come_down_to_the_ones_that_need_a_look() -> None:
    keys = [key(f"svc-{i:04d}", usage=float(i)) for i in range(1000)]
    keys[10] = key("near", limit=100.0, limit_remaining=5.0)
    keys[20] = key("expiring", expires_at=NOW + 3600)
    keys[30] = key("off", disabled=True)

    sorted_keys = key_attention(keys, NOW)

    assert sorted_keys.total == 1000
    assert [k.name for k in sorted_keys.near_limit] == ["near"]
    assert [k.name for k in sorted_keys.expiring] == ["expiring"]
    assert [k.name for k in sorted_keys.disabled] == ["off"]
    assert [k.name for k in sorted_keys.top_spenders] == [
        f"svc-{i:04d}" for i in range(999, 994, -1)
    ]


def test_the_page_lists_at_most_ten_keys_a_list_and_counts_the_rest() -> None:
    keys = tuple(key(f"off-{i:02d}", disabled=True) for i in range(25))

    html = page_of(account(keys=keys))

    assert html.count("off-") == statuspage.KEY_ROWS + statuspage.KEY_ROWS // 2
    assert "Disabled (25)" in text_of(html)
    assert "and 15 more" in text_of(html)


def test_status_json_lists_every_key_that_needs_a_look() -> None:
    keys = tuple(key(f"off-{i:02d}", disabled=True) for i in range(25))

    document = json_of(account(keys=keys))

    assert len(document["accounts"][0]["keys"]["disabled"]) == 25
    validate(document)


# --- Escaping and secrets ---------------------------------------------------------------------


def test_every_outside_name_is_escaped() -> None:
    end = date(2025, 11, 23)
    snapshot = account(
        name=HOSTILE,
        keys=(key(HOSTILE, disabled=True), key("x", usage=2.0, expires_at=NOW)),
        activity=ActivitySummary(end, end, {end: 1.0}, {"30d": {HOSTILE: 1.0}}, {}),
        model_totals=(ModelTotals(HOSTILE, HOSTILE, LedgerAmounts(spend=1.0, requests=1.0)),),
        health={
            "credits": EndpointHealth(up=False, polled=True, errors={HOSTILE: 1}),
        },
    )

    html = page_of(snapshot)

    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 5
    assert HOSTILE in text_of(html)


def test_the_page_never_shows_a_keys_label() -> None:
    assert "sk-or-v1" not in page_of(account())
    assert "sk-or-v1" not in json.dumps(json_of(account()))


# --- Headers, style, contrast -------------------------------------------------------------------


def test_content_security_policy_forbids_every_script_and_framing() -> None:
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in CONTENT_SECURITY_POLICY.split("; ")
    )

    assert directives["default-src"] == ["'none'"]
    assert "script-src" not in directives  # falls back to default-src 'none'
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY


def test_the_only_inline_style_is_the_one_the_policy_allows_by_hash() -> None:
    html = page_of(account())

    assert re.findall(r"<style>(.*?)</style>", html, re.S) == [STYLE]
    assert f"'sha256-{STYLE_HASH}'" in CONTENT_SECURITY_POLICY
    assert " style=" not in html
    assert "<script" not in html


def test_page_refreshes_itself_and_offers_a_dark_scheme() -> None:
    html = page_of(account())

    assert '<meta http-equiv="refresh" content="30">' in html
    assert "@media (prefers-color-scheme:dark)" in STYLE


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("background", ["background", "surface"])
def test_text_colours_meet_wcag_aa_on_both_backgrounds(palette: Palette, background: str) -> None:
    ground = getattr(palette, background)
    ratios = {name: contrast(getattr(palette, name), ground) for name in TEXT_COLOURS}

    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("background", ["background", "surface"])
def test_chart_and_border_colours_meet_the_3_to_1_of_graphics(
    palette: Palette, background: str
) -> None:
    ground = getattr(palette, background)
    ratios = {name: contrast(getattr(palette, name), ground) for name in GRAPHIC_COLOURS}

    assert all(ratio >= 3.0 for ratio in ratios.values()), ratios


# --- The JSON -------------------------------------------------------------------------------


def test_status_json_carries_its_schema_version_and_validates() -> None:
    document = json_of(account(), replace(account(), name="other"))

    assert document["schema_version"] == 1
    validate(document)


def test_the_shipped_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


# --- Serving ------------------------------------------------------------------------------


def test_a_rendering_is_reused_for_the_same_snapshot_within_a_few_seconds() -> None:
    store = SnapshotStore([account()])
    clock = [NOW]
    routes = StatusRoutes(store, no_history, clock=lambda: clock[0])

    first = routes.render("/")
    clock[0] += 1
    again = routes.render("/")
    store.update(
        "team",
        lambda item: replace(
            item, readings={**item.readings, EndpointName.CREDITS: CreditsReading(100, 90, NOW)}
        ),
    )
    changed = routes.render("/")
    clock[0] += REUSE_SECONDS
    later = routes.render("/")

    assert again is first
    assert changed is not first
    assert "$10.00" in changed.body.decode()
    assert later is not changed


def test_status_json_is_served_as_json_from_the_same_view() -> None:
    routes = StatusRoutes(SnapshotStore([account()]), no_history, clock=lambda: NOW)

    answer = routes.render("/status.json")

    assert answer.content_type == "application/json"
    assert json.loads(answer.body)["accounts"][0]["balance"]["balance_usd"] == 40.0


# --- Now and today, and the first minutes of the balance chart -----------------------------


def test_the_balance_chart_plots_every_sample_until_an_hourly_series_exists() -> None:
    samples = [Sample(NOW - 600 + 5 * i, 40.0 + 0.1 * i, 100.0) for i in range(120)]

    view = view_of(account(), history=lambda name, since: samples)

    assert len(view.accounts[0].balance_history) == 120
    assert len(_polyline(render_page(view)).split()) == 120
    assert "120 samples, one per poll" in text_of(render_page(view))


def test_the_empty_balance_chart_says_what_it_waits_for_and_how_long() -> None:
    view = build_status(Snapshot(1, (account(),), ready=True), no_history, NOW, 60.0)

    text = text_of(render_page(view))

    assert "Waiting for a second sample of /credits" in text
    assert "every 1m" in text


def test_an_unreadable_balance_is_unknown_on_the_page_not_critical() -> None:
    snapshot = account(credits=None, forecasts=())

    view = view_of(snapshot)

    assert view.accounts[0].status is Status.UNKNOWN
    assert "<title>UNKNOWN: OpenRouter credits</title>" in render_page(view)
    assert json_of(snapshot)["accounts"][0]["status"] == "unknown"


def test_a_fast_pace_raises_a_banner_with_when_the_money_is_gone() -> None:
    samples = [Sample(NOW - 120, 40.0, 100.0), Sample(NOW, 50.0, 100.0)]  # $7,200/day

    text = text_of(render_page(view_of(account(), history=lambda name, since: samples)))

    assert "The money is going fast: $7,200.00/day over the last 2 min" in text
    assert "at this pace the credits run out" in text
    assert "Shortest runway, at the pace of the last 2 min" in text


def test_what_could_not_be_read_says_why_and_what_to_do() -> None:
    advice = "OpenRouter rejected the management key for /keys: create a new key"
    failing = EndpointHealth(up=False, polled=True, errors={"http_401": 2}, advice=advice)
    snapshot = account(
        keys=None,
        health={
            EndpointName.CREDITS: EndpointHealth(up=True, polled=True, last_success=NOW - 30),
            EndpointName.KEYS: failing,
        },
    )

    text = text_of(page_of(snapshot))
    document = json_of(snapshot)

    assert "Keys unknown: /keys failed (http_401)" in text
    assert "No key is near its limit" not in text
    assert advice in text  # in the failing banner, on the page itself
    keys = next(item for item in document["accounts"][0]["endpoints"] if item["name"] == "keys")
    assert keys["advice"] == advice
    validate(document)


def test_the_pace_of_an_account_whose_money_is_gone_says_so() -> None:
    samples = [Sample(NOW - 120, 40.0, 100.0), Sample(NOW, 50.0, 100.0)]
    snapshot = account(credits=CreditsReading(100.0, 101.0, NOW - 30))

    text = text_of(render_page(view_of(snapshot, history=lambda name, since: samples)))

    assert "the credits are used up" in text
    assert "credits last" not in text
    assert "The money is going fast" not in text  # the balance says it louder
