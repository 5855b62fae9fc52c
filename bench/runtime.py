"""The interpreter the exporter processes of a benchmark run on.

By default a runtime-only venv, as users install the exporter: ``python -m venv`` and
``pip install`` of exactly ``[project].dependencies`` (no test tools, which pull more into
the exporter's own imports: httpx's CLI imports click, rich and pygments when they are
installed), built once under ``.cache/bench-runtime/`` and reused while the dependency list
and the Python version are unchanged (their hash is kept in a marker file). The tree under
test runs from ``PYTHONPATH=<repo>/src``, after the caller's own ``PYTHONPATH`` (a candidate
tree put first still wins).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNTIME_DIR = REPO_ROOT / ".cache" / "bench-runtime"
MARKER = "bench-runtime.json"
INSTALL_TIMEOUT = 600.0
_TOOLING = frozenset({"pip", "setuptools", "wheel"})
_LIST_PACKAGES = (
    "import importlib.metadata as m, json\n"
    "print(json.dumps(sorted({d.metadata['Name'] for d in m.distributions()}, key=str.lower)))"
)


def dependencies(pyproject: str) -> tuple[str, ...]:
    """``[project].dependencies`` of a pyproject.toml, as written."""
    project = tomllib.loads(pyproject).get("project", {})
    listed = project.get("dependencies", [])
    if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
        raise ValueError("[project].dependencies is not a list of strings")
    return tuple(listed)


def cache_key(requirements: Sequence[str], python_version: str) -> str:
    """Changes when a requirement or the Python version does (not with their order)."""
    text = json.dumps({"python": python_version, "requirements": sorted(requirements)})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ExporterRuntime:
    python: str
    packages: tuple[str, ...]  # the distributions installed, pip's own tooling left out
    built: bool = False  # the runtime-only venv of this module

    @staticmethod
    def pythonpath() -> str:
        """The caller's own ``PYTHONPATH`` first, then the tree under test."""
        paths = [os.environ.get("PYTHONPATH", ""), str(REPO_ROOT / "src")]
        return os.pathsep.join(path for path in paths if path)

    def describe(self) -> str:
        kind = "runtime-only venv" if self.built else "as given"
        return f"{self.python} ({kind}; installed: {', '.join(self.packages)})"


def installed(python: str) -> tuple[str, ...]:
    done = subprocess.run(
        [python, "-c", _LIST_PACKAGES], capture_output=True, text=True, check=True, timeout=60
    )
    names: list[str] = json.loads(done.stdout)
    return tuple(name for name in names if name.lower() not in _TOOLING)


def given(python: str) -> ExporterRuntime:
    return ExporterRuntime(python, installed(python))


def runtime_only(
    log: Callable[[str], None] | None = None, directory: Path = RUNTIME_DIR
) -> ExporterRuntime:
    """The runtime-only venv, built (or rebuilt) when its marker does not match."""
    requirements = dependencies((REPO_ROOT / "pyproject.toml").read_text())
    key = cache_key(requirements, sys.version)
    python = directory / "bin" / "python"
    marker = directory / MARKER
    try:
        current = json.loads(marker.read_text()).get("key")
    except (OSError, ValueError):
        current = None
    if current != key or not python.exists():
        if log:
            log(f"building the runtime-only interpreter in {directory}")
        shutil.rmtree(directory, ignore_errors=True)
        install = [str(python), "-m", "pip", "install", "--quiet", *requirements]
        try:
            for command in ([sys.executable, "-m", "venv", str(directory)], install):
                subprocess.run(command, check=True, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as error:
            raise SystemExit(
                f"bench: could not build the runtime-only interpreter in {directory} "
                f"({error}); to measure on the interpreter at hand instead: "
                f"--exporter-python {sys.executable}"
            ) from None
        marker.write_text(json.dumps({"key": key, "requirements": list(requirements)}) + "\n")
    return ExporterRuntime(str(python), installed(str(python)), built=True)
