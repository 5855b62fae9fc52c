"""What an endpoint definition is: the one place that knows an OpenRouter endpoint.

A definition says when the endpoint applies to an account, how often it is polled, with
which key, how one poll turns the answer into the account's reading, and which metric
families render that reading. The schedule, health, logs and publishing are generic
(:mod:`openrouter_exporter.polling.poller`) and know no endpoint by name.
"""

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from prometheus_client.core import Metric

from openrouter_exporter.config.types import AccountConfig, ExporterConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.snapshot import AccountSnapshot
from openrouter_exporter.openrouter.client import OpenRouterClient
from openrouter_exporter.storage.sqlite_state import StateStore

POLLED = "Refreshed by the exporter's poller, never fetched on scrape."


class Key(enum.Enum):
    """Which of an account's keys a poll sends; the value is how logs name it."""

    MANAGEMENT = "management key"
    INFERENCE = "inference key"


@dataclass
class Poll:
    """What one poll of one endpoint works with, and what it may change about its schedule."""

    account: AccountConfig
    config: ExporterConfig
    client: OpenRouterClient
    key: Key
    state: StateStore
    previous: AccountSnapshot  # the account as it stood when the poll started
    count_request: Callable[[], None]  # pass to the client: counts each HTTP request
    interval: float  # the endpoint may space its polls out (many pages of keys)
    stop_polling: bool = False  # set when this key can never read the endpoint
    # Set when the endpoint has nothing to read because a feature it depends on is absent
    # (said once by that endpoint): its series and openrouter_up are left out too.
    feature_absent: bool = False


class Endpoint:
    """Base of every endpoint definition; subclasses override what differs."""

    name: ClassVar[EndpointName]
    # Whether /readyz waits for the first poll of this endpoint (success or failure).
    readiness_waits: ClassVar[bool] = True
    # Whether a reading of this endpoint changes the forecast (balance or burn rates).
    feeds_forecast: ClassVar[bool] = False
    # Endpoints whose first poll this one waits for (at most one interval) before its own.
    polls_after: ClassVar[tuple[EndpointName, ...]] = ()
    # Failure reasons only this endpoint reports, counted from 0 like the common ones.
    own_error_reasons: ClassVar[tuple[str, ...]] = ()
    # HTTP statuses that mean the account lacks the feature (Enterprise-only, a personal
    # account): one log line, no reading, no error counted and no openrouter_up series.
    absent_statuses: ClassVar[frozenset[int]] = frozenset()
    # What the log advises a person for some of those reasons.
    own_error_advice: ClassVar[Mapping[str, str]] = {}

    def applies(self, account: AccountConfig) -> bool:
        raise NotImplementedError

    def interval(self, config: ExporterConfig) -> float:
        return config.poll_interval

    def key(self, account: AccountConfig) -> Key:
        return Key.MANAGEMENT

    async def poll(self, poll: Poll) -> Any:
        """Fetch and return the account's new reading; raise ``FetchError`` on failure."""
        raise NotImplementedError

    def families(self, accounts: Sequence[AccountSnapshot]) -> Iterable[Metric]:
        """The metric families of this endpoint's readings, over every account."""
        return ()
