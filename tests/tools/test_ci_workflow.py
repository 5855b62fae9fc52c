"""The CI workflow: .github/workflows/ci.yml.

check-jsonschema validates it against the workflow schema (actionlint cannot be installed
here); the rest reads what it promises: the README's test command on every push and pull
request, and on a version tag the package built, checked and published with trusted
publishing, and a multi-arch image built with buildx and stamped with its commit.
"""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.packaging import readme_block
from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
TAG_CONDITION = "startsWith(github.ref, 'refs/tags/v')"

Job = dict[str, Any]


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess[str]:
    tool = require_tool("check-jsonschema", "pip install check-jsonschema (the test extra)")
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(CI.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as true.
    found = workflow.get("on", workflow.get(True))
    assert isinstance(found, dict)
    return found


def steps_using(job: Job, action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(action + "@")]


def runs(job: Job) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_workflows_validate_against_the_github_workflow_schema() -> None:
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert files == [CI]
    result = check_jsonschema(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_job_without_a_runner(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: 'true'\n", "utf-8")
    assert check_jsonschema(broken).returncode != 0


def test_every_push_and_pull_request_runs_the_readme_test_command(
    workflow: dict[Any, Any],
) -> None:
    on = triggers(workflow)
    assert on["push"]["branches"] == ["**"]
    assert "pull_request" in on
    test = workflow["jobs"]["test"]
    assert "if" not in test
    assert readme_block("test-command").strip() in [
        str(step.get("run", "")).strip() for step in test["steps"]
    ]


def test_a_version_tag_starts_the_release_after_the_tests(workflow: dict[Any, Any]) -> None:
    assert triggers(workflow)["push"]["tags"] == ["v*"]
    jobs = workflow["jobs"]
    assert jobs["build"]["if"] == TAG_CONDITION
    assert jobs["build"]["needs"] == "test"
    assert jobs["publish-package"]["needs"] == "build"
    assert jobs["publish-image"]["needs"] == "build"


def test_release_build_checks_the_tag_against_the_version_and_the_archives_with_twine(
    workflow: dict[Any, Any],
) -> None:
    commands = runs(workflow["jobs"]["build"])
    assert "__version__" in commands
    assert '"$GITHUB_REF_NAME" != "v$version"' in commands
    assert "python -m build" in commands
    assert "twine check --strict dist/*" in commands


def test_package_is_published_with_trusted_publishing_not_a_stored_token(
    workflow: dict[Any, Any],
) -> None:
    job = workflow["jobs"]["publish-package"]
    assert job["permissions"] == {"id-token": "write"}
    (publish,) = steps_using(job, "pypa/gh-action-pypi-publish")
    assert not {"password", "user"} & set(publish.get("with", {}))


def test_image_is_built_with_buildx_for_two_architectures_and_stamped_with_its_commit(
    workflow: dict[Any, Any],
) -> None:
    job = workflow["jobs"]["publish-image"]
    assert steps_using(job, "docker/setup-buildx-action")
    assert steps_using(job, "docker/setup-qemu-action")
    (build,) = steps_using(job, "docker/build-push-action")
    options = build["with"]
    assert options["file"] == "deploy/docker/Dockerfile"
    assert set(options["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert options["push"] is True
    assert "REVISION=${{ github.sha }}" in options["build-args"].splitlines()


def test_image_names_its_source_by_the_repository_the_workflow_runs_in(
    workflow: dict[Any, Any],
) -> None:
    (build,) = steps_using(workflow["jobs"]["publish-image"], "docker/build-push-action")
    repository = "${{ github.server_url }}/${{ github.repository }}"
    assert set(build["with"]["labels"].splitlines()) == {
        f"org.opencontainers.image.source={repository}",
        f"org.opencontainers.image.url={repository}",
    }
