import sys

from openrouter_exporter.cli import main

sys.exit(main())
