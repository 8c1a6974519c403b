"""What the link reads from the hall's SQLite: committed events after a seq, and one event's hash.
Plain functions of the link's own read connection (WAL: they never wait for the hall's writer)."""
from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Shipped:
    """One event as the city stores it."""

    seq: int
    type: str
    at: float
    day: str
    data: str
    hash: str


def event_hash(data: str) -> str:
    """sha256 of the event's stored JSON: the same text gives the same hash at the hall and the city."""
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def events_after(conn: sqlite3.Connection, seq: int, limit: int) -> list[Shipped]:
    rows = conn.execute("SELECT seq, type, at, day, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                        (seq, limit)).fetchall()
    return [Shipped(r[0], r[1], r[2], r[3], r[4], event_hash(r[4])) for r in rows]


def hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    row = conn.execute("SELECT data FROM events WHERE seq = ?", (seq,)).fetchone()
    return event_hash(row[0]) if row else None


def newest_seq(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(seq) FROM events").fetchone()
    return row[0] or 0


def first_gap(batch: list[Shipped], after: int) -> tuple[int, int] | None:
    """(expected, found) where the batch does not follow on from `after` one by one, else None."""
    expected = after + 1
    for ev in batch:
        if ev.seq != expected:
            return expected, ev.seq
        expected += 1
    return None
