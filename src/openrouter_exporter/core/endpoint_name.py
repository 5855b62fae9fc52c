"""The names of the OpenRouter endpoints the exporter polls: the ``endpoint`` label's values."""

from enum import StrEnum


class EndpointName(StrEnum):
    CREDITS = "credits"
    KEY = "key"
    KEYS = "keys"
    ACTIVITY = "activity"
    ANALYTICS = "analytics"
    WORKSPACES = "workspaces"
    WORKSPACE_BUDGETS = "workspace_budgets"
    GUARDRAILS = "guardrails"
    GUARDRAIL_ASSIGNMENTS = "guardrail_assignments"
    MEMBERS = "members"
    BUDGET_SPEND = "budget_spend"
    KEY_BUDGETS = "key_budgets"
