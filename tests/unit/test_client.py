"""The HTTP boundary: requests sent, answers parsed, every failure mapped to a reason.

OpenRouter is replaced by ``httpx.MockTransport`` answering with the reference fixtures.
"""

import asyncio
import email.utils
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr

from openrouter_exporter.openrouter.client import (
    KEYS_PAGE_SIZE,
    ErrorKind,
    FetchError,
    OpenRouterClient,
)
from openrouter_exporter.openrouter.http_answers import parse_retry_after

FIXTURES = Path(__file__).parents[1] / "fixtures"
BASE_URL = "https://openrouter.test/api/v1"
KEY = "sk-or-v1-FAKESECRET5e0c1d7a9b3f2e4d6c8a0b1f3e5d7c9a2b4f6e8d0c1a3b5d7f9e2c4a6b8d0f1e"
T = TypeVar("T")
Handler = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class Recorder:
    """Counts ``on_request`` calls and keeps the requests the transport saw."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.callbacks = 0

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.handler(request)

        return httpx.MockTransport(handle)

    def on_request(self) -> None:
        self.callbacks += 1


def call(
    handler: Handler, fetch: Callable[[OpenRouterClient, Callable[[], None]], Awaitable[T]]
) -> tuple[T, Recorder]:
    recorder = Recorder(handler)

    async def run() -> T:
        client = OpenRouterClient(
            BASE_URL, SecretStr(KEY), timeout=5.0, transport=recorder.transport()
        )
        try:
            return await fetch(client, recorder.on_request)
        finally:
            await client.aclose()

    return asyncio.run(run()), recorder


def fail(
    handler: Handler,
    fetch: Callable[[OpenRouterClient, Callable[[], None]], Awaitable[Any]] | None = None,
) -> FetchError:
    with pytest.raises(FetchError) as caught:
        call(handler, fetch or (lambda client, count: client.credits(count)))
    return caught.value


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: json_response(status, body, headers)


# Requests.


def test_every_request_carries_the_key_as_bearer_token() -> None:
    _, recorder = call(answer(200, fixture("credits.json")), lambda c, n: c.credits(n))
    assert recorder.requests[0].headers["Authorization"] == f"Bearer {KEY}"


def test_requests_identify_the_exporter() -> None:
    _, recorder = call(answer(200, fixture("credits.json")), lambda c, n: c.credits(n))
    assert recorder.requests[0].headers["User-Agent"].startswith("openrouter-exporter/")


@pytest.mark.parametrize(
    ("fetch_name", "body", "path"),
    [
        ("credits", "credits.json", "/api/v1/credits"),
        ("current_key", "key.json", "/api/v1/key"),
        ("keys", "keys.json", "/api/v1/keys"),
        ("activity", "activity.json", "/api/v1/activity"),
    ],
)
def test_each_endpoint_is_read_under_the_base_url(fetch_name: str, body: str, path: str) -> None:
    _, recorder = call(answer(200, fixture(body)), lambda c, n: getattr(c, fetch_name)(n))
    assert recorder.requests[0].url.path == path
    assert recorder.requests[0].method == "GET"


def test_activity_is_read_without_a_date_to_get_the_whole_window() -> None:
    _, recorder = call(answer(200, fixture("activity.json")), lambda c, n: c.activity(n))
    assert "date" not in recorder.requests[0].url.params


def test_client_repr_does_not_contain_the_key() -> None:
    client = OpenRouterClient(BASE_URL, SecretStr(KEY), timeout=1.0)
    try:
        assert KEY not in repr(client)
    finally:
        asyncio.run(client.aclose())


# Successful answers.


def test_credits_are_parsed() -> None:
    credits, _ = call(answer(200, fixture("credits.json")), lambda c, n: c.credits(n))
    assert credits.total_credits == 300.0


def test_negative_balance_is_returned_unclamped() -> None:
    credits, _ = call(answer(200, fixture("credits_negative.json")), lambda c, n: c.credits(n))
    assert credits.balance < 0


def test_current_key_is_parsed() -> None:
    key, _ = call(answer(200, fixture("key.json")), lambda c, n: c.current_key(n))
    assert key.limit_remaining == 74.5


def test_keys_are_parsed_drift_included() -> None:
    keys, _ = call(answer(200, fixture("keys.json")), lambda c, n: c.keys(n))
    assert [key.name for key in keys] == ["prod-backend", "old-notebook", "ci-runner", "drifted"]


def test_activity_rows_are_parsed_drift_included() -> None:
    rows, _ = call(answer(200, fixture("activity.json")), lambda c, n: c.activity(n))
    assert len(rows) == len(fixture("activity.json")["data"])


def test_empty_activity_is_no_rows() -> None:
    rows, _ = call(answer(200, {"data": []}), lambda c, n: c.activity(n))
    assert rows == []


def test_one_bad_item_is_dropped_and_the_others_kept() -> None:
    body = fixture("activity.json")
    body["data"][0]["date"] = "not a date"
    rows, _ = call(answer(200, body), lambda c, n: c.activity(n))
    assert len(rows) == len(body["data"]) - 1


def test_one_key_without_hash_is_dropped_and_the_others_kept() -> None:
    body = fixture("keys.json")
    del body["data"][1]["hash"]
    keys, _ = call(answer(200, body), lambda c, n: c.keys(n))
    assert "old-notebook" not in [key.name for key in keys]
    assert len(keys) == 3


# Errors.


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ErrorKind.CLIENT),
        (401, ErrorKind.AUTH),
        (402, ErrorKind.CLIENT),
        (403, ErrorKind.FORBIDDEN),
        (404, ErrorKind.CLIENT),
        (429, ErrorKind.RATE_LIMITED),
        (500, ErrorKind.SERVER),
        (502, ErrorKind.SERVER),
        (503, ErrorKind.SERVER),
        (524, ErrorKind.SERVER),
        (529, ErrorKind.SERVER),
    ],
)
def test_http_status_maps_to_kind_and_reason(status: int, kind: ErrorKind) -> None:
    error = fail(answer(status, {"error": {"code": status, "message": "nope"}}))
    assert error.kind is kind
    assert error.reason == f"http_{status}"
    assert error.status == status


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("error_400.json", "Date must be within the last 30 (completed) UTC days"),
        ("error_401.json", "User not found."),
        ("error_402.json", "Insufficient credits"),
        ("error_403.json", "Only management keys can perform this operation"),
        ("error_403_limit.json", "Key limit exceeded (monthly limit)"),
        ("error_429.json", "Rate limit exceeded"),
    ],
)
def test_error_message_quotes_openrouter_and_the_endpoint(name: str, text: str) -> None:
    body = fixture(name)
    error = fail(answer(body["error"]["code"], body))
    assert text in error.message
    assert error.message.startswith(f"/credits answered {body['error']['code']}")


def test_error_without_an_envelope_uses_the_reason_phrase() -> None:
    error = fail(lambda request: httpx.Response(502, text="<html>Bad gateway</html>"))
    assert error.message == "/credits answered 502: Bad Gateway"


def test_long_error_message_is_shortened_to_one_line() -> None:
    body = {"error": {"code": 500, "message": "line one\nline two " + "x" * 500}}
    error = fail(answer(500, body))
    assert "\n" not in error.message
    assert len(error.message) < 260


def test_rate_limit_carries_retry_after_in_seconds() -> None:
    error = fail(answer(429, fixture("error_429.json"), {"Retry-After": "42"}))
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == 42.0


def test_rate_limit_carries_retry_after_given_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    error = fail(answer(429, fixture("error_429.json"), {"Retry-After": when}))
    assert error.retry_after is not None
    assert 0 < error.retry_after <= 120


def test_service_unavailable_carries_retry_after() -> None:
    error = fail(answer(503, {"error": {"code": 503, "message": "busy"}}, {"Retry-After": "7"}))
    assert (error.kind, error.retry_after) == (ErrorKind.SERVER, 7.0)


def test_error_without_retry_after_has_none() -> None:
    assert fail(answer(429, fixture("error_429.json"))).retry_after is None


def test_timeout_is_its_own_reason() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    error = fail(timeout)
    assert (error.kind, error.reason) == (ErrorKind.TIMEOUT, "timeout")


def test_connection_failure_is_its_own_reason() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    error = fail(refuse)
    assert (error.kind, error.reason) == (ErrorKind.CONNECTION, "connection")


def test_redirect_is_not_followed() -> None:
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://elsewhere.test/"})

    error = fail(redirect)
    assert error.reason == "http_302"


def test_non_json_success_is_an_invalid_response() -> None:
    error = fail(lambda request: httpx.Response(200, text="<html>maintenance</html>"))
    assert (error.kind, error.reason) == (ErrorKind.INVALID_RESPONSE, "invalid_response")


@pytest.mark.parametrize(
    "body",
    [{}, {"data": None}, {"total_credits": 1, "total_usage": 0}, [], {"data": {"x": 1}}],
)
def test_credits_without_usable_data_is_an_invalid_response(body: Any) -> None:
    assert fail(answer(200, body)).reason == "invalid_response"


@pytest.mark.parametrize("body", [{}, {"data": None}, {"data": {}}, [], "text"])
def test_list_endpoint_without_a_data_list_is_an_invalid_response(body: Any) -> None:
    error = fail(answer(200, body), lambda c, n: c.activity(n))
    assert error.reason == "invalid_response"


def test_all_items_bad_is_an_invalid_response() -> None:
    body = {"data": [{"model": "x"}, {"date": "2025-08-24"}, "junk"]}
    error = fail(answer(200, body), lambda c, n: c.activity(n))
    assert error.reason == "invalid_response"


def test_error_message_never_contains_the_key_even_if_the_server_echoes_it() -> None:
    body = {"error": {"code": 401, "message": f"Invalid key {KEY} (User not found.)"}}
    error = fail(answer(401, body))
    assert KEY not in error.message
    assert KEY not in str(error)
    assert "User not found." in error.message


def test_no_part_of_an_echoed_key_survives_shortening() -> None:
    body = {"error": {"code": 401, "message": "x" * 150 + f" {KEY} trailing words"}}
    error = fail(answer(401, body))
    secret_part = KEY.removeprefix("sk-or-v1-")
    assert secret_part[:16] not in error.message


def test_drifted_answer_fails_only_as_fetch_error_or_parses() -> None:
    body = fixture("keys.json")
    body["data"][0]["expires_at"] = 1e20
    try:
        keys, _ = call(answer(200, body), lambda c, n: c.keys(n))
    except FetchError:
        return
    assert len(keys) >= len(body["data"]) - 1


# /keys paging.


def key_page(offset: int, count: int) -> dict[str, Any]:
    template = fixture("keys.json")["data"][0]
    return {
        "data": [
            {**template, "hash": f"{offset + index:064x}", "name": f"key-{offset + index}"}
            for index in range(count)
        ]
    }


def test_keys_are_paged_until_a_short_page() -> None:
    sizes = {0: KEYS_PAGE_SIZE, 100: KEYS_PAGE_SIZE, 200: 37}

    def pages(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return json_response(200, key_page(offset, sizes[offset]))

    keys, recorder = call(pages, lambda c, n: c.keys(n))
    assert [request.url.params["offset"] for request in recorder.requests] == ["0", "100", "200"]
    assert len(keys) == 237
    assert len({key.hash for key in keys}) == 237


def test_keys_are_requested_with_disabled_ones_included() -> None:
    _, recorder = call(answer(200, fixture("keys.json")), lambda c, n: c.keys(n))
    assert recorder.requests[0].url.params["include_disabled"] == "true"


def test_default_workspace_is_listed_without_a_workspace_id() -> None:
    _, recorder = call(answer(200, fixture("keys.json")), lambda c, n: c.keys(n))
    assert "workspace_id" not in recorder.requests[0].url.params


def test_keys_of_another_workspace_are_listed_with_its_id_on_every_page() -> None:
    def pages(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return json_response(200, key_page(offset, KEYS_PAGE_SIZE if offset == 0 else 3))

    _, recorder = call(pages, lambda c, n: c.keys(n, "ws-research"))
    assert [request.url.params["workspace_id"] for request in recorder.requests] == [
        "ws-research",
        "ws-research",
    ]


def test_full_last_page_ends_with_an_empty_page() -> None:
    def pages(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return json_response(200, key_page(offset, KEYS_PAGE_SIZE if offset == 0 else 0))

    keys, recorder = call(pages, lambda c, n: c.keys(n))
    assert len(keys) == KEYS_PAGE_SIZE
    assert len(recorder.requests) == 2


def test_server_ignoring_offset_ends_with_an_invalid_response_instead_of_looping() -> None:
    recorder_box: list[int] = []

    def same_page(request: httpx.Request) -> httpx.Response:
        recorder_box.append(1)
        return json_response(200, key_page(0, KEYS_PAGE_SIZE))

    error = fail(same_page, lambda c, n: c.keys(n))
    assert error.reason == "invalid_response"
    assert len(recorder_box) == 2


def test_failure_on_a_later_page_fails_the_whole_listing() -> None:
    def pages(request: httpx.Request) -> httpx.Response:
        if request.url.params["offset"] == "0":
            return json_response(200, key_page(0, KEYS_PAGE_SIZE))
        return json_response(429, fixture("error_429.json"), {"Retry-After": "5"})

    error = fail(pages, lambda c, n: c.keys(n))
    assert (error.reason, error.retry_after) == ("http_429", 5.0)


# Request counting.


def test_on_request_is_called_once_per_http_request() -> None:
    sizes = {0: KEYS_PAGE_SIZE, 100: 1}

    def pages(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return json_response(200, key_page(offset, sizes[offset]))

    _, recorder = call(pages, lambda c, n: c.keys(n))
    assert recorder.callbacks == len(recorder.requests) == 2


def test_failed_request_is_counted_too() -> None:
    counted: list[int] = []

    async def fetch(client: OpenRouterClient, on_request: Callable[[], None]) -> Any:
        def count() -> None:
            counted.append(1)
            on_request()

        return await client.credits(count)

    with pytest.raises(FetchError):
        call(answer(500, {"error": {"code": 500, "message": "boom"}}), fetch)
    assert counted == [1]


def test_timed_out_request_is_counted_too() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    recorder = Recorder(timeout)

    async def run() -> None:
        client = OpenRouterClient(
            BASE_URL, SecretStr(KEY), timeout=5.0, transport=recorder.transport()
        )
        try:
            await client.current_key(recorder.on_request)
        finally:
            await client.aclose()

    with pytest.raises(FetchError):
        asyncio.run(run())
    assert recorder.callbacks == 1


# Retry-After parsing.


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("-5", 0.0),
        ("999999", 86400.0),
        ("Thu, 01 Jan 2026 00:02:00 GMT", 120.0),
        ("Wed, 31 Dec 2025 23:59:00 GMT", 0.0),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str, seconds: float) -> None:
    now = 1767225600.0  # 2026-01-01T00:00:00Z
    assert parse_retry_after(value, now) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "nan"])
def test_unusable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value, 0.0) is None
