"""The statistics projection: `segments` and `window_time`, kept by the writer inside each write
transaction (so a figure never sees an event without its rows), and rebuildable from `events`.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable

from .fold import SEGMENT_COLUMNS, WINDOW_COLUMNS, Segment, SegmentFold
from .store import TABLE_SQL as PARTIALS_SQL

TABLES_SQL = f"""
CREATE TABLE IF NOT EXISTS segments (
    {", ".join(SEGMENT_COLUMNS)},
    PRIMARY KEY (ticket_id, segment)
);
CREATE INDEX IF NOT EXISTS segments_day ON segments(day);
CREATE INDEX IF NOT EXISTS segments_bad ON segments(rating) WHERE rating IN ('dissatisfied', 'very_dissatisfied');
CREATE TABLE IF NOT EXISTS window_time (
    {", ".join(WINDOW_COLUMNS)},
    PRIMARY KEY (day, window, start)
);
"""

log = logging.getLogger("hallq.stats")
WORKING_SET = 4096  # segments the live fold holds (a few busy hours of the hall's activity)
def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    """Insert a row, or update it in place: unlike INSERT OR REPLACE (a delete and an insert under a
    new rowid), its index entries and its page stay where they are, so a call dirties fewer pages."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}")


_SEG_INSERT = _upsert("segments", SEGMENT_COLUMNS, ("ticket_id", "segment"))
_SEG_LATEST = (f"SELECT {', '.join(SEGMENT_COLUMNS)} FROM segments WHERE ticket_id = ? AND +day = ? "
               "ORDER BY segment DESC LIMIT 1")
_SEG_ONE = f"SELECT {', '.join(SEGMENT_COLUMNS)} FROM segments WHERE ticket_id = ? AND segment = ? AND +day = ?"
_DAY_EVENTS = "SELECT seq, data FROM events WHERE day = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?"
_WIN_INSERT = _upsert("window_time", WINDOW_COLUMNS, ("day", "window", "start"))


def create_tables(conn: sqlite3.Connection) -> None:
    for statement in TABLES_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(PARTIALS_SQL)


def write_rows(conn: sqlite3.Connection, segments: Iterable[Segment], windows: Iterable[dict]) -> None:
    conn.executemany(_SEG_INSERT, [s.row() for s in segments])
    conn.executemany(_WIN_INSERT, [tuple(w[c] for c in WINDOW_COLUMNS) for w in windows])


class StoredSegments:
    """The live fold's segment source: the `segments` rows on the writer's connection, read inside
    its current transaction, so a row written earlier in the same group is seen. Primary-key
    lookups (`+day` keeps the planner off the day index); the day filter keeps another day's
    segments out, as the fold's own day would."""

    def __init__(self) -> None:
        self.conn: sqlite3.Connection | None = None  # the projector's, set on each call

    def latest(self, day: str, ticket_id: int) -> Segment | None:
        return self._one(_SEG_LATEST, (ticket_id, day))

    def segment(self, day: str, ticket_id: int, number: int) -> Segment | None:
        return self._one(_SEG_ONE, (ticket_id, number, day))

    def _one(self, sql: str, args: tuple) -> Segment | None:
        if self.conn is None:
            raise RuntimeError("stored segments read before the projector set its connection")
        row = self.conn.execute(sql, args).fetchone()
        return Segment(*row) if row is not None else None


class StatsProjector:
    """A writer Projector (`project(conn, events)`). Keeps the current day's small figures folded in
    memory (waiting per service, open window intervals) and only a working set of its segments
    (the `keep` most recently touched): the rest are in the `segments` table, written in the same
    transaction as their events, and read back by primary key when an event needs one. Re-reads the
    day from `events` whenever the sequence does not follow on (start-up, rolled-back group): that
    drops whatever the working set held from a group that was rolled back."""

    def __init__(self, keep: int = WORKING_SET) -> None:
        self.keep = keep
        self.stored = StoredSegments()
        self.fold = SegmentFold(self.stored)

    def __call__(self, conn: sqlite3.Connection, events: list[dict]) -> None:
        """Never fails the hall's write: a fault in the statistics is logged, its rows rolled back
        to a savepoint, and the next batch re-reads the day (`rebuild_projection` repairs)."""
        conn.execute("SAVEPOINT stats_projection")
        try:
            self._project(conn, events)
        except Exception:  # the queue must go on; statistics can be rebuilt
            log.exception("statistics projection failed for seq %s..%s", events[0].get("seq"), events[-1].get("seq"))
            conn.execute("ROLLBACK TO stats_projection")
            self.fold = SegmentFold(self.stored)  # its working set may hold what was rolled back
        conn.execute("RELEASE stats_projection")

    def _project(self, conn: sqlite3.Connection, events: list[dict]) -> None:
        self.stored.conn = conn
        first = events[0]
        if self.fold.last_seq == 0 or first["seq"] != self.fold.last_seq + 1 or first["day"] != self.fold.day:
            self._warm_up(conn, first["day"], first["seq"])
        for ev in events:
            self.fold.fold(ev)
        self._write(conn)

    def _write(self, conn: sqlite3.Connection) -> None:
        write_rows(conn, *self.fold.take_dirty())
        self.fold.forget(self.keep)

    def warm(self, conn: sqlite3.Connection) -> None:
        """At start-up, before the first write: fold the last day so far, so the first action after
        a restart is not slowed. It rewrites the day's rows (the same rows, or a repair of a batch
        whose projection failed), so it takes the write transaction for that."""
        last = conn.execute("SELECT seq, day FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        if last is None:
            return
        if _never_projected(conn):  # events recorded before the statistics existed: fill them once
            conn.execute("BEGIN IMMEDIATE")
            rebuild_projection(conn)
            conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")
        try:
            self.stored.conn = conn
            self._warm_up(conn, last[1], last[0] + 1)
            conn.execute("COMMIT")
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.fold = SegmentFold(self.stored)  # half a fold would be wrong: the first batch re-reads the day
            raise

    def _warm_up(self, conn: sqlite3.Connection, day: str, before_seq: int) -> None:
        """Fold the day's events before `before_seq` into a new fold, writing its rows and forgetting
        beyond the working set every `keep` events, so a long day never sits in memory. The day's
        segment rows are deleted first: a segment read back must be one this fold wrote, never a row
        of a later event or of a batch whose projection was rolled back (so it is also a repair)."""
        self.fold = SegmentFold(self.stored)
        conn.execute("DELETE FROM segments WHERE day = ?", (day,))
        last = 0
        while rows := conn.execute(_DAY_EVENTS, (day, last, before_seq, self.keep)).fetchall():
            for row in rows:
                self.fold.fold(json.loads(row[1]))
            self._write(conn)
            last = rows[-1][0]


def _never_projected(conn: sqlite3.Connection) -> bool:
    return (conn.execute("SELECT 1 FROM segments LIMIT 1").fetchone() is None
            and conn.execute("SELECT 1 FROM window_time LIMIT 1").fetchone() is None)


def rebuild_projection(conn: sqlite3.Connection, chunk: int = 50_000) -> int:
    """Recompute both tables from the event record (repair tool; also run by the migration).
    The caller owns the transaction. Returns the number of events folded."""
    create_tables(conn)
    conn.execute("DELETE FROM segments")
    conn.execute("DELETE FROM window_time")
    conn.execute("DELETE FROM stats_partials")  # kept figures of closed days: history changed
    fold, count, last = SegmentFold(), 0, 0
    while True:
        rows = conn.execute("SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (last, chunk)).fetchall()
        if not rows:
            break
        for row in rows:
            fold.fold(json.loads(row[1]))
        last, count = rows[-1][0], count + len(rows)
        write_rows(conn, *fold.take_dirty())
    return count


def main(argv: list[str] | None = None) -> int:
    """`python -m server.stats.projection --db FILE`: rebuild the statistics tables from the events
    (with the server stopped: it takes the write lock for the whole rebuild)."""
    import argparse
    import time

    from ..store.connection import connect, open_database
    ap = argparse.ArgumentParser(prog="hallq stats-rebuild", description=main.__doc__)
    ap.add_argument("--db", required=True)
    args = ap.parse_args(argv)
    open_database(args.db).conn.close()
    conn = connect(args.db, write=True)
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    count = rebuild_projection(conn)
    conn.execute("COMMIT")
    conn.close()
    print(f"{count} events folded in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
