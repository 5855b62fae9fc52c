"""The benchmark's runtime-only interpreter: which requirements it installs, and when the
venv it built is reused (its cache key)."""

import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from bench.runtime import cache_key, dependencies, runtime_only

REPO = Path(__file__).resolve().parents[2]

PYPROJECT = """\
[project]
name = "example"
dependencies = ["httpx>=0.27.0", "pyyaml>=6.0.1"]

[project.optional-dependencies]
test = ["pytest"]
"""


def test_the_requirements_are_the_project_dependencies_alone() -> None:
    assert dependencies(PYPROJECT) == ("httpx>=0.27.0", "pyyaml>=6.0.1")


def test_the_repository_installs_exactly_its_declared_dependencies() -> None:
    text = (REPO / "pyproject.toml").read_text()

    found = dependencies(text)

    assert found == tuple(tomllib.loads(text)["project"]["dependencies"])
    assert not any(name.startswith(("pytest", "ruff", "mypy")) for name in found)


def test_a_project_without_dependencies_installs_nothing() -> None:
    assert dependencies('[project]\nname = "bare"\n') == ()


def test_dependencies_that_are_not_a_list_of_strings_are_refused() -> None:
    with pytest.raises(ValueError, match="dependencies"):
        dependencies('[project]\ndependencies = "httpx"\n')


def test_the_cache_key_ignores_the_order_of_the_requirements() -> None:
    assert cache_key(["a>=1", "b"], "3.11.7") == cache_key(["b", "a>=1"], "3.11.7")


@pytest.mark.parametrize(
    ("requirements", "python"),
    [(["a>=2", "b"], "3.11.7"), (["a>=1"], "3.11.7"), (["a>=1", "b"], "3.12.1")],
)
def test_the_cache_key_changes_with_a_requirement_or_the_python(
    requirements: list[str], python: str
) -> None:
    assert cache_key(requirements, python) != cache_key(["a>=1", "b"], "3.11.7")


def test_a_runtime_that_cannot_be_installed_says_how_to_measure_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(command: list[str], **options: Any) -> None:
        raise subprocess.CalledProcessError(1, command)

    monkeypatch.setattr(subprocess, "run", offline)
    with pytest.raises(SystemExit, match="--exporter-python"):
        runtime_only(directory=tmp_path / "runtime")
