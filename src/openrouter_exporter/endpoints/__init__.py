"""The registry of endpoint definitions, in polling order (usage sources before /credits).

Adding an endpoint: write its definition in a module of this package, name it in
:class:`~openrouter_exporter.core.endpoint_name.EndpointName`, and register it below.
"""

from openrouter_exporter.endpoints.activity import Activity
from openrouter_exporter.endpoints.analytics import Analytics
from openrouter_exporter.endpoints.base import Endpoint
from openrouter_exporter.endpoints.budget_spend import BudgetSpendEndpoint
from openrouter_exporter.endpoints.credits import Credits
from openrouter_exporter.endpoints.guardrail_assignments import GuardrailAssignments
from openrouter_exporter.endpoints.guardrails import Guardrails
from openrouter_exporter.endpoints.key import CurrentKey
from openrouter_exporter.endpoints.key_budgets import KeyBudgets
from openrouter_exporter.endpoints.keys import Keys
from openrouter_exporter.endpoints.members import Members
from openrouter_exporter.endpoints.workspace_budgets import WorkspaceBudgetsEndpoint
from openrouter_exporter.endpoints.workspaces import Workspaces

ENDPOINTS: tuple[Endpoint, ...] = (
    Workspaces(),
    Keys(),
    CurrentKey(),
    Credits(),
    Activity(),
    Analytics(),
    WorkspaceBudgetsEndpoint(),
    Guardrails(),
    GuardrailAssignments(),
    Members(),
    BudgetSpendEndpoint(),
    KeyBudgets(),
)
