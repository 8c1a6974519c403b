"""Opening SQLite connections the same way everywhere."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from .schema import migrate

BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another program's lock before it is a fault


def connect(path: str | Path, *, write: bool = False, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """A connection used by one thread at a time (the reader pool closes its own from another)."""
    if write:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # Only the writer may create the file: a reader opening a deleted file must fail, not make an
    # empty one the server would then take for its own.
    target = str(path) if write else Path(path).resolve().as_uri() + "?mode=rw"
    conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, uri=not write,
                           timeout=busy_timeout_ms / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    if write:
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: the WAL is synced at every commit, so an acknowledged action survives power loss.
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def open_database(path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """A sqlite-utils Database on a write connection, migrated to the current schema and proven
    writable (a read-only file is refused here, at start-up, not at the first citizen's ticket)."""
    conn = connect(path, write=True, busy_timeout_ms=busy_timeout_ms)
    try:
        db = Database(conn)
        migrate(db)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE IF NOT EXISTS probe (x)")
        conn.execute("DROP TABLE probe")
        conn.execute("COMMIT")
    except Exception:
        conn.close()
        raise
    return db
