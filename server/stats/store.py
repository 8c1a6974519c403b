"""Closed days' partials kept in SQLite (`stats_partials`), so a restart does not mean a cold month.

A closed day's figures never change, so its partials are computed once (by a request or the
start-up warm-up) and written through the one writer like any other durable write; a request
that finds a day missing in memory restores it from the table before it would scan the rows.
`rebuild_projection` empties the table.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass

TABLE_SQL = ("CREATE TABLE IF NOT EXISTS stats_partials (day TEXT NOT NULL, grouping TEXT NOT NULL, "
             "data TEXT NOT NULL, PRIMARY KEY (day, grouping)) WITHOUT ROWID")
INSERT_SQL = "INSERT OR REPLACE INTO stats_partials (day, grouping, data) VALUES (?, ?, ?)"
HIST = "/hist"  # a grouping's histograms are kept apart from its sums, under this suffix


@dataclass(frozen=True)
class SavePartials:
    """A writer Write (server/store/writer.py): closed days' partials, in the statistics' own table."""

    rows: tuple[tuple[str, str, str], ...]

    def run(self, conn: sqlite3.Connection) -> None:
        conn.executemany(INSERT_SQL, self.rows)


class PartialCache(dict):
    """(day, grouping) -> partials, remembering which entries are new since the last `take_new`.

    Shared by the requests' thread and the start-up warm-up's thread: an entry is added and marked
    new under one lock (else `take_new` could see the key before its value and never save it).
    Entries are never changed once set, so reading needs no lock."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __setitem__(self, key, value) -> None:
        with self._lock:
            if key not in self:
                self.new.append(key)
            super().__setitem__(key, value)

    def take_new(self) -> SavePartials:
        """The entries added since the last call, as one write for the writer."""
        with self._lock:
            keys, self.new = self.new, []
            values = [(key, self.get(key)) for key in keys]
        # an empty day costs nothing to redo: only days with something in them are saved
        return SavePartials(tuple((day, kind, encode(kind, value)) for (day, kind), value in values
                                  if value not in (None, {}, 1.0)))

    def load(self, rows) -> None:
        decoded = [((day, kind), decode(kind, data)) for day, kind, data in rows]  # outside the lock
        with self._lock:
            for key, value in decoded:
                super().__setitem__(key, value)

    def restore(self, conn: sqlite3.Connection, kind: str, days: list[str]) -> None:
        """Load the kept partials of `kind` for those of `days` not in memory (one indexed read):
        a request never scans rows for a day the warm-up has not reached but the table keeps."""
        wanted = sorted({d for d in days if (d, kind) not in self})
        if wanted:
            marks = ", ".join("?" * len(wanted))
            rows = conn.execute("SELECT day, grouping, data FROM stats_partials WHERE grouping = ? "
                                f"AND day IN ({marks})", (kind, *wanted)).fetchall()
            self.load(row for row in rows if (row[0], kind) not in self)


def encode(kind: str, value) -> str:
    """Compact JSON, because restoring a month of windows' partials is what a manager's first report
    after a start waits for: sums as one list of column names and one list of values per group
    (not every column's name again in each of hundreds of groups), a histogram as its bins and their
    counts in two lists, not one small list per bin (so many lists that the cyclic collector took
    longer than the parsing). A day's span is a number."""
    if not isinstance(value, dict):
        return json.dumps(value)
    if kind.endswith(HIST):
        return json.dumps([[g, {name: {"b": list(bins), "n": list(bins.values())} for name, bins in hists.items()}]
                           for g, hists in value.items()], separators=(",", ":"))
    cols = list(next(iter(value.values()))["row"])  # every group's row comes from the same query
    return json.dumps({"cols": cols, "groups": [[g, [p["row"][c] for c in cols], p["wt"]] for g, p in value.items()]},
                      separators=(",", ":"))


def decode(kind: str, data: str):
    value = json.loads(data)
    if kind.endswith(HIST):
        return {g: {name: dict(zip(h["b"], h["n"], strict=True)) for name, h in hists.items()} for g, hists in value}
    if isinstance(value, dict):
        cols = value["cols"]
        return {g: {"row": dict(zip(cols, row, strict=True)), "wt": tuple(wt) if wt is not None else None}
                for g, row, wt in value["groups"]}
    if isinstance(value, list):  # [group, {row, wt}] pairs, as the first sums kept apart were
        return {g: {"row": p["row"], "wt": tuple(p["wt"]) if p["wt"] is not None else None} for g, p in value}
    return value


def read_all(conn: sqlite3.Connection, day_from: str, day_to: str) -> list[tuple]:
    return conn.execute("SELECT day, grouping, data FROM stats_partials WHERE day BETWEEN ? AND ?",
                        (day_from, day_to)).fetchall()


async def save_new(reader, cache: PartialCache, service) -> None:
    """Write the closed days' partials computed since the last call through the one writer
    (`service.write_only`); their JSON is made on `reader`'s thread, off the loop."""
    write = await reader.run(_take_new, cache)
    if write.rows:
        await service.write_only([write])


def _take_new(conn: sqlite3.Connection, cache: PartialCache) -> SavePartials:
    return cache.take_new()
