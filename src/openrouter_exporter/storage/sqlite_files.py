"""The state file itself: opened and checked, or moved aside when it cannot be used."""

import contextlib
import sqlite3
import time
from pathlib import Path


class StateError(Exception):
    """A state file that cannot be used; the message says why, in one line."""


def connect(path: Path, schema: str, version: str) -> sqlite3.Connection:
    """Open the state file at ``path``, checked and with ``schema`` in place."""
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5.0)
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise StateError(f"integrity check failed: {check[0] if check else 'no answer'}")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        # 512 KiB of SQLite's own page cache instead of 2 MiB: the ledger is read and written
        # once per /activity poll, and the operating system caches the file anyway.
        connection.execute("PRAGMA cache_size=-512")
        connection.executescript(schema)
        connection.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (version,),
        )
        found = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found is None or found[0] != version:
            raise StateError(f"schema version {found[0] if found else '?'} is not supported")
    except BaseException:
        connection.close()
        raise
    return connection


def move_aside(path: Path) -> Path | None:
    """Move a broken state file (and its WAL files) aside; where it went, if anywhere."""
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


def unwritable(state_dir: Path) -> str | None:
    """Why files cannot be written in ``state_dir`` (created if missing), or None."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        probe = state_dir / ".write-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        return error.strerror or str(error)
    return None
