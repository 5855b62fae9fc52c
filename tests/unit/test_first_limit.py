"""What stops requests first, from hand-made snapshots: check's "First limit" line, the
status page's card and ``/status.json``'s ``accounts[].first_limit`` (no I/O)."""

from dataclasses import replace

import pytest

from openrouter_exporter.check import report
from openrouter_exporter.core.judgement import Status, Verdict
from openrouter_exporter.core.limit_text import duration_text, limit_title
from openrouter_exporter.core.limits import Limit, LimitPeriod, LimitScope, SpendSource
from openrouter_exporter.core.pace import now_and_today
from tests.unit.test_status import HOSTILE, NOW, account, json_of, page_of, text_of, validate

HOUR = 3600.0
JAN_1 = 1_767_225_600.0  # 2026-01-01 00:00 UTC, the next monthly reset after NOW

BALANCE = Limit(
    scope=LimitScope.CREDITS,
    id="team",
    name="team",
    period=LimitPeriod.LIFETIME,
    limit_usd=100.0,
    spend_usd=60.0,
    source=SpendSource.OPENROUTER,
    reset_timestamp=None,
    exhaustion_timestamp=NOW + 2 * 86400,
)
CI_BOT = Limit(
    scope=LimitScope.KEY_LIMIT,
    id="a1b2c3d4e5f6",
    name="ci-bot",
    period=LimitPeriod.MONTHLY,
    limit_usd=100.0,
    spend_usd=96.0,
    source=SpendSource.OPENROUTER,
    reset_timestamp=JAN_1,
    exhaustion_timestamp=NOW + 5 * HOUR,
)
RESEARCH = Limit(
    scope=LimitScope.WORKSPACE,
    id="0b6e6a4c-5f1d-4c1e-9a55-3f2d1e0c9b8a",
    name="research",
    period=LimitPeriod.WEEKLY,
    limit_usd=500.0,
    spend_usd=100.0,
    source=SpendSource.ANALYTICS,
    reset_timestamp=NOW + 3 * 86400,
    exhaustion_timestamp=None,
)
OK = Verdict(Status.OK, ())


def first_limit_line(limits: tuple[Limit, ...]) -> str:
    snapshot = account(limits=limits)
    text = report(snapshot, OK, NOW, now_and_today(snapshot, [], NOW, None))
    (line,) = [line for line in text.splitlines() if line.startswith("  First limit")]
    return line


# --- check -------------------------------------------------------------------------------


def test_check_names_the_key_whose_monthly_limit_stops_requests_before_the_balance() -> None:
    line = first_limit_line((BALANCE, RESEARCH, CI_BOT))

    assert line == (
        "  First limit      key ci-bot's monthly limit, reached in 5 h (Mon 2025-11-24 "
        "21:00 UTC): $4.00 left of $100.00; resets Thu 2026-01-01 00:00 UTC"
    )


def test_check_names_a_reached_limit_with_its_overshoot() -> None:
    reached = replace(CI_BOT, spend_usd=101.5, exhaustion_timestamp=None)

    line = first_limit_line((BALANCE, reached))

    assert line.endswith(
        "key ci-bot's monthly limit, reached: -$1.50 left of $100.00; "
        "resets Thu 2026-01-01 00:00 UTC"
    )


def test_check_says_the_balance_never_resets_when_it_comes_first() -> None:
    assert first_limit_line((BALANCE, RESEARCH)).endswith(
        "the balance, reached in 2.0 days (Wed 2025-11-26 16:00 UTC): $40.00 left of $100.00; "
        "never resets"
    )


def test_check_says_unknown_when_no_limit_is_known() -> None:
    assert first_limit_line(()) == "  First limit      unknown: no limit read yet"


# --- /status.json ------------------------------------------------------------------------


def test_status_json_names_the_first_limit_and_validates() -> None:
    document = json_of(account(limits=(BALANCE, RESEARCH, CI_BOT)))

    assert document["accounts"][0]["first_limit"] == {
        "scope": "key_limit",
        "id": "a1b2c3d4e5f6",
        "name": "ci-bot",
        "period": "monthly",
        "exhaustion": "2025-11-24T21:00:00Z",
        "remaining_usd": 4.0,
    }
    validate(document)


def test_status_json_puts_a_reached_limit_first_with_a_negative_remainder() -> None:
    reached = replace(RESEARCH, spend_usd=502.5)

    first = json_of(account(limits=(CI_BOT, reached)))["accounts"][0]["first_limit"]

    assert (first["scope"], first["exhaustion"], first["remaining_usd"]) == (
        "workspace",
        None,
        -2.5,
    )


def test_status_json_first_limit_is_null_while_no_limit_is_known() -> None:
    document = json_of(account(limits=()))

    assert document["accounts"][0]["first_limit"] is None
    validate(document)


def test_status_json_keeps_an_unknown_spend_unknown() -> None:
    unknown = replace(RESEARCH, spend_usd=None)

    document = json_of(account(limits=(unknown,)))

    assert document["accounts"][0]["first_limit"]["remaining_usd"] is None
    validate(document)


# --- The status page ---------------------------------------------------------------------


def card_text(*limits: Limit) -> str:
    text = text_of(page_of(account(limits=limits)))
    start = text.index("What stops requests first")
    return text[start : text.index("Endpoints and data age", start)]


def test_the_card_names_the_first_limit_when_it_is_reached_and_its_reset() -> None:
    text = card_text(BALANCE, RESEARCH, CI_BOT)

    assert text.startswith(
        "What stops requests first reached in 5 h (warning) key ci-bot's monthly limit: $96.00 of "
        "$100.00 ($4.00 left), OpenRouter's figure. Projected at Mon 2025-11-24 21:00 UTC. "
        "Resets: Thu 2026-01-01 00:00 UTC."
    )


def test_the_card_lists_the_others_in_order_with_the_balance_among_them() -> None:
    text = card_text(RESEARCH, BALANCE, CI_BOT)
    others = text[text.index("Then, in order") :]

    assert others.index("the balance reached in 2.0 days") < others.index(
        "workspace research's weekly budget not before it resets"
    )
    assert "estimated" not in others  # the source is said of the first limit only


def test_the_card_marks_a_limit_projected_within_the_hour_critical_in_words_and_colour() -> None:
    soon = replace(CI_BOT, exhaustion_timestamp=NOW + 20 * 60)

    page = page_of(account(limits=(soon, BALANCE)))

    assert '<p class="figure critical">reached in 20 min <small>(critical)</small></p>' in page


def test_the_card_says_unknown_when_no_limit_is_known() -> None:
    assert card_text().strip() == "What stops requests first unknown: no limit read yet."


def test_the_card_escapes_names_from_outside() -> None:
    hostile = replace(CI_BOT, name=HOSTILE)

    page = page_of(account(limits=(hostile,)))

    assert HOSTILE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# --- Words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "title"),
    [
        (LimitScope.KEY_LIMIT, "key ci-bot's monthly limit"),
        (LimitScope.API_KEY, "key ci-bot's monthly guardrail budget"),
        (LimitScope.MEMBER, "member ci-bot's monthly guardrail budget"),
        (LimitScope.WORKSPACE, "workspace ci-bot's monthly budget"),
        (LimitScope.WORKSPACE_DEFAULT_KEY, "key ci-bot's monthly default guardrail budget"),
        (LimitScope.WORKSPACE_DEFAULT_MEMBER, "member ci-bot's monthly default guardrail budget"),
        (LimitScope.CREDITS, "the balance"),
    ],
)
def test_a_limit_is_named_by_its_holder_period_and_kind(scope: LimitScope, title: str) -> None:
    assert limit_title(replace(CI_BOT, scope=scope)) == title


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "1 min"),
        (20 * 60, "20 min"),
        (5 * HOUR, "5 h"),
        (5 * HOUR + 600, "5 h 10 min"),
        (2.5 * 86400, "2.5 days"),
    ],
)
def test_durations_read_in_minutes_hours_or_days(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_a_reached_limit_among_the_others_says_critical_in_words() -> None:
    reached = replace(RESEARCH, spend_usd=502.5)

    others = card_text(reached, CI_BOT).split("Then, in order")[1]

    assert "key ci-bot's monthly limit reached in 5 h (warning)" in others
    assert card_text(reached, CI_BOT).startswith("What stops requests first reached (critical)")
