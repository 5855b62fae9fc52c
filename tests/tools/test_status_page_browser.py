"""The status page at ``/`` as a person sees it: the real exporter against the simulator,
loaded in Debian's headless Chromium. Each case writes a screenshot (see
:func:`tests.support.browser.screenshot_dir`)."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page

from openrouter_exporter.core.wording import usd
from openrouter_exporter.status_page.html import KEY_ROWS
from openrouter_exporter.status_page.style import DARK, LIGHT
from openrouter_simulator import NewKey, Scenario, Simulator
from tests.conftest import StartExporter
from tests.support.browser import chromium, sample_hours, screenshot_dir, seed_balance_history
from tests.support.budgets import budget_config
from tests.support.exporter import ExporterProcess, wait_until

XSS_NAME = "<img src=x onerror=alert(1)>"
# Long enough that the exporter polls once in a test: the samples stay as the page saw them.
QUIET = {"OPENROUTER_EXPORTER_POLL_INTERVAL": "5m", "OPENROUTER_EXPORTER_ACTIVITY_INTERVAL": "5m"}
HISTORY_HOURS = 29 * 24
DEMO_USD_PER_DAY = 15.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return screenshot_dir(tmp_path / "screenshots")


def new_simulator(scenario: Scenario) -> Simulator:
    sim = Simulator(scenario, speed=0.0)
    sim.start("127.0.0.1", 0)
    return sim


@pytest.fixture
def demo() -> Iterator[Simulator]:
    sim = new_simulator(Scenario.demo())
    yield sim
    sim.stop()


def rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def open_page(
    browser: Browser, exporter: ExporterProcess, shot: Path, *, dark: bool = False
) -> tuple[Page, list[str]]:
    """Load ``/`` and screenshot it; returns the page and any dialog, console error or request
    that left the exporter."""
    page = browser.new_page(
        viewport={"width": 1280, "height": 900}, color_scheme="dark" if dark else "light"
    )
    problems: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Self-contained: nothing is fetched from anywhere but the exporter.
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(exporter.url)
            else problems.append(f"fetched {request.url}")
        ),
    )
    response = page.goto(f"{exporter.url}/")
    assert response is not None
    assert response.status == 200
    page.screenshot(path=str(shot), full_page=True)
    return page, problems


def start_with_history(
    start: StartExporter, sim: Simulator, tmp_path: Path, **env: str
) -> tuple[ExporterProcess, Path]:
    state_dir = tmp_path / "state"
    seed_balance_history(state_dir, sim, HISTORY_HOURS, DEMO_USD_PER_DAY)
    return start(sim, state_dir=state_dir, env={**QUIET, **env}), state_dir


def expected_spend_days(sim: Simulator) -> int:
    window = sim.engine.state()["activity_window"]
    first, last = (time.strptime(window[name], "%Y-%m-%d") for name in ("first", "last"))
    return min(30, round((time.mktime(last) - time.mktime(first)) / 86400) + 1)


def test_healthy_account_shows_its_balance_runway_ok_and_both_charts(
    browser: Browser, demo: Simulator, start: StartExporter, tmp_path: Path, shots: Path
) -> None:
    demo.engine.top_up(5000.0)
    balance = demo.engine.totals()["balance"]
    exporter, state_dir = start_with_history(start, demo, tmp_path)

    page, problems = open_page(browser, exporter, shots / "healthy.png")

    assert page.locator(".figure.balance").inner_text() == usd(balance)
    runway = page.locator(".figure.runway")
    assert "(ok)" in runway.inner_text()
    assert runway.evaluate("node => getComputedStyle(node).color") == rgb(LIGHT.ok)
    assert page.locator(".banner").count() == 0
    vertices = page.locator("#account-0-balance polyline").get_attribute("points") or ""
    assert len(vertices.split()) == sample_hours(state_dir, time.time() - 30 * 86400)
    assert page.locator("#account-0-spend rect.bar").count() == expected_spend_days(demo)
    assert problems == []


def test_landing_links_stay_reachable_from_the_page(
    browser: Browser, demo: Simulator, start: StartExporter, tmp_path: Path, shots: Path
) -> None:
    exporter = start(demo, env=QUIET)
    page, _ = open_page(browser, exporter, shots / "links.png")

    for name, answer in (("Metrics", "openrouter_up"), ("Health", "ok"), ("Readiness", "ready")):
        href = page.get_by_role("link", name=name, exact=True).get_attribute("href") or ""
        assert answer in httpx.get(f"{exporter.url}/{href}").text


def test_draining_account_near_a_threshold_shows_the_runway_as_a_warning(
    browser: Browser, demo: Simulator, start: StartExporter, tmp_path: Path, shots: Path
) -> None:
    totals = demo.engine.totals()
    demo.engine.set_usage(total_usage=totals["total_credits"] - 40.0)  # about 2.7 days left
    exporter, _ = start_with_history(start, demo, tmp_path)

    page, problems = open_page(browser, exporter, shots / "draining.png")

    assert page.locator(".figure.balance").inner_text() == "$40.00"
    runway = page.locator(".figure.runway")
    assert "(warning)" in runway.inner_text()
    assert runway.evaluate("node => getComputedStyle(node).color") == rgb(LIGHT.warning)
    assert "warning" in page.locator("h2 .badge").inner_text().lower()
    assert problems == []


def test_negative_balance_is_shown_negative_and_critical(
    browser: Browser, demo: Simulator, start: StartExporter, tmp_path: Path, shots: Path
) -> None:
    totals = demo.engine.totals()
    demo.engine.set_usage(total_usage=totals["total_credits"] + 12.34)
    exporter, state_dir = start_with_history(start, demo, tmp_path)

    page, problems = open_page(browser, exporter, shots / "negative.png")

    balance = page.locator(".figure.balance")
    assert balance.inner_text() == "-$12.34"
    assert balance.evaluate("node => getComputedStyle(node).color") == rgb(LIGHT.critical)
    assert "Negative: requests fail with 402" in page.locator("main").inner_text()
    assert "(critical)" in page.locator(".figure.runway").inner_text()
    vertices = page.locator("#account-0-balance polyline").get_attribute("points") or ""
    assert len(vertices.split()) == sample_hours(state_dir, time.time() - 30 * 86400)
    assert problems == []


def test_failing_endpoint_raises_a_banner_and_keeps_the_last_good_balance(
    browser: Browser, demo: Simulator, start: StartExporter, shots: Path
) -> None:
    balance = demo.engine.totals()["balance"]
    exporter = start(demo)  # polls every second
    demo.engine.set_fault("credits", "http_500")
    wait_until(
        lambda: '"state":"failing"' in exporter.get("/status.json").text,
        15,
        "the exporter reports /credits failing",
    )

    page, problems = open_page(browser, exporter, shots / "failing.png")

    banner = page.get_by_role("alert")
    assert "/credits is failing" in banner.inner_text()
    assert "http_500" in banner.inner_text()
    assert "last good values" in banner.inner_text()
    assert page.locator(".figure.balance").inner_text() == usd(balance)
    assert problems == []


def test_dark_scheme_follows_the_system_preference(
    browser: Browser, demo: Simulator, start: StartExporter, shots: Path
) -> None:
    exporter = start(demo, env=QUIET)

    page, problems = open_page(browser, exporter, shots / "dark.png", dark=True)

    body = page.locator("body")
    assert body.evaluate("node => getComputedStyle(node).backgroundColor") == rgb(DARK.background)
    assert body.evaluate("node => getComputedStyle(node).color") == rgb(DARK.text)
    assert problems == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (2560, 1440)], ids=["phone", "wall"])
def test_page_fits_a_phone_and_a_wall_screen_without_sideways_scrolling(
    browser: Browser,
    demo: Simulator,
    start: StartExporter,
    shots: Path,
    width: int,
    height: int,
) -> None:
    exporter = start(demo, env=QUIET)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{exporter.url}/")
    page.screenshot(path=str(shots / f"viewport-{width}.png"), full_page=True)

    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    size = page.locator(".figure.balance").evaluate("node => getComputedStyle(node).fontSize")
    assert float(size.removesuffix("px")) >= 24


def test_large_account_shows_the_keys_that_matter_and_a_hostile_name_as_text(
    browser: Browser, start: StartExporter, shots: Path
) -> None:
    sim = new_simulator(Scenario.large())
    try:
        sim.engine.create_key(NewKey(name=XSS_NAME, expires_in_days=0.5))
        exporter = start(sim, env=QUIET)
        page, problems = open_page(browser, exporter, shots / "large.png")
        spend_days = expected_spend_days(sim)
    finally:
        sim.stop()

    keys = page.locator(".keys-card")
    # 1,000 keys and the hostile one; the second workspace is not configured here.
    assert "(1,001 in all)" in keys.inner_text()
    for table in keys.locator("table").all():
        assert table.locator("tr").count() <= KEY_ROWS
    assert XSS_NAME in page.locator("table.expiring").inner_text()
    assert page.locator("img").count() == 0
    assert page.locator("#account-0-spend rect.bar").count() == spend_days
    assert problems == []


def test_a_balance_never_read_is_shown_as_unknown_not_zero(
    browser: Browser, demo: Simulator, start: StartExporter, shots: Path
) -> None:
    demo.engine.set_fault("credits", "http_503")
    exporter = start(demo, env=QUIET)

    page, problems = open_page(browser, exporter, shots / "unknown.png")

    assert page.locator(".figure.balance").inner_text() == "unknown"
    assert "$0.00" not in page.locator(".figure.balance").inner_text()
    assert "/credits is failing" in page.get_by_role("alert").inner_text()
    assert "nothing read from it yet" in page.get_by_role("alert").inner_text()
    assert problems == []


def test_budgets_card_fits_a_phone_and_names_each_budgets_state(
    browser: Browser, demo: Simulator, start: StartExporter, tmp_path: Path, shots: Path
) -> None:
    config = budget_config(
        demo,
        tmp_path / "exporter.yml",
        "      - {name: research-monthly-with-a-long-name, amount_usd: 100000, period: monthly}\n"
        "      - {name: tight, amount_usd: 0.01, period: weekly}\n",
    )
    exporter = start(demo, key="none", env={**QUIET, "OPENROUTER_EXPORTER_CONFIG": str(config)})
    wait_until(
        lambda: all(
            budget["spend_usd"] is not None
            for budget in exporter.get("/status.json").json()["accounts"][0]["budgets"]
        ),
        30,
        "the budgets' spend is known",
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{exporter.url}/")
    page.screenshot(path=str(shots / "budgets-phone.png"), full_page=True)

    card = page.locator("article.card", has=page.locator("h3", has_text="Budgets"))
    assert card.locator("tbody tr").count() == 2
    assert card.locator("span.ok").inner_text() == "on track"
    assert card.locator("span.warning").inner_text() == "over"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
