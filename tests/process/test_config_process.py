"""``--check-config``: the exporter process checks its configuration and says what is wrong.

How each setting is parsed and checked is specified in-process in ``tests/unit/test_config.py``.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_config import (
    OTHER_SECRET,
    SECRET,
    TWO_ACCOUNTS,
    config_file,
    unreadable_path,
    with_key,
)


def check_config(tmp_path: Path, /, **environ: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "LANG": "C.UTF-8",
        **environ,
    }
    return subprocess.run(
        [sys.executable, "-m", "openrouter_exporter", "--check-config"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_config_prints_a_summary_and_exits_0_for_a_good_config(tmp_path: Path) -> None:
    result = check_config(tmp_path, OPENROUTER_MANAGEMENT_KEY=SECRET)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("configuration OK: 1 account(s)")
    assert "account default: management key set" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_check_config_summarises_every_account_of_a_config_file(tmp_path: Path) -> None:
    result = check_config(tmp_path, **config_file(tmp_path, TWO_ACCOUNTS))
    assert result.returncode == 0, result.stderr
    assert "2 account(s)" in result.stdout
    assert "account prod" in result.stdout
    assert "account research" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert OTHER_SECRET not in result.stdout + result.stderr


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[dict[str, str], str]]:
    return {
        "missing key": ({}, "OPENROUTER_MANAGEMENT_KEY"),
        "unreadable secret file": (
            {"OPENROUTER_MANAGEMENT_KEY_FILE": str(unreadable_path(tmp_path))},
            "OPENROUTER_MANAGEMENT_KEY_FILE",
        ),
        "bad duration": (
            with_key(OPENROUTER_EXPORTER_POLL_INTERVAL="often"),
            "OPENROUTER_EXPORTER_POLL_INTERVAL",
        ),
        "unknown YAML key": (
            config_file(tmp_path, TWO_ACCOUNTS + "    colour: blue\n"),
            "accounts[2].colour",
        ),
        "bad listen address": (
            with_key(OPENROUTER_EXPORTER_LISTEN_ADDRESS="localhost"),
            "OPENROUTER_EXPORTER_LISTEN_ADDRESS",
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "missing key",
        "unreadable secret file",
        "bad duration",
        "unknown YAML key",
        "bad listen address",
    ],
)
def test_check_config_exits_2_with_one_line_naming_the_setting(tmp_path: Path, kind: str) -> None:
    environ, setting = _bad_inputs(tmp_path)[kind]
    result = check_config(tmp_path, **environ)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]
    assert result.stdout == ""
    assert SECRET not in result.stderr
    assert OTHER_SECRET not in result.stderr


def test_check_config_prints_every_problem_on_its_own_line(tmp_path: Path) -> None:
    result = check_config(
        tmp_path,
        **with_key(OPENROUTER_EXPORTER_POLL_INTERVAL="often", OPENROUTER_EXPORTER_LOG_LEVEL="loud"),
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in lines] == [
        "OPENROUTER_EXPORTER_POLL_INTERVAL",
        "OPENROUTER_EXPORTER_LOG_LEVEL",
    ]
    assert SECRET not in result.stderr
