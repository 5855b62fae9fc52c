"""HTTP client for the OpenRouter endpoints the exporter reads. No Prometheus here.

Every failure becomes a :class:`FetchError` with a ``reason`` (the label value of
``openrouter_api_errors_total``) and a ``kind`` the poller acts on. Error texts are
OpenRouter's own message, shortened and scrubbed of the key; the key never appears in a
``repr``, an exception or a log line.
"""

import enum
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import (
    BaseModel,
    SecretStr,
    ValidationError,
)

from openrouter_exporter import __version__
from openrouter_exporter.openrouter.analytics_models import (
    AnalyticsMeta,
    AnalyticsQuery,
    AnalyticsResult,
    InvalidAnswerError,
    parse_meta_answer,
    parse_query_answer,
)
from openrouter_exporter.openrouter.data_list import MissingDataListError, converted_data_items
from openrouter_exporter.openrouter.http_answers import (
    error_message,
    parse_retry_after,
    server_time,
    shorten,
)
from openrouter_exporter.openrouter.limit_models import WorkspaceBudget
from openrouter_exporter.openrouter.models import (
    ACTIVITY_ROW,
    ActivityRow,
    ApiKey,
    Credits,
    CreditsResponse,
    CurrentKey,
    CurrentKeyResponse,
)

KEYS_PAGE_SIZE = 100
LIST_PAGE_SIZE = 100  # the most an offset/limit list answers at once
# Failure reasons counted from 0 on every endpoint polled, so that increase() sees the first
# one: the exporter's own kinds and the HTTP statuses OpenRouter documents. Any other status
# is counted as http_<status> once it occurs.
DOCUMENTED_STATUSES = (400, 401, 402, 403, 404, 408, 429, 500, 502, 503)
KNOWN_ERROR_REASONS = (
    "timeout",
    "connection",
    "invalid_response",
    "internal",
    *(f"http_{status}" for status in DOCUMENTED_STATUSES),
)
MAX_KEYS_PAGES = 1000
_ModelT = TypeVar("_ModelT", bound=BaseModel)


class ErrorKind(enum.Enum):
    AUTH = "auth"  # 401: key invalid, revoked or missing
    FORBIDDEN = "forbidden"  # 403: wrong key type, key limit or workspace budget
    RATE_LIMITED = "rate_limited"  # 429
    SERVER = "server"  # 5xx, 524, 529
    CLIENT = "client"  # other 4xx
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    INVALID_RESPONSE = "invalid_response"
    INTERNAL = "internal"  # the exporter's own fault (a bug, a state write that failed)


class FetchError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        reason: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.reason = reason
        self.message = message
        self.status = status
        self.retry_after = retry_after


class OpenRouterClient:
    """One key against one base URL. ``on_request`` is called once per HTTP request sent."""

    def __init__(
        self,
        base_url: str,
        key: SecretStr,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._key = key
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": f"openrouter-exporter/{__version__}"},
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"OpenRouterClient(base_url={str(self._client.base_url)!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def credits(self, on_request: Callable[[], None]) -> Credits:
        body = await self._get("credits", {}, on_request)
        return self._parse(CreditsResponse, body, "credits").data

    async def current_key(self, on_request: Callable[[], None]) -> CurrentKey:
        body = await self._get("key", {}, on_request)
        return self._parse(CurrentKeyResponse, body, "key").data

    async def keys(
        self, on_request: Callable[[], None], workspace_id: str | None = None
    ) -> list[ApiKey]:
        """Every key of a workspace (the default one without an id), disabled ones included,
        over all pages."""
        keys: list[ApiKey] = []
        seen: set[str] = set()
        for page in range(MAX_KEYS_PAGES):
            params = {"include_disabled": "true", "offset": str(page * KEYS_PAGE_SIZE)}
            if workspace_id:
                params["workspace_id"] = workspace_id
            body = await self._get("keys", params, on_request)
            items = _data_list(body, "keys")
            parsed = _parse_items(ApiKey, items)
            fresh = [key for key in parsed if key.hash not in seen]
            if parsed and not fresh:
                # An API that ignores `offset` would otherwise be paged forever.
                raise FetchError(
                    ErrorKind.INVALID_RESPONSE,
                    "invalid_response",
                    f"/keys page at offset {params['offset']} repeats earlier keys",
                )
            seen.update(key.hash for key in fresh)
            keys.extend(fresh)
            if len(items) < KEYS_PAGE_SIZE:
                return keys
        raise FetchError(
            ErrorKind.INVALID_RESPONSE,
            "invalid_response",
            f"/keys did not end after {MAX_KEYS_PAGES} pages",
        )

    async def listed(
        self,
        path: str,
        model: type[_ModelT],
        on_request: Callable[[], None],
        params: dict[str, str] | None = None,
    ) -> list[_ModelT]:
        """Every item of an ``offset``/``limit`` list answered as ``{data, total_count}``
        (workspaces, guardrails, assignments, members), over all pages."""
        items: list[_ModelT] = []
        for page in range(MAX_KEYS_PAGES):
            query = {**(params or {}), "offset": str(page * LIST_PAGE_SIZE)}
            query["limit"] = str(LIST_PAGE_SIZE)
            body = await self._get(path, query, on_request)
            data = _data_list(body, path)
            items.extend(_parse_items(model, data))
            total = body.get("total_count") if isinstance(body, dict) else None
            done = len(data) < LIST_PAGE_SIZE
            if isinstance(total, int) and not isinstance(total, bool):
                done = done or (page + 1) * LIST_PAGE_SIZE >= total
            if done:
                return items
        raise FetchError(
            ErrorKind.INVALID_RESPONSE,
            "invalid_response",
            f"/{path} did not end after {MAX_KEYS_PAGES} pages",
        )

    async def workspace_budgets(
        self, workspace_id: str, on_request: Callable[[], None]
    ) -> tuple[list[WorkspaceBudget], bool | None]:
        """A workspace's budgets and whether they count BYOK; a workspace without budgets
        answers 404 (OpenRouter's quirk), which means none."""
        path = f"workspaces/{quote(workspace_id, safe='')}/budgets"
        try:
            body = await self._get(path, {}, on_request)
        except FetchError as error:
            if error.status == 404:
                return [], None
            raise
        budgets = _parse_items(WorkspaceBudget, _data_list(body, "workspaces/{id}/budgets"))
        byok = body.get("include_byok_in_budgets") if isinstance(body, dict) else None
        return budgets, byok if isinstance(byok, bool) else None

    async def activity(self, on_request: Callable[[], None]) -> list[ActivityRow]:
        body = await self._get_bytes("activity", {}, on_request)
        try:
            text = body.decode()
            del body  # the bytes and their text need not both stay for the whole parse
            parsed = converted_data_items(text, _activity_row)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _invalid_answer("activity", "a body that is not JSON") from None
        except MissingDataListError:
            raise _invalid_answer("activity", "an answer without a `data` list") from None
        rows = [row for row in parsed if row is not None]
        if parsed and not rows:
            raise _no_usable_item(len(parsed), ActivityRow.__name__)
        return rows

    async def analytics_query(
        self, query: AnalyticsQuery, on_request: Callable[[], None]
    ) -> AnalyticsResult:
        response = await self._send("POST", "analytics/query", {}, on_request, query.body())
        try:
            result = parse_query_answer(self._json(response.content, "analytics/query"), query)
        except InvalidAnswerError as error:
            raise _invalid_answer("analytics/query", str(error)) from None
        return replace(result, server_time=server_time(response))

    async def analytics_meta(self, on_request: Callable[[], None]) -> AnalyticsMeta:
        body = await self._get("analytics/meta", {}, on_request)
        try:
            return parse_meta_answer(body)
        except InvalidAnswerError as error:
            raise _invalid_answer("analytics/meta", str(error)) from None

    async def _get(self, path: str, params: dict[str, str], on_request: Callable[[], None]) -> Any:
        return self._json(await self._get_bytes(path, params, on_request), path)

    @staticmethod
    def _json(content: bytes, path: str) -> Any:
        try:
            return json.loads(content)
        except ValueError:
            raise _invalid_answer(path, "a body that is not JSON") from None

    async def _get_bytes(
        self, path: str, params: dict[str, str], on_request: Callable[[], None]
    ) -> bytes:
        return (await self._send("GET", path, params, on_request)).content

    async def _send(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        on_request: Callable[[], None],
        body: Any = None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._key.get_secret_value()}"}
        on_request()
        try:
            response = await self._client.request(
                method, path, params=params, headers=headers, json=body
            )
        except httpx.TimeoutException:
            raise FetchError(
                ErrorKind.TIMEOUT, "timeout", f"/{path} did not answer in time"
            ) from None
        except httpx.HTTPError as error:
            raise FetchError(
                ErrorKind.CONNECTION,
                "connection",
                f"/{path} could not be reached: {type(error).__name__}",
            ) from None
        if response.status_code != 200:
            raise self._http_error(path, response)
        return response

    def _http_error(self, path: str, response: httpx.Response) -> FetchError:
        status = response.status_code
        message = shorten(self._scrub(error_message(response)))
        retry_after = parse_retry_after(response.headers.get("Retry-After"), time.time())
        if status == 401:
            kind = ErrorKind.AUTH
        elif status == 403:
            kind = ErrorKind.FORBIDDEN
        elif status == 429:
            kind = ErrorKind.RATE_LIMITED
        elif status == 408:
            kind = ErrorKind.TIMEOUT  # "Operation timed out": the query was too heavy
        elif status >= 500:
            kind = ErrorKind.SERVER
        else:
            kind = ErrorKind.CLIENT
        return FetchError(
            kind,
            f"http_{status}",
            f"/{path} answered {status}: {message}",
            status=status,
            retry_after=retry_after,
        )

    def _scrub(self, text: str) -> str:
        secret = self._key.get_secret_value()
        return text.replace(secret, "[redacted]") if secret else text

    @staticmethod
    def _parse(model: type[_ModelT], body: Any, path: str) -> _ModelT:
        try:
            return model.model_validate(body)
        except ValidationError as error:
            first = error.errors(include_input=False, include_url=False)[0]
            location = ".".join(str(part) for part in first["loc"]) or "body"
            raise FetchError(
                ErrorKind.INVALID_RESPONSE,
                "invalid_response",
                f"/{path} answer does not match the expected shape at {location}: {first['msg']}",
                status=200,
            ) from None


def _activity_row(item: Any) -> ActivityRow | None:
    """A row that cannot be understood is dropped, not the whole answer."""
    try:
        return ACTIVITY_ROW.validate_python(item)
    except ValidationError:
        return None


def _invalid_answer(path: str, problem: str) -> FetchError:
    return FetchError(
        ErrorKind.INVALID_RESPONSE,
        "invalid_response",
        f"/{path} answered 200 with {problem}",
        status=200,
    )


def _no_usable_item(count: int, shape: str) -> FetchError:
    return FetchError(
        ErrorKind.INVALID_RESPONSE,
        "invalid_response",
        f"none of the {count} items has the expected shape of {shape}",
        status=200,
    )


def _data_list(body: Any, path: str) -> list[Any]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise FetchError(
            ErrorKind.INVALID_RESPONSE,
            "invalid_response",
            f"/{path} answer has no `data` list",
            status=200,
        )
    return data


def _parse_items(model: type[_ModelT], items: list[Any]) -> list[_ModelT]:
    """Parse each item; an item that cannot be understood is dropped, not the whole answer."""
    parsed: list[_ModelT] = []
    for item in items:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError:
            continue
    if items and not parsed:
        raise _no_usable_item(len(items), model.__name__)
    return parsed
