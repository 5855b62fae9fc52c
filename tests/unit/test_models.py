"""Tolerant parsing of OpenRouter's answers, per openrouter-api.md, drift included."""

import json
import math
from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from openrouter_exporter.openrouter.models import (
    ACTIVITY_ROW,
    ActivityRow,
    ApiKey,
    CreditsResponse,
    CurrentKey,
    CurrentKeyResponse,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def keys_by_name() -> dict[str, ApiKey]:
    keys = [ApiKey.model_validate(item) for item in fixture("keys.json")["data"]]
    return {key.name or "": key for key in keys}


def activity_rows() -> list[ActivityRow]:
    return [ACTIVITY_ROW.validate_python(item) for item in fixture("activity.json")["data"]]


def key_item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = dict(fixture("keys.json")["data"][0])
    item.update(changes)
    return item


def row_item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = dict(fixture("activity.json")["data"][0])
    item.update(changes)
    return item


# /credits


def test_credits_balance_is_purchased_minus_used() -> None:
    credits = CreditsResponse.model_validate(fixture("credits.json")).data
    assert credits.total_credits == 300.0
    assert credits.balance == pytest.approx(300.0 - 60.73895567)


def test_balance_may_be_negative() -> None:
    credits = CreditsResponse.model_validate(fixture("credits_negative.json")).data
    assert credits.balance == pytest.approx(-2.125)


def test_zero_credits_answer_parses_as_zero() -> None:
    credits = CreditsResponse.model_validate(fixture("credits_zero.json")).data
    assert (credits.total_credits, credits.total_usage) == (0.0, 0.0)


def test_credits_numbers_may_arrive_as_strings_beside_unknown_fields() -> None:
    credits = CreditsResponse.model_validate(fixture("credits_drift.json")).data
    assert (credits.total_credits, credits.total_usage) == (300.0, 60.5)


@pytest.mark.parametrize(
    "data",
    [
        {"total_credits": 300.0},
        {"total_usage": 1.0},
        {"total_credits": None, "total_usage": 1.0},
        {"total_credits": "lots", "total_usage": 1.0},
        {"total_credits": float("nan"), "total_usage": 1.0},
        {"total_credits": 10.0, "total_usage": float("inf")},
    ],
)
def test_credits_without_both_finite_totals_are_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CreditsResponse.model_validate({"data": data})


def test_credits_answer_without_data_is_rejected() -> None:
    with pytest.raises(ValidationError):
        CreditsResponse.model_validate({"total_credits": 1.0, "total_usage": 0.0})


# /key


def test_current_key_reads_limit_usage_and_expiry() -> None:
    key = CurrentKeyResponse.model_validate(fixture("key.json")).data
    assert key.label == "sk-or-v1-aed...9ee"
    assert (key.limit, key.limit_remaining, key.limit_reset) == (100.0, 74.5, "monthly")
    assert key.usage == 25.5
    assert key.byok_usage == 0.0
    assert key.expires_at == datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert key.is_management_key is False


def test_current_key_ignores_the_deprecated_rate_limit_object() -> None:
    key = CurrentKeyResponse.model_validate(fixture("key.json")).data
    assert "rate_limit" not in key.model_dump()


def test_legacy_current_key_with_four_fields_parses() -> None:
    key = CurrentKeyResponse.model_validate(fixture("key_legacy.json")).data
    assert (key.label, key.usage, key.limit, key.is_free_tier) == (
        "sk-or-v1-0b1...c2d",
        3.2,
        None,
        True,
    )
    assert key.limit_remaining is None
    assert key.expires_at is None


def test_deprecated_is_provisioning_key_is_read() -> None:
    key = CurrentKeyResponse.model_validate(fixture("key_provisioning.json")).data
    assert key.is_management_key is None
    assert key.is_provisioning_key is True


def test_current_key_with_empty_data_is_all_unknown() -> None:
    key = CurrentKey.model_validate({})
    assert (key.label, key.usage, key.limit) == (None, None, None)


# /keys


def test_api_key_reads_the_reference_fields() -> None:
    key = keys_by_name()["prod-backend"]
    assert key.hash.startswith("f01d5260")
    assert key.label == "sk-or-v1-0e6...1c96"
    assert key.usage == pytest.approx(211.40521)
    assert key.byok_usage == 12.5
    assert key.workspace_id == "0df9e665-d932-4b2b-9b7e-3e2b0fbe6e21"
    assert key.disabled is False


def test_null_limit_means_unlimited() -> None:
    key = keys_by_name()["prod-backend"]
    assert (key.limit, key.limit_remaining, key.limit_reset) == (None, None, None)


def test_timestamp_with_z_suffix_parses() -> None:
    key = keys_by_name()["prod-backend"]
    assert key.updated_at == datetime(2025, 8, 24, 10, 30, tzinfo=UTC)


def test_timestamp_with_microseconds_and_offset_parses() -> None:
    key = keys_by_name()["prod-backend"]
    assert key.created_at == datetime(2025, 2, 19, 20, 52, 27, 363244, tzinfo=UTC)


def test_null_updated_at_and_missing_expires_at_are_unknown() -> None:
    key = keys_by_name()["old-notebook"]
    assert key.updated_at is None
    assert key.expires_at is None


def test_disabled_key_is_disabled() -> None:
    assert keys_by_name()["old-notebook"].disabled is True


def test_expiring_key_near_its_limit_reads_both() -> None:
    key = keys_by_name()["ci-runner"]
    assert (key.limit, key.limit_remaining, key.limit_reset) == (50.0, 2.5, "weekly")
    assert key.expires_at == datetime(2025, 9, 1, tzinfo=UTC)


def test_drifted_key_keeps_what_it_can_understand() -> None:
    key = keys_by_name()["drifted"]
    assert key.disabled is False
    assert key.limit == 25.0
    assert key.usage == 4.75
    assert key.limit_remaining is None
    assert key.expires_at is None
    assert key.byok_usage is None


def test_unknown_key_fields_are_ignored() -> None:
    dumped = keys_by_name()["drifted"].model_dump()
    assert "spend_cap_policy" not in dumped
    assert "tags" not in dumped


@pytest.mark.parametrize("value", ["NaN", float("nan"), float("inf"), "n/a", "", True, [], {}])
def test_garbage_optional_money_is_unknown(value: Any) -> None:
    assert ApiKey.model_validate(key_item(usage=value)).usage is None


@pytest.mark.parametrize(("value", "expected"), [("12.5", 12.5), (3, 3.0), ("0", 0.0)])
def test_optional_money_accepts_numbers_and_numeric_strings(value: Any, expected: float) -> None:
    assert ApiKey.model_validate(key_item(limit=value)).limit == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-24T10:30:00Z", datetime(2025, 8, 24, 10, 30, tzinfo=UTC)),
        ("2025-02-19T20:52:27.363244+00:00", datetime(2025, 2, 19, 20, 52, 27, 363244, UTC)),
        ("2025-08-24 10:30:00", datetime(2025, 8, 24, 10, 30, tzinfo=UTC)),
        ("2025-08-24T12:30:00+02:00", datetime(2025, 8, 24, 10, 30, tzinfo=UTC)),
        (1756031400, datetime(2025, 8, 24, 10, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_parse_in_every_seen_form(value: Any, expected: datetime) -> None:
    assert ApiKey.model_validate(key_item(expires_at=value)).expires_at == expected


def test_timestamp_without_offset_is_taken_as_utc() -> None:
    expires = ApiKey.model_validate(key_item(expires_at="2025-08-24T10:30:00")).expires_at
    assert expires is not None
    assert expires.utcoffset() is not None
    assert expires.timestamp() == datetime(2025, 8, 24, 10, 30, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("value", ["someday", "", "2025-13-45T00:00:00Z", [], True])
def test_malformed_timestamp_is_unknown(value: Any) -> None:
    assert ApiKey.model_validate(key_item(expires_at=value)).expires_at is None


@pytest.mark.parametrize("value", [1e20, -1e20, float("inf"), float("nan"), 1756031400000])
def test_out_of_range_numeric_timestamp_does_not_reject_the_key(value: float) -> None:
    expires = ApiKey.model_validate(key_item(expires_at=value)).expires_at
    assert expires in (None, datetime(2025, 8, 24, 10, 30, tzinfo=UTC))


def test_integer_too_large_for_a_float_is_unknown_money() -> None:
    assert ApiKey.model_validate(key_item(usage=10**400)).usage is None


def test_integer_too_large_for_a_float_is_a_zero_activity_amount() -> None:
    assert ACTIVITY_ROW.validate_python(row_item(requests=10**400)).requests == 0.0


@pytest.mark.parametrize(
    ("model", "field"),
    [(ApiKey, "include_byok_in_limit"), (CurrentKey, "is_free_tier")],
)
def test_drifted_unused_flag_is_unknown_rather_than_fatal(model: type[Any], field: str) -> None:
    parsed = model.model_validate({"hash": "ab" * 32, field: "when-over-allowance"})
    assert getattr(parsed, field) is None


def test_non_text_label_is_unknown() -> None:
    assert ApiKey.model_validate(key_item(label=12345)).label is None


@pytest.mark.parametrize("hash_value", [None, "", 12])
def test_key_without_a_usable_hash_is_rejected(hash_value: Any) -> None:
    with pytest.raises(ValidationError):
        ApiKey.model_validate(key_item(hash=hash_value))


def test_key_missing_its_hash_is_rejected() -> None:
    item = key_item()
    del item["hash"]
    with pytest.raises(ValidationError):
        ApiKey.model_validate(item)


def test_key_with_only_a_hash_parses() -> None:
    key = ApiKey.model_validate({"hash": "ab" * 32})
    assert (key.name, key.usage, key.disabled) == (None, None, False)


# /activity


def test_activity_row_reads_the_reference_fields() -> None:
    row = activity_rows()[0]
    assert row.date == date(2025, 8, 24)
    assert row.model == "openai/gpt-4.1"
    assert row.model_permaslug == "openai/gpt-4.1-2025-04-14"
    assert row.provider == "OpenAI"
    assert row.endpoint == "4a7c3f0e-8d1b-4e2a-9c6f-0b5d7e3a1f28"
    assert (row.usage, row.byok_usage_inference, row.requests) == (4.0, 0.0, 200.0)
    assert (row.prompt_tokens, row.completion_tokens, row.reasoning_tokens) == (
        1200000.0,
        80000.0,
        0.0,
    )


def test_activity_date_with_a_time_part_uses_the_day() -> None:
    assert activity_rows()[2].date == date(2025, 8, 23)


def test_activity_row_ignores_byok_requests_and_other_extra_fields() -> None:
    dumped = ACTIVITY_ROW.dump_python(activity_rows()[1])
    assert "byok_requests" not in dumped
    assert "workspace_id" not in ACTIVITY_ROW.dump_python(activity_rows()[5])


def test_activity_row_with_null_provider_fields_falls_back() -> None:
    row = activity_rows()[4]
    assert row.provider_name is None
    assert row.provider == "unknown"
    assert row.endpoint == "unknown"
    assert row.model_permaslug is None


def test_activity_row_without_endpoint_id_is_keyed_by_provider() -> None:
    row = ACTIVITY_ROW.validate_python(row_item(endpoint_id=None))
    assert row.endpoint == "OpenAI"


def test_null_activity_amounts_count_as_zero() -> None:
    row = activity_rows()[4]
    assert (row.byok_usage_inference, row.reasoning_tokens) == (0.0, 0.0)


def test_activity_numbers_may_arrive_as_strings() -> None:
    row = ACTIVITY_ROW.validate_python(row_item(usage="1.25", requests="17"))
    assert (row.usage, row.requests) == (1.25, 17.0)


@pytest.mark.parametrize("value", ["n/a", float("nan"), None, "", []])
def test_garbage_activity_amount_counts_as_zero(value: Any) -> None:
    assert ACTIVITY_ROW.validate_python(row_item(usage=value)).usage == 0.0


def test_missing_activity_amounts_count_as_zero() -> None:
    row = ACTIVITY_ROW.validate_python({"date": "2025-08-24", "model": "x/y"})
    assert (row.usage, row.requests, row.completion_tokens) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("value", [None, "", "yesterday", "2025-02-30", 20250824])
def test_activity_row_without_a_valid_date_is_rejected(value: Any) -> None:
    with pytest.raises(ValidationError):
        ACTIVITY_ROW.validate_python(row_item(date=value))


@pytest.mark.parametrize("value", [None, "", 42])
def test_activity_row_without_a_model_is_rejected(value: Any) -> None:
    with pytest.raises(ValidationError):
        ACTIVITY_ROW.validate_python(row_item(model=value))


def test_models_are_immutable() -> None:
    row = activity_rows()[0]
    with pytest.raises(FrozenInstanceError):
        row.usage = 1.0  # type: ignore[misc]


def test_parsed_money_is_never_nan() -> None:
    for key in keys_by_name().values():
        for value in (key.usage, key.limit, key.limit_remaining, key.byok_usage):
            assert value is None or math.isfinite(value)
