"""Sign-in, sign-out and who-am-I. A session is stored through the writer (with the clerk's
sign-in event when there is one) before its token is handed out."""
from __future__ import annotations

import asyncio

from aiohttp import web

from .. import appkeys as K
from ..actions.access import caller
from ..actions.answers import window_of
from ..actions.body import json_response, read_body
from ..audience import audience_of, window_for
from ..actions.session_end import end_sessions, tokens_to_end
from ..auth import Principal, Session
from ..domain import commands as c
from ..domain.errors import DomainError
from ..security import hash_token, new_token, verify_pin
from ..store.audit import AuditEntry, append_audit
from ..store.writes import OpenSession, RevokeSession
from .fields import parse_fields


async def sign_in(request: web.Request) -> web.Response:
    app = request.app
    body = parse_fields(sign_in_fields(app), await read_body(request))
    device = caller(request)
    now = app[K.CLOCK].now()
    guard = app[K.SIGNIN_GUARD]
    staff = app[K.SERVICE].hall.staff_member(body["staff"])
    keys = guard.keys(body["staff"], staff, device, request.remote or "?")
    guard.check(keys, now)
    # an unknown staff number costs one scrypt too: the answer's timing says nothing about it
    stored = staff.pin_hash if staff is not None else guard.dummy_hash()
    ok = await asyncio.get_running_loop().run_in_executor(None, verify_pin, body["pin"], stored)
    away = staff is not None and staff.role == "clerk" and (device is None or device.role != "counter")
    if not ok or staff is None or away:
        guard.failed(keys, now)
        await append_audit(app[K.SERVICE], AuditEntry(now, body["staff"], "sign_in_failed", _source(device, request)))
        # one answer for an unknown number, a wrong PIN and a clerk away from the counters (whatever
        # the PIN): nobody learns which numbers exist, who is a clerk, or that a clerk's PIN was right
        raise DomainError("unauthorized", "the staff number or PIN is wrong (clerks sign in at their window's "
                          "counter terminal)")
    guard.succeeded(keys)
    return json_response(await open_session(app, staff, device, now, _source(device, request)))


def _source(device: Principal | None, request: web.Request) -> str:
    """Where an attempt came from, for the audit record: the device, else the address."""
    return device.id if device is not None else f"address:{request.remote or '?'}"


def sign_in_fields(app: web.Application) -> dict:
    return next(ep.body for ep in app[K.ENDPOINTS] if ep.operation_id == "signIn")


async def open_session(app: web.Application, staff, device: Principal | None, now: float,
                       source: str | None = None) -> dict:
    window = None
    if staff.role == "clerk":
        if device is None or device.role != "counter":
            raise DomainError("forbidden", "clerks sign in at their window's counter terminal")
        window = device.window
    token = new_token()
    session = Session(hash_token(token), staff.role, staff.number, window, now,
                      now + app[K.SETTINGS].session_ttl_h * 3600)
    record = OpenSession(session.token_hash, session.role, session.staff, window, now, session.expires_at)
    audit = AuditEntry(now, staff.number, "sign_in", source, f"window:{window}" if window else None,
                       after={"role": staff.role, "window": window, "expires_at": session.expires_at})
    if window is not None:
        await app[K.SERVICE].execute(c.SignIn(staff=staff.number, window=window), writes=(record, audit))
    else:
        await app[K.SERVICE].write_only([record, audit])
    app[K.AUTH].sessions[session.token_hash] = session  # only once it is on disk
    return {"token": token, "role": staff.role, "staff": {"number": staff.number, "name": staff.name},
            "window": window, "expires_at": session.expires_at}


async def sign_out(request: web.Request) -> web.Response:
    """Ends the session: every token of it (a clerk: every token of that clerk) and every WebSocket
    opened with one (closed with 4003), once the revocation is on disk."""
    p = caller(request)
    app = request.app
    now = app[K.CLOCK].now()
    ending = tokens_to_end(app, p)
    writes = [RevokeSession(h, now) for h in sorted(ending)]
    writes.append(AuditEntry(now, p.staff or p.id, "sign_out", _source(None, request),
                             f"window:{p.window}" if p.window else None, after={"tokens_ended": len(ending)}))
    if p.role == "clerk":
        await app[K.SERVICE].execute(c.SignOut(staff=p.staff, window=p.window), writes=tuple(writes))
    else:
        await app[K.SERVICE].write_only(writes)
    end_sessions(app, ending, "signed out")
    return json_response({"signed_out": True})


async def who_am_i(request: web.Request) -> web.Response:
    p = caller(request)
    answer = p.to_dict()
    service = request.app[K.SERVICE]
    if p.staff:
        staff = service.hall.staff_member(p.staff)
        answer["staff_name"] = staff.name if staff else ""
    answer["window_state"] = window_for(window_of(service, p), audience_of(p.role))
    answer["default_lang"] = service.hall.center.default_lang  # the page's language until the user picks one
    return json_response(answer)


SESSION_HANDLERS = {"sign_in": sign_in, "sign_out": sign_out, "who_am_i": who_am_i}
