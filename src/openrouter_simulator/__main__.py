"""``python -m openrouter_simulator``: see :mod:`.cli`."""

import sys

from openrouter_simulator.cli import main

sys.exit(main(prog="python -m openrouter_simulator"))
