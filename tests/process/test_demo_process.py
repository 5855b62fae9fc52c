"""The demo shows the way: its first lines name the status page and a `check` command that
works against its simulator, pasted as printed."""

import os
import re
import shlex
import signal
import subprocess
from pathlib import Path

import httpx

from tests.support.exporter import ExporterProcess, exporter_command, free_port, wait_until

_INHERITED = ("PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


def test_the_demo_names_its_status_page_and_a_check_command_that_works(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "demo.log"
    environment = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    with output.open("wb") as sink:
        process = subprocess.Popen(
            exporter_command("demo", "--web.listen-address", f"127.0.0.1:{port}"),
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    demo = ExporterProcess(process, f"http://127.0.0.1:{port}", output)
    try:
        wait_until(lambda: "Ctrl-C stops" in demo.logs(), 30, "the demo prints its banner")
        page = re.search(r"Status page: (\S+)", demo.logs())
        command = re.search(r"^\s+(\S.* check --openrouter\.base-url=.*)$", demo.logs(), re.M)
        assert page is not None, demo.logs()
        assert command is not None, demo.logs()
        wait_until(lambda: demo.get("/readyz").status_code == 200, 30, "the demo is ready")
        assert "OpenRouter credits" in httpx.get(page.group(1), timeout=10).text
        check = subprocess.run(
            shlex.split(command.group(1)),  # as printed: this interpreter, -m openrouter_exporter
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        demo.stop(signal.SIGTERM)

    assert check.returncode in (0, 1, 2), check.stdout + check.stderr  # not 3: it could read
    assert "OpenRouter credits for account demo" in check.stdout
    assert "Balance          $" in check.stdout
