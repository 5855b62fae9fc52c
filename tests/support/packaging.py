"""Install the exporter the ways its documentation says, in throwaway places, and run it."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from tests.support.exporter import ExporterProcess, Metrics, free_port, wait_until
from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
#: The documents that give commands to run: the README and docs/.
DOCUMENTS = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
INSTALL_TIMEOUT = 600


def readme_block(marker: str) -> str:
    """The shell block right after ``<!-- marker -->`` in the README or a document of docs/."""
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        match = re.search(rf"<!-- {re.escape(marker)} -->\n```sh\n(.*?)```", text, re.S)
        if match:
            return match.group(1)
    raise AssertionError(f"no document has an sh block marked <!-- {marker} -->")


def sh_blocks() -> list[str]:
    """Every shell block of the README and of docs/."""
    return [
        block
        for document in DOCUMENTS
        for block in re.findall(r"```sh\n(.*?)```", document.read_text(encoding="utf-8"), re.S)
    ]


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without its virtualenv, its path to src, or any setting."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
        and not name.startswith("OPENROUTER_")
    }
    environment.update(extra)
    return environment


def run_shell(
    script: str, cwd: Path, *, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run commands with bash as a reader would paste them, stopping at the first failure."""
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=dict(env) if env is not None else clean_environment(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"exit {result.returncode} from:\n{script}\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
    return result


def as_unprivileged(script: str, replacements: Mapping[str, Path]) -> str:
    """The README's commands with ``sudo`` dropped and system paths moved under the test's."""
    script = re.sub(r"^sudo ", "", script, flags=re.M)
    for path, replacement in replacements.items():
        script = script.replace(path, str(replacement))
    return script


def clone_of_the_repository(destination: Path) -> Path:
    """A git clone of this repository with the work tree's uncommitted changes laid over it."""
    git = require_tool("git", "apt-get install git")
    subprocess.run([git, "clone", "--quiet", str(REPO), str(destination)], check=True)
    listed = subprocess.run(
        [git, "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source, target = REPO / relative, destination / relative
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif target.exists():
            target.unlink()
    return destination


def head_revision() -> str:
    git = require_tool("git", "apt-get install git")
    return subprocess.run(
        [git, "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def fresh_venv(path: Path) -> Path:
    """A new virtualenv from the Python running the tests; its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return path / "bin" / "python"


def local_wheelhouse(destination: Path) -> dict[str, str]:
    """Download, once, what the installs need: the locked versions, checked by their hashes.

    Returns pip's environment for installing from there alone, so that the README's
    commands run exactly as written without asking the registry again for each install.
    """
    locks = REPO / "deploy" / "docker"
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(destination)]
    subprocess.run(
        [
            *download,
            *("--no-deps", "--require-hashes"),
            *("-r", str(locks / "requirements.lock")),
            *("-r", str(locks / "build-requirements.lock")),
        ],
        check=True,
        timeout=INSTALL_TIMEOUT,
    )
    # build for the README's build commands; editables for hatchling's editable installs.
    subprocess.run([*download, "build", "editables"], check=True, timeout=INSTALL_TIMEOUT)
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(destination)}


def start_demo(
    command: Sequence[str], cwd: Path, log_path: Path, pip: Mapping[str, str]
) -> ExporterProcess:
    """Start a command that ends in ``openrouter-exporter demo``, on a free loopback port."""
    port = free_port()
    environment = clean_environment(
        **pip,
        OPENROUTER_EXPORTER_LISTEN_ADDRESS=f"127.0.0.1:{port}",
        OPENROUTER_EXPORTER_STATE_DIR=str(log_path.parent / f"state-{port}"),
        OPENROUTER_EXPORTER_LOG_FORMAT="json",
    )
    return start_serving(command, cwd, environment, log_path, port)


def start_serving(
    command: Sequence[str],
    cwd: Path,
    environment: Mapping[str, str],
    log_path: Path,
    port: int,
    *,
    stdin: str | None = None,
) -> ExporterProcess:
    """Start a command in its own process group and wait until /metrics answers."""
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(environment),
            stdin=subprocess.PIPE,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    assert process.stdin is not None
    process.stdin.write((stdin or "").encode())
    process.stdin.close()
    exporter = GroupedExporter(process, f"http://127.0.0.1:{port}", log_path)

    def serving() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{exporter.logs()[-3000:]}")
        try:
            return exporter.get("/readyz").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(serving, INSTALL_TIMEOUT, f"{command} serves on port {port}", interval=0.5)
    except BaseException:
        exporter.kill()
        raise
    return exporter


class GroupedExporter(ExporterProcess):
    """An exporter started through a shell script: stopping it stops its whole group."""

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def build_info(metrics: Metrics) -> dict[str, str]:
    (labels,) = metrics.series("openrouter_exporter_build_info")
    return dict(labels)
