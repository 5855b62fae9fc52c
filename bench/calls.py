"""OpenRouter calls an hour: the exporter's own plan, and what a fast run measured.

Plan: one real poll of the simulator with the exporter's configuration at the default
intervals (the same ``AccountPoller`` the exporter runs), then the exporter's own call plan
on that snapshot (:func:`openrouter_exporter.endpoints.limits_plan.calls_per_hour`), split
per endpoint: calls per round and the seconds between rounds, the stretched limits interval
included. The rows add up to the plan's total (checked, and printed loudly if not).

Measured: the exporter's own ``openrouter_api_requests_total{endpoint}``,
``openrouter_last_success_timestamp_seconds{endpoint}`` and
``openrouter_poll_duration_seconds{endpoint}``, read from every scrape of a run at a 3 s
interval. All three come from the same snapshot, published when a poll ends, so a change
of the last success or of the duration (every poll has its own; a failed one, or one of a
feature the account lacks, has no new success) is one round with its requests counted. A
round's calls are the counter's growth since the round before (a fresh process counts from
0). Failed rounds (no new success: a timeout of the fast run's 1.5 s request timeout, say)
are counted and left out; the first successful round is shown apart, and a steady round is
the mean of the later successful ones (the first round of ``analytics`` also reads the
hourly ``/analytics/meta``).
Calls per hour = steady calls per round x 3600 / the plan's interval, plus, for
``analytics``, the first round's extra calls once an hour. Every round is seen as long as
scrapes are less than the fast interval apart (the largest gap is printed).
"""

import asyncio
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from openrouter_exporter.config.loader import load_config
from openrouter_exporter.config.types import AccountConfig, ExporterConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.snapshot import AccountSnapshot, SnapshotStore
from openrouter_exporter.endpoints.analytics import META_REFRESH_SECONDS
from openrouter_exporter.endpoints.keys import keys_interval, keys_pages
from openrouter_exporter.endpoints.limits_plan import (
    ANALYTICS_META_PER_HOUR,
    ANALYTICS_QUERIES_PER_POLL,
    calls_per_hour,
    cycle_of,
)
from openrouter_exporter.logsetup import configure_logging
from openrouter_exporter.polling.poller import AccountPoller, initial_snapshot, planned_endpoints
from openrouter_exporter.storage.sqlite_state import StateStore

REQUESTS = "openrouter_api_requests_total"
LAST_SUCCESS = "openrouter_last_success_timestamp_seconds"
DURATION = "openrouter_poll_duration_seconds"
_SAMPLE = re.compile(r'^(\w+)\{[^}]*endpoint="([^"]*)"[^}]*\}\s+(\S+)$', re.MULTILINE)


@dataclass(frozen=True)
class PlannedEndpoint:
    calls_per_round: float
    interval: float  # seconds between rounds
    extra_per_hour: float = 0.0  # calls outside the rounds (the hourly analytics meta)

    @property
    def per_hour(self) -> float:
        rounds = 3600.0 / self.interval if self.interval > 0 else 0.0
        return self.calls_per_round * rounds + self.extra_per_hour


@dataclass(frozen=True)
class CallPlan:
    endpoints: dict[str, PlannedEndpoint]
    total: float  # the exporter's own total, which the rows must add up to
    limits_interval: float

    @property
    def rows_total(self) -> float:
        return sum(item.per_hour for item in self.endpoints.values())


def limits_rows(account: AccountConfig, snapshot: AccountSnapshot) -> dict[str, float]:
    """Calls per round of each limits endpoint; they add up to ``LimitsCycle.calls``."""
    cycle = cycle_of(account, snapshot)
    return {
        EndpointName.WORKSPACES: 1,
        EndpointName.WORKSPACE_BUDGETS: cycle.workspaces,
        EndpointName.GUARDRAILS: cycle.workspaces,
        EndpointName.GUARDRAIL_ASSIGNMENTS: 2,  # keys and members
        EndpointName.MEMBERS: 1,
        EndpointName.BUDGET_SPEND: cycle.estimated_workspaces + cycle.estimated_members,
        EndpointName.KEY_BUDGETS: int(cycle.key_budgets),
    }


def plan_of(config: ExporterConfig, account: AccountConfig, snapshot: AccountSnapshot) -> CallPlan:
    """The exporter's plan for ``account`` as last seen in ``snapshot``, per endpoint."""
    plan = calls_per_hour(config, account, snapshot)
    workspaces = snapshot.reading(EndpointName.WORKSPACES, tuple) or ()
    pages = keys_pages(snapshot.keys or (), max(1, len(workspaces)))
    limits = limits_rows(account, snapshot)
    endpoints: dict[str, PlannedEndpoint] = {}
    for name in planned_endpoints(account, config):
        if name == EndpointName.CREDITS:
            endpoints[name] = PlannedEndpoint(1, config.poll_interval)
        elif name == EndpointName.KEYS:
            endpoints[name] = PlannedEndpoint(pages, keys_interval(config.poll_interval, pages))
        elif name == EndpointName.ACTIVITY:
            endpoints[name] = PlannedEndpoint(1, config.activity_interval)
        elif name == EndpointName.ANALYTICS:
            endpoints[name] = PlannedEndpoint(
                ANALYTICS_QUERIES_PER_POLL, config.analytics_interval, ANALYTICS_META_PER_HOUR
            )
        elif name in limits:
            endpoints[name] = PlannedEndpoint(limits[name], plan["limits_interval"])
        else:
            raise RuntimeError(f"no call plan for the endpoint {name}")
    return CallPlan(endpoints, plan["total"], plan["limits_interval"])


async def _poll(poller: AccountPoller) -> None:
    try:
        await poller.poll_once()
    finally:
        await poller.aclose()


def plan_calls(exporter_env: Mapping[str, str]) -> CallPlan:
    """The plan of the exporter run with ``exporter_env`` (the bench's: default intervals),
    on a snapshot from one real poll of every endpoint (in this process)."""
    environ = dict(exporter_env)
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as scratch:
        environ["OPENROUTER_EXPORTER_STATE_DIR"] = scratch
        config = load_config({}, environ=environ)
        account = config.accounts[0]
        with open(os.devnull, "w") as sink:
            configure_logging("json", "error", config.secrets(), stream=sink)
            state = StateStore.open(Path(scratch))
            store = SnapshotStore([initial_snapshot(item, config) for item in config.accounts])
            try:
                asyncio.run(_poll(AccountPoller(account, config, store, state)))
            finally:
                state.close()
    snapshot = store.account(account.name)
    failed = [name for name, h in snapshot.health.items() if not (h.up or h.absent)]
    if failed:
        raise RuntimeError(f"the poll for the call plan failed for {failed}")
    return plan_of(config, account, snapshot)


@dataclass
class EndpointRounds:
    """What the scrapes of a run showed of one endpoint's polls, round by round."""

    calls: list[float] = field(default_factory=list)  # the requests of each round
    succeeded: list[bool] = field(default_factory=list)
    last_poll: tuple[float | None, float] | None = None  # last success, duration
    counted: float = 0.0  # the counter at the latest round (a fresh process starts at 0)

    def add(self, poll: tuple[float | None, float], counter: float) -> None:
        previous = self.last_poll
        self.calls.append(counter - self.counted)
        self.succeeded.append(poll[0] is not None and (previous is None or poll[0] != previous[0]))
        self.last_poll, self.counted = poll, counter

    @property
    def rounds(self) -> int:
        return len(self.calls)

    @property
    def failed(self) -> int:
        return self.succeeded.count(False)

    def _good(self) -> list[float]:
        return [calls for calls, ok in zip(self.calls, self.succeeded, strict=True) if ok]

    @property
    def first_round(self) -> float | None:
        """The calls of the first successful round."""
        good = self._good()
        return good[0] if good else None

    @property
    def steady_per_round(self) -> float | None:
        """The mean of the later successful rounds (the first one without them)."""
        good = self._good()
        if len(good) < 2:
            return self.first_round
        return sum(good[1:]) / len(good[1:])


def endpoint_values(text: str, name: str) -> dict[str, float]:
    return {
        endpoint: float(value)
        for metric, endpoint, value in _SAMPLE.findall(text)
        if metric == name
    }


def requests_total(text: str) -> float:
    return sum(endpoint_values(text, REQUESTS).values())


@dataclass
class RoundsSeen:
    """Fed every scrape of a run; a change of an endpoint's last poll is one round."""

    endpoints: dict[str, EndpointRounds] = field(default_factory=dict)
    largest_gap: float = 0.0  # seconds between two scrapes
    _previous: float | None = None

    def scrape(self, text: str, at: float) -> None:
        if self._previous is not None:
            self.largest_gap = max(self.largest_gap, at - self._previous)
        self._previous = at
        requests = endpoint_values(text, REQUESTS)
        successes = endpoint_values(text, LAST_SUCCESS)
        for endpoint, duration in endpoint_values(text, DURATION).items():
            seen = self.endpoints.setdefault(endpoint, EndpointRounds())
            poll = (successes.get(endpoint), duration)
            if poll != seen.last_poll:
                seen.add(poll, requests.get(endpoint, 0.0))


@dataclass(frozen=True)
class MeasuredEndpoint:
    first_round: float | None
    steady_per_round: float | None
    rounds: int
    failed: int  # rounds that did not succeed (left out of the calls per round)
    per_hour: float | None


def measured(plan: CallPlan, seen: RoundsSeen) -> dict[str, MeasuredEndpoint]:
    """Calls per hour of each planned endpoint at the plan's intervals, from a fast run."""
    found: dict[str, MeasuredEndpoint] = {}
    for name, planned in plan.endpoints.items():
        rounds = seen.endpoints.get(name, EndpointRounds())
        steady, first = rounds.steady_per_round, rounds.first_round
        per_hour = None
        if steady is not None and first is not None and planned.interval > 0:
            per_hour = steady * 3600.0 / planned.interval
            if name == EndpointName.ANALYTICS and rounds.rounds - rounds.failed >= 2:
                per_hour += (first - steady) * 3600.0 / META_REFRESH_SECONDS
        found[name] = MeasuredEndpoint(first, steady, rounds.rounds, rounds.failed, per_hour)
    return found
