"""The credits-used counter's marks in the state database, so that a restart neither lowers
the counter to a refunded ``total_usage`` nor counts the same refund twice."""

import sqlite3

from openrouter_exporter.core.ledger import UsageCounter, advance_usage

SCHEMA = """
CREATE TABLE IF NOT EXISTS usage_marks (
    account TEXT PRIMARY KEY,
    last_usage REAL NOT NULL, used REAL NOT NULL, refunded REAL NOT NULL
) WITHOUT ROWID;
"""


def advance(connection: sqlite3.Connection, account: str, total_usage: float) -> UsageCounter:
    """Advance the account's stored counter to ``total_usage`` and store it; call within a
    transaction."""
    row = connection.execute(
        "SELECT last_usage, used, refunded FROM usage_marks WHERE account = ?", (account,)
    ).fetchone()
    counter = advance_usage(UsageCounter(*row) if row else None, total_usage)
    connection.execute(
        "INSERT OR REPLACE INTO usage_marks (account, last_usage, used, refunded) "
        "VALUES (?, ?, ?, ?)",
        (account, counter.last_usage, counter.used, counter.refunded),
    )
    return counter
