"""The git commit this installation was built from, as the build recorded it.

``hatch_build.py`` writes it into the wheel's ``.dist-info/extra_metadata/REVISION``. An
editable install, or one whose build could not tell, reports ``unknown``.
"""

from functools import cache
from importlib import metadata

DISTRIBUTION = "openrouter-exporter"
RECORD = "extra_metadata/REVISION"
UNKNOWN = "unknown"


@cache
def installed_revision() -> str:
    try:
        recorded = metadata.distribution(DISTRIBUTION).read_text(RECORD)
    except metadata.PackageNotFoundError:
        return UNKNOWN
    return (recorded or "").strip() or UNKNOWN
