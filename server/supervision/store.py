"""Reads and writes of the supervision tables (created by migration 0020_supervision).

Reads run on a reader thread (`fn(conn, ...)`); writes are statements for the one writer.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from ..security import mask_phone
from .rules import BAD_REVIEW, FINAL, JOINT_TASK, Case, Step, light

CASE_FIELDS = (
    "id",
    "kind",
    "parent_id",
    "status",
    "department",
    "window",
    "staff",
    "service",
    "ticket_id",
    "segment",
    "label",
    "ticket_day",
    "opened_at",
    "opened_day",
    "due_day",
    "first_due_day",
    "level",
    "reason",
    "case_number",
    "promised_days",
    "extensions",
    "rectified_day",
    "contact_given",
    "callback_result",
    "appeal_decision",
    "finished_day",
)
JOINT = "joint"


def _rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# --- reading cases ----------------------------------------------------------------------------------


def list_cases(
    conn: sqlite3.Connection,
    today: str,
    kind: str | None = None,
    department: str | None = None,
    status: str | None = None,
    month: str | None = None,
    open_only: bool = False,
    limit: int = 500,
) -> list[dict]:
    """Cases, newest first, each with its light and a masked contact (never the full number)."""
    where, params = [], []
    for column, value in (("c.kind", kind), ("c.department", department), ("c.status", status)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if month:
        where.append("c.opened_day BETWEEN ? AND ?")
        params += [f"{month}-01", f"{month}-31"]
    if open_only:
        where.append("c.finished_at IS NULL")
    sql = (
        f"SELECT {', '.join('c.' + f for f in CASE_FIELDS)}, k.phone FROM sv_cases c "
        f"LEFT JOIN sv_contacts k ON k.case_id = c.id "
        f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY c.due_day, c.id DESC LIMIT ?"
    )
    return [case_view(r, today) for r in _rows(conn, sql, (*params, limit))]


def case_view(row: dict, today: str, full_phone: bool = False) -> dict:
    phone = row.pop("phone", None)
    row["contact"] = (phone if full_phone else mask_phone(phone)) if phone else None
    row["light"] = light(row["due_day"], today, row["finished_day"] is not None)
    return row


def get_case(conn: sqlite3.Connection, case_id: int) -> dict | None:
    rows = _rows(
        conn,
        f"SELECT {', '.join('c.' + f for f in CASE_FIELDS)}, k.phone FROM sv_cases c "
        "LEFT JOIN sv_contacts k ON k.case_id = c.id WHERE c.id = ?",
        (case_id,),
    )
    return rows[0] if rows else None


def case_steps(conn: sqlite3.Connection, case_id: int) -> list[dict]:
    steps = _rows(
        conn,
        "SELECT action, status_before, status_after, staff, role, at, day, fields FROM sv_steps "
        "WHERE case_id = ? ORDER BY id",
        (case_id,),
    )
    for step in steps:
        step["fields"] = json.loads(step["fields"])
    return steps


def joint_tasks(conn: sqlite3.Connection, parent_id: int, today: str) -> list[dict]:
    rows = _rows(
        conn, f"SELECT {', '.join(CASE_FIELDS)} FROM sv_cases WHERE parent_id = ? ORDER BY department", (parent_id,)
    )
    return [case_view(r, today) for r in rows]


def joint_cases_of_window(conn: sqlite3.Connection, window: int, today: str) -> list[dict]:
    """The joint cases a window leads that are open or were done today, each with its tasks."""
    rows = _rows(
        conn,
        f"SELECT {', '.join(CASE_FIELDS)} FROM sv_cases WHERE kind = 'joint' AND window = ? "
        "AND (finished_day IS NULL OR finished_day = ?) ORDER BY due_day, id LIMIT 50",
        (window, today),
    )
    return [case_view(r, today) | {"tasks": joint_tasks(conn, r["id"], today)} for r in rows]


def handler_of(conn: sqlite3.Connection, case_id: int) -> str | None:
    """Who handles the case: whoever took it for verification (the first `verify` step)."""
    row = conn.execute(
        "SELECT staff FROM sv_steps WHERE case_id = ? AND action = 'verify' ORDER BY id LIMIT 1", (case_id,)
    ).fetchone()
    return row[0] if row else None


def as_case(row: dict) -> Case:
    return Case(
        row["id"], row["kind"], row["status"], row["department"], row["due_day"], has_contact=bool(row.get("phone"))
    )


def bad_review_case_for(conn: sqlite3.Connection, ticket_id: int, window: int) -> dict | None:
    """The latest bad-review case of a ticket rated at this window (the pad adds a contact to it)."""
    rows = _rows(
        conn,
        "SELECT c.id, c.opened_at, c.finished_at, k.case_id AS has_contact FROM sv_cases c "
        "LEFT JOIN sv_contacts k ON k.case_id = c.id WHERE c.kind = ? AND c.ticket_id = ? "
        "AND c.window = ? ORDER BY c.segment DESC LIMIT 1",
        (BAD_REVIEW, ticket_id, window),
    )
    return rows[0] if rows else None


# --- writing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionWrite:
    """A writer Write: supervision rows that go together into the one writer's transaction."""

    statements: tuple[tuple[str, tuple], ...]

    def run(self, conn: sqlite3.Connection) -> None:
        for sql, params in self.statements:
            conn.execute(sql, params)


def write_of(statements: list[tuple[str, tuple]]) -> list[SupervisionWrite]:
    return [SupervisionWrite(tuple(statements))]


def step_statements(step: Step, case: Case, retention_days: int) -> list[tuple[str, tuple]]:
    """The step's record and the case's new state, in one batch (one transaction)."""
    sets, params = ["status = ?"], [step.status_after]
    if step.due_day:
        sets += ["due_day = ?", "extensions = extensions + 1"]
        params.append(step.due_day)
    if step.action == "answer":
        sets += ["rectified_at = ?", "rectified_day = ?"]
        params += [step.at, step.day]
    if step.action == "call_back":
        sets.append("callback_result = ?")
        params.append(step.fields["callback_result"])
    if step.action in ("uphold", "strike"):
        sets.append("appeal_decision = ?")
        params.append("upheld" if step.action == "uphold" else "struck")
    final = step.status_after in FINAL[case.kind]
    if final:
        sets += ["finished_at = ?", "finished_day = ?"]
        params += [step.at, step.day]
    statements = [
        (f"UPDATE sv_cases SET {', '.join(sets)} WHERE id = ? AND status = ?", (*params, case.id, step.status_before)),
        (
            "INSERT INTO sv_steps (case_id, action, status_before, status_after, staff, role, at, day, fields) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case.id,
                step.action,
                step.status_before,
                step.status_after,
                step.staff,
                step.role,
                step.at,
                step.day,
                json.dumps(step.fields, ensure_ascii=False),
            ),
        ),
    ]
    if final and case.kind == BAD_REVIEW:
        delete_on = (date.fromisoformat(step.day) + timedelta(days=retention_days)).isoformat()
        statements.append(("UPDATE sv_contacts SET delete_on = ? WHERE case_id = ?", (delete_on, case.id)))
    if final and case.kind == JOINT_TASK:
        statements.append(
            (  # the joint case is done when its last task is
                "UPDATE sv_cases SET status = 'done', finished_at = ?, finished_day = ? WHERE kind = 'joint' AND "
                "finished_at IS NULL AND id = (SELECT parent_id FROM sv_cases WHERE id = ?) AND NOT EXISTS "
                "(SELECT 1 FROM sv_cases WHERE parent_id = (SELECT parent_id FROM sv_cases WHERE id = ?) "
                "AND status != 'done')",
                (step.at, step.day, case.id, case.id),
            )
        )
    return statements


def contact_statements(case_id: int, phone: str, consent_text: str, now: float) -> list[tuple[str, tuple]]:
    """The number itself (deleted after retention) and the lasting fact that one was given (回訪率)."""
    return [
        (
            "INSERT OR REPLACE INTO sv_contacts (case_id, phone, consent_text, given_at, delete_on) "
            "VALUES (?, ?, ?, ?, NULL)",
            (case_id, phone, consent_text, now),
        ),
        ("UPDATE sv_cases SET contact_given = 1 WHERE id = ?", (case_id,)),
    ]


def purge_statement(today: str) -> tuple[str, tuple]:
    """Delete call-back numbers whose retention after the case closed has run out."""
    return ("DELETE FROM sv_contacts WHERE delete_on IS NOT NULL AND delete_on <= ?", (today,))


def contacts_due_for_deletion(conn: sqlite3.Connection, today: str) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM sv_contacts WHERE delete_on IS NOT NULL AND delete_on <= ?", (today,)
    ).fetchone()[0]


# --- the month's rows for rates and the appraisal ------------------------------------------------------


def _month_bounds(month: str) -> tuple[str, str]:
    return f"{month}-01", f"{month}-31"


def _case_rows(conn: sqlite3.Connection, where: str, params: tuple, department: str | None) -> list[dict]:
    if department is not None:
        where += " AND department = ?"
        params = (*params, department)
    return _rows(conn, f"SELECT {', '.join(CASE_FIELDS)} FROM sv_cases WHERE {where} ORDER BY id", params)


def cases_opened_in(conn: sqlite3.Connection, month: str, department: str | None) -> list[dict]:
    """Bad-review cases opened in the month (rectification and call-back rates)."""
    return _case_rows(conn, "kind = 'bad_review' AND opened_day BETWEEN ? AND ?", _month_bounds(month), department)


def cases_due_in(conn: sqlite3.Connection, month: str, department: str | None) -> list[dict]:
    """Promised and joint cases due in the month (按期辦結率, 超期件)."""
    return _case_rows(
        conn, "kind IN ('promised', 'joint') AND due_day BETWEEN ? AND ?", _month_bounds(month), department
    )


def visits_for_month(conn: sqlite3.Connection, month: str, department: str | None) -> list[dict]:
    """Every visit of the matters that have a visit in the month (a matter may have begun earlier)."""
    first, last = _month_bounds(month)
    sql = (
        "SELECT seq, day, outcome, matter_seq, department FROM sv_visits WHERE matter_seq IN "
        "(SELECT matter_seq FROM sv_visits WHERE day BETWEEN ? AND ?"
        + (" AND department = ?" if department else "")
        + ") ORDER BY seq"
    )
    return _rows(conn, sql, (first, last, department) if department else (first, last))


def refusals_in(conn: sqlite3.Connection, month: str, department: str | None) -> list[dict]:
    sql = (
        "SELECT seq, ticket_id, label, day, at, window, staff, service, department, kind, legal_basis, "
        "case_number FROM sv_refusals WHERE day BETWEEN ? AND ?"
    )
    params: tuple = _month_bounds(month)
    if department is not None:
        sql += " AND department = ?"
        params = (*params, department)
    return _rows(conn, sql + " ORDER BY department, seq", params)


def segments_in(conn: sqlite3.Connection, month: str) -> list[dict]:
    return _rows(
        conn,
        "SELECT day, window, staff, service, end_kind, wait_s, rating FROM segments WHERE day BETWEEN ? AND ?",
        _month_bounds(month),
    )


def events_in(conn: sqlite3.Connection, month: str) -> list[dict]:
    """The month's attendance events (sign-in, sign-out, pauses, closing, the day's turn), in order."""
    rows = conn.execute(
        "SELECT data FROM events WHERE day BETWEEN ? AND ? AND type IN ('clerk_signed_in', "
        "'clerk_signed_out', 'window_paused', 'window_resumed', 'window_closed', 'day_closed') "
        "ORDER BY seq",
        _month_bounds(month),
    )
    return [json.loads(r[0]) for r in rows]
