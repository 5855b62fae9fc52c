"""hatch_build.py: which commit a build records, and where it would come from."""

import subprocess
from pathlib import Path

import pytest

from hatch_build import REVISION_ENV, REVISION_FILE, build_revision
from tests.support.tools import require_tool


def git(cwd: Path, *arguments: str) -> str:
    command = [require_tool("git", "apt-get install git"), "-C", str(cwd), *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def committed_repository(path: Path) -> str:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet")
    (path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    git(path, "add", "pyproject.toml")
    git(path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    return git(path, "rev-parse", "HEAD")


def test_a_build_in_a_git_work_tree_records_its_head(tmp_path: Path) -> None:
    head = committed_repository(tmp_path / "project")
    assert build_revision(tmp_path / "project", {}) == head


def test_the_build_argument_beats_git(tmp_path: Path) -> None:
    committed_repository(tmp_path / "project")
    assert build_revision(tmp_path / "project", {REVISION_ENV: "0123abc"}) == "0123abc"


def test_an_sdist_unpacked_inside_another_repository_keeps_its_own_revision(
    tmp_path: Path,
) -> None:
    committed_repository(tmp_path)
    unpacked = tmp_path / "openrouter_exporter-0.1.0"
    unpacked.mkdir()
    (unpacked / REVISION_FILE).write_text("fedcba9\n", encoding="utf-8")
    assert build_revision(unpacked, {}) == "fedcba9"


@pytest.mark.parametrize("environment", [{}, {REVISION_ENV: "  "}])
def test_without_git_or_a_recorded_revision_it_is_unknown(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    assert build_revision(tmp_path, environment) == "unknown"
