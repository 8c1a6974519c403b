"""The audit record: who did what, when, from which device, with the state before and after.

An `AuditEntry` is a write (it has `run(conn)`): an action that writes anyway adds its entry to the
writes of its own batch, so the action and its record commit together or not at all. Actions that
write nothing else (a failed sign-in) write it alone with `append_audit`. Read with `audit_rows`."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "session_ended", "cancel", "reprint",
           "return")  # a missed ticket put back in its queue at the guide desk
COLUMNS = ("id", "at", "actor", "device", "action", "target", "before", "after")


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str  # staff number, or device id when a device acted alone
    action: str
    device: str | None = None  # the device the action came from (a counter, a kiosk)
    target: str | None = None  # what it acted on: "ticket:12", "staff:1001", "device:kiosk-1"
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO audit (at, actor, device, action, target, before, after) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", (self.at, self.actor, self.device, self.action, self.target,
                                                      _json(self.before), _json(self.after)))


async def append_audit(service: Any, entry: AuditEntry) -> None:
    """Write one audit entry on its own (for actions that change nothing else, e.g. a failed sign-in)."""
    await service.write_only([entry])


def audit_rows(conn: sqlite3.Connection, since: float | None = None, until: float | None = None,
               action: str | None = None, actor: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Audit rows, newest first, optionally filtered; before/after decoded from JSON."""
    where: list[str] = []
    params: list[Any] = []
    for clause, value in (("at >= ?", since), ("at < ?", until), ("action = ?", action), ("actor = ?", actor)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = (f"SELECT {', '.join(COLUMNS)} FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY at DESC, id DESC LIMIT ?")
    rows = conn.execute(sql, (*params, limit)).fetchall()
    return [dict(zip(COLUMNS, r, strict=True)) | {"before": _load(r[6]), "after": _load(r[7])} for r in rows]


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class AuditReprint:
    """The audit entry of a reprint, written in the reprint's transaction only if its print job was
    stored (a refused reprint, still pending or over the limit, leaves no entry)."""

    entry: AuditEntry
    job_id: str

    def run(self, conn: sqlite3.Connection) -> None:
        e = self.entry
        conn.execute("INSERT INTO audit (at, actor, device, action, target, before, after) "
                     "SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM print_jobs WHERE job_id = ?)",
                     (e.at, e.actor, e.device, e.action, e.target, _json(e.before), _json(e.after), self.job_id))
