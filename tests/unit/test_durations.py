"""Durations as Prometheus users write them: bare seconds or unit sequences like ``1h30m``."""

import pytest

from openrouter_exporter.config.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("60", 60.0),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        ("30s", 30.0),
        ("5m", 300.0),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("2w", 1209600.0),
        ("1w2d", 777600.0),
        ("1d12h", 129600.0),
        ("250ms", 0.25),
        ("1h30m", 5400.0),
        ("1m30s", 90.0),
        ("1.5h", 5400.0),
    ],
)
def test_duration_is_bare_seconds_or_a_unit_sequence(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_duration_ignores_case_and_surrounding_blanks() -> None:
    assert parse_duration("  5M ") == 300.0


@pytest.mark.parametrize("text", ["", "   ", "abc", "5x", "5m30", "m5", "1h 30m", "30s5", "-5m"])
def test_malformed_duration_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|empty"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_non_finite_duration_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        parse_duration(text)


def test_empty_duration_message_shows_how_to_write_one() -> None:
    with pytest.raises(ValueError, match="30s"):
        parse_duration("")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.25, "250ms"),
        (1, "1s"),
        (90, "1m30s"),
        (3600, "1h"),
        (3661, "1h1m1s"),
        (86400 + 7200, "1d2h"),
    ],
)
def test_format_duration_renders_compact_units(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [1.0, 30.0, 90.0, 3600.0, 5400.0, 90061.0])
def test_format_then_parse_round_trips_whole_seconds(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
