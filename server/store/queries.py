"""Plain read queries over a sqlite3 connection (run them through Reader.run)."""
from __future__ import annotations

import json
import sqlite3


def last_event(conn: sqlite3.Connection) -> dict | None:
    row = conn.execute("SELECT data FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return json.loads(row["data"]) if row else None


def max_ticket_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]


def events_of_day(conn: sqlite3.Connection, day: str) -> list[dict]:
    rows = conn.execute("SELECT data FROM events WHERE day = ? ORDER BY seq", (day,))
    return [json.loads(r["data"]) for r in rows]


def bookings_for(conn: sqlite3.Connection, from_day: str, before_day: str) -> list[dict]:
    """Appointments booked on earlier days for a slot on `from_day` or later."""
    rows = conn.execute(
        "SELECT data FROM events WHERE type = 'appointment_booked' AND day < ? "
        "AND json_extract(data, '$.slot_day') >= ? ORDER BY seq", (before_day, from_day))
    return [json.loads(r["data"]) for r in rows]


def events_since(conn: sqlite3.Connection, seq: int, limit: int) -> list[dict]:
    rows = conn.execute("SELECT data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
    return [json.loads(r["data"]) for r in rows]


def ticket_row(conn: sqlite3.Connection, ticket_id: int) -> dict | None:
    row = conn.execute("SELECT data FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return json.loads(row["data"]) if row else None


def requests_of_day(conn: sqlite3.Connection, day: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT key, fingerprint FROM requests WHERE day = ?", (day,)).fetchall()


def request_response(conn: sqlite3.Connection, day: str, *keys: str) -> tuple[str, str] | None:
    """The stored fingerprint and answer (JSON text) of a request of the day, under any of its stored
    keys. The table has no index on the key (migration 0090): the day's rows are read from the newest,
    and a retry comes soon after its request."""
    marks = ", ".join("?" * len(keys))
    row = conn.execute(f"SELECT fingerprint, response FROM requests WHERE day = ? AND key IN ({marks}) "
                       "ORDER BY rowid DESC LIMIT 1", (day, *keys)).fetchone()
    return (row[0], row[1]) if row else None


def live_sessions(conn: sqlite3.Connection, now: float) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT token_hash, role, staff, window, created_at, expires_at FROM sessions "
        "WHERE revoked_at IS NULL AND expires_at > ?", (now,)).fetchall()


def pending_print_jobs_of(conn: sqlite3.Connection, device: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT job_id, ticket_id, payload, reprint FROM print_jobs "
        "WHERE device = ? AND status = 'pending' ORDER BY created_at", (device,)).fetchall()


def print_job_device(conn: sqlite3.Connection, job_id: str) -> str | None:
    row = conn.execute("SELECT device FROM print_jobs WHERE job_id = ?", (job_id,)).fetchone()
    return row["device"] if row else None


def tracking_of_day(conn: sqlite3.Connection, day: str) -> dict[str, int]:
    """Tracking hash -> ticket id for the day's tickets (the hash is kept in the ticket row only)."""
    rows = conn.execute("SELECT tracking_hash, id FROM tickets WHERE day = ? AND tracking_hash IS NOT NULL", (day,))
    return {r["tracking_hash"]: r["id"] for r in rows}


def today_figures(conn: sqlite3.Connection, day: str, window: int, staff: str | None) -> dict:
    """A window's (or its clerk's) counts of the day for the counter terminal: never rating levels."""
    sql = ("SELECT SUM(end_kind = 'served'), AVG(CASE WHEN end_kind = 'served' THEN handling_s END), "
           "SUM(end_kind = 'no_show'), SUM(rated), SUM(rating_expired) FROM segments "
           "WHERE day = ? AND window = ?" + (" AND staff = ?" if staff else ""))
    row = conn.execute(sql, (day, window) + ((staff,) if staff else ())).fetchone()
    served, handling, no_shows, rated, expired = row
    return {"served": served or 0, "handling_mean_s": handling, "no_shows": no_shows or 0,
            "rated": rated or 0, "not_rated": expired or 0}


def latest_print_payload(conn: sqlite3.Connection, ticket_id: int, device: str) -> dict | None:
    row = conn.execute("SELECT payload FROM print_jobs WHERE ticket_id = ? AND device = ? "
                       "ORDER BY created_at DESC LIMIT 1", (ticket_id, device)).fetchone()
    return json.loads(row["payload"]) if row else None
