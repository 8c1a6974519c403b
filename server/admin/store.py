"""Configuration versions in SQLite: the write the one writer runs, and the reads (server/store's
Write protocol: a small record whose `run(conn)` is its one statement). The audit row of a change
is server.store.audit's AuditEntry, a write of the same batch."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass


INSERT_VERSION = ("INSERT INTO config_versions (version, at, actor, device, source, summary, document) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)")


@dataclass(frozen=True)
class SaveVersion:
    """One accepted configuration; `version` is the primary key, so two writers can never both win."""

    version: int
    at: float
    actor: str
    device: str | None
    source: str
    summary: str
    document: str  # canonical JSON

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute(INSERT_VERSION, (self.version, self.at, self.actor, self.device, self.source, self.summary,
                                      self.document))


def latest_version(conn: sqlite3.Connection) -> dict | None:
    row = conn.execute("SELECT * FROM config_versions ORDER BY version DESC LIMIT 1").fetchone()
    return None if row is None else dict(row)


def version_rows(conn: sqlite3.Connection, limit: int = 100) -> list[dict]:
    rows = conn.execute("SELECT version, at, actor, device, source, summary FROM config_versions "
                        "ORDER BY version DESC LIMIT ?", (limit,)).fetchall()
    return [dict(r) for r in rows]


def version_document(conn: sqlite3.Connection, version: int) -> dict | None:
    row = conn.execute("SELECT document FROM config_versions WHERE version = ?", (version,)).fetchone()
    return None if row is None else json.loads(row["document"])


def finish_of_ticket(conn: sqlite3.Connection, ticket_id: int) -> dict | None:
    """The ticket's latest service_finished event (its outcome and the materials the clerk ticked)."""
    row = conn.execute("SELECT data FROM events WHERE ticket_id = ? AND type = 'service_finished' "
                       "ORDER BY seq DESC LIMIT 1", (ticket_id,)).fetchone()
    return None if row is None else json.loads(row["data"])
