"""``POST /analytics/query`` (management key): the spend counted against each workspace
budget and each member guardrail, estimated (OpenRouter gives no figure to a management
key): per day since the earliest current period (week or month), filtered by the
workspace's uuid or the member's ``user_…`` id, summed per period."""

import time
from datetime import UTC, datetime, timedelta

from openrouter_exporter.core.endpoint_name import EndpointName
from openrouter_exporter.core.limits import LimitPeriod
from openrouter_exporter.core.organization import (
    BudgetSpend,
)
from openrouter_exporter.core.periods import period_start
from openrouter_exporter.endpoints.base import Poll
from openrouter_exporter.endpoints.limits_base import LimitsEndpoint
from openrouter_exporter.endpoints.limits_plan import PERIODS, estimated_targets
from openrouter_exporter.openrouter.analytics_models import AnalyticsQuery, AnalyticsResult

CREDITS, TOTAL = "credits_usage", "total_usage"
Sums = dict[LimitPeriod, float]


class BudgetSpendEndpoint(LimitsEndpoint):
    name = EndpointName.BUDGET_SPEND
    polls_after = (
        EndpointName.WORKSPACE_BUDGETS,
        EndpointName.GUARDRAILS,
        EndpointName.GUARDRAIL_ASSIGNMENTS,
    )

    async def poll(self, poll: Poll) -> BudgetSpend:
        now = time.time()
        workspaces, members = estimated_targets(poll.previous)
        if not any(
            poll.previous.reading(name, object) is not None
            for name in (EndpointName.WORKSPACE_BUDGETS, EndpointName.GUARDRAILS)
        ):  # no budgets can be listed (a personal account, or not yet)
            poll.feature_absent = True
        ws_credits: dict[str, Sums] = {}
        ws_total: dict[str, Sums] = {}
        for workspace_id in sorted(workspaces):
            answer = await poll.client.analytics_query(
                spend_query("workspace", workspace_id, now), poll.count_request
            )
            ws_credits[workspace_id], ws_total[workspace_id] = period_sums(answer, now)
        member_credits: dict[str, Sums] = {}
        member_total: dict[str, Sums] = {}
        for user_id in sorted(members):
            answer = await poll.client.analytics_query(
                spend_query("user", user_id, now), poll.count_request
            )
            member_credits[user_id], member_total[user_id] = period_sums(answer, now)
        self.pace(poll)
        return BudgetSpend(ws_credits, ws_total, member_credits, member_total, fetched_at=now)


def spend_query(field: str, value: str, now: float) -> AnalyticsQuery:
    """Credits and total (BYOK included) spend per UTC day since the earliest start of the
    current week and month, filtered to one workspace or member."""
    starts = [period_start(period, now) or now for period in PERIODS]
    start = datetime.fromtimestamp(min(starts), UTC)
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return AnalyticsQuery(
        metrics=(CREDITS, TOTAL),
        dimensions=(),
        start=start,
        end=today + timedelta(days=1),
        granularity="day",
        filters=((field, value),),
    )


def period_sums(answer: AnalyticsResult, now: float) -> tuple[Sums, Sums]:
    """Each period's credits and total spend: the rows of its days summed."""
    credits: Sums = dict.fromkeys(PERIODS, 0.0)
    total: Sums = dict.fromkeys(PERIODS, 0.0)
    for period in PERIODS:
        start = period_start(period, now)
        assert start is not None
        first = datetime.fromtimestamp(start, UTC).date()
        for row in answer.rows:
            if row.bucket is not None and row.bucket >= first:
                credits[period] += row.metric(CREDITS)
                total[period] += row.metric(TOTAL)
    return credits, total
