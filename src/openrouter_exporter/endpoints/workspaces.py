"""``GET /workspaces`` (management key, paginated): every workspace of the account."""

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.organization import WorkspaceReading
from openrouter_exporter.endpoints.base import Poll
from openrouter_exporter.endpoints.limits_base import LimitsEndpoint
from openrouter_exporter.openrouter.limit_models import Workspace


class Workspaces(LimitsEndpoint):
    name = EndpointName.WORKSPACES

    async def poll(self, poll: Poll) -> tuple[WorkspaceReading, ...]:
        listed = await poll.client.listed("workspaces", Workspace, poll.count_request)
        self.pace(poll)
        return tuple(
            WorkspaceReading(
                id=item.id,
                name=item.name or item.slug or item.id,
                default_guardrail_id=item.default_guardrail_id,
                include_byok_in_budgets=bool(item.include_byok_in_budgets),
            )
            for item in {item.id: item for item in listed}.values()
        )
