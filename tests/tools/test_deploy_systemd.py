"""The systemd unit and its environment file: deploy/systemd/.

`systemd-analyze verify` (Debian: systemd) checks the unit's syntax and directives,
`systemd-analyze security --offline` scores its sandboxing, and the exporter's own
`--check-config` accepts the environment the unit and the example file give it.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrouter_exporter.config.catalogue import DEFAULT_PORT, SETTINGS, SETTINGS_BY_KEY
from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "systemd" / "openrouter-exporter.service"
SOCKET = REPO / "deploy" / "systemd" / "openrouter-exporter.socket"
ENV_EXAMPLE = REPO / "deploy" / "systemd" / "openrouter-exporter.env.example"
# systemd-analyze security: overall exposure in tenths; below 2.0 is rated "OK".
EXPOSURE_THRESHOLD = 15
REQUIRED = [
    ("Service", "DynamicUser", "yes"),
    ("Service", "StateDirectory", "openrouter-exporter"),
    ("Service", "LoadCredential", "management_key:/etc/openrouter-exporter/management_key"),
    ("Service", "Environment", "OPENROUTER_MANAGEMENT_KEY_FILE=%d/management_key"),
    ("Service", "EnvironmentFile", "-/etc/default/openrouter-exporter"),
    ("Service", "ProtectSystem", "strict"),
    ("Service", "ProtectHome", "yes"),
    ("Service", "PrivateTmp", "yes"),
    ("Service", "NoNewPrivileges", "yes"),
    ("Service", "CapabilityBoundingSet", ""),
    ("Service", "RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
    ("Service", "SystemCallFilter", "@system-service"),
    ("Service", "MemoryDenyWriteExecute", "yes"),
    ("Service", "KillSignal", "SIGTERM"),
    ("Service", "TimeoutStopSec", "10"),
    ("Service", "Restart", "on-failure"),
    ("Install", "WantedBy", "multi-user.target"),
]


def directives(text: str) -> Iterator[tuple[str, str, str]]:
    """(section, key, value) of every assignment, repeated keys kept in order."""
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, _, value = line.partition("=")
        yield section, key.strip(), value.strip()


def unit_value(key: str, unit: Path = UNIT) -> list[str]:
    return [v for _, k, v in directives(unit.read_text(encoding="utf-8")) if k == key]


def example_assignments() -> dict[str, str]:
    """The example's settings, commented out or not (drop-in examples excluded)."""
    pattern = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")
    matches = (pattern.match(line) for line in ENV_EXAMPLE.read_text("utf-8").splitlines())
    return {match.group(1): match.group(2) for match in matches if match}


def verify(tmp_path: Path, unit: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` of `unit`, beside the service unit.

    verify checks that ExecStart's program exists: a stub stands in for the exporter,
    which is not installed at /opt/openrouter-exporter on a test machine.
    """
    analyze = require_tool("systemd-analyze", "apt-get install systemd")
    stub = tmp_path / "openrouter-exporter"
    stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    (exec_start,) = unit_value("ExecStart")
    program = shlex.split(exec_start)[0]
    (tmp_path / UNIT.name).write_text(
        UNIT.read_text(encoding="utf-8").replace(program, str(stub)), "utf-8"
    )
    if unit != UNIT:
        (tmp_path / unit.name).write_text(unit.read_text(encoding="utf-8"), "utf-8")
    return subprocess.run(
        [analyze, "verify", "--man=no", str(tmp_path / unit.name)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("unit", [UNIT, SOCKET], ids=lambda unit: unit.suffix)
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path, unit: Path) -> None:
    result = verify(tmp_path, unit)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == "", result.stdout + result.stderr


def test_socket_unit_listens_on_the_default_port() -> None:
    assert unit_value("ListenStream", SOCKET) == [str(DEFAULT_PORT)]


def test_socket_unit_activates_the_service_of_the_same_name() -> None:
    assert SOCKET.stem == UNIT.stem
    assert unit_value("Service", SOCKET) == []


def test_env_example_tells_the_exporter_to_take_the_socket() -> None:
    switch = SETTINGS_BY_KEY["systemd_socket"].env
    assert example_assignments()[switch] == "true"
    assert f"{switch}=true" in SOCKET.read_text(encoding="utf-8")


def test_unit_sandboxing_is_rated_ok_by_systemd() -> None:
    analyze = require_tool("systemd-analyze", "apt-get install systemd")
    result = subprocess.run(
        [
            analyze,
            "security",
            "--offline=yes",
            f"--threshold={EXPOSURE_THRESHOLD}",
            "--no-pager",
            str(UNIT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


@pytest.mark.parametrize(("section", "key", "value"), REQUIRED)
def test_unit_carries_the_directive(section: str, key: str, value: str) -> None:
    assert (section, key, value) in set(directives(UNIT.read_text(encoding="utf-8")))


def test_unit_runs_the_exporter_serving() -> None:
    (exec_start,) = unit_value("ExecStart")
    program, *arguments = shlex.split(exec_start)
    assert Path(program).name == "openrouter-exporter"
    assert arguments == ["serve"]


def test_env_example_names_only_exporter_settings() -> None:
    known = {setting.env for setting in SETTINGS}
    known |= {f"{setting.env}_FILE" for setting in SETTINGS if setting.has_file_variant}
    names = set(example_assignments())
    assert names
    assert names <= known, f"unknown settings: {sorted(names - known)}"


def test_env_example_holds_no_key() -> None:
    secrets = {setting.env for setting in SETTINGS if setting.secret}
    assert not secrets & set(example_assignments())


def test_exporter_accepts_the_unit_environment_and_the_example_values(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "management_key").write_text("sk-or-v1-" + "0" * 64, encoding="utf-8")
    specifiers = {"%d": str(credentials), "%S": str(tmp_path / "state")}
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OPENROUTER_") and key != "XDG_STATE_HOME"
    }
    for assignment in unit_value("Environment"):
        name, _, value = assignment.partition("=")
        for specifier, replacement in specifiers.items():
            value = value.replace(specifier, replacement)
        environment[name] = value
    # Files the example points at are the user's to write; every other value is used as is.
    file_settings = {"OPENROUTER_EXPORTER_CONFIG", "OPENROUTER_EXPORTER_WEB_CONFIG"}
    for name, value in example_assignments().items():
        if name not in file_settings:
            environment[name] = value
    (exec_start,) = unit_value("ExecStart")
    arguments = shlex.split(exec_start)[1:]
    result = subprocess.run(
        [sys.executable, "-m", "openrouter_exporter", *arguments, "--check-config"],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "configuration OK" in result.stdout
