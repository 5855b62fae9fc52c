"""``GET /guardrails/assignments/keys`` and ``/members`` (management key, paginated): which
guardrail each key and each member has (one at most)."""

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.organization import Assignments
from openrouter_exporter.endpoints.base import Poll
from openrouter_exporter.endpoints.key_readings import KEY_HASH_LENGTH
from openrouter_exporter.endpoints.limits_base import LimitsEndpoint
from openrouter_exporter.openrouter.limit_models import KeyAssignment, MemberAssignment


class GuardrailAssignments(LimitsEndpoint):
    name = EndpointName.GUARDRAIL_ASSIGNMENTS

    async def poll(self, poll: Poll) -> Assignments:
        keys = await poll.client.listed(
            "guardrails/assignments/keys", KeyAssignment, poll.count_request
        )
        members = await poll.client.listed(
            "guardrails/assignments/members", MemberAssignment, poll.count_request
        )
        self.pace(poll)
        # Keys by the exporter's key_hash (the hash's first hex digits), as in every series.
        return Assignments(
            keys={item.key_hash[:KEY_HASH_LENGTH]: item.guardrail_id for item in keys},
            members={item.user_id: item.guardrail_id for item in members},
        )
