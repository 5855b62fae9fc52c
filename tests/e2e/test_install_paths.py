"""Every install path in the README and docs/, run as written from a clone, and the release
build.

The commands come from the shell blocks marked ``<!-- install-path: NAME -->`` in the README
and the documents of docs/, so an edit that breaks one fails here. Only ``sudo`` is dropped,
and the system paths ``/opt/openrouter-exporter`` and ``/tmp/openrouter-build`` move under
the test's folder.
pip installs from a wheelhouse downloaded once per module from the locked versions (pip's
environment points there), and the build runs once per module.
"""

import re
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

import openrouter_exporter
from openrouter_exporter import __version__
from openrouter_simulator import Simulator
from tests.support.exporter import free_port
from tests.support.packaging import (
    REPO,
    as_unprivileged,
    build_info,
    clean_environment,
    clone_of_the_repository,
    fresh_venv,
    head_revision,
    local_wheelhouse,
    readme_block,
    run_shell,
    sh_blocks,
    start_demo,
    start_serving,
)
from tests.support.tools import parse_dockerfile, require_tool

INSTALL_PATHS = {"demo", "real-account", "clone", "build-wheel", "wheel"}
INSTALLING = ("pip install", "scripts/bootstrap.sh", "scripts/demo.sh", "-m build")
SYSTEM_VENV = "/opt/openrouter-exporter"
BUILD_VENV = "/tmp/openrouter-build"
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
# Each install takes from 30 s to a few minutes on a busy shared machine.
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def pip(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return local_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clone_of_the_repository(tmp_path_factory.mktemp("clone") / "openrouter-exporter")


@pytest.fixture(scope="module")
def dist(clone: Path, pip: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's build commands, run once in the clone: the sdist and the wheel."""
    build_venv = tmp_path_factory.mktemp("build") / "openrouter-build"
    script = as_unprivileged(readme_block("install-path: build-wheel"), {BUILD_VENV: build_venv})
    run_shell(script, clone, env=clean_environment(**pip))
    return clone / "dist"


def only(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_every_documented_block_that_installs_is_a_tested_install_path() -> None:
    tested = [readme_block(f"install-path: {name}") for name in sorted(INSTALL_PATHS)]
    untested = [
        block
        for block in sh_blocks()
        if any(word in block for word in INSTALLING) and block not in tested
    ]
    assert not untested, f"mark these <!-- install-path: NAME --> and test them: {untested}"


def test_demo_quick_start_serves_metrics_from_an_editable_install(
    clone: Path, pip: dict[str, str], tmp_path: Path
) -> None:
    command = ["bash", "-euo", "pipefail", "-c", readme_block("install-path: demo")]
    with start_demo(command, clone, tmp_path / "demo.log", pip) as exporter:
        metrics = exporter.metrics()
    info = build_info(metrics)
    assert metrics.get("openrouter_balance_usd", account="demo") is not None
    assert (info["version"], info["revision"]) == (__version__, "unknown")


def test_real_account_path_reads_the_key_pasted_into_its_file(
    clone: Path, pip: dict[str, str], tmp_path: Path, simulator: Simulator
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    environment = clean_environment(
        **pip,
        HOME=str(home),
        OPENROUTER_BASE_URL=simulator.base_url,
        OPENROUTER_EXPORTER_LISTEN_ADDRESS=f"127.0.0.1:{port}",
    )
    command = ["bash", "-euo", "pipefail", "-c", readme_block("install-path: real-account")]
    with start_serving(
        command, clone, environment, tmp_path / "real.log", port, stdin=simulator.management_key
    ) as exporter:
        metrics = exporter.metrics()
    assert metrics.get("openrouter_up", account="default", endpoint="credits") == 1.0
    assert metrics.get("openrouter_balance_usd", account="default") is not None
    key_file = home / ".config" / "openrouter-management-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def install_into_opt_and_serve_the_demo(
    path: str, cwd: Path, pip: dict[str, str], tmp_path: Path
) -> dict[str, str]:
    """Run a README install path into /opt/openrouter-exporter (moved under ``tmp_path``),
    start the installed command in demo mode, and return its build_info labels."""
    venv = tmp_path / "opt-openrouter-exporter"
    script = as_unprivileged(readme_block(f"install-path: {path}"), {SYSTEM_VENV: venv})
    installed = run_shell(script, cwd, env=clean_environment(**pip))
    assert f"openrouter-exporter {__version__}" in installed.stdout
    command = [str(venv / "bin" / "openrouter-exporter"), "demo"]
    with start_demo(command, tmp_path, tmp_path / "exporter.log", pip) as exporter:
        return build_info(exporter.metrics())


def test_install_from_the_clone_serves_metrics_and_reports_its_commit(
    clone: Path, pip: dict[str, str], tmp_path: Path
) -> None:
    info = install_into_opt_and_serve_the_demo("clone", clone, pip, tmp_path)
    assert (info["version"], info["revision"]) == (__version__, head_revision())


def test_wheel_copied_to_another_folder_installs_and_reports_its_commit(
    dist: Path, pip: dict[str, str], tmp_path: Path
) -> None:
    copied = tmp_path / "copied"
    copied.mkdir()
    shutil.copy2(only(dist, "*.whl"), copied)
    info = install_into_opt_and_serve_the_demo("wheel", copied, pip, tmp_path)
    assert (info["version"], info["revision"]) == (__version__, head_revision())


# The release path: what a tag publishes.


def test_release_build_makes_one_sdist_and_one_wheel_that_pass_twine_check(dist: Path) -> None:
    artefacts = sorted(path.name for path in dist.iterdir())
    assert artefacts == [
        f"openrouter_exporter-{__version__}-py3-none-any.whl",
        f"openrouter_exporter-{__version__}.tar.gz",
    ]
    twine = require_tool("twine", "pip install twine (the test extra)")
    result = subprocess.run(
        [twine, "check", "--strict", *(str(dist / name) for name in artefacts)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sdist_installs_in_a_fresh_venv_with_the_commit_it_was_made_from(
    dist: Path, pip: dict[str, str], tmp_path: Path
) -> None:
    python = fresh_venv(tmp_path / "venv")
    reported = run_shell(
        f"'{python}' -m pip install --quiet '{only(dist, '*.tar.gz')}'"
        f" && '{python}' -c 'from openrouter_exporter.serving.revision"
        " import installed_revision as r; print(r())'"
        f" && '{python.parent / 'openrouter-exporter'}' --version",
        tmp_path,
        env=clean_environment(**pip),
    ).stdout.split()
    assert reported == [head_revision(), "openrouter-exporter", __version__]


def test_version_is_spelled_once_in_the_package_and_read_from_there_by_the_build() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    source = REPO / pyproject["tool"]["hatch"]["version"]["path"]
    assert source == Path(openrouter_exporter.__file__)


def copy_into_context(sources: list[str], target: Path) -> None:
    """Docker's COPY: a folder's contents into the target, files into the target folder."""
    for source in sources:
        origin = REPO / source
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(origin, target, dirs_exist_ok=True, ignore=ignore)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / origin.name)


def in_place_of_the_image(script: str, python: Path, paths: dict[str, Path]) -> str:
    script = re.sub(r"(?<![\w/.-])python -m ", f"{python} -m ", script)
    for path, replacement in paths.items():
        script = re.sub(rf"(?<=\s){re.escape(path)}(?=[/\s]|$)", str(replacement), script)
    return script


# The container image's build stage, run outside Docker (Docker cannot run here): its COPY
# instructions lay out the build context, its RUN commands run as written in a fresh
# virtualenv standing in for the base image's Python, with the image's paths moved here.


def test_image_build_stage_installs_the_exporter_from_the_locks_with_its_revision(
    pip: dict[str, str], tmp_path: Path
) -> None:
    stage = [item for item in parse_dockerfile(DOCKERFILE.read_text("utf-8")) if item.stage == 0]
    base_python = fresh_venv(tmp_path / "base-python")
    workdir = tmp_path / "src"
    image_paths = {"/opt/openrouter-exporter": tmp_path / "opt", "/dist": tmp_path / "dist"}
    environment = clean_environment(**pip, REVISION="0123abc")
    for item in stage:
        if item.keyword == "WORKDIR":
            assert item.arguments == "/src"
        elif item.keyword == "ENV":
            for assignment in item.arguments.split():
                name, _, value = assignment.partition("=")
                environment[name] = value
        elif item.keyword == "COPY":
            *sources, destination = item.arguments.split()
            copy_into_context(sources, workdir / destination)
        elif item.keyword == "RUN":
            run_shell(
                in_place_of_the_image(item.arguments, base_python, image_paths),
                workdir,
                env=environment,
            )
    reported = run_shell(
        f"'{tmp_path / 'opt' / 'bin' / 'python'}' -c 'from openrouter_exporter.serving.revision "
        "import installed_revision as r; print(r())'",
        tmp_path,
        env=clean_environment(),
    )
    assert reported.stdout.strip() == "0123abc"
