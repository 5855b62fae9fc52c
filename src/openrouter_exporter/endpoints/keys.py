"""``GET /keys`` (management key): every key of the account and of its workspaces."""

from collections import Counter
from collections.abc import Iterable, Sequence

from prometheus_client.core import Metric

from openrouter_exporter.config.types import AccountConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.organization import WorkspaceReading
from openrouter_exporter.core.snapshot import AccountSnapshot, KeyReading
from openrouter_exporter.endpoints.base import Endpoint, Poll
from openrouter_exporter.endpoints.key_readings import (
    KEY_HASH_LENGTH,
    carry_over,
    key_families,
    key_reading,
)
from openrouter_exporter.openrouter.client import KEYS_PAGE_SIZE

# /keys costs a request per 100 keys: an account with many keys is listed less often, so
# that it never costs OpenRouter more than 100 /keys requests an hour (with /credits 60,
# /activity 2 and the Analytics API 25, an account stays within 200 calls an hour).
KEYS_SECONDS_PER_PAGE = 36.0


def keys_pages(keys: Sequence[KeyReading], workspaces: int) -> int:
    """Requests one /keys poll takes: a page of 100 per workspace read, until a short one."""
    counts = Counter(key.workspace_id for key in keys)
    return workspaces + sum(count // KEYS_PAGE_SIZE for count in counts.values())


def keys_interval(poll_interval: float, pages: int) -> float:
    """Seconds between /keys polls after one that took ``pages`` requests: the poll interval,
    or 36 s a page when an account has more than one page of keys and that is longer."""
    if pages <= 1:
        return poll_interval
    return max(poll_interval, KEYS_SECONDS_PER_PAGE * pages)


class Keys(Endpoint):
    name = EndpointName.KEYS
    # Every workspace GET /workspaces lists is read (the default one alone without it).
    polls_after = (EndpointName.WORKSPACES,)

    def applies(self, account: AccountConfig) -> bool:
        return account.management_key is not None

    async def poll(self, poll: Poll) -> tuple[KeyReading, ...]:
        pages = 0

        def count() -> None:
            nonlocal pages
            pages += 1
            poll.count_request()

        keys = []
        for workspace in workspaces_to_read(poll):
            keys.extend(await poll.client.keys(count, workspace))
        poll.interval = keys_interval(poll.config.poll_interval, pages)
        unique = {key.hash: key for key in keys}
        readings = [
            (
                key_reading(
                    key,
                    key_hash=key.hash[:KEY_HASH_LENGTH],
                    name=key.name,
                    workspace_id=key.workspace_id or "",
                    disabled=key.disabled,
                ),
                key,
            )
            for key in unique.values()
        ]
        return carry_over(readings, poll.previous.reading(self.name, tuple))

    def families(self, accounts: Sequence[AccountSnapshot]) -> Iterable[Metric]:
        # One set of key families whichever endpoint read the keys (see Key: it adds none).
        return key_families(accounts)


def workspaces_to_read(poll: Poll) -> list[str | None]:
    """The workspaces whose keys are listed (``None``: the default one, asked without an
    id): those ``--openrouter.workspaces`` names, else every one GET /workspaces listed."""
    listed: tuple[WorkspaceReading, ...] | None = poll.previous.reading(
        EndpointName.WORKSPACES, tuple
    )
    if poll.account.workspaces or not listed:
        return [None, *poll.account.workspaces]
    return [workspace.id for workspace in listed]
