"""Embedded SQLite state: the per-model ledger and the samples of credits used.

The ledger is keyed by (account, day, model, provider, endpoint). A row once seen stays
counted after it slides out of OpenRouter's 30-day window; a revised row replaces the old
one field by field at its high-water mark, so a downward revision never lowers a counter
(the windowed gauges show the revised figures). Rows older than the window can no longer
be revised and are folded into one archive row per (model, provider), which keeps the file
small for years. Samples are kept for 31 days, thinned to one an hour after 26 hours.

Provisional rows (account, day, model) hold the Analytics API's figures of days that
``/activity`` does not have yet (today), each with its fixed split over providers; they
meet the ledger's rows of the same day and model as :mod:`openrouter_exporter.core.reconcile`
describes, so nothing counts twice and no counter goes down.

Every write is one transaction. A state file that is corrupt, locked or not a database is
reported, moved aside and replaced; a state dir that cannot be written leaves the exporter
running on an in-memory database, which it says once.
"""

import contextlib
import dataclasses
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import structlog

from openrouter_exporter.core.activity_windows import ACTIVITY_WINDOW_DAYS
from openrouter_exporter.core.budget_status import DaySpend, LedgerDays
from openrouter_exporter.core.ledger import (
    LedgerAmounts,
    LedgerRow,
    ModelTotals,
    Sample,
    UsageCounter,
)
from openrouter_exporter.core.reconcile import Figures, allocate, provider_shares
from openrouter_exporter.storage import usage_marks
from openrouter_exporter.storage.sqlite_files import StateError, connect, move_aside, unwritable

STATE_FILE = "state.sqlite3"
SCHEMA_VERSION = "1"
SAMPLE_RETENTION = 31 * 86400.0
SAMPLE_FULL_RESOLUTION = 26 * 3600.0
LEDGER_REVISABLE_DAYS = 35


_LEDGER_FIELDS = tuple(field.name for field in dataclasses.fields(LedgerAmounts))
_SCHEMA = (
    f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
    account TEXT NOT NULL, day TEXT NOT NULL, model TEXT NOT NULL,
    provider TEXT NOT NULL, endpoint TEXT NOT NULL,
    {", ".join(f"{name} REAL NOT NULL" for name in _LEDGER_FIELDS)},
    PRIMARY KEY (account, day, model, provider, endpoint)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_archive (
    account TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL,
    {", ".join(f"{name} REAL NOT NULL" for name in _LEDGER_FIELDS)},
    PRIMARY KEY (account, model, provider)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS provisional (
    account TEXT NOT NULL, day TEXT NOT NULL, model TEXT NOT NULL,
    {", ".join(f"{name} REAL NOT NULL" for name in _LEDGER_FIELDS)},
    PRIMARY KEY (account, day, model)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS provisional_share (
    account TEXT NOT NULL, day TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL,
    share REAL NOT NULL,
    PRIMARY KEY (account, day, model, provider)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS samples (
    account TEXT NOT NULL, ts REAL NOT NULL,
    total_usage REAL NOT NULL, total_credits REAL NOT NULL,
    PRIMARY KEY (account, ts)
) WITHOUT ROWID;
"""
    + usage_marks.SCHEMA
)

log = structlog.get_logger("openrouter_exporter.state")


class StateStore:
    """Thread-safe access to the state database (the poller writes from worker threads)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self.path = path

    @property
    def persistent(self) -> bool:
        return self.path is not None

    @classmethod
    def open(cls, state_dir: Path) -> "StateStore":
        """Open or create the state in ``state_dir``; never raises for a bad file or dir."""
        if (problem := unwritable(state_dir)) is not None:
            log.error(
                "state dir is not writable: running without persistence, so counters and the "
                "24h burn rate start afresh on every restart; fix the dir's permissions",
                state_dir=str(state_dir),
                error=problem,
            )
            return cls.in_memory()
        path = state_dir / STATE_FILE
        try:
            return cls(connect(path, _SCHEMA, SCHEMA_VERSION), path)
        except (sqlite3.Error, StateError) as error:
            aside = move_aside(path)
            log.error(
                "state file unusable: moved aside and replaced with a new one; per-model "
                "counters restart from the 30 days OpenRouter still serves",
                state_file=str(path),
                moved_to=str(aside) if aside else None,
                error=str(error),
            )
        try:
            return cls(connect(path, _SCHEMA, SCHEMA_VERSION), path)
        except (sqlite3.Error, StateError) as error:
            log.error(
                "state file cannot be created: running without persistence",
                state_file=str(path),
                error=str(error),
            )
            return cls.in_memory()

    @classmethod
    def in_memory(cls) -> "StateStore":
        connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        connection.executescript(_SCHEMA)
        return cls(connection, None)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def record_activity(self, account: str, rows: Iterable[LedgerRow], today: date) -> None:
        """Add the rows to the ledger. Rows past the revisable horizon were archived already
        (OpenRouter no longer serves them) and are ignored, so they cannot count twice."""
        horizon = today - timedelta(days=LEDGER_REVISABLE_DAYS)
        merged: dict[tuple[date, str, str, str], LedgerAmounts] = {}
        for row in rows:
            if row.day >= horizon:
                key = (row.day, row.model, row.provider, row.endpoint)
                earlier = merged.get(key)
                merged[key] = row.amounts if earlier is None else earlier.plus(row.amounts)
        updates = ", ".join(f"{name} = max({name}, excluded.{name})" for name in _LEDGER_FIELDS)
        placeholders = ", ".join("?" * len(_LEDGER_FIELDS))
        statement = (
            f"INSERT INTO ledger (account, day, model, provider, endpoint, "
            f"{', '.join(_LEDGER_FIELDS)}) VALUES (?, ?, ?, ?, ?, {placeholders}) "
            f"ON CONFLICT (account, day, model, provider, endpoint) DO UPDATE SET {updates}"
        )
        ledger_rows = (
            (account, day.isoformat(), *names, *amounts.values())
            for (day, *names), amounts in merged.items()
        )
        with self._transaction() as connection:
            connection.executemany(statement, ledger_rows)
            since = today - timedelta(days=ACTIVITY_WINDOW_DAYS)  # the first answer's reach
            connection.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                (f"ledger_since:{account}", since.isoformat()),
            )

    def record_provisional(
        self, account: str, rows: Iterable[tuple[date, str, Figures]], today: date
    ) -> None:
        """Raise the provisional figures of (day, model) to ``rows``' where higher. A day and
        model that ``/activity`` has rows for is settled: its provisional figures no longer
        change. The split over providers is fixed on first sight, from the model's latest
        day in the ledger."""
        horizon = (today - timedelta(days=LEDGER_REVISABLE_DAYS)).isoformat()
        updates = ", ".join(f"{name} = max({name}, excluded.{name})" for name in _LEDGER_FIELDS)
        statement = (
            f"INSERT INTO provisional (account, day, model, {', '.join(_LEDGER_FIELDS)}) "
            f"VALUES (?, ?, ?, {', '.join('?' * len(_LEDGER_FIELDS))}) "
            f"ON CONFLICT (account, day, model) DO UPDATE SET {updates}"
        )
        with self._transaction() as connection:
            for day, model, figures in rows:
                key = (account, day.isoformat(), model)
                if (
                    key[1] < horizon
                    or connection.execute(
                        "SELECT 1 FROM ledger WHERE account = ? AND day = ? AND model = ? LIMIT 1",
                        key,
                    ).fetchone()
                ):
                    continue
                connection.execute(statement, (*key, *figures))
                if not connection.execute(
                    "SELECT 1 FROM provisional_share WHERE account = ? AND day = ? AND model = ?",
                    key,
                ).fetchone():
                    latest = connection.execute(
                        "SELECT provider, sum(spend) FROM ledger WHERE account = ? AND model = ? "
                        "AND day = (SELECT max(day) FROM ledger WHERE account = ? AND model = ?) "
                        "GROUP BY provider",
                        (account, model, account, model),
                    ).fetchall()
                    connection.executemany(
                        "INSERT INTO provisional_share (account, day, model, provider, share) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [(*key, p, share) for p, share in provider_shares(dict(latest)).items()],
                    )

    def model_totals(self, account: str) -> tuple[ModelTotals, ...]:
        sums = ", ".join(f"sum({name})" for name in _LEDGER_FIELDS)
        columns = ", ".join(_LEDGER_FIELDS)
        query = (
            f"SELECT model, provider, {sums} FROM ("
            f"SELECT model, provider, {columns} FROM ledger l WHERE account = ? AND NOT EXISTS ("
            f"SELECT 1 FROM provisional p WHERE p.account = l.account AND p.day = l.day "
            f"AND p.model = l.model) "
            f"UNION ALL SELECT model, provider, {columns} FROM ledger_archive WHERE account = ?"
            f") GROUP BY model, provider"
        )
        with self._lock:
            rows = self._connection.execute(query, (account, account)).fetchall()
            reconciled = self._reconciled(self._connection, account, None)
        totals: dict[tuple[str, str], list[float]] = {
            (model, provider): list(values) for model, provider, *values in rows
        }
        for (_day, model), per_provider in reconciled.items():
            for provider, figures in per_provider.items():
                values = totals.setdefault((model, provider), [0.0] * len(_LEDGER_FIELDS))
                for index, amount in enumerate(figures):
                    values[index] += amount
        return tuple(
            ModelTotals(model, provider, LedgerAmounts(*values))
            for (model, provider), values in sorted(totals.items())
        )

    @staticmethod
    def _reconciled(
        connection: sqlite3.Connection, account: str, before_day: str | None
    ) -> dict[tuple[str, str], dict[str, Figures]]:
        """Every provisional (day, model), or those before ``before_day``, per provider."""
        before = " AND day < ?" if before_day else ""
        params = (account, before_day) if before_day else (account,)
        columns = ", ".join(_LEDGER_FIELDS)
        provisional = {
            (day, model): tuple(values)
            for day, model, *values in connection.execute(
                f"SELECT day, model, {columns} FROM provisional WHERE account = ?{before}", params
            )
        }
        shares: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        for day, model, provider, share in connection.execute(
            f"SELECT day, model, provider, share FROM provisional_share WHERE account = ?{before}",
            params,
        ):
            shares[(day, model)][provider] = share
        sums = ", ".join(f"sum(l.{name})" for name in _LEDGER_FIELDS)
        activity: dict[tuple[str, str], dict[str, Figures]] = defaultdict(dict)
        for day, model, provider, *values in connection.execute(
            f"SELECT l.day, l.model, l.provider, {sums} FROM ledger l JOIN provisional p "
            f"ON p.account = l.account AND p.day = l.day AND p.model = l.model "
            f"WHERE p.account = ?{before.replace('day', 'p.day')} "
            f"GROUP BY l.day, l.model, l.provider",
            params,
        ):
            activity[(day, model)][provider] = tuple(values)
        return {
            key: allocate(figures, shares[key], activity.get(key, {}), len(_LEDGER_FIELDS))
            for key, figures in provisional.items()
        }

    def ledger_days(self, account: str, today: date) -> LedgerDays | None:
        """The spend of each (day, model, provider) the ledger still holds by day (today's
        provisional figures reconciled); ``None`` before the first ``/activity`` answer."""
        with self._lock:
            since = self._connection.execute(
                "SELECT value FROM meta WHERE key = ?", (f"ledger_since:{account}",)
            ).fetchone()
            if since is None:
                return None
            rows = self._connection.execute(
                "SELECT day, model, provider, sum(spend) FROM ledger l WHERE account = ? "
                "AND NOT EXISTS (SELECT 1 FROM provisional p WHERE p.account = l.account "
                "AND p.day = l.day AND p.model = l.model) GROUP BY day, model, provider",
                (account,),
            ).fetchall()
            reconciled = self._reconciled(self._connection, account, None)
        spend = _LEDGER_FIELDS.index("spend")
        days = [DaySpend(date.fromisoformat(day), *rest) for day, *rest in rows]
        days.extend(
            DaySpend(date.fromisoformat(day), model, provider, figures[spend])
            for (day, model), per_provider in reconciled.items()
            for provider, figures in per_provider.items()
        )
        folded_before = today - timedelta(days=LEDGER_REVISABLE_DAYS)
        return LedgerDays(max(date.fromisoformat(since[0]), folded_before), tuple(days))

    def has_spend_since(self, account: str, day: date) -> bool:
        """Whether the ledger holds any spend on ``day`` or later."""
        with self._lock:
            found = self._connection.execute(
                "SELECT 1 FROM ledger WHERE account = ? AND day >= ? AND spend > 0 LIMIT 1",
                (account, day.isoformat()),
            ).fetchone()
        return found is not None

    def add_sample(self, account: str, sample: Sample) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO samples (account, ts, total_usage, total_credits) "
                "VALUES (?, ?, ?, ?)",
                (account, sample.timestamp, sample.total_usage, sample.total_credits),
            )

    def advance_usage(self, account: str, total_usage: float) -> UsageCounter:
        """The credits-used counter after ``total_usage``, stored (see :mod:`.usage_marks`)."""
        with self._transaction() as connection:
            return usage_marks.advance(connection, account, total_usage)

    def samples(self, account: str, since: float) -> list[Sample]:
        with self._lock:
            rows = self._connection.execute(
                "SELECT ts, total_usage, total_credits FROM samples "
                "WHERE account = ? AND ts >= ? ORDER BY ts",
                (account, since),
            ).fetchall()
        return [Sample(*row) for row in rows]

    def prune(self, now: float | None = None) -> None:
        """Drop old samples, thin day-old ones, fold unrevisable ledger rows into the archive."""
        current = time.time() if now is None else now
        thin_before = current - SAMPLE_FULL_RESOLUTION
        today = datetime.fromtimestamp(current, UTC).date()
        cutoff_day = (today - timedelta(days=LEDGER_REVISABLE_DAYS)).isoformat()
        columns = ", ".join(_LEDGER_FIELDS)
        sums = ", ".join(f"sum({name})" for name in _LEDGER_FIELDS)
        folds = ", ".join(f"{name} = {name} + excluded.{name}" for name in _LEDGER_FIELDS)
        with self._transaction() as connection:
            connection.execute("DELETE FROM samples WHERE ts < ?", (current - SAMPLE_RETENTION,))
            connection.execute(
                "DELETE FROM samples WHERE ts < ? AND (account, ts) NOT IN ("
                "SELECT account, min(ts) FROM samples WHERE ts < ? "
                "GROUP BY account, CAST(ts / 3600 AS INTEGER))",
                (thin_before, thin_before),
            )
            self._fold_provisional(connection, cutoff_day)
            connection.execute(
                f"INSERT INTO ledger_archive (account, model, provider, {columns}) "
                f"SELECT account, model, provider, {sums} FROM ledger WHERE day < ? "
                f"GROUP BY account, model, provider "
                f"ON CONFLICT (account, model, provider) DO UPDATE SET {folds}",
                (cutoff_day,),
            )
            connection.execute("DELETE FROM ledger WHERE day < ?", (cutoff_day,))

    @classmethod
    def _fold_provisional(cls, connection: sqlite3.Connection, cutoff_day: str) -> None:
        """Archive the reconciled figures of provisional days before the cutoff (their ledger
        rows go with them, so the archive gets each (day, model) once)."""
        accounts = [
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT account FROM provisional WHERE day < ?", (cutoff_day,)
            )
        ]
        columns = ", ".join(_LEDGER_FIELDS)
        adds = ", ".join(f"{name} = {name} + excluded.{name}" for name in _LEDGER_FIELDS)
        for account in accounts:
            for (day, model), per_provider in cls._reconciled(
                connection, account, cutoff_day
            ).items():
                connection.executemany(
                    f"INSERT INTO ledger_archive (account, model, provider, {columns}) "
                    f"VALUES (?, ?, ?, {', '.join('?' * len(_LEDGER_FIELDS))}) "
                    f"ON CONFLICT (account, model, provider) DO UPDATE SET {adds}",
                    [(account, model, p, *figures) for p, figures in per_provider.items()],
                )
                connection.execute(
                    "DELETE FROM ledger WHERE account = ? AND day = ? AND model = ?",
                    (account, day, model),
                )
        for table in ("provisional", "provisional_share"):
            connection.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff_day,))
