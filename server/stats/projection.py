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
_SEG_INSERT = (f"INSERT OR REPLACE INTO segments ({', '.join(SEGMENT_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(SEGMENT_COLUMNS))})")
_WIN_INSERT = (f"INSERT OR REPLACE INTO window_time ({', '.join(WINDOW_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(WINDOW_COLUMNS))})")


def create_tables(conn: sqlite3.Connection) -> None:
    for statement in TABLES_SQL.split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(PARTIALS_SQL)


def write_rows(conn: sqlite3.Connection, segments: Iterable[Segment], windows: Iterable[dict]) -> None:
    conn.executemany(_SEG_INSERT, [s.row() for s in segments])
    conn.executemany(_WIN_INSERT, [tuple(w[c] for c in WINDOW_COLUMNS) for w in windows])


class StatsProjector:
    """A writer Projector (`project(conn, events)`). Keeps the current day folded in memory and
    re-reads it from `events` whenever the sequence does not follow on (start-up, rolled-back group)."""

    def __init__(self) -> None:
        self.fold = SegmentFold()

    def __call__(self, conn: sqlite3.Connection, events: list[dict]) -> None:
        """Never fails the hall's write: a fault in the statistics is logged, its rows rolled back
        to a savepoint, and the next batch re-reads the day (`rebuild_projection` repairs)."""
        conn.execute("SAVEPOINT stats_projection")
        try:
            self._project(conn, events)
        except Exception:  # the queue must go on; statistics can be rebuilt
            log.exception("statistics projection failed for seq %s..%s", events[0].get("seq"), events[-1].get("seq"))
            conn.execute("ROLLBACK TO stats_projection")
            self.fold = SegmentFold()
        conn.execute("RELEASE stats_projection")

    def _project(self, conn: sqlite3.Connection, events: list[dict]) -> None:
        first = events[0]
        if self.fold.last_seq == 0 or first["seq"] != self.fold.last_seq + 1 or first["day"] != self.fold.day:
            self._warm_up(conn, first["day"], first["seq"])
        for ev in events:
            self.fold.fold(ev)
        write_rows(conn, *self.fold.take_dirty())

    def warm(self, conn: sqlite3.Connection) -> None:
        """At start-up, before the first write: fold the last day so far (its rows are already
        stored, committed with their events), so the first action after a restart is not slowed."""
        last = conn.execute("SELECT seq, day FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        if last is None:
            return
        if _never_projected(conn):  # events recorded before the statistics existed: fill them once
            conn.execute("BEGIN IMMEDIATE")
            rebuild_projection(conn)
            conn.execute("COMMIT")
        try:
            self._warm_up(conn, last[1], last[0] + 1)
        except Exception:
            self.fold = SegmentFold()  # half a fold would be wrong: the first batch re-reads the day
            raise
        self.fold.take_dirty()

    def _warm_up(self, conn: sqlite3.Connection, day: str, before_seq: int) -> None:
        self.fold = SegmentFold()
        rows = conn.execute("SELECT data FROM events WHERE day = ? AND seq < ? ORDER BY seq", (day, before_seq))
        for row in rows:
            self.fold.fold(json.loads(row[0]))
        # the day's rows are written again with this batch: idempotent, and it repairs a batch whose
        # projection failed and was rolled back


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
