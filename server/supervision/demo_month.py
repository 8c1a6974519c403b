"""Supervision for `hallq demo-data`: after the simulated days are written, give their visits the
supervision fields a real month has (joint departments, refusals, return visits linked to an
earlier 補辦), open the cases with the same projector the server runs, and follow them up as a
center would (verify, rectify, answer, call back; appeals; promised cases done, extended or late),
every step decided by the same pure rules (server/supervision/rules.py).

Deterministic for a seed. Steps that would fall after the last simulated day are not taken, so the
newest cases are still open and the board has yellow and red lights.
"""

from __future__ import annotations

import json
import random
import sqlite3

from ..domain.calendar import business_day, day_start
from ..domain.workdays import WorkCalendar
from . import store
from .projector import SupervisionProjector, notice_number
from .rules import BAD_REVIEW, JOINT_TASK, PROMISED, Actor, as_case_kind, decide

LEGAL_BASES = (
    "《中華人民共和國行政許可法》第三十二條",
    "《中華人民共和國行政許可法》第三十八條",
    "《中華人民共和國稅收徵收管理法》第十五條",
)
STEP_HOUR = 6 * 3600  # steps at 10:00 with a 04:00 day boundary


class _Month:
    def __init__(self, conn: sqlite3.Connection, settings, seed: int):
        self.conn, self.settings, self.hall = conn, settings, settings.hall
        self.calendar: WorkCalendar = settings.calendar
        self.rng = random.Random(seed * 7919 + 17)
        self.projector = SupervisionProjector(self.hall, self.calendar, settings.supervision)
        self.open_supplements: list[tuple[str, str]] = []  # (day, notice number) a citizen may come back for
        last_row = conn.execute("SELECT at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        last = last_row[0] if last_row else 0
        self.end = last
        self.counts = {"enriched": 0, "steps": 0}

    # --- the finishes, as a real month would have them ------------------------------------------

    def enrich(self, ev: dict) -> bool:
        rng, changed = self.rng, False
        own = self.projector.department_of(ev.get("window"), ev.get("service"))
        if ev["outcome"] == "joint" and not ev.get("joint_departments"):
            others = [d.code for d in self.hall.departments if d.code != own]
            ev["joint_departments"] = [own, rng.choice(others)] if others else [own]
            ev["promised_days"] = ev.get("promised_days") or rng.choice((5, 10))
            changed = True
        if ev["outcome"] == "reply" and not ev.get("refusal") and rng.random() < 0.3:
            ev["refusal"] = rng.choice(("not_accepted", "not_permitted"))
            ev["legal_basis"] = rng.choice(LEGAL_BASES)
            changed = True
        if ev["outcome"] != "supplement" and self.open_supplements and rng.random() < 0.08:
            _, notice = self.open_supplements.pop(rng.randrange(len(self.open_supplements)))
            ev["linked_to"] = notice
            changed = True
        if ev["outcome"] == "supplement":
            self.open_supplements.append(
                (ev["day"], notice_number(ev["day"], (ev.get("ticket") or {}).get("label", "")))
            )
        return changed

    def project(self) -> None:
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT seq, data FROM events WHERE seq > ? AND type IN ('service_finished', "
                "'visit_rated') ORDER BY seq LIMIT 5000",
                (last,),
            ).fetchall()
            if not rows:
                return
            for seq, data in rows:
                ev = json.loads(data)
                if ev["type"] == "service_finished" and self.enrich(ev):
                    self.conn.execute(
                        "UPDATE events SET data = ? WHERE seq = ?",
                        (json.dumps(ev, ensure_ascii=False, separators=(",", ":")), seq),
                    )
                    self.counts["enriched"] += 1
                self.projector(self.conn, [ev])
            last = rows[-1][0]

    # --- the follow-up ----------------------------------------------------------------------------

    def at_day(self, day: str, working_days: int) -> tuple[float, str]:
        target = self.calendar.add_working_days(day, working_days)
        at = day_start(target, self.hall.center.timezone, self.hall.center.day_boundary_min) + STEP_HOUR
        return at + self.rng.uniform(0, 5 * 3600), target

    def actor(self, department: str) -> Actor:
        liaison = next((s for s in self.hall.staff if s.role == "liaison" and s.department == department), None)
        manager = next(s for s in self.hall.staff if s.role == "manager")
        return Actor("liaison", liaison.number, department) if liaison else Actor("manager", manager.number)

    def manager(self) -> Actor:
        return Actor("manager", next(s.number for s in self.hall.staff if s.role == "manager"))

    def step(self, case_id: int, action: str, fields: dict, actor: Actor, at: float) -> bool:
        """Take one step if its time has come; False once the month has run out."""
        if at > self.end:
            return False
        row = self._case(case_id)
        day = business_day(at, self.hall.center.timezone, self.hall.center.day_boundary_min)
        step = decide(row, action, fields, actor, at, day, self.calendar)
        for sql, params in store.step_statements(step, row, self.settings.supervision.callback_retention_days):
            self.conn.execute(sql, params)
        self.counts["steps"] += 1
        return True

    def _case(self, case_id: int):
        row = self.conn.execute(
            "SELECT c.id, c.kind, c.status, c.department, c.due_day, k.phone FROM sv_cases c "
            "LEFT JOIN sv_contacts k ON k.case_id = c.id WHERE c.id = ?",
            (case_id,),
        ).fetchone()
        return as_case_kind(*row)

    def bad_review(self, case: dict) -> None:
        rng, actor = self.rng, self.actor(case["department"])
        opened, cid = case["opened_day"], case["id"]
        if rng.random() < 0.6:  # the citizen left a number on the pad
            phone = "139" + "".join(rng.choice("0123456789") for _ in range(8))
            for sql, params in store.contact_statements(cid, phone, "demo", case["opened_at"] + 30):
                self.conn.execute(sql, params)
        if rng.random() < 0.1:  # appealed, decided by a manager
            if not self.step(
                cid, "appeal", {"reason": "評價器誤觸，錄像可證"}, actor, self.at_day(opened, 0)[0] + 1800
            ):
                return
            struck = rng.random() < 0.5
            if (
                not self.step(
                    cid,
                    "strike" if struck else "uphold",
                    {"reason": "複核錄像"},
                    self.manager(),
                    self.at_day(opened, 1)[0],
                )
                or struck
            ):
                return
        else:
            if not self.step(cid, "verify", {}, actor, self.at_day(opened, 0)[0] + 3600):
                return
        due = self.settings.supervision.bad_review_due_days
        answer_in = rng.choice(range(2, due + 1)) if rng.random() < 0.82 else due + rng.randint(1, 3)
        steps = (
            (
                "rectify",
                {"finding": rng.choice(("高峰時段窗口不足", "告知不夠清楚", "系統故障延誤"))},
                max(1, answer_in - 1),
            ),
            ("answer", {"rectification": "加強培訓，調整排班", "answer": "已致電說明並致歉"}, answer_in),
        )
        for action, fields, days in steps:
            if not self.step(cid, action, fields, actor, self.at_day(opened, days)[0]):
                return
        contact = self._case(cid).has_contact
        result = rng.choices(("satisfied", "dissatisfied", "unreachable"), (85, 10, 5))[0] if contact else "no_contact"
        self.step(cid, "call_back", {"callback_result": result}, actor, self.at_day(opened, answer_in + 1)[0])

    def promised(self, case: dict) -> None:
        rng, actor, cid = self.rng, self.actor(case["department"]), case["id"]
        days = case["promised_days"] or 5
        roll = rng.random()
        if roll < 0.08 and case["kind"] == PROMISED:  # a joint task keeps the common due date
            if not self.step(
                cid,
                "extend",
                {"days": 3, "reason": "需補充專家評審"},
                actor,
                self.at_day(case["opened_day"], max(1, days - 1))[0],
            ):
                return
            days += 3
        done_in = rng.randint(1, days) if roll < 0.9 else days + rng.randint(1, 2)
        self.step(cid, "done", {}, actor, self.at_day(case["opened_day"], done_in)[0])

    def follow_up(self) -> None:
        cases = self.conn.execute(
            "SELECT id, kind, department, opened_day, opened_at, promised_days FROM sv_cases ORDER BY id"
        ).fetchall()
        for row in cases:
            case = dict(zip(("id", "kind", "department", "opened_day", "opened_at", "promised_days"), row, strict=True))
            if case["kind"] == BAD_REVIEW:
                self.bad_review(case)
            elif case["kind"] in (PROMISED, JOINT_TASK):
                self.promised(case)


def follow_up(db_path: str, settings, seed: int = 1) -> dict:
    """Open and follow up the month's supervision cases in a demo database (after `generate`)."""
    from ..store.connection import connect

    conn = connect(db_path, write=True)
    conn.row_factory = None
    try:
        conn.execute("BEGIN IMMEDIATE")
        month = _Month(conn, settings, seed)
        month.project()
        month.follow_up()
        conn.execute("COMMIT")
    finally:
        conn.close()
    conn = connect(db_path)
    try:
        kinds = dict(conn.execute("SELECT kind, COUNT(*) FROM sv_cases GROUP BY kind").fetchall())
    finally:
        conn.close()
    return {"cases": kinds, **month.counts}
