"""The registry of endpoint definitions, in polling order (usage sources before /credits).

Adding an endpoint: write its definition in a module of this package, name it in
:class:`~openrouter_exporter.core.endpoint_name.EndpointName`, and register it below.
"""

from openrouter_exporter.endpoints.activity import Activity
from openrouter_exporter.endpoints.analytics import Analytics
from openrouter_exporter.endpoints.base import Endpoint
from openrouter_exporter.endpoints.credits import Credits
from openrouter_exporter.endpoints.key import CurrentKey
from openrouter_exporter.endpoints.keys import Keys

ENDPOINTS: tuple[Endpoint, ...] = (Keys(), CurrentKey(), Credits(), Activity(), Analytics())
