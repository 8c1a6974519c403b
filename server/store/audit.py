"""The audit record: who did what, when, from which device, with the state before and after.

An action that is written anyway appends its audit row as one more statement of the same batch
(`audit_statement`), so the action and its record commit together or not at all. Actions that write
nothing else (a failed sign-in) use `append_audit`. Rows are read with `audit_rows`."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "session_ended", "cancel", "reprint")
INSERT = ("INSERT INTO audit (at, actor, device, action, target, before, after) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)")
COLUMNS = ("id", "at", "actor", "device", "action", "target", "before", "after")


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str  # staff number, or device id when a device acted alone
    action: str
    device: str | None = None  # the device the action came from (a counter, a kiosk)
    target: str | None = None  # what it acted on: "ticket:12", "staff:1001", "device:kiosk-1"
    before: dict | None = None
    after: dict | None = None


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def audit_statement(entry: AuditEntry) -> tuple[str, tuple]:
    """The INSERT for one audit row, to add to the statements of the action's own batch."""
    return INSERT, (entry.at, entry.actor, entry.device, entry.action, entry.target,
                    _json(entry.before), _json(entry.after))


async def append_audit(service, entry: AuditEntry) -> None:
    """Write one audit row on its own (for actions that change nothing else, e.g. a failed sign-in)."""
    await service.write_only([audit_statement(entry)])


def audit_rows(conn: sqlite3.Connection, since: float | None = None, until: float | None = None,
               action: str | None = None, actor: str | None = None, limit: int = 1000) -> list[dict]:
    """Audit rows, newest first, optionally filtered; before/after decoded from JSON."""
    where, params = [], []
    for clause, value in (("at >= ?", since), ("at < ?", until), ("action = ?", action), ("actor = ?", actor)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = (f"SELECT {', '.join(COLUMNS)} FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY at DESC, id DESC LIMIT ?")
    rows = conn.execute(sql, (*params, limit)).fetchall()
    return [dict(zip(COLUMNS, r)) | {"before": _load(r[6]), "after": _load(r[7])} for r in rows]


def _load(text: str | None):
    return None if text is None else json.loads(text)
