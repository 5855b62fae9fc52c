"""``GET /workspaces/{id}/budgets`` (management key): the budgets of every listed workspace
(a workspace without budgets answers 404: none)."""

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.organization import BudgetReading, WorkspaceBudgets, WorkspaceReading
from openrouter_exporter.core.periods import period_of
from openrouter_exporter.endpoints.base import Poll
from openrouter_exporter.endpoints.limits_base import LimitsEndpoint


class WorkspaceBudgetsEndpoint(LimitsEndpoint):
    name = EndpointName.WORKSPACE_BUDGETS
    polls_after = (EndpointName.WORKSPACES,)

    async def poll(self, poll: Poll) -> WorkspaceBudgets:
        workspaces: tuple[WorkspaceReading, ...] | None = poll.previous.reading(
            EndpointName.WORKSPACES, tuple
        )
        if workspaces is None:  # not listed (a personal account, or not yet)
            poll.feature_absent = True
            return WorkspaceBudgets(budgets=())
        budgets: list[BudgetReading] = []
        byok: dict[str, bool] = {}
        for workspace in workspaces:
            answer, counts_byok = await poll.client.workspace_budgets(
                workspace.id, poll.count_request
            )
            byok[workspace.id] = (
                counts_byok if counts_byok is not None else workspace.include_byok_in_budgets
            )
            for item in answer:
                period = period_of(item.reset_interval)
                if period is not None:
                    budgets.append(BudgetReading(workspace.id, period, item.limit_usd))
        self.pace(poll)
        return WorkspaceBudgets(budgets=tuple(budgets), include_byok=byok)
