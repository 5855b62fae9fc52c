#!/usr/bin/env bash
# Set everything up, then run the exporter against the built-in OpenRouter simulator.
# Extra arguments go to `openrouter-exporter demo`, e.g. --demo.speed 1440.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/openrouter-exporter demo "$@"
