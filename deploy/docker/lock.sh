#!/usr/bin/env bash
# Regenerate the image's locked dependencies, with the hash of every file: the runtime
# dependencies of pyproject.toml (requirements.lock) and the build backend that makes the
# wheel (build-requirements.lock). They resolve for the Python of the Dockerfile's base
# image, on every platform (the image is multi-arch). Needs uv (pip install uv).
set -euo pipefail
cd "$(dirname "$0")/../.."

python_version=$(sed -n 's/^ARG PYTHON_IMAGE=python:\([0-9]*\.[0-9]*\)\..*/\1/p' deploy/docker/Dockerfile)
compile=(uv pip compile --quiet --generate-hashes --universal --python-version "$python_version")

"${compile[@]}" --output-file deploy/docker/requirements.lock pyproject.toml
python3 -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
  | "${compile[@]}" --output-file deploy/docker/build-requirements.lock -
