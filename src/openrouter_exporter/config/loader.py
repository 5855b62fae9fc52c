"""The configuration contract: flags, environment variables, ``_FILE`` secrets and a YAML file.

Precedence: a flag beats its environment variable, which beats the default. Accounts come
either from the YAML file (several accounts, per-account thresholds) or, without a file,
from the environment as one account named ``default``.

Every source goes through one pydantic model, :class:`schema.Settings`, so a value means
the same wherever it is written. Every problem is reported at once in a :class:`ConfigError`,
each with its location: the flag, the environment variable, or ``file:line``. No message
ever contains a secret.

The parts: :mod:`.catalogue` (every setting's flag, variable and default), :mod:`.types`
(the resulting configuration), :mod:`.sources` (which source each value comes from),
:mod:`.yaml_file` (the YAML file with locations), :mod:`.relations` (checks between
settings) and :mod:`.errors`.
"""

import os
from collections.abc import Mapping

from openrouter_exporter.config.relations import Relations
from openrouter_exporter.config.sources import FlagValue, Sources
from openrouter_exporter.config.types import ExporterConfig


def load_config(
    flags: Mapping[str, FlagValue],
    environ: Mapping[str, str] | None = None,
    *,
    require_key: bool = True,
) -> ExporterConfig:
    """Build the configuration from parsed flags (keyed by ``Setting.key``) and the environment.

    Raises :class:`ConfigError` listing every problem found, each with its location.
    """
    env = os.environ if environ is None else environ
    sources = Sources(flags, env)
    settings = sources.validate()
    return Relations(settings, sources, env, require_key).config()
