"""The supervision projection, run by the one writer inside the transaction of each batch of events
(like server/stats/projection.py): a bad rating opens its case in the rating's own transaction, a
finish records the visit (for trips), a promised or joint case, and a refusal.

Every insert is keyed by the event (`INSERT OR IGNORE` on its seq, and one bad-review case per
rated visit), so a replayed or retried event never opens a second case. A failure here fails the
whole batch: the rating or finish is refused and nothing is half recorded.
"""

from __future__ import annotations

import sqlite3

from ..domain.commands import RATING_LEVELS
from ..domain.hall import HallConfig
from ..domain.workdays import WorkCalendar
from .rules import BAD_REVIEW, JOINT_TASK, PROMISED, due_day
from .settings import SupervisionSettings

BAD_LEVELS = RATING_LEVELS[3:]
JOINT = "joint"  # a joint case: the parent of one joint_task per department, done when all are

_CASE_COLUMNS = (
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
    "source_seq",
    "opened_at",
    "opened_day",
    "due_day",
    "first_due_day",
    "level",
    "reason",
    "case_number",
    "promised_days",
)
_CASE_INSERT = (
    f"INSERT OR IGNORE INTO sv_cases ({', '.join(_CASE_COLUMNS)}) VALUES ({', '.join('?' * len(_CASE_COLUMNS))})"
)


def notice_number(day: str, label: str) -> str:
    """The number printed on a visit's one-time notice: business day and ticket, 20261127-A012."""
    return f"{day.replace('-', '')}-{label}"


class SupervisionProjector:
    """A writer Projector: `projector(conn, events)`. Holds only configuration (no state)."""

    def __init__(self, hall: HallConfig, calendar: WorkCalendar, settings: SupervisionSettings):
        self.hall = hall
        self.calendar = calendar
        self.settings = settings

    def __call__(self, conn: sqlite3.Connection, events: list[dict]) -> None:
        for ev in events:
            if ev["type"] == "visit_rated" and ev.get("level") in BAD_LEVELS:
                self._open_bad_review(conn, ev)
            elif ev["type"] == "service_finished":
                self._finished(conn, ev)

    def department_of(self, window: int | None, service: str | None) -> str:
        """誰辦理、誰負責: the window's department, or the service's at a comprehensive window."""
        w = self.hall.window(window) if window is not None else None
        if w is not None and w.department:
            return w.department
        s = self.hall.service(service) if service else None
        return s.department if s is not None else ""

    def _case_row(self, ev: dict, kind: str, department: str, days: int, **extra) -> tuple:
        ticket = ev.get("ticket") or {}
        due = due_day(ev["day"], days, self.calendar)
        row = {
            "kind": kind,
            "parent_id": None,
            "status": "pending" if kind == BAD_REVIEW else "open",
            "department": department,
            "window": ev.get("window"),
            "staff": ev.get("staff"),
            "service": ev.get("service"),
            "ticket_id": ev["ticket_id"],
            "segment": ev.get("segment") or 0,
            "label": ticket.get("label"),
            "ticket_day": ticket.get("day"),
            "source_seq": ev["seq"],
            "opened_at": ev["at"],
            "opened_day": ev["day"],
            "due_day": due,
            "first_due_day": due,
            "level": None,
            "reason": None,
            "case_number": ev.get("case_number"),
            "promised_days": ev.get("promised_days"),
        } | extra
        return tuple(row[c] for c in _CASE_COLUMNS)

    def _open_bad_review(self, conn: sqlite3.Connection, ev: dict) -> None:
        department = self.department_of(ev.get("window"), ev.get("service"))
        conn.execute(
            _CASE_INSERT,
            self._case_row(
                ev,
                BAD_REVIEW,
                department,
                self.settings.bad_review_due_days,
                level=ev["level"],
                reason=ev.get("reason") or None,
                case_number=None,
                promised_days=None,
            ),
        )

    def _finished(self, conn: sqlite3.Connection, ev: dict) -> None:
        department = self.department_of(ev.get("window"), ev.get("service"))
        self._visit(conn, ev, department)
        if ev["outcome"] == "promised" and ev.get("promised_days"):
            conn.execute(_CASE_INSERT, self._case_row(ev, PROMISED, department, ev["promised_days"]))
        if ev["outcome"] == "joint" and ev.get("joint_departments") and ev.get("promised_days"):
            self._joint(conn, ev, department)
        if ev.get("refusal"):
            ticket = ev.get("ticket") or {}
            conn.execute(
                "INSERT OR IGNORE INTO sv_refusals (seq, ticket_id, label, day, at, window, staff, service, "
                "department, kind, legal_basis, case_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ev["seq"],
                    ev["ticket_id"],
                    ticket.get("label"),
                    ev["day"],
                    ev["at"],
                    ev.get("window"),
                    ev.get("staff"),
                    ev.get("service"),
                    department,
                    ev["refusal"],
                    ev.get("legal_basis") or "",
                    ev.get("case_number"),
                ),
            )

    def _joint(self, conn: sqlite3.Connection, ev: dict, lead: str) -> None:
        """The lead department's joint case, and a task with the same due date for each department."""
        cur = conn.execute(_CASE_INSERT, self._case_row(ev, JOINT, lead, ev["promised_days"]))
        if cur.rowcount == 0:
            return  # already recorded
        parent = cur.lastrowid
        for department in ev["joint_departments"]:
            conn.execute(
                _CASE_INSERT, self._case_row(ev, JOINT_TASK, department, ev["promised_days"], parent_id=parent)
            )

    def _visit(self, conn: sqlite3.Connection, ev: dict, department: str) -> None:
        ticket = ev.get("ticket") or {}
        label = ticket.get("label") or ""
        earlier = _earlier_visit(conn, ev.get("linked_to"), ev["seq"])
        matter = earlier["matter_seq"] if earlier else ev["seq"]
        conn.execute(
            "INSERT OR IGNORE INTO sv_visits (seq, ticket_id, label, day, at, window, staff, service, "
            "department, outcome, notice_no, case_number, linked_to, linked_seq, matter_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ev["seq"],
                ev["ticket_id"],
                label,
                ev["day"],
                ev["at"],
                ev.get("window"),
                ev.get("staff"),
                ev.get("service"),
                department,
                ev["outcome"],
                notice_number(ev["day"], label),
                ev.get("case_number"),
                ev.get("linked_to"),
                earlier["seq"] if earlier else None,
                matter,
            ),
        )


def _earlier_visit(conn: sqlite3.Connection, linked_to: str | None, before_seq: int):
    """The visit a return visit names: by its notice number, else by its case number (the latest)."""
    if not linked_to:
        return None
    for column in ("notice_no", "case_number"):
        row = conn.execute(
            f"SELECT seq, matter_seq FROM sv_visits WHERE {column} = ? COLLATE NOCASE AND seq < ? "
            "ORDER BY seq DESC LIMIT 1",
            (linked_to, before_seq),
        ).fetchone()
        if row is not None:
            return {"seq": row[0], "matter_seq": row[1]}
    return None
