"""Polls OpenRouter per account and endpoint on a schedule and refreshes the snapshot.

Each endpoint of each account runs its own loop: the first poll at start-up, then one per
interval. A failure keeps the last good values (only health changes) and retries after an
exponential, jittered back-off that starts at the interval and honours ``Retry-After``: it
never retries faster than the normal schedule. Problems are logged when they start, change
or end, not on every poll.
"""

import asyncio
import contextlib
import dataclasses
import hashlib
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from pydantic import SecretStr

from openrouter_exporter.activity import summarize
from openrouter_exporter.client import ErrorKind, FetchError, OpenRouterClient
from openrouter_exporter.config import AccountConfig, ExporterConfig
from openrouter_exporter.durations import format_duration
from openrouter_exporter.forecast import burn_rates, forecast
from openrouter_exporter.memory import release_free_memory
from openrouter_exporter.models import ApiKey, CurrentKey, KeyUsage
from openrouter_exporter.snapshot import (
    AccountSnapshot,
    CreditsReading,
    EndpointHealth,
    KeyReading,
    ModelTotals,
    SnapshotStore,
)
from openrouter_exporter.state import Sample, StateStore

MAX_BACKOFF_SECONDS = 600.0
MAX_BACKOFF_INTERVALS = 16
SAMPLE_HISTORY_SECONDS = 31 * 86400.0
PRUNE_EVERY_SECONDS = 3600.0
KEY_HASH_LENGTH = 12
ACTIVITY_WINDOW_DAYS = 30
# /keys costs a request per 100 keys: an account with many keys is listed less often, so
# that it never costs OpenRouter more than about 120 /keys requests an hour.
KEYS_SECONDS_PER_PAGE = 30.0
log = structlog.get_logger("openrouter_exporter.poller")


def retry_delay(
    interval: float, failures: int, retry_after: float | None, rng: random.Random
) -> float:
    """Seconds until the next try after ``failures`` consecutive failures (at least 1).

    Doubles from the interval up to ``max(interval, min(16 intervals, 10 min))``, with up to
    20% jitter on top, and never earlier than ``Retry-After``.
    """
    ceiling = max(interval, min(interval * MAX_BACKOFF_INTERVALS, MAX_BACKOFF_SECONDS))
    base = min(interval * 2 ** min(failures - 1, 30), ceiling)
    delay = base * (1 + 0.2 * rng.random())
    return float(max(delay, retry_after or 0.0))


def keys_interval(poll_interval: float, pages: int) -> float:
    """Seconds between /keys polls after one that took ``pages`` requests: the poll interval,
    or 30 s a page when an account has more than one page of keys and that is longer."""
    if pages <= 1:
        return poll_interval
    return max(poll_interval, KEYS_SECONDS_PER_PAGE * pages)


def key_fingerprint(secret: SecretStr) -> str:
    """A short one-way id of a key: what log lines and ``key_hash`` show instead of it."""
    return hashlib.sha256(secret.get_secret_value().encode()).hexdigest()[:KEY_HASH_LENGTH]


def monotonic_totals(
    previous: tuple[ModelTotals, ...] | None, current: tuple[ModelTotals, ...]
) -> tuple[ModelTotals, ...]:
    """Never let a counter fall within one process, whatever the ledger says."""
    if not previous:
        return current
    before = {(item.model, item.provider): item for item in previous}
    merged = []
    for item in current:
        old = before.pop((item.model, item.provider), None)
        if old is None:
            merged.append(item)
            continue
        merged.append(
            ModelTotals(
                model=item.model,
                provider=item.provider,
                **{
                    name.name: max(getattr(item, name.name), getattr(old, name.name))
                    for name in dataclasses.fields(ModelTotals)
                    if name.name not in ("model", "provider")
                },
            )
        )
    merged.extend(before.values())
    return tuple(sorted(merged, key=lambda item: (item.model, item.provider)))


def planned_endpoints(account: AccountConfig, config: ExporterConfig) -> dict[str, float]:
    """Which endpoints an account's keys can read, in polling order, with their intervals.

    A management key reads every key through /keys, so /key is only polled without one.
    /credits is tried with an inference key too: some accounts answer it.
    """
    endpoints: dict[str, float] = {}
    if account.management_key:
        endpoints["keys"] = config.poll_interval
    elif account.api_key:
        endpoints["key"] = config.poll_interval
    endpoints["credits"] = config.poll_interval
    if account.management_key:
        endpoints["activity"] = config.activity_interval
    return endpoints


def initial_snapshot(account: AccountConfig, config: ExporterConfig) -> AccountSnapshot:
    return AccountSnapshot(
        name=account.name,
        thresholds=account.thresholds,
        health={name: EndpointHealth() for name in planned_endpoints(account, config)},
    )


@dataclass
class _EndpointRun:
    """Mutable bookkeeping of one endpoint's loop; published as :class:`EndpointHealth`."""

    name: str
    interval: float
    failures: int = 0
    problem: str | None = None
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    first_done: asyncio.Event = field(default_factory=asyncio.Event)
    enabled: bool = True
    next_delay: float = 0.0


class AccountPoller:
    def __init__(
        self,
        account: AccountConfig,
        config: ExporterConfig,
        store: SnapshotStore,
        state: StateStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.account = account
        self._config = config
        self._store = store
        self._state = state
        self._rng = rng or random.Random()
        self._log = log.bind(account=account.name)
        self._last_prune = 0.0
        timeout = config.request_timeout
        self._management = (
            OpenRouterClient(
                account.base_url, account.management_key, timeout=timeout, transport=transport
            )
            if account.management_key
            else None
        )
        self._inference = (
            OpenRouterClient(
                account.base_url, account.api_key, timeout=timeout, transport=transport
            )
            if account.api_key
            else None
        )
        fetchers: dict[str, Callable[[_EndpointRun], Awaitable[None]]] = {
            "keys": self._poll_keys,
            "key": self._poll_key,
            "credits": self._poll_credits,
            "activity": self._poll_activity,
        }
        self._runs = {
            name: _EndpointRun(name=name, interval=interval)
            for name, interval in planned_endpoints(account, config).items()
        }
        self._fetchers = {name: fetchers[name] for name in self._runs}

    async def aclose(self) -> None:
        for client in (self._management, self._inference):
            if client is not None:
                await client.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        tasks = [asyncio.create_task(self._loop(run, stop)) for run in self._runs.values()]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def first_polls_done(self) -> None:
        await asyncio.gather(*(run.first_done.wait() for run in self._runs.values()))

    async def poll_once(self) -> None:
        """Poll every endpoint once, usage sources first (for ``check``)."""
        for run in self._runs.values():
            await self._poll(run)

    async def _loop(self, run: _EndpointRun, stop: asyncio.Event) -> None:
        if run.name == "credits":
            # The 0/0 quirk is judged against key usage: let the first keys poll land first.
            usage_source = self._runs.get("keys") or self._runs.get("key")
            if usage_source is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(usage_source.first_done.wait(), run.interval)
        while not stop.is_set():
            await self._poll(run)
            if not run.enabled:
                return
            try:
                await asyncio.wait_for(stop.wait(), run.next_delay)
            except TimeoutError:
                continue

    async def _poll(self, run: _EndpointRun) -> None:
        """One poll of one endpoint; sets when the next one is due."""
        started = time.monotonic()
        try:
            try:
                await self._fetchers[run.name](run)
            except FetchError:
                raise
            except Exception as problem:  # a bug or a failed state write must not stop polling
                raise FetchError(
                    ErrorKind.INTERNAL, "internal", f"{type(problem).__name__}: {problem}"
                ) from problem
        except FetchError as error:
            run.failures += 1
            run.errors[error.reason] = run.errors.get(error.reason, 0) + 1
            run.next_delay = retry_delay(run.interval, run.failures, error.retry_after, self._rng)
            self._report_failure(run, error)
        else:
            if run.problem is not None or not run.first_done.is_set():
                self._report_success(run)
            run.failures = 0
            run.problem = None
            run.next_delay = run.interval
        finally:
            run.first_done.set()
        self._publish_health(run, time.monotonic() - started, ok=run.failures == 0)
        release_free_memory()

    def _count(self, run: _EndpointRun) -> Callable[[], None]:
        def count() -> None:
            run.requests += 1

        return count

    def _publish_health(self, run: _EndpointRun, duration: float, *, ok: bool) -> None:
        now = time.time()

        def change(snapshot: AccountSnapshot) -> AccountSnapshot:
            previous = snapshot.health.get(run.name, EndpointHealth())
            health = EndpointHealth(
                up=ok,
                polled=run.enabled,
                last_success=now if ok else previous.last_success,
                last_duration=duration,
                requests=run.requests,
                errors=dict(run.errors),
            )
            return replace(snapshot, health={**snapshot.health, run.name: health})

        self._store.update(self.account.name, change)

    # Fetchers: each raises FetchError or updates the snapshot.

    async def _poll_credits(self, run: _EndpointRun) -> None:
        client = self._management or self._inference
        assert client is not None
        try:
            credits = await client.credits(self._count(run))
        except FetchError as error:
            if error.kind is ErrorKind.FORBIDDEN and self._management is None:
                run.enabled = False
            raise
        zero = credits.total_credits == 0 and credits.total_usage == 0
        if zero and self._management is None:
            # Inference keys get 0/0 for funded accounts too: it can never be trusted.
            run.enabled = False
        if zero and (self._management is None or self._usage_seen()):
            raise FetchError(
                ErrorKind.INVALID_RESPONSE,
                "zero_credits",
                "/credits answered 0 purchased and 0 used while keys or activity show spend",
            )
        now = time.time()
        reading = CreditsReading(credits.total_credits, credits.total_usage, now)
        await asyncio.to_thread(
            self._state.add_sample,
            self.account.name,
            Sample(now, credits.total_usage, credits.total_credits),
        )
        if now - self._last_prune > PRUNE_EVERY_SECONDS:
            self._last_prune = now
            await asyncio.to_thread(self._state.prune, now)
        self._store.update(self.account.name, lambda s: replace(s, credits=reading))
        await self._refresh_forecast()

    def _usage_seen(self) -> bool:
        snapshot = self._current()
        if snapshot.credits is not None and snapshot.credits.total_usage > 0:
            return True
        if any((key.usage or 0) > 0 for key in snapshot.keys or ()):
            return True
        return snapshot.activity is not None and any(
            spend > 0 for spend in snapshot.activity.daily_spend.values()
        )

    async def _poll_key(self, run: _EndpointRun) -> None:
        assert self._inference is not None
        assert self.account.api_key is not None
        current = await self._inference.current_key(self._count(run))
        reading = _current_key_reading(current, key_fingerprint(self.account.api_key))
        self._store.update(
            self.account.name,
            lambda s: replace(s, keys=_carry_over([(reading, current)], s.keys)),
        )

    async def _poll_keys(self, run: _EndpointRun) -> None:
        assert self._management is not None
        requests_before = run.requests
        keys = await self._management.keys(self._count(run))
        for workspace in self.account.workspaces:
            keys.extend(await self._management.keys(self._count(run), workspace))
        pages = run.requests - requests_before
        run.interval = keys_interval(self._config.poll_interval, pages)
        unique = {key.hash: key for key in keys}
        self._store.update(
            self.account.name,
            lambda s: replace(
                s,
                keys=_carry_over([(_key_reading(key), key) for key in unique.values()], s.keys),
            ),
        )

    async def _poll_activity(self, run: _EndpointRun) -> None:
        assert self._management is not None
        rows = await self._management.activity(self._count(run))
        today = datetime.now(UTC).date()
        window_start = today - timedelta(days=ACTIVITY_WINDOW_DAYS)
        if not rows and await asyncio.to_thread(
            self._state.has_spend_since, self.account.name, window_start
        ):
            # Completed days do not vanish from the window: an empty answer now is a glitch,
            # and taking it would turn the 7d and 30d burn rates into a false zero.
            raise FetchError(
                ErrorKind.INVALID_RESPONSE,
                "invalid_response",
                "/activity answered no rows although days still in its 30-day window had spend",
            )
        await asyncio.to_thread(self._state.record_activity, self.account.name, rows, today)
        totals = await asyncio.to_thread(self._state.model_totals, self.account.name)
        summary = summarize(rows, today)
        self._store.update(
            self.account.name,
            lambda s: replace(
                s, activity=summary, model_totals=monotonic_totals(s.model_totals, totals)
            ),
        )
        await self._refresh_forecast()

    async def _refresh_forecast(self) -> None:
        snapshot = self._current()
        if snapshot.credits is None:
            return
        now = snapshot.credits.fetched_at
        samples = await asyncio.to_thread(
            self._state.samples, self.account.name, now - SAMPLE_HISTORY_SECONDS
        )
        activity = snapshot.activity
        burns = burn_rates(
            [(sample.timestamp, sample.total_usage) for sample in samples],
            now,
            activity.daily_spend if activity else None,
            activity.end_day if activity else None,
        )
        forecasts = forecast(snapshot.credits.balance, burns, now)
        self._store.update(self.account.name, lambda s: replace(s, forecasts=forecasts))

    def _current(self) -> AccountSnapshot:
        for snapshot in self._store.current().accounts:
            if snapshot.name == self.account.name:
                return snapshot
        raise LookupError(self.account.name)

    # Logging of state changes.

    def _report_success(self, run: _EndpointRun) -> None:
        if run.problem is None:
            self._log.info("first poll succeeded", endpoint=run.name)
        else:
            self._log.info(
                "OpenRouter endpoint recovered",
                endpoint=run.name,
                after_failures=run.failures,
                previous_problem=run.problem,
            )

    def _report_failure(self, run: _EndpointRun, error: FetchError) -> None:
        if error.reason == run.problem and run.enabled:
            return
        run.problem = error.reason
        key_kind, key = self._key_for(run.name)
        fields = {
            "endpoint": run.name,
            "reason": error.reason,
            "error": error.message,
            "key": f"{key_kind} sha256:{key_fingerprint(key)}" if key else None,
        }
        if not run.enabled:
            self._log.warning(
                "an inference key cannot read the balance; polling /credits stopped. Set a "
                "management key (OpenRouter settings > Management keys) as "
                "OPENROUTER_MANAGEMENT_KEY to unlock balance, forecast and per-model spend",
                **fields,
            )
            return
        advice = _advice(error, key_kind, run.name, self._config.request_timeout)
        level = (
            self._log.error
            if error.kind in (ErrorKind.AUTH, ErrorKind.FORBIDDEN)
            else (self._log.warning)
        )
        level(
            advice,
            exc_info=error.__cause__ if error.kind is ErrorKind.INTERNAL else None,
            next_try_in=format_duration(run.next_delay),
            keeping="last good values" if run.first_done.is_set() else "nothing yet",
            **fields,
        )

    def _key_for(self, endpoint: str) -> tuple[str, SecretStr | None]:
        if endpoint == "key" or self._management is None:
            return "inference key", self.account.api_key
        return "management key", self.account.management_key


def _advice(error: FetchError, key_kind: str, endpoint: str, timeout: float) -> str:
    if error.kind is ErrorKind.AUTH:
        return (
            f"OpenRouter rejected the {key_kind} for /{endpoint}: it is invalid, revoked or "
            "deleted. Create a new key in OpenRouter's settings and update the exporter's "
            "configuration"
        )
    if error.kind is ErrorKind.FORBIDDEN:
        if key_kind == "inference key":
            return (
                f"/{endpoint} needs a management key; an inference key can only read /key. "
                "Set OPENROUTER_MANAGEMENT_KEY to a management key"
            )
        return (
            f"OpenRouter refused /{endpoint} to the {key_kind}: a key limit or workspace budget "
            "may be exhausted, or the key lacks access"
        )
    if error.status == 402:
        return (
            f"OpenRouter answered /{endpoint} with 402 Payment Required: the account's balance "
            "is probably at or below zero; buy credits"
        )
    if error.kind is ErrorKind.RATE_LIMITED:
        return f"OpenRouter rate-limited /{endpoint}; backing off"
    if error.kind is ErrorKind.SERVER:
        return f"OpenRouter answered /{endpoint} with a server error; retrying with back-off"
    if error.kind is ErrorKind.TIMEOUT:
        return f"/{endpoint} did not answer within {timeout:g}s; retrying with back-off"
    if error.kind is ErrorKind.CONNECTION:
        return f"cannot connect to OpenRouter for /{endpoint}; check the network and base URL"
    if error.kind is ErrorKind.INTERNAL:
        return (
            f"the exporter failed while handling /{endpoint}; keeping the last good values and "
            "retrying. Please report this with the log line"
        )
    if error.reason == "zero_credits":
        return (
            "/credits answered 0 purchased and 0 used although keys or activity show spend; "
            "treating it as unknown, not as a zero balance"
        )
    return (
        f"the answer of /{endpoint} was not understood; keeping the last good values. If this "
        "persists, OpenRouter may have changed its API"
    )


def _timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


# Key fields whose absence from an answer is drift, not news: the last reading stands.
_CARRIED_FIELDS = (
    "label",
    "limit_reset",
    "usage",
    "byok_usage",
    "limit",
    "limit_remaining",
    "expires_at",
)


def _carry_over(
    readings: list[tuple[KeyReading, KeyUsage]], previous: tuple[KeyReading, ...] | None
) -> tuple[KeyReading, ...]:
    """Keep the previous value of each field an answer left out altogether (a field sent as
    ``null`` is news: unlimited, never expires)."""
    before = {item.key_hash: item for item in previous or ()}
    result = []
    for reading, answer in readings:
        last = before.get(reading.key_hash)
        kept = {
            name: getattr(last, name)
            for name in _CARRIED_FIELDS
            if last is not None and name not in answer.model_fields_set
        }
        result.append(replace(reading, **kept) if kept else reading)
    return tuple(result)


def _key_reading(key: ApiKey) -> KeyReading:
    return KeyReading(
        key_hash=key.hash[:KEY_HASH_LENGTH],
        name=key.name or key.label or key.hash[:KEY_HASH_LENGTH],
        label=key.label or "",
        workspace_id=key.workspace_id or "",
        limit_reset=key.limit_reset or "",
        disabled=key.disabled,
        usage=key.usage,
        byok_usage=key.byok_usage,
        limit=key.limit,
        limit_remaining=key.limit_remaining,
        expires_at=_timestamp(key.expires_at),
    )


def _current_key_reading(key: CurrentKey, fingerprint: str) -> KeyReading:
    return KeyReading(
        key_hash=fingerprint,
        name=key.label or fingerprint,
        label=key.label or "",
        workspace_id="",
        limit_reset=key.limit_reset or "",
        disabled=False,
        usage=key.usage,
        byok_usage=key.byok_usage,
        limit=key.limit,
        limit_remaining=key.limit_remaining,
        expires_at=_timestamp(key.expires_at),
    )
