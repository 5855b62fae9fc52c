"""Hatch build hook: record the git commit a build came from.

The revision goes into the wheel's ``.dist-info/extra_metadata/REVISION``, where
``openrouter_exporter.serving.revision`` reads it for ``openrouter_exporter_build_info{revision}``,
and into the sdist's root ``REVISION``, so that a wheel built from the sdist (no git there)
carries the same commit. It is, first found:

1. ``OPENROUTER_EXPORTER_BUILD_REVISION`` (the container build passes its ``REVISION``
   argument this way: the image's build context has no ``.git``);
2. ``git rev-parse HEAD`` when the project root is the top of a git work tree;
3. the ``REVISION`` file of an unpacked sdist;
4. ``unknown``.

Editable installs record nothing (the commit would go stale with the next one), so they
report ``unknown``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.config import BuilderConfig
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

REVISION_ENV = "OPENROUTER_EXPORTER_BUILD_REVISION"
REVISION_FILE = "REVISION"
UNKNOWN = "unknown"


def _git(root: Path, *arguments: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *arguments],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def git_revision(root: Path) -> str | None:
    """HEAD of the work tree whose top is ``root``; never the commit of an enclosing repo."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root.resolve():
        return None
    return _git(root, "rev-parse", "HEAD")


def build_revision(root: Path, environ: dict[str, str]) -> str:
    if environ.get(REVISION_ENV, "").strip():
        return environ[REVISION_ENV].strip()
    revision = git_revision(root)
    if revision:
        return revision
    recorded = root / REVISION_FILE
    if recorded.is_file():
        return recorded.read_text(encoding="utf-8").strip() or UNKNOWN
    return UNKNOWN


class RevisionHook(BuildHookInterface[BuilderConfig]):
    PLUGIN_NAME = "custom"
    _scratch: Path | None = None

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "editable":
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="openrouter-exporter-revision-"))
        generated = self._scratch / REVISION_FILE
        generated.write_text(build_revision(Path(self.root), dict(os.environ)) + "\n", "utf-8")
        inclusions = "extra_metadata" if self.target_name == "wheel" else "force_include"
        build_data[inclusions][str(generated)] = REVISION_FILE

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
