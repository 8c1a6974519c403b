"""HTTP for supervision: cases and their steps, the rating pad's call-back number, the board's
lights, the month's rates, refusals, trips and the appraisal (printable JSON and CSV).

Managers see every department; a liaison sees only their own department's cases (another
department's case answers `unknown_case`, so its existence does not leak). Case actions are
checked by server/supervision/rules.py and written through the one writer with who and when.
"""

from __future__ import annotations

import asyncio
import logging
import re

from aiohttp import web

from .. import appkeys as K
from ..api.endpoints import Endpoint
from ..api.fields import Field, parse_fields
from ..api.router import IDS
from ..actions.access import require
from ..actions.body import json_response, read_body
from ..auth import Principal
from ..domain.calendar import iso_local
from ..domain.errors import DomainError
from ..stats.http import STATS_READER
from . import store
from .appraisal import Month, appraise
from .csvout import appraisal_csv, cases_csv
from .rates import bad_review_figures, by, promised_figures, trips
from .rules import BAD_REVIEW, CALLBACK_RESULTS, KINDS, REQUIRED, TRANSITIONS, Actor, allowed_actions, decide

log = logging.getLogger("hallq.supervision")
SUPERVISORS = ("manager", "liaison")
MANAGER = ("manager",)
CASE_LOCK = web.AppKey("supervision_case_lock", asyncio.Lock)  # one case action at a time: read, decide, write
CONSENT_TEXT = (
    "The citizen agreed that this phone number is kept only to call back about this review, "
    "and deleted after the case is closed."
)
MONTH = Field("string", doc="Month, YYYY-MM (default: this month).", max_length=7)
ACTIONS = tuple(sorted(REQUIRED))


def _case_filters() -> dict[str, Field]:
    return {
        "kind": Field("string", doc="Kind of case.", enum=KINDS + ("joint",)),
        "status": Field("string", doc="Status (see docs/supervision.md).", max_length=20),
        "department": Field("string", doc="Department code (a liaison always gets their own).", max_length=40),
        "month": MONTH,
        "open": Field("string", doc="1: only cases not finished.", enum=("0", "1")),
    }


SUPERVISION_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/supervision/cases",
        "listSupervisionCases",
        "Supervision cases with their due dates and lights (contacts masked)",
        SUPERVISORS,
        special="sv_cases",
        tag="supervision",
        query=_case_filters(),
        errors=("invalid_argument",),
    ),
    Endpoint(
        "GET",
        "/api/supervision/cases.csv",
        "exportSupervisionCases",
        "Supervision cases as CSV (contacts masked)",
        SUPERVISORS,
        special="sv_cases_csv",
        tag="supervision",
        query=_case_filters(),
        errors=("invalid_argument",),
    ),
    Endpoint(
        "GET",
        "/api/supervision/cases/{case_id}",
        "getSupervisionCase",
        "One case with every step (who, when, what); the full call-back number only for its handler",
        SUPERVISORS,
        special="sv_case",
        tag="supervision",
        errors=("unknown_case",),
    ),
    Endpoint(
        "POST",
        "/api/supervision/cases/{case_id}/actions",
        "actOnSupervisionCase",
        "Move a case on: verify, rectify, answer, call_back, appeal, uphold, strike, done, extend",
        SUPERVISORS,
        special="sv_act",
        tag="supervision",
        body={
            "action": Field("string", True, "The step.", enum=ACTIONS),
            "finding": Field("string", doc="rectify: what verification found.", max_length=1000),
            "rectification": Field("string", doc="answer: what was put right.", max_length=1000),
            "answer": Field("string", doc="answer: what the citizen was told (反饋).", max_length=1000),
            "callback_result": Field("string", doc="call_back: the citizen's view.", enum=CALLBACK_RESULTS),
            "reason": Field("string", doc="appeal / uphold / strike / extend: why.", max_length=1000),
            "days": Field("integer", doc="extend: more working days.", minimum=1),
            "note": Field("string", doc="Optional note.", max_length=1000),
        },
        errors=("unknown_case", "invalid_case_transition", "invalid_argument", "forbidden"),
    ),
    Endpoint(
        "POST",
        "/api/supervision/callback",
        "addCallbackContact",
        "Rating pad: the citizen leaves a phone number for a call back after a bad rating",
        ("rating_pad",),
        special="sv_callback",
        tag="supervision",
        body={
            "ticket_id": Field("integer", True, "The rated ticket.", minimum=1),
            "phone": Field("string", True, "Phone number (digits, may start with +).", max_length=30),
            "consent": Field("boolean", True, "The citizen ticked the consent line (must be true)."),
        },
        errors=("callback_closed", "invalid_argument"),
    ),
    Endpoint(
        "GET",
        "/api/supervision/windows/{window}/joint",
        "getWindowJointCases",
        "The joint cases this window leads, with each department's task (open ones and those done today)",
        ("clerk", "manager"),
        special="sv_window_joint",
        tag="supervision",
        errors=("unknown_window", "wrong_window"),
    ),
    Endpoint(
        "GET",
        "/api/supervision/board",
        "getSupervisionBoard",
        "Open cases due today (yellow) and overdue (red), for the manager board",
        SUPERVISORS,
        special="sv_board",
        tag="supervision",
    ),
    Endpoint(
        "GET",
        "/api/supervision/rates",
        "getSupervisionRates",
        "The month's rates per department and window: rectification, call-back, promised on time, trips",
        SUPERVISORS,
        special="sv_rates",
        tag="supervision",
        query={"month": MONTH},
        errors=("invalid_argument",),
    ),
    Endpoint(
        "GET",
        "/api/supervision/refusals",
        "listRefusals",
        "Refusals (否定報備) of the month, per department",
        SUPERVISORS,
        special="sv_refusals",
        tag="supervision",
        query={"month": MONTH},
        errors=("invalid_argument",),
    ),
    Endpoint(
        "GET",
        "/api/supervision/appraisal",
        "getAppraisal",
        "The monthly appraisal of windows and clerks, with 紅旗窗口 and 服務明星 candidates",
        MANAGER,
        special="sv_appraisal",
        tag="supervision",
        query={"month": MONTH},
        errors=("invalid_argument",),
    ),
    Endpoint(
        "GET",
        "/api/supervision/appraisal.csv",
        "exportAppraisal",
        "The monthly appraisal as CSV",
        MANAGER,
        special="sv_appraisal_csv",
        tag="supervision",
        query={"month": MONTH},
        errors=("invalid_argument",),
    ),
)


# --- helpers ----------------------------------------------------------------------------------------


def _today(request: web.Request) -> str:
    return request.app[K.SERVICE].today()  # by the clock: lights change at the day's turn, not at the next action


def _month(request: web.Request) -> str:
    month = request.query.get("month") or _today(request)[:7]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise DomainError("invalid_argument", "month must be YYYY-MM", field="month")
    return month


def _department_scope(request: web.Request, p: Principal, wanted: str | None = None) -> str | None:
    """A liaison's department (whatever they asked for); a manager's choice, or every department."""
    if p.role == "liaison":
        member = request.app[K.SERVICE].hall.staff_member(p.staff)
        return member.department if member else "\0"
    return wanted or None


def _actor(request: web.Request, p: Principal) -> Actor:
    member = request.app[K.SERVICE].hall.staff_member(p.staff)
    return Actor(p.role, p.staff, member.department if member else None)


async def _read(request: web.Request, fn, *args):
    return await request.app[K.SERVICE].reader.run(fn, *args)


def _case_id(request: web.Request) -> int:
    raw = request.match_info["case_id"]
    if not re.fullmatch(r"[1-9]\d{0,11}", raw):
        raise DomainError("unknown_case", f"there is no case {raw[:20]!r}")
    return int(raw)


async def _visible_case(request: web.Request, p: Principal) -> dict:
    row = await _read(request, store.get_case, _case_id(request))
    scope = _department_scope(request, p)
    if row is None or (scope is not None and row["department"] != scope):
        raise DomainError("unknown_case", "there is no such case in your view")
    return row


async def _cases(request: web.Request) -> tuple[Principal, list[dict]]:
    p = require(request, SUPERVISORS)
    q = parse_fields(_case_filters(), dict(request.query))
    if q.get("month"):
        q["month"] = _month(request)
    return p, await _read(request, _list, _today(request), q, _department_scope(request, p, q.get("department")))


def _list(conn, today: str, q: dict, department: str | None) -> list[dict]:
    return store.list_cases(
        conn,
        today,
        kind=q.get("kind"),
        department=department,
        status=q.get("status"),
        month=q.get("month"),
        open_only=q.get("open") == "1",
    )


# --- handlers ---------------------------------------------------------------------------------------


async def sv_cases(request: web.Request) -> web.Response:
    p, cases = await _cases(request)
    scope = _department_scope(request, p)  # a liaison's department view; None: every department
    department = request.app[K.SERVICE].hall.department(scope) if scope else None
    return json_response(
        {
            "today": _today(request),
            "cases": cases,
            "department": {"code": department.code, "name": department.name.to_dict()} if department else None,
        }
    )


async def sv_cases_csv(request: web.Request) -> web.Response:
    _, cases = await _cases(request)
    return _csv(cases_csv(cases), f"hallq-supervision-cases-{_today(request)}.csv")


async def sv_case(request: web.Request) -> web.Response:
    p = require(request, SUPERVISORS)
    row = await _visible_case(request, p)
    handler = await _read(request, store.handler_of, row["id"])
    steps = await _read(request, store.case_steps, row["id"])
    for step in steps:
        step["at_local"] = iso_local(step["at"], request.app[K.SERVICE].hall.center.timezone)
    open_case = row["finished_day"] is None
    view = store.case_view(row, _today(request), full_phone=open_case and handler is not None and handler == p.staff)
    tasks = await _read(request, store.joint_tasks, row["id"], _today(request)) if row["kind"] == "joint" else []
    return json_response({"case": view, "handler": handler, "steps": steps, "tasks": tasks, "allowed": _allowed(view)})


def _allowed(view: dict) -> list[str]:
    return allowed_actions(view["kind"], view["status"]) if view["kind"] in TRANSITIONS else []


async def sv_act(request: web.Request) -> web.Response:
    p = require(request, SUPERVISORS)
    endpoint = next(ep for ep in SUPERVISION_ENDPOINTS if ep.special == "sv_act")
    body = parse_fields(endpoint.body, await read_body(request))
    action = body.pop("action")
    app = request.app
    async with app[CASE_LOCK]:  # read, decide and write one case action at a time
        row = await _visible_case(request, p)
        if row["kind"] == "joint":
            raise DomainError(
                "invalid_case_transition", "a joint case is done when each department's task is; act on the tasks"
            )
        case = store.as_case(row)
        step = decide(
            case, action, body, _actor(request, p), app[K.CLOCK].now(), _today(request), app[K.CONFIG].calendar
        )
        retention = app[K.CONFIG].supervision.callback_retention_days
        await app[K.SERVICE].write_only(store.write_of(store.step_statements(step, case, retention)))
    return json_response(
        {"case_id": case.id, "action": action, "status": step.status_after, "due_day": step.due_day or case.due_day}
    )


_PHONE = re.compile(r"^\+?\d{5,20}$")


async def sv_callback(request: web.Request) -> web.Response:
    p = require(request, ("rating_pad",))
    endpoint = next(ep for ep in SUPERVISION_ENDPOINTS if ep.special == "sv_callback")
    body = parse_fields(endpoint.body, await read_body(request))
    phone = re.sub(r"[\s-]", "", body["phone"])
    if not _PHONE.match(phone):
        raise DomainError("invalid_argument", "phone must be 5 to 20 digits, may start with +", field="phone")
    if body["consent"] is not True:
        raise DomainError("invalid_argument", "the citizen must agree to the consent line", field="consent")
    app, now = request.app, request.app[K.CLOCK].now()
    async with app[CASE_LOCK]:
        case = await _read(request, store.bad_review_case_for, body["ticket_id"], p.window)
        window_s = app[K.CONFIG].supervision.callback_window_min * 60
        if case is None or case["finished_at"] is not None or case["has_contact"] or now - case["opened_at"] > window_s:
            raise DomainError("callback_closed", "a call-back number can be left only just after a bad rating")
        await app[K.SERVICE].write_only(store.write_of(store.contact_statements(case["id"], phone, CONSENT_TEXT, now)))
    return json_response({"case_id": case["id"], "contact": store.mask_phone(phone)})


async def sv_window_joint(request: web.Request) -> web.Response:
    """The lead window sees where its joint cases stand (聯辦: done when every department's task is)."""
    p = require(request, ("clerk", "manager"))
    window = request[IDS]["window"]
    if request.app[K.SERVICE].hall.window(window) is None:
        raise DomainError("unknown_window", f"there is no window {window}")
    if p.role == "clerk" and p.window != window:
        raise DomainError("wrong_window", f"you are signed in at window {p.window}")
    today = _today(request)
    cases = await _read(request, store.joint_cases_of_window, window, today)
    return json_response({"window": window, "today": today, "cases": cases})


async def sv_board(request: web.Request) -> web.Response:
    p = require(request, SUPERVISORS)
    today = _today(request)
    cases = await _read(
        request, lambda conn: store.list_cases(conn, today, department=_department_scope(request, p), open_only=True)
    )
    lit = [c for c in cases if c["light"]]
    return json_response(
        {
            "today": today,
            "overdue": sum(c["light"] == "overdue" for c in lit),
            "due_today": sum(c["light"] == "due_today" for c in lit),
            "open": len(cases),
            "cases": sorted(lit, key=lambda c: (c["light"] != "overdue", c["due_day"])),
        }
    )


def _rates(conn, month: str, today: str, department: str | None) -> dict:
    opened = store.cases_opened_in(conn, month, department)
    due = store.cases_due_in(conn, month, department)
    visits = store.visits_for_month(conn, month, department)
    return {
        "month": month,
        "today": today,
        "total": bad_review_figures(opened) | {"promised": promised_figures(due, today)},
        "by_department": _merge(
            by(opened, "department", bad_review_figures),
            by(due, "department", lambda rows: {"promised": promised_figures(rows, today)}),
            "department",
        ),
        "by_window": by([c for c in opened if c["kind"] == BAD_REVIEW], "window", bad_review_figures),
        "trips": trips(visits, month),
    }


def _merge(left: list[dict], right: list[dict], key: str) -> list[dict]:
    merged: dict = {row[key]: dict(row) for row in left}
    empty_bad = bad_review_figures([])
    for row in right:
        merged.setdefault(row[key], {key: row[key], **empty_bad}).update(row)
    for row in merged.values():
        row.setdefault("promised", promised_figures([], ""))
    return [merged[k] for k in sorted(merged, key=str)]


async def sv_rates(request: web.Request) -> web.Response:
    p = require(request, SUPERVISORS)
    month = _month(request)
    return json_response(await _read(request, _rates, month, _today(request), _department_scope(request, p)))


async def sv_refusals(request: web.Request) -> web.Response:
    p = require(request, SUPERVISORS)
    month = _month(request)
    rows = await _read(request, store.refusals_in, month, _department_scope(request, p))
    return json_response({"month": month, "refusals": rows})


def _appraisal(conn, month: Month, hall, calendar, settings, now: float) -> dict:
    return appraise(
        month,
        store.segments_in(conn, month.month),
        store.cases_opened_in(conn, month.month, None),
        store.cases_due_in(conn, month.month, None),
        store.events_in(conn, month.month),
        hall,
        calendar,
        settings,
        now,
    )


async def _appraisal_of(request: web.Request) -> dict:
    require(request, MANAGER)
    config = request.app[K.CONFIG]
    month = Month(_month(request), _today(request))
    return await request.app[STATS_READER].run(
        _appraisal, month, request.app[K.SERVICE].hall, config.calendar, config.supervision, request.app[K.CLOCK].now()
    )


async def sv_appraisal(request: web.Request) -> web.Response:
    return json_response(await _appraisal_of(request))


async def sv_appraisal_csv(request: web.Request) -> web.Response:
    result = await _appraisal_of(request)
    return _csv(appraisal_csv(result), f"hallq-appraisal-{result['month']}.csv")


def _csv(text: str, name: str) -> web.Response:
    return web.Response(
        body=text.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


SUPERVISION_HANDLERS = {
    "sv_cases": sv_cases,
    "sv_cases_csv": sv_cases_csv,
    "sv_case": sv_case,
    "sv_act": sv_act,
    "sv_callback": sv_callback,
    "sv_board": sv_board,
    "sv_window_joint": sv_window_joint,
    "sv_rates": sv_rates,
    "sv_refusals": sv_refusals,
    "sv_appraisal": sv_appraisal,
    "sv_appraisal_csv": sv_appraisal_csv,
}


def setup_supervision(app: web.Application) -> None:
    """The case lock, and the daily deletion of call-back numbers past their retention."""
    app[CASE_LOCK] = asyncio.Lock()

    async def purge_loop(app: web.Application):
        async def loop():
            while True:
                try:
                    await purge_contacts(app)
                except Exception:  # noqa: BLE001 - retried at the next turn
                    log.exception("deleting expired call-back numbers failed")
                await asyncio.sleep(max(app[K.SETTINGS].tick_interval_s, 1) * 60)

        task = asyncio.create_task(loop()) if app[K.SETTINGS].tick_interval_s > 0 else None
        yield
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(purge_loop)


async def purge_contacts(app: web.Application) -> None:
    """Delete call-back numbers whose retention after the case closed has run out."""
    await app[K.SERVICE].write_only(store.write_of([store.purge_statement(app[K.SERVICE].today())]))
