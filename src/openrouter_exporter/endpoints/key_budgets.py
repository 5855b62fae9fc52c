"""``GET /key`` with the inference key, where a management key reads everything else: the
budget layers OpenRouter reports for that key (``budgets[]``, newer answers), whose
figures win over the exporter's estimates for the same limit."""

from dataclasses import replace

from openrouter_exporter.config.types import AccountConfig
from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.organization import ReportedBudget
from openrouter_exporter.core.periods import period_of
from openrouter_exporter.core.snapshot import KeyReading
from openrouter_exporter.endpoints.base import Key, Poll
from openrouter_exporter.endpoints.key_readings import key_fingerprint, key_reading
from openrouter_exporter.endpoints.limits_base import LimitsEndpoint
from openrouter_exporter.openrouter.models import CurrentKey


def reported_budgets(answer: CurrentKey) -> tuple[ReportedBudget, ...] | None:
    """The layers of a ``/key`` answer; ``None`` for an older answer without ``budgets``."""
    if answer.budgets is None:
        return None
    layers = []
    for item in answer.budgets:
        period = period_of(item.reset_interval)
        if period is None:
            continue
        layers.append(
            ReportedBudget(
                scope=item.scope,
                limit_usd=item.limit_usd,
                spend_usd=item.spend_usd,
                period=period,
                resets_at=item.resets_at.timestamp() if item.resets_at else None,
                guardrail_id=item.guardrail_id,
                budget_id=item.budget_id,
            )
        )
    return tuple(layers)


def current_key_reading(answer: CurrentKey, account: AccountConfig) -> KeyReading:
    assert account.api_key is not None
    reading = key_reading(
        answer,
        key_hash=key_fingerprint(account.api_key),
        name=None,
        workspace_id=answer.workspace_id or "",
        disabled=False,
    )
    return replace(reading, budgets=reported_budgets(answer))


class KeyBudgets(LimitsEndpoint):
    name = EndpointName.KEY_BUDGETS
    absent_statuses = frozenset()  # /key answers every valid key

    def applies(self, account: AccountConfig) -> bool:
        return account.management_key is not None and account.api_key is not None

    def key(self, account: AccountConfig) -> Key:
        return Key.INFERENCE

    async def poll(self, poll: Poll) -> KeyReading:
        answer = await poll.client.current_key(poll.count_request)
        self.pace(poll)
        return current_key_reading(answer, poll.account)
