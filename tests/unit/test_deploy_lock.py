"""The image's lock files: deploy/docker/requirements.lock and build-requirements.lock.

The image installs only what these pin, with --require-hashes. The lock must hold exactly
the runtime dependencies of pyproject.toml and what they need, within their ranges, each
with the hashes of its files; the build lock, the build backend pyproject.toml names.
(That the Dockerfile's build stage installs from them and passes pip check is run in
test_install_paths.py.)
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.tools import parse_dockerfile

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "deploy" / "docker"
RUNTIME_LOCK = DOCKER / "requirements.lock"
BUILD_LOCK = DOCKER / "build-requirements.lock"
PROJECT = "openrouter-exporter (pyproject.toml)"


@dataclass
class Pin:
    name: str
    version: str
    hashes: list[str] = field(default_factory=list)
    needed_by: set[str] = field(default_factory=set)


def parse_lock(path: Path) -> dict[str, Pin]:
    """Pins of a pip-compile style lock: ``name==version \\``, ``--hash=`` and ``# via`` lines."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    in_via = False
    for line in path.read_text(encoding="utf-8").splitlines():
        pin = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if pin:
            current = Pin(canonicalize_name(pin.group(1)), pin.group(2))
            pins[current.name] = current
            in_via = False
            continue
        assert line.startswith(("#", " ")) or not line.strip(), f"{path.name}: {line!r}"
        if current is None:
            continue
        hashed = re.match(r"^\s+--hash=(\w+):([0-9a-f]+)", line)
        via = re.match(r"^\s+# via\s*(.*)$", line)
        if hashed:
            current.hashes.append(f"{hashed.group(1)}:{hashed.group(2)}")
        elif via:
            in_via = not via.group(1)
            if via.group(1):
                current.needed_by.add(via.group(1).strip())
        elif in_via and re.match(r"^\s+#\s{3}\S", line):
            current.needed_by.add(line.strip().lstrip("#").strip())
    return pins


def pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def requirements(texts: list[str]) -> dict[str, Requirement]:
    parsed = (Requirement(text) for text in texts)
    return {canonicalize_name(requirement.name): requirement for requirement in parsed}


def test_lock_pins_exactly_the_runtime_dependencies_within_their_ranges() -> None:
    wanted = requirements(pyproject()["project"]["dependencies"])
    pins = parse_lock(RUNTIME_LOCK)
    direct = {name for name, pin in pins.items() if PROJECT in pin.needed_by}
    assert direct == set(wanted)
    for name, requirement in wanted.items():
        assert requirement.specifier.contains(pins[name].version), (name, pins[name].version)


def test_every_other_locked_package_is_needed_by_a_locked_one() -> None:
    pins = parse_lock(RUNTIME_LOCK)
    for pin in pins.values():
        assert pin.needed_by, f"{pin.name} is pinned but nothing needs it"
        sources = {canonicalize_name(source) for source in pin.needed_by if source != PROJECT}
        assert sources <= set(pins), f"{pin.name} needed by unlocked {sources - set(pins)}"


def test_build_lock_pins_the_build_backend_pyproject_requires() -> None:
    wanted = requirements(pyproject()["build-system"]["requires"])
    pins = parse_lock(BUILD_LOCK)
    for name, requirement in wanted.items():
        assert name in pins, f"{name} is not in {BUILD_LOCK.name}"
        assert requirement.specifier.contains(pins[name].version), (name, pins[name].version)


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, BUILD_LOCK], ids=lambda path: path.name)
def test_every_pin_carries_sha256_hashes_of_its_files(lock: Path) -> None:
    pins = parse_lock(lock)
    assert pins
    unhashed = [name for name, pin in pins.items() if not pin.hashes]
    assert not unhashed, f"pins without a hash: {unhashed}"
    for pin in pins.values():
        for digest in pin.hashes:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), (pin.name, digest)


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, BUILD_LOCK], ids=lambda path: path.name)
def test_lock_resolves_for_every_platform_of_the_image_python(lock: Path) -> None:
    base = next(
        item.arguments
        for item in parse_dockerfile((DOCKER / "Dockerfile").read_text(encoding="utf-8"))
        if item.keyword == "ARG" and item.arguments.startswith("PYTHON_IMAGE=")
    )
    match = re.search(r"python:(\d+\.\d+)\.", base)
    assert match, base
    header = lock.read_text(encoding="utf-8").splitlines()[1]
    assert f"--python-version {match.group(1)}" in header
    assert "--universal" in header


def test_image_installs_packages_only_from_the_locks_with_hashes_or_the_built_wheel() -> None:
    instructions = parse_dockerfile((DOCKER / "Dockerfile").read_text(encoding="utf-8"))
    commands = [
        command.strip()
        for item in instructions
        if item.keyword == "RUN"
        for command in item.arguments.split("&&")
        if "pip install" in command
    ]
    assert commands
    for command in commands:
        from_a_lock = re.search(r"--require-hashes --no-deps -r \S+\.lock$", command)
        built_wheel = re.search(r"--no-deps --no-index /dist/\*\.whl$", command)
        assert from_a_lock or built_wheel, command
