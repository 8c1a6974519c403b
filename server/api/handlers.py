"""HTTP handlers: one generic handler for every queue action, a few hand-written ones."""
from __future__ import annotations

import asyncio
import json
import re

from aiohttp import web

from .. import appkeys as K
from ..auth import Principal, Session
from ..domain import commands as c
from ..domain import events as e
from ..domain.errors import DomainError
from ..domain.lifecycle import Status
from ..estimate import estimate_wait
from ..printjobs import new_job, ticket_layout
from ..security import hash_token, new_token, verify_pin
from ..views import hall_view, missed_tickets, ticket_view, window_view
from .endpoints import Endpoint
from .fields import parse_fields


# --- who is calling ----------------------------------------------------------------------------

def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def principal_of(request: web.Request) -> Principal | None:
    app = request.app
    p = app[K.AUTH].principal(bearer(request), app[K.CLOCK].now())
    if p is not None and p.role == "clerk" and not clerk_still_signed_in(app, p):
        return None
    return p


def clerk_still_signed_in(app: web.Application, p: Principal) -> bool:
    """A clerk session lives only while its clerk is signed in at its window (not after the day's turn)."""
    return app[K.SERVICE].state.window(p.window).staff == p.staff


def require(request: web.Request, roles: tuple[str, ...]) -> Principal | None:
    if not roles:
        return principal_of(request)
    p = principal_of(request)
    if p is None:
        raise DomainError("unauthorized", "sign in or send a valid device token (Authorization: Bearer ...)")
    if p.role not in roles:
        raise DomainError("forbidden", f"a {p.role} may not do this")
    return p


async def read_body(request: web.Request) -> dict:
    if not request.can_read_body:
        return {}
    try:
        return await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DomainError("malformed_request", "the body is not valid JSON") from None


def json_response(data: dict, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


# --- queue actions -------------------------------------------------------------------------------

def command_handler(endpoint: Endpoint):
    async def handle(request: web.Request) -> web.Response:
        p = require(request, endpoint.roles)
        check_path_ids(request)
        body = parse_fields(endpoint.body or {}, await read_body(request))
        request_id = body.pop("request_id", None)
        if "label" in body:
            body["ticket_id"] = ticket_id_for_label(request.app, body.pop("label"))
        cmd = endpoint.command(p, body, dict(request.match_info))
        return json_response(await run_command(request.app, p, cmd, endpoint.answer, request_id, body))
    return handle


PATH_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit SQLite's 64-bit integers


def check_path_ids(request: web.Request) -> None:
    """A window or ticket id in the path that is not a plain number names nothing (found by fuzzing:
    /api/windows/0.5/pause and /api/tickets/<30 digits> were answered 500)."""
    for name, code in (("window", "unknown_window"), ("ticket_id", "unknown_ticket")):
        raw = request.match_info.get(name)
        if raw is not None and not PATH_ID.fullmatch(raw):
            raise DomainError(code, f"there is no {name.replace('_id', '')} {raw[:40]!r}")


def ticket_id_for_label(app: web.Application, label: str) -> int:
    state = app[K.SERVICE].state
    found = next((t.id for t in state.tickets.values() if t.label == label.strip().upper()), None)
    if found is None:
        raise DomainError("unknown_ticket", f"no ticket {label} today")
    return found


async def run_command(app: web.Application, p: Principal, cmd: c.Command, answer: str,
                      request_id: str | None, args: dict) -> dict:
    """Run a command for a principal (HTTP and WebSocket share this)."""
    service = app[K.SERVICE]
    extra: dict = {}
    if isinstance(cmd, (c.IssueTicket, c.CheckInAppointment)):
        if not service.is_retry(p.id, request_id):  # a retried request is answered, not counted
            check_kiosk_rate(app, p)
        token = new_token(18)
        cmd.tracking_hash = hash_token(token)
        extra["tracking_url"] = f"{app[K.SETTINGS].public_url}/t/{token}"
    respond = RESPONDERS[answer](app, p, extra)
    statements: list = []
    extra["statements"] = statements
    return await service.execute(cmd, actor=p.id, request_id=request_id, args=args | {"_cmd": cmd.NAME},
                                 respond=respond, statements=statements,
                                 on_commit=lambda: send_print_job(app, extra))


def check_kiosk_rate(app: web.Application, p: Principal) -> None:
    if p.role != "kiosk":
        return
    limiter, now = app[K.KIOSK_LIMITER], app[K.CLOCK].now()
    retry = limiter.retry_after(p.id, now)
    if retry is not None:
        raise DomainError("rate_limited", f"this kiosk is issuing too fast; try again in {retry} s",
                          retry_after_s=retry)
    limiter.hit(p.id, now)


def send_print_job(app: web.Application, extra: dict) -> None:
    job = extra.get("print_job")
    if job is not None:
        app[K.SERVICE].publisher.send_to_device(job["device"], job["message"])


def _respond_ticket(app, p, extra):
    service = app[K.SERVICE]

    def respond(events: list[e.Event]) -> dict:
        ticket_id = next((ev.ticket_id for ev in events if hasattr(ev, "ticket_id")), None)
        ticket = service.state.tickets.get(ticket_id)
        window = hall_window(app, p)
        return {"ticket": ticket_view(ticket, service.hall) if ticket else None, "window": window}
    return respond


def hall_window(app, p: Principal) -> dict | None:
    service = app[K.SERVICE]
    cfg = service.hall.window(p.window) if p.window else None
    return window_view(service.state, service.hall, cfg) if cfg else None


def _respond_window(app, p, extra):
    return lambda events: {"window": hall_window(app, p)}


def _respond_events(app, p, extra):
    return lambda events: {"events": [ev.to_dict() for ev in events]}


def _respond_issue(app, p, extra):
    service = app[K.SERVICE]

    def respond(events: list[e.Event]) -> dict:
        issued = next(ev for ev in events if isinstance(ev, e.TicketIssued))
        ticket = service.state.tickets[issued.ticket_id]
        estimate = estimate_wait(service.state, service.hall, ticket.queue_service, issued.ahead)
        answer = {"ticket": ticket_view(ticket, service.hall), "ahead": issued.ahead, "estimate": estimate,
                  "tracking_url": extra["tracking_url"], "print_job": None}
        if p.role == "kiosk":
            layout = ticket_layout(service.hall, ticket, issued.ahead, estimate, extra["tracking_url"])
            message, statement = new_job(p.id, ticket.id, layout, service.clock.now())
            extra["statements"].append(statement)
            extra["print_job"] = {"device": p.id, "message": message}
            answer["print_job"] = message["job_id"]
        return answer
    return respond


RESPONDERS = {"ticket": _respond_ticket, "window": _respond_window, "events": _respond_events,
              "issue": _respond_issue}


# --- sessions ------------------------------------------------------------------------------------

async def sign_in(request: web.Request) -> web.Response:
    app = request.app
    body = parse_fields(sign_in_fields(app), await read_body(request))
    device = principal_of(request)
    now = app[K.CLOCK].now()
    keys = [f"staff:{body['staff']}", f"from:{device.id if device else request.remote}"]
    check_sign_in_rate(app, keys, now)
    staff = app[K.SERVICE].hall.staff_member(body["staff"])
    ok = staff is not None and await asyncio.get_running_loop().run_in_executor(
        None, verify_pin, body["pin"], staff.pin_hash)
    if not ok:
        for key in keys:
            app[K.SIGNIN_LIMITER].hit(key, now)
        raise DomainError("unauthorized", "the staff number or PIN is wrong")
    for key in keys:
        app[K.SIGNIN_LIMITER].clear(key)
    return json_response(await open_session(app, staff, device, now))


def sign_in_fields(app: web.Application) -> dict:
    return next(ep.body for ep in app[K.ENDPOINTS] if ep.operation_id == "signIn")


def check_sign_in_rate(app: web.Application, keys: list[str], now: float) -> None:
    for key in keys:
        retry = app[K.SIGNIN_LIMITER].retry_after(key, now)
        if retry is not None:
            raise DomainError("too_many_attempts", f"too many failed sign-ins; try again in {retry} s",
                              retry_after_s=retry)


async def open_session(app: web.Application, staff, device: Principal | None, now: float) -> dict:
    window = None
    if staff.role == "clerk":
        if device is None or device.role != "counter":
            raise DomainError("forbidden", "clerks sign in at their window's counter terminal")
        window = device.window
    token = new_token()
    session = Session(hash_token(token), staff.role, staff.number, window, now,
                      now + app[K.SETTINGS].session_ttl_h * 3600)
    statement = ("INSERT INTO sessions (token_hash, role, staff, window, created_at, expires_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (session.token_hash, session.role, session.staff, window,
                                               now, session.expires_at))
    remember = lambda: app[K.AUTH].sessions.__setitem__(session.token_hash, session)  # noqa: E731
    if window is not None:
        await app[K.SERVICE].execute(c.SignIn(staff=staff.number, window=window), statements=[statement],
                                     on_commit=remember)
    else:
        await app[K.SERVICE].write_only([statement])
        remember()
    return {"token": token, "role": staff.role, "staff": {"number": staff.number, "name": staff.name},
            "window": window, "expires_at": session.expires_at,
            "pin_change_required": staff.pin_change_required}


async def sign_out(request: web.Request) -> web.Response:
    p = require(request, ("clerk", "manager", "guide", "liaison"))
    app = request.app
    now = app[K.CLOCK].now()
    revoke = ("UPDATE sessions SET revoked_at = ? WHERE token_hash = ?", (now, p.session_hash))
    forget = lambda: app[K.AUTH].sessions.pop(p.session_hash, None)  # noqa: E731
    if p.role == "clerk":
        await app[K.SERVICE].execute(c.SignOut(staff=p.staff, window=p.window), statements=[revoke],
                                     on_commit=forget)
    else:
        await app[K.SERVICE].write_only([revoke])
        forget()
    return json_response({"signed_out": True})


async def who_am_i(request: web.Request) -> web.Response:
    p = require(request, ("kiosk", "display", "counter", "rating_pad", "clerk", "manager", "guide", "liaison"))
    answer = p.to_dict()
    hall = request.app[K.SERVICE].hall
    if p.staff:
        staff = hall.staff_member(p.staff)
        answer["staff_name"] = staff.name if staff else ""
    answer["window_state"] = hall_window(request.app, p)
    answer["default_lang"] = hall.center.default_lang  # the page's language until the user picks one
    return json_response(answer)


# --- reads ---------------------------------------------------------------------------------------

async def hall(request: web.Request) -> web.Response:
    p = require(request, ("kiosk", "display", "counter", "rating_pad", "clerk", "manager", "guide"))
    service = request.app[K.SERVICE]
    zone = request.query.get("zone") or p.zone
    window = _int_query(request, "window") or (p.window if p.role in ("counter", "rating_pad") else None)
    service._turn_day_if_due()
    return json_response(hall_view(service.state, service.hall, service.clock.now(), zone=zone, window=window))


def _int_query(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if not PATH_ID.fullmatch(raw):
        raise DomainError("invalid_argument", f"{name} must be a positive integer")
    return int(raw)


async def ticket(request: web.Request) -> web.Response:
    require(request, ("kiosk", "display", "counter", "rating_pad", "clerk", "manager", "guide"))
    raw = request.match_info["ticket_id"]
    view = await request.app[K.SERVICE].ticket(int(raw)) if PATH_ID.fullmatch(raw) else None
    if view is None:
        raise DomainError("unknown_ticket", f"no ticket {raw}")
    return json_response({"ticket": view})


async def missed(request: web.Request) -> web.Response:
    p = require(request, ("clerk", "manager", "guide"))
    service = request.app[K.SERVICE]
    number = int(request.match_info["window"]) if PATH_ID.fullmatch(request.match_info["window"]) else -1
    window = service.hall.window(number)
    if window is None:
        raise DomainError("unknown_window", f"there is no window {request.match_info['window']}")
    tickets = [t for t in missed_tickets(service.state, service.hall, service.clock.now())
               if t["queue_service"] in window.services or p.role != "clerk"]
    return json_response({"tickets": tickets})


def _window_for_reading(request: web.Request, p: Principal):
    """The window a read names; a clerk may read only the window it is signed in at."""
    service = request.app[K.SERVICE]
    raw = request.match_info["window"]
    window = service.hall.window(int(raw)) if raw.isdigit() else None
    if window is None:
        raise DomainError("unknown_window", f"there is no window {raw}")
    if p.role == "clerk" and window.number != p.window:
        raise DomainError("wrong_window", f"you are signed in at window {p.window}")
    return window


async def suspended(request: web.Request) -> web.Response:
    p = require(request, ("clerk", "manager", "guide"))
    window = _window_for_reading(request, p)
    service = request.app[K.SERVICE]
    held = [t for t in service.state.tickets.values()
            if t.status is Status.SUSPENDED and t.window == window.number]
    held.sort(key=lambda t: t.suspended_at or 0)
    return json_response({"tickets": [ticket_view(t, service.hall) for t in held]})


async def window_today(request: web.Request) -> web.Response:
    """Counts for the counter terminal: a clerk sees that ratings arrived, never their levels."""
    p = require(request, ("clerk", "manager", "guide"))
    window = _window_for_reading(request, p)
    service = request.app[K.SERVICE]
    staff = service.state.window(window.number).staff
    day = service.state.day
    return json_response({
        "day": day, "window": window.number, "staff": staff,
        "window_figures": await service.reader.run(_today_figures, day, window.number, None),
        "staff_figures": await service.reader.run(_today_figures, day, window.number, staff) if staff else None,
    })


def _today_figures(conn, day: str, window: int, staff: str | None) -> dict:
    sql = ("SELECT SUM(end_kind = 'served'), AVG(CASE WHEN end_kind = 'served' THEN handling_s END), "
           "SUM(end_kind = 'no_show'), SUM(rated), SUM(rating_expired) FROM segments "
           "WHERE day = ? AND window = ?" + (" AND staff = ?" if staff else ""))
    row = conn.execute(sql, (day, window) + ((staff,) if staff else ())).fetchone()
    served, handling, no_shows, rated, expired = row
    return {"served": served or 0, "handling_mean_s": handling, "no_shows": no_shows or 0,
            "rated": rated or 0, "not_rated": expired or 0}


async def track(request: web.Request) -> web.Response:
    """Public: the token is the capability. Only today's tickets; nothing personal."""
    service = request.app[K.SERVICE]
    service._turn_day_if_due()
    ticket_id = service.tracking.get(hash_token(request.match_info["token"]))
    ticket_obj = service.state.tickets.get(ticket_id) if ticket_id else None
    if ticket_obj is None:
        raise DomainError("unknown_ticket", "this tracking link is not valid (it works only on the day of the ticket)")
    view = track_view(service, ticket_obj)
    # the phone polls (docs/protocol.md §9): an unchanged ticket costs a 304 and no body
    etag = '"%s"' % hash_token(json.dumps({k: v for k, v in view.items() if k != "seq"}, sort_keys=True))[:20]
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    response = json_response(view)
    response.headers["ETag"] = etag
    return response


def track_view(service, ticket_obj) -> dict:
    state, hallc = service.state, service.hall
    ahead = sum(1 for t in state.waiting() if t.queue_service == ticket_obj.queue_service
                and t.pinned_window is None and t.queue_key() < ticket_obj.queue_key())
    view = ticket_view(ticket_obj, hallc)
    svc = hallc.service(ticket_obj.queue_service)
    return {"ticket": {k: view[k] for k in ("id", "label", "status", "window", "issued_at", "called_at",
                                            "recalls", "channel", "lang", "queue_service")},
            "service": {"code": svc.code, "name": svc.name.to_dict()},
            "ahead": ahead if ticket_obj.status.value == "waiting" else 0,
            "estimate": estimate_wait(state, hallc, ticket_obj.queue_service, ahead),
            "windows": [w.number for w in hallc.windows_serving(ticket_obj.queue_service)],
            "center": hallc.center.name.to_dict(), "seq": state.last_seq}


async def health(request: web.Request) -> web.Response:
    service = request.app[K.SERVICE]
    status = 503 if service.broken else 200
    writer = service.writer
    return json_response({"status": "ok" if status == 200 else "recovering", "day": service.state.day,
                          "seq": service.state.last_seq,
                          "store": {"commits": writer.commits, "batches": writer.batches}}, status=status)


async def openapi(request: web.Request) -> web.Response:
    return json_response(request.app[K.OPENAPI])


SPECIAL_HANDLERS = {"sign_in": sign_in, "sign_out": sign_out, "who_am_i": who_am_i, "hall": hall,
                    "ticket": ticket, "missed": missed, "suspended": suspended,
                    "window_today": window_today, "track": track, "health": health, "openapi": openapi}
