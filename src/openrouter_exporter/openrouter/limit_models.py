"""Pydantic models of the workspace, budget, guardrail and member answers, parsed
tolerantly (``openrouter-limit-schemas.json``): unknown fields ignored, only the fields
an item cannot be used without are required. A member's e-mail address is not read."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from openrouter_exporter.openrouter.lenient import Flag, Money, Text, Tolerant


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


Usd = Annotated[float, BeforeValidator(_number)]


class Workspace(Tolerant):
    id: str = Field(min_length=1)
    name: Text = None
    slug: Text = None
    default_guardrail_id: Text = None
    include_byok_in_budgets: Flag = None


class WorkspaceBudget(Tolerant):
    id: Text = None
    workspace_id: Text = None
    limit_usd: Usd
    reset_interval: Text = None


class Guardrail(Tolerant):
    id: str = Field(min_length=1)
    name: Text = None
    workspace_id: Text = None
    limit_usd: Money = None
    reset_interval: Text = None
    include_byok_in_budgets: Flag = None


class KeyAssignment(Tolerant):
    key_hash: str = Field(min_length=1)
    guardrail_id: str = Field(min_length=1)


class MemberAssignment(Tolerant):
    user_id: str = Field(min_length=1)
    guardrail_id: str = Field(min_length=1)


class Member(Tolerant):
    id: str = Field(min_length=1)
    first_name: Text = None
    last_name: Text = None

    @property
    def display_name(self) -> str:
        parts = [part for part in (self.first_name, self.last_name) if part]
        return " ".join(parts) or self.id
