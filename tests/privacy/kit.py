"""Helpers for the privacy and access tests: staff sign-in, a visit taken to its rating, and reading
what the database holds (to show a refused request changed nothing)."""
from __future__ import annotations

import sqlite3

MANAGER, GUIDE = "9001", "8001"


async def staff_token(hall, number: str) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": number, "pin": hall.creds["staff"][number]})
    assert status == 200, body
    return body["token"]


async def ok(hall, method: str, path: str, token: str | None, body=None) -> dict:
    if body is None and method == "POST":
        body = {}
    status, reply = await hall.call(method, path, token, body)
    assert status == 200, (method, path, reply)
    return reply


async def finished_visit(hall, clerk: str, window: int, service: str, finish: dict | None = None) -> int:
    """A ticket issued at kiosk-1, called, served and finished at `window`; returns its id."""
    status, issued = await hall.issue(service)
    assert status == 200, issued
    ticket = issued["ticket"]["id"]
    await ok(hall, "POST", f"/api/windows/{window}/call", clerk, {"ticket_id": ticket})
    await ok(hall, "POST", f"/api/tickets/{ticket}/start", clerk)
    await ok(hall, "POST", f"/api/tickets/{ticket}/finish", clerk, finish or {"outcome": "immediate"})
    return ticket


def table_dump(db_path, *tables: str) -> dict:
    """Every row of the named tables (to compare before and after a refused request)."""
    conn = sqlite3.connect(str(db_path))
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()
