"""Polls OpenRouter for one account: each applicable endpoint on its own schedule.

A poll of one endpoint ends in one published snapshot of the account: the endpoint's new
reading, the forecast made from it and the endpoint's health, together. A failure keeps
the last good reading (only health changes). Endpoints are known only through their
definitions (:mod:`openrouter_exporter.endpoints`).
"""

import asyncio
import functools
import random
import time
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import structlog

from openrouter_exporter.config.types import AccountConfig, ExporterConfig
from openrouter_exporter.core.budget_status import LedgerDays
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.ledger import Sample
from openrouter_exporter.core.limit_assembly import account_limits
from openrouter_exporter.core.snapshot import AccountSnapshot, EndpointHealth, SnapshotStore
from openrouter_exporter.endpoints import ENDPOINTS
from openrouter_exporter.endpoints.base import Endpoint, Key, Poll
from openrouter_exporter.endpoints.key_readings import key_fingerprint
from openrouter_exporter.openrouter.client import (
    KNOWN_ERROR_REASONS,
    ErrorKind,
    FetchError,
    OpenRouterClient,
)
from openrouter_exporter.polling.advice import failure_advice, report_failure, report_success
from openrouter_exporter.polling.budget_refresh import (
    load_ledger_days,
    refreshed_budgets,
    report_unmatched,
)
from openrouter_exporter.polling.forecast_refresh import load_samples, refreshed_forecasts
from openrouter_exporter.polling.memory import release_free_memory
from openrouter_exporter.polling.schedule import Schedule, run_on_schedule
from openrouter_exporter.storage.sqlite_state import StateStore

log = structlog.get_logger("openrouter_exporter.poller")


def applicable_endpoints(account: AccountConfig, config: ExporterConfig) -> list[Endpoint]:
    """The endpoints an account's keys can read, in polling order (an interval of 0 turns
    an endpoint off)."""
    return [
        endpoint
        for endpoint in ENDPOINTS
        if endpoint.applies(account) and endpoint.interval(config) > 0
    ]


def planned_endpoints(account: AccountConfig, config: ExporterConfig) -> dict[EndpointName, float]:
    """Which endpoints an account's keys can read, in polling order, with their intervals."""
    return {
        endpoint.name: endpoint.interval(config)
        for endpoint in applicable_endpoints(account, config)
    }


def error_reasons(endpoint: Endpoint) -> tuple[str, ...]:
    """The failure reasons counted from 0 for ``endpoint``, so that the first one counts."""
    return (*KNOWN_ERROR_REASONS, *endpoint.own_error_reasons)


def initial_snapshot(account: AccountConfig, config: ExporterConfig) -> AccountSnapshot:
    return AccountSnapshot(
        name=account.name,
        thresholds=account.thresholds,
        health={
            endpoint.name: EndpointHealth(errors=dict.fromkeys(error_reasons(endpoint), 0))
            for endpoint in applicable_endpoints(account, config)
        },
    )


@dataclass
class _EndpointRun:
    """Mutable bookkeeping of one endpoint's polls; published as :class:`EndpointHealth`."""

    endpoint: Endpoint
    schedule: Schedule
    problem: str | None = None
    absent: bool = False  # the account lacks the feature (see Endpoint.absent_statuses)
    advice: str | None = None
    requests: int = 0
    last_success: float | None = None
    errors: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Fetched:
    reading: Any
    samples: list[Sample] | None  # set when the reading feeds the forecast
    ledger: LedgerDays | None = None  # the ledger's days, for the account's budgets


def _updated(
    account: AccountConfig,
    run: _EndpointRun,
    fetched: _Fetched | None,
    health: EndpointHealth,
    snapshot: AccountSnapshot,
) -> AccountSnapshot:
    """The account after one poll: its new reading (if the poll worked), the forecast and
    the budgets made from it, its limits, and the endpoint's health, all in one."""
    name = run.endpoint.name
    updated = replace(snapshot, health={**snapshot.health, name: health})
    if fetched is None:
        return updated
    updated = replace(updated, readings={**updated.readings, name: fetched.reading})
    if account.budgets:
        updated = replace(updated, budgets=refreshed_budgets(account, updated, fetched.ledger))
    if fetched.samples is not None:
        updated = replace(updated, forecasts=refreshed_forecasts(updated, fetched.samples))
    return replace(updated, limits=account_limits(updated, time.time()))


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
        self._unmatched: set[str] = set()  # budgets whose empty scope was reported
        self._clients = {
            kind: OpenRouterClient(
                account.base_url, secret, timeout=config.request_timeout, transport=transport
            )
            for kind, secret in (
                (Key.MANAGEMENT, account.management_key),
                (Key.INFERENCE, account.api_key),
            )
            if secret is not None
        }
        self._runs = {
            endpoint.name: _EndpointRun(
                endpoint=endpoint,
                schedule=Schedule(interval=endpoint.interval(config)),
                errors=dict.fromkeys(error_reasons(endpoint), 0),
            )
            for endpoint in applicable_endpoints(account, config)
        }

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        tasks = [
            asyncio.create_task(
                run_on_schedule(
                    run.schedule,
                    functools.partial(self._poll, run),
                    stop,
                    after=[
                        self._runs[name].schedule
                        for name in run.endpoint.polls_after
                        if name in self._runs
                    ],
                )
            )
            for run in self._runs.values()
        ]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def first_polls_done(self) -> None:
        """Wait for the first poll of every endpoint that readiness waits for."""
        await asyncio.gather(
            *(
                run.schedule.first_done.wait()
                for run in self._runs.values()
                if run.endpoint.readiness_waits
            )
        )

    async def poll_once(self) -> None:
        """Poll every endpoint once, in polling order (for ``check``)."""
        for run in self._runs.values():
            await self._poll(run)

    async def _poll(self, run: _EndpointRun) -> None:
        """One poll of one endpoint, published as one new snapshot of the account."""
        started = time.monotonic()
        key = run.endpoint.key(self.account)
        poll = Poll(
            account=self.account,
            config=self._config,
            client=self._clients[key],
            key=key,
            state=self._state,
            previous=self._store.account(self.account.name),
            count_request=functools.partial(self._count, run),
            interval=run.schedule.interval,
        )
        fetched: _Fetched | None = None
        try:
            fetched = await self._fetch(run.endpoint, poll)
        except FetchError as error:
            if error.status in run.endpoint.absent_statuses:
                fetched = _Fetched(None, None)  # the feature is absent: so are its series
                self._settle_absent(run, poll, error)
            else:
                self._settle(run, poll, error)
        else:
            run.absent = poll.feature_absent
            if poll.feature_absent:
                fetched = _Fetched(None, None)
            self._settle(run, poll, None)
        finally:
            run.schedule.first_done.set()
        health = self._health(run, time.monotonic() - started, ok=fetched is not None)
        self._store.update(
            self.account.name, functools.partial(_updated, self.account, run, fetched, health)
        )
        report_unmatched(self._log, self._unmatched, self._store.account(self.account.name).budgets)
        release_free_memory()

    async def _fetch(self, endpoint: Endpoint, poll: Poll) -> _Fetched:
        """The endpoint's new reading and, if it feeds the forecast, the samples for it."""
        try:
            reading = await endpoint.poll(poll)
            samples = (
                await load_samples(self._state, self.account.name)
                if endpoint.feeds_forecast
                else None
            )
            ledger = await load_ledger_days(self._state, self.account)
        except FetchError:
            raise
        except Exception as problem:  # a bug or a failed state write must not stop polling
            raise FetchError(
                ErrorKind.INTERNAL, "internal", f"{type(problem).__name__}: {problem}"
            ) from problem
        return _Fetched(reading, samples, ledger)

    def _settle(self, run: _EndpointRun, poll: Poll, error: FetchError | None) -> None:
        """Count the outcome, log a change of state and set when the next poll is due."""
        schedule = run.schedule
        schedule.enabled = not poll.stop_polling
        schedule.interval = poll.interval
        if error is not None:
            run.errors[error.reason] = run.errors.get(error.reason, 0) + 1
            schedule.failed(error.retry_after, self._rng)
            self._report_failure(run, error, poll.key)
            return
        if run.problem is not None or not schedule.first_done.is_set():
            report_success(self._log, run.endpoint.name, run.problem, schedule.failures)
        run.problem = None
        run.advice = None
        schedule.succeeded()

    def _settle_absent(self, run: _EndpointRun, poll: Poll, error: FetchError) -> None:
        """The account lacks the feature: say so once, and keep asking at the interval in
        case it is enabled later."""
        if not run.absent:
            self._log.info(
                "OpenRouter feature not available to this account; its series are left out",
                endpoint=run.endpoint.name,
                status=error.status,
                error=error.message,
            )
        run.absent = True
        run.problem = None
        run.schedule.interval = poll.interval
        run.schedule.succeeded()

    @staticmethod
    def _count(run: _EndpointRun) -> None:
        run.requests += 1

    def _health(self, run: _EndpointRun, duration: float, *, ok: bool) -> EndpointHealth:
        if ok and not run.absent:
            run.last_success = time.time()
        return EndpointHealth(
            up=ok and not run.absent,
            polled=run.schedule.enabled and not run.absent,
            absent=run.absent,
            last_success=run.last_success,
            last_duration=duration,
            requests=run.requests,
            errors=dict(run.errors),
            advice=None if ok else run.advice,
        )

    def _report_failure(self, run: _EndpointRun, error: FetchError, key: Key) -> None:
        stopped = not run.schedule.enabled
        secret = self.account.management_key if key is Key.MANAGEMENT else self.account.api_key
        run.advice = failure_advice(
            error,
            endpoint=run.endpoint.name,
            key=key,
            key_fingerprint=key_fingerprint(secret) if secret else None,
            stopped=stopped,
            timeout=self._config.request_timeout,
            own_advice=run.endpoint.own_error_advice,
        )
        if error.reason == run.problem and not stopped:
            return
        run.problem = error.reason
        report_failure(
            self._log,
            error,
            endpoint=run.endpoint.name,
            key=key,
            key_fingerprint=key_fingerprint(secret) if secret else None,
            stopped=stopped,
            timeout=self._config.request_timeout,
            next_try_in=run.schedule.next_delay,
            kept_values=run.schedule.first_done.is_set(),
            own_advice=run.endpoint.own_error_advice,
        )
