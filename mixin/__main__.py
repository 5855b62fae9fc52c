"""Regenerate everything the mixin produces: ``python -m mixin`` writes the files,
``python -m mixin --check`` writes nothing and exits 1 when a committed file is stale.

Each generator turns the configuration into the files it owns (``GeneratedFile``: a path
under the repository and its text); adding one is one line in :data:`GENERATORS`. After the
generators, the Kubernetes copies follow through ``deploy/kubernetes/sync_copies.py``
(which reads the files just written).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from mixin import alerts, dashboards
from mixin.config import DEFAULT
from mixin.output import REPO_ROOT, Generator

GENERATORS: list[Generator] = [
    dashboards.generate,
    alerts.generate,
]
SYNC_COPIES = REPO_ROOT / "deploy" / "kubernetes" / "sync_copies.py"


def main(argv: Sequence[str] | None = None, root: Path = REPO_ROOT) -> int:
    """Write (or check) every generated file under ``root``; the Kubernetes copies only
    when ``root`` is the repository itself."""
    parser = argparse.ArgumentParser(prog="python -m mixin", description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a generated file differs from the committed one",
    )
    args = parser.parse_args(argv)
    if root == REPO_ROOT and not (root / "pyproject.toml").is_file():
        print(
            "python -m mixin regenerates a checkout of the repository; from an installed "
            "package, run: openrouter-exporter mixin --out DIR",
            file=sys.stderr,
        )
        return 2
    files = [file for generator in GENERATORS for file in generator(DEFAULT)]
    if args.check:
        stale = [file.path for file in files if file.stale(root)]
        for path in stale:
            print(f"{path} is stale: run python -m mixin", file=sys.stderr)
        if stale:
            return 1
    else:
        for file in files:
            if file.write(root):
                print(f"wrote {file.path}")
    if root != REPO_ROOT:
        return 0
    sync = [sys.executable, str(SYNC_COPIES), *(["--check"] if args.check else [])]
    return subprocess.run(sync, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
