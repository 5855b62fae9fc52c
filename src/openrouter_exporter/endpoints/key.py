"""``GET /key`` (inference key, when there is no management key): the calling key alone."""

from openrouter_exporter.config.types import AccountConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.snapshot import KeyReading
from openrouter_exporter.endpoints.base import Endpoint, Key, Poll
from openrouter_exporter.endpoints.key_budgets import current_key_reading
from openrouter_exporter.endpoints.key_readings import carry_over


class CurrentKey(Endpoint):
    """Its reading is rendered by the key families of :class:`~.keys.Keys`."""

    name = EndpointName.KEY

    def applies(self, account: AccountConfig) -> bool:
        # A management key reads every key through /keys.
        return account.management_key is None and account.api_key is not None

    def key(self, account: AccountConfig) -> Key:
        return Key.INFERENCE

    async def poll(self, poll: Poll) -> tuple[KeyReading, ...]:
        assert poll.account.api_key is not None
        answer = await poll.client.current_key(poll.count_request)
        reading = current_key_reading(answer, poll.account)
        return carry_over([(reading, answer)], poll.previous.reading(self.name, tuple))
