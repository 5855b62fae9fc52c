"""``GET /organization/members`` (management key, paginated): members' ids and names, to
name member guardrails. E-mail addresses are never read into the exporter."""

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.organization import MemberReading
from openrouter_exporter.endpoints.base import Poll
from openrouter_exporter.endpoints.limits_base import LimitsEndpoint
from openrouter_exporter.openrouter.limit_models import Member


class Members(LimitsEndpoint):
    name = EndpointName.MEMBERS

    async def poll(self, poll: Poll) -> tuple[MemberReading, ...]:
        listed = await poll.client.listed("organization/members", Member, poll.count_request)
        self.pace(poll)
        return tuple(MemberReading(id=item.id, name=item.display_name) for item in listed)
