"""Write the mixin's generated files, or check them: ``python -m mixin [--check]``.

Each generator turns the configuration into the text of one file of the repository.
``--check`` writes nothing and exits 1 when a shipped file differs from what its generator
makes (CI runs it, so an edited rule without regeneration fails).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from mixin import alerts
from mixin.config import DEFAULT, MixinConfig

REPOSITORY = Path(__file__).resolve().parent.parent

Generator = tuple[Path, Callable[[MixinConfig], str]]
GENERATORS: list[Generator] = [
    (alerts.OUTPUT, alerts.render),
]


def stale_files(config: MixinConfig, root: Path = REPOSITORY) -> list[Path]:
    """The generated files whose shipped text differs from their generator's."""
    return [
        path
        for path, generate in GENERATORS
        if not (root / path).exists()
        or (root / path).read_text(encoding="utf-8") != generate(config)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mixin", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(DEFAULT)
        for path in stale:
            print(f"{path} is not what `python -m mixin` generates", file=sys.stderr)
        return 1 if stale else 0
    for path, generate in GENERATORS:
        (REPOSITORY / path).write_text(generate(DEFAULT), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
