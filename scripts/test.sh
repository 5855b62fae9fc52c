#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, types, unit, integration, end to end.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real Prometheus, promtool, Alertmanager and amtool from Debian's packages.
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
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
exec .venv/bin/pytest "$@"
