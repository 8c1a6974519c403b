"""Closed days' partials kept in SQLite (`stats_partials`), so a restart does not mean a cold month.

A closed day's figures never change, so its partials are computed once (by a request or the
start-up warm-up, on the statistics thread) and written through the one writer like any other
durable write. `rebuild_projection` empties the table.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

TABLE_SQL = ("CREATE TABLE IF NOT EXISTS stats_partials (day TEXT NOT NULL, grouping TEXT NOT NULL, "
             "data TEXT NOT NULL, PRIMARY KEY (day, grouping)) WITHOUT ROWID")
INSERT_SQL = "INSERT OR REPLACE INTO stats_partials (day, grouping, data) VALUES (?, ?, ?)"


@dataclass(frozen=True)
class SavePartials:
    """A writer Write (server/store/writer.py): closed days' partials, in the statistics' own table."""

    rows: tuple[tuple[str, str, str], ...]

    def run(self, conn: sqlite3.Connection) -> None:
        conn.executemany(INSERT_SQL, self.rows)


class PartialCache(dict):
    """(day, grouping) -> partials, remembering which entries are new since the last `take_new`."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[tuple[str, str]] = []

    def __setitem__(self, key, value) -> None:
        if key not in self:
            self.new.append(key)
        super().__setitem__(key, value)

    def take_new(self) -> SavePartials:
        """The entries added since the last call, as one write for the writer."""
        keys, self.new = self.new, []
        # an empty day costs nothing to redo: only days with something in them are saved
        return SavePartials(tuple((day, kind, encode(self[(day, kind)])) for day, kind in keys
                                  if self.get((day, kind)) not in (None, {}, 1.0)))

    def load(self, rows) -> None:
        for day, kind, data in rows:
            super().__setitem__((day, kind), decode(data))


def encode(value) -> str:
    """JSON keeps only string keys: groups and histogram bins go as [key, value] pairs."""
    if not isinstance(value, dict):
        return json.dumps(value)
    return json.dumps([[g, {"row": p["row"], "wt": p["wt"],
                            "hist": {name: list(bins.items()) for name, bins in p["hist"].items()}}]
                       for g, p in value.items()], separators=(",", ":"))


def decode(data: str):
    value = json.loads(data)
    if not isinstance(value, list):
        return value
    return {g: {"row": p["row"], "wt": tuple(p["wt"]) if p["wt"] is not None else None,
                "hist": {name: dict(pairs) for name, pairs in p["hist"].items()}} for g, p in value}


def read_all(conn: sqlite3.Connection, day_from: str, day_to: str) -> list[tuple]:
    return conn.execute("SELECT day, grouping, data FROM stats_partials WHERE day BETWEEN ? AND ?",
                        (day_from, day_to)).fetchall()
