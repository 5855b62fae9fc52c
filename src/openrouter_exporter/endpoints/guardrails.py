"""``GET /guardrails?workspace_id=`` (management key, paginated): every listed workspace's
guardrails and their budgets."""

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.organization import GuardrailReading, WorkspaceReading
from openrouter_exporter.core.periods import period_of
from openrouter_exporter.endpoints.base import Poll
from openrouter_exporter.endpoints.limits_base import LimitsEndpoint
from openrouter_exporter.openrouter.limit_models import Guardrail


class Guardrails(LimitsEndpoint):
    name = EndpointName.GUARDRAILS
    polls_after = (EndpointName.WORKSPACES,)

    async def poll(self, poll: Poll) -> tuple[GuardrailReading, ...]:
        workspaces: tuple[WorkspaceReading, ...] = (
            poll.previous.reading(EndpointName.WORKSPACES, tuple) or ()
        )
        # Without a workspace id, OpenRouter lists the default workspace's guardrails.
        targets: list[str | None] = [workspace.id for workspace in workspaces] or [None]
        found: dict[str, GuardrailReading] = {}
        for workspace_id in targets:
            params = {"workspace_id": workspace_id} if workspace_id else {}
            listed = await poll.client.listed("guardrails", Guardrail, poll.count_request, params)
            for item in listed:
                period = period_of(item.reset_interval)
                if period is None:
                    continue
                found[item.id] = GuardrailReading(
                    id=item.id,
                    name=item.name or item.id,
                    workspace_id=item.workspace_id or workspace_id or "",
                    limit_usd=item.limit_usd,
                    period=period,
                    include_byok=bool(item.include_byok_in_budgets),
                )
        self.pace(poll)
        return tuple(found.values())
