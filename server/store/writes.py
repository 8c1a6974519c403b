"""Every write of the queue, by name. The writer thread runs them inside its group transaction; no
other module writes SQL for the queue (the statistics keep their own tables in server/stats/)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

MAX_REPRINTS = 3  # per ticket: enough for a paper jam or two, not a stack of copies


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def append_events(conn: sqlite3.Connection, events: list[dict]) -> None:
    conn.executemany(
        "INSERT INTO events (seq, type, at, day, ticket_id, window, staff, service, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(ev["seq"], ev["type"], ev["at"], ev["day"], ev.get("ticket_id"), ev.get("window"), ev.get("staff"),
          ev.get("service"), _json(ev)) for ev in events])


def save_tickets(conn: sqlite3.Connection, rows: list[dict]) -> None:
    # an update in place, not a delete and insert: the row's index entries (day and label, tracking
    # hash) stay untouched, and the tracking hash, given with the issue only, is kept
    conn.executemany(
        "INSERT INTO tickets (id, day, label, service, status, channel, issued_at, tracking_hash, data, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET day = excluded.day, "
        "label = excluded.label, service = excluded.service, status = excluded.status, channel = excluded.channel, "
        "issued_at = excluded.issued_at, tracking_hash = COALESCE(excluded.tracking_hash, tickets.tracking_hash), "
        "data = excluded.data, seq = excluded.seq",
        [(t["id"], t["day"], t["label"], t["service"], t["status"], t["channel"], t["issued_at"],
          t.get("tracking_hash") or None, _json(t), t["seq"]) for t in rows])


# --- the writes a batch may carry besides events: each a small record with its one statement ------

@dataclass(frozen=True)
class RememberRequest:
    """A request id's answer, kept for its business day so a retry gets the same answer."""

    key: str
    fingerprint: str
    response: dict
    at: float
    day: str

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO requests (key, fingerprint, status, response, at, day) VALUES (?, ?, ?, ?, ?, ?)",
                     (self.key, self.fingerprint, 200, json.dumps(self.response, ensure_ascii=False, default=str),
                      self.at, self.day))


@dataclass(frozen=True)
class OpenSession:
    token_hash: str
    role: str
    staff: str
    window: int | None
    created_at: float
    expires_at: float

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO sessions (token_hash, role, staff, window, created_at, expires_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (self.token_hash, self.role, self.staff, self.window,
                                                   self.created_at, self.expires_at))


@dataclass(frozen=True)
class RevokeSession:
    token_hash: str
    at: float

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE sessions SET revoked_at = ? WHERE token_hash = ?", (self.at, self.token_hash))


@dataclass(frozen=True)
class PrintJob:
    """A ticket's print job for the kiosk that issued it (pending until the printer agent acks it)."""

    job_id: str
    device: str
    ticket_id: int
    payload: dict
    created_at: float
    reprint: bool = False

    def message(self) -> dict:
        return {"type": "print_job", "job_id": self.job_id, "ticket_id": self.ticket_id,
                "reprint": self.reprint, "payload": self.payload}

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO print_jobs (job_id, device, ticket_id, payload, status, error, reprint, "
                     "created_at) VALUES (?, ?, ?, ?, 'pending', NULL, ?, ?)", self._params())

    def _params(self) -> tuple:
        return (self.job_id, self.device, self.ticket_id, json.dumps(self.payload, ensure_ascii=False),
                int(self.reprint), self.created_at)


@dataclass(frozen=True)
class Reprint:
    """A reprint job, stored only if no job of the ticket is still pending and fewer than
    MAX_REPRINTS were made; one statement run by the one writer, so a double tap prints once.
    Returns None when stored, else the refusal's error code."""

    job: PrintJob

    def run(self, conn: sqlite3.Connection) -> str | None:
        ticket = self.job.ticket_id
        cursor = conn.execute(
            "INSERT INTO print_jobs (job_id, device, ticket_id, payload, status, error, reprint, created_at) "
            "SELECT ?, ?, ?, ?, 'pending', NULL, ?, ? WHERE NOT EXISTS (SELECT 1 FROM print_jobs "
            "WHERE ticket_id = ? AND status = 'pending') AND (SELECT COUNT(*) FROM print_jobs "
            "WHERE ticket_id = ? AND reprint = 1) < ?", self.job._params() + (ticket, ticket, MAX_REPRINTS))
        if cursor.rowcount == 1:
            return None
        pending = conn.execute("SELECT 1 FROM print_jobs WHERE ticket_id = ? AND status = 'pending'",
                               (ticket,)).fetchone()
        return "print_pending" if pending else "reprint_expired"


@dataclass(frozen=True)
class AckPrintJob:
    job_id: str
    device: str
    status: str
    error: str
    at: float

    def run(self, conn: sqlite3.Connection) -> bool:
        cursor = conn.execute("UPDATE print_jobs SET status = ?, error = ?, acked_at = ? "
                              "WHERE job_id = ? AND device = ?",
                              (self.status, self.error or None, self.at, self.job_id, self.device))
        return cursor.rowcount == 1


PRINTER_FAULTS = ("paper_out", "cover_open", "offline", "error")  # a job failed by one of these waits
_WAITING = ("(status = 'pending' OR (status = 'failed' AND error IN ("
            + ", ".join(f"'{fault}'" for fault in PRINTER_FAULTS) + ")))")


@dataclass(frozen=True)
class ResendPrintJobs:
    """A kiosk's printer can print again: jobs still waiting for it (pending, or failed by a printer
    fault) created before `since` become `expired`; the younger ones are pending again and returned
    as messages, oldest first. One statement group, so no job is both expired and sent."""

    device: str
    since: float
    at: float

    def run(self, conn: sqlite3.Connection) -> list[dict]:
        conn.execute(f"UPDATE print_jobs SET status = 'expired', acked_at = ? WHERE device = ? AND created_at < ? "
                     f"AND {_WAITING}", (self.at, self.device, self.since))
        rows = conn.execute("SELECT job_id, ticket_id, payload, reprint FROM print_jobs "
                            f"WHERE device = ? AND {_WAITING} ORDER BY created_at", (self.device,)).fetchall()
        conn.execute(f"UPDATE print_jobs SET status = 'pending', error = NULL WHERE device = ? AND {_WAITING}",
                     (self.device,))
        return [{"type": "print_job", "job_id": r["job_id"], "ticket_id": r["ticket_id"],
                 "reprint": bool(r["reprint"]), "payload": json.loads(r["payload"])} for r in rows]


@dataclass(frozen=True)
class Probe:
    """Takes the write lock and lets it go: proves the file can be written again after a fault."""

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS probe (x)")  # a real write in the group's transaction
        conn.execute("DROP TABLE probe")
