"""What the endpoints behind limits share: read with the management key on the slow
``--poll.limits-interval`` (spaced out by :mod:`.limits_plan`), optional for readiness,
and quiet when the account lacks the feature (403, 404: Enterprise-only, a personal
account)."""

from typing import ClassVar

from openrouter_exporter.config.types import AccountConfig, ExporterConfig
from openrouter_exporter.endpoints.base import Endpoint, Poll
from openrouter_exporter.endpoints.limits_plan import limits_interval


class LimitsEndpoint(Endpoint):
    readiness_waits = False
    absent_statuses: ClassVar[frozenset[int]] = frozenset({403, 404})

    def applies(self, account: AccountConfig) -> bool:
        return account.management_key is not None

    def interval(self, config: ExporterConfig) -> float:
        return config.limits_interval

    @staticmethod
    def pace(poll: Poll) -> None:
        """Space the next poll out as the account's call plan requires."""
        poll.interval = limits_interval(poll.config, poll.account, poll.previous)
