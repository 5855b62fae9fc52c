"""``python -m openrouter_exporter.simulator``: see :mod:`.cli`."""

import sys

from openrouter_exporter.simulator.cli import main

sys.exit(main(prog="python -m openrouter_exporter.simulator"))
