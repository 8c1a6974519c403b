"""A hall's mirror at the city: a SQLite file with the hall's own schema, filled from the events in
PostgreSQL and folded by the hall's own statistics projector. The city's figures for a hall are
then computed by the hall's own code (server/stats) on the same events, so they are the hall's
figures by construction (tests/city/test_figures.py checks it). The mirror is a cache: delete it
and it is rebuilt from PostgreSQL.

Everything touching the SQLite file runs on the mirror's one thread (ingest and queries queue
behind each other, never on the event loop).
"""
from __future__ import annotations

import asyncio
import json
import time
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from collections.abc import Callable

from server.domain.calendar import business_day
from server.domain.hall import HallConfig
from server.stats.figures import Query, compute, merge, settled_before
from server.stats.projection import StatsProjector
from server.stats.store import PartialCache, read_all
from server.store.connection import open_database
from server.store.writer import WriteBatch, write_batch


WARM_DAYS = 31


class HallMirror:
    def __init__(self, folder: Path, hall_id: str, hall: HallConfig) -> None:
        self.hall_id, self.hall = hall_id, hall
        self.path = Path(folder) / f"{hall_id}.db"
        self.cache = PartialCache()  # closed days' partials, as at the hall
        self.summary: dict | None = None  # today's figures for the overview, refreshed after each ingest
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"mirror-{hall_id}")
        self._conn: sqlite3.Connection | None = None
        self._projector = StatsProjector()
        self.last_seq = 0
        self.newest_day = ""
        self.warmed_through = ""  # the settled day up to which the kept partials were computed
        self.pending = False  # events folded since the last summary
        self.summarised_at = 0.0  # time.monotonic() of the last summary

    # --- on the mirror's thread ------------------------------------------------------------------------

    @property
    def opened(self) -> bool:
        return self._conn is not None

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._call, fn, args)

    def _call(self, fn, args):
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = open_database(self.path)
            self._conn = db.conn
            self._conn.execute("PRAGMA synchronous = OFF")  # a cache: rebuilt from PostgreSQL if lost
            self.last_seq = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
            self._projector.warm(self._conn)
            last = self._conn.execute("SELECT MAX(day) FROM events").fetchone()[0]
            if last:
                self.newest_day = last
                self.cache.load(read_all(self._conn, "0000-01-01", last))
        return fn(self._conn, *args)

    def ingest_rows(self, conn: sqlite3.Connection, rows: list[tuple[int, str]]) -> int:
        """(seq, data) rows in seq order, following on from last_seq: stored and folded in one transaction."""
        events = [json.loads(data) for seq, data in rows if seq > self.last_seq]
        if not events:
            return 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            write_batch(conn, WriteBatch(events=events), (self._projector,))
            self._forget_days(conn, {ev["day"] for ev in events})
            self.cache.take_new().run(conn)  # closed days' partials computed by queries since the last ingest
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            self._projector = StatsProjector()  # re-reads the day at the next batch
            raise
        self.last_seq = events[-1]["seq"]
        self.newest_day = max(self.newest_day, events[-1]["day"])
        return len(events)

    def _forget_days(self, conn: sqlite3.Connection, days: set[str]) -> None:
        """A hall that was behind sends a closed day late: its kept partials are stale now."""
        for key in [k for k in self.cache if k[0] in days]:
            del self.cache[key]
        self.cache.new = [k for k in self.cache.new if k[0] not in days]
        conn.executemany("DELETE FROM stats_partials WHERE day = ?", [(d,) for d in days])

    def today(self, now: float) -> str:
        c = self.hall.center
        return business_day(now, c.timezone, c.day_boundary_min)

    def settle_key(self, now: float) -> str:
        """The `today` the statistics code keeps days before the eve of. At the hall that is its
        clock's day; at the city a day is also final once the hall has sent events of a later day
        (the hall's day turn, walk-outs included, is written before the next day's first event)."""
        today = self.today(now)
        if not self.newest_day:
            return today
        after_newest = (date.fromisoformat(self.newest_day) + timedelta(days=1)).isoformat()
        return max(today, after_newest)

    def warm(self, conn: sqlite3.Connection, now: float, days: int = WARM_DAYS) -> None:
        """Keep the partials of newly settled days (the report's groupings), so the first report
        that needs them is a merge, not a scan. Cheap when nothing settled since the last call."""
        key = self.settle_key(now)
        settled = settled_before(key)
        if settled <= self.warmed_through or not self.newest_day:
            return
        first = (date.fromisoformat(settled) - timedelta(days=days - 1)).isoformat()
        last = min(settled, self.newest_day)
        for group_by in ("total", "department", "service"):
            compute(conn, Query(self.hall, max(first, self.warmed_through or first), last, group_by,
                                percentiles=False), self.cache, key)
        conn.execute("BEGIN IMMEDIATE")
        self.cache.take_new().run(conn)
        conn.execute("COMMIT")
        self.warmed_through = settled

    def figures(self, conn: sqlite3.Connection, day_from: str, day_to: str, group_by: str, now: float,
                percentiles: bool = True) -> dict:
        """Exactly what the hall's GET /api/stats answers for the same range and grouping."""
        query = Query(self.hall, day_from, day_to, group_by, now=now, percentiles=percentiles)
        return compute(conn, query, self.cache, self.settle_key(now))

    def live_summary(self, conn: sqlite3.Connection, now: float) -> dict:
        """Today: queues and windows from the projection, totals as the hall's live board sums them."""
        day = self.today(now)
        waiting, oldest = conn.execute(
            "SELECT COUNT(*), MIN(entered_at) FROM segments WHERE day = ? AND left_queue_at IS NULL "
            "AND end_kind IS NULL", (day,)).fetchone()
        windows = dict(conn.execute("SELECT state, COUNT(*) FROM window_time WHERE day = ? AND \"end\" IS NULL "
                                    "GROUP BY state", (day,)).fetchall())
        by_service = compute(conn, Query(self.hall, day, day, "service", now=now, percentiles=False))["groups"]
        totals = merge(by_service) or None
        self.pending, self.summarised_at = False, time.monotonic()
        self.summary = {"day": day, "waiting": waiting, "oldest_entry": oldest,
                        "windows_open": windows.get("open", 0), "windows_paused": windows.get("paused", 0),
                        "totals": totals, "seq": self.last_seq, "at": now}
        return self.summary

    def close(self) -> None:
        def _close():
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        self._pool.submit(_close).result(timeout=30)
        self._pool.shutdown(wait=True)


def with_hall(mirror: HallMirror, hall: HallConfig) -> None:
    """A hall's catalogue changed (new service, new target): later figures use it."""
    mirror.hall = replace(hall)
