"""Opening SQLite connections the same way everywhere."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from .schema import migrate


def connect(path: str | Path, *, write: bool = False) -> sqlite3.Connection:
    """A connection used by one thread at a time (the reader pool closes its own from another)."""
    if write:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    if write:
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: the WAL is synced at every commit, so an acknowledged action survives power loss.
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def open_database(path: str | Path) -> Database:
    """A sqlite-utils Database on a write connection, migrated to the current schema."""
    db = Database(connect(path, write=True))
    migrate(db)
    return db
