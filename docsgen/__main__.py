"""``python -m docsgen`` rewrites the generated tables of ``docs/``;
``python -m docsgen --check`` writes nothing and exits 1 when one is stale."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from docsgen.documents import REPO_ROOT, stale, write


def main(argv: Sequence[str] | None = None, root: Path = REPO_ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m docsgen", description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a generated table differs from the code",
    )
    args = parser.parse_args(argv)
    if args.check:
        paths = stale(root)
        for path in paths:
            print(f"{path} is stale: run python -m docsgen", file=sys.stderr)
        return 1 if paths else 0
    for path in write(root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
