"""Content negotiation rules for /metrics (RFC 9110 q-values), one rule per test."""

import pytest

from openrouter_exporter.serving.negotiation import choose_format, choose_gzip

OPENMETRICS = "application/openmetrics-text"


def test_no_accept_header_gets_the_text_format() -> None:
    assert choose_format(None) is False


def test_any_media_type_gets_the_text_format() -> None:
    assert choose_format("*/*") is False


def test_openmetrics_named_alone_gets_openmetrics() -> None:
    assert choose_format(f"{OPENMETRICS};version=1.0.0") is True


def test_higher_q_value_wins() -> None:
    assert choose_format(f"{OPENMETRICS};q=0.3, text/plain;q=0.5") is False
    assert choose_format(f"{OPENMETRICS};q=0.5, text/plain;q=0.3") is True


def test_equal_q_values_get_the_text_format() -> None:
    assert choose_format(f"{OPENMETRICS}, text/plain") is False


def test_openmetrics_refused_with_q_zero_is_never_sent() -> None:
    assert choose_format(f"{OPENMETRICS};q=0, */*") is False


def test_text_refused_with_q_zero_gets_openmetrics() -> None:
    assert choose_format("text/plain;q=0") is True


def test_the_more_specific_range_decides() -> None:
    assert choose_format(f"text/*;q=0, text/plain;q=0.1, {OPENMETRICS};q=0.05") is False


def test_both_formats_refused_is_not_acceptable() -> None:
    assert choose_format(f"{OPENMETRICS};q=0, text/plain;q=0") is None
    assert choose_format("*/*;q=0") is None


def test_unknown_media_type_alone_falls_back_to_text() -> None:
    assert choose_format("application/json") is False


def test_unreadable_q_value_accepts_nothing() -> None:
    assert choose_format(f"{OPENMETRICS};q=high") is False


def test_media_types_are_case_insensitive() -> None:
    assert choose_format("Application/OpenMetrics-Text") is True


def test_no_accept_encoding_header_gets_no_coding() -> None:
    assert choose_gzip(None) is False


def test_empty_accept_encoding_gets_no_coding() -> None:
    assert choose_gzip("") is False


@pytest.mark.parametrize("header", ["gzip", "GZIP", "deflate, gzip;q=0.5", "*", "x-gzip"])
def test_accepted_gzip_is_used(header: str) -> None:
    assert choose_gzip(header) is True


@pytest.mark.parametrize("header", ["gzip;q=0", "gzip;q=0.0, deflate", "*;q=0, identity"])
def test_gzip_refused_with_q_zero_is_not_used(header: str) -> None:
    assert choose_gzip(header) is False


def test_identity_preferred_by_q_value_gets_no_coding() -> None:
    assert choose_gzip("gzip;q=0.2, identity;q=0.8") is False


def test_identity_refused_gets_gzip() -> None:
    assert choose_gzip("gzip, identity;q=0") is True


@pytest.mark.parametrize("header", ["identity;q=0", "*;q=0", "gzip;q=0, identity;q=0"])
def test_every_coding_refused_is_not_acceptable(header: str) -> None:
    assert choose_gzip(header) is None


def test_only_unknown_codings_named_gets_no_coding() -> None:
    assert choose_gzip("br, zstd") is False
