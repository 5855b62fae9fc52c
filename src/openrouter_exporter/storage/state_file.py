"""Moving an unusable state file (and its WAL and shared-memory files) out of the way."""

import contextlib
import time
from pathlib import Path


def move_aside(path: Path) -> Path | None:
    """Rename ``path`` and its companions to ``<name>.broken-<UTC time>``; delete what cannot
    be renamed. Returns the new path, or None when nothing was moved."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = path.with_name(f"{path.name}.broken-{stamp}")
    moved: Path | None = None
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            try:
                source.rename(aside.with_name(aside.name + suffix))
                moved = moved or aside
            except OSError:
                with contextlib.suppress(OSError):
                    source.unlink()
    return moved
