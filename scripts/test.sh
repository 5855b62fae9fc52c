#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, types, then every tier (unit, process,
# tools, e2e) in parallel (docs/testing.md). Extra arguments go to pytest (-n 0: one process).
set -euo pipefail
cd "$(dirname "$0")/.."

# Real Prometheus, promtool, Alertmanager and amtool from Debian's packages, and the tools
# the deployment tests validate with (systemd-analyze, systemd-socket-activate, unshare, git),
# and Chromium for the status page's browser tests.
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need promtool prometheus
need prometheus-alertmanager prometheus-alertmanager
need systemd-analyze systemd
need systemd-socket-activate systemd
need unshare util-linux
need git git
need chromium chromium  # the status page tests drive it through Playwright
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  # policy-rc.d or no init system keeps the packaged services from starting; the tests start
  # their own instances on loopback.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

scripts/bootstrap.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports  # the layers and no import cycles: [tool.importlinter] in pyproject.toml
# Most tests wait on processes and HTTP, so more workers than cores pay; tests sharing a
# module-scoped fixture stay on one worker (tests/conftest.py); in collection order, so that
# the minutes-long end-to-end tests (tests/e2e, collected first) start at once.
exec .venv/bin/pytest -n 4 --dist loadgroup --no-loadscope-reorder "$@"
