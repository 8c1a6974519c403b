"""Sign-in, sign-out and who-am-I. A session is stored through the writer (with the clerk's
sign-in event when there is one) before its token is handed out."""
from __future__ import annotations

import asyncio

from aiohttp import web

from .. import appkeys as K
from ..actions.access import caller
from ..actions.answers import window_of
from ..actions.body import json_response, read_body
from ..auth import Principal, Session
from ..domain import commands as c
from ..domain.errors import DomainError
from ..security import hash_token, new_token, verify_pin
from ..store.writes import OpenSession, RevokeSession
from .fields import parse_fields


async def sign_in(request: web.Request) -> web.Response:
    app = request.app
    body = parse_fields(sign_in_fields(app), await read_body(request))
    device = caller(request)
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
    record = OpenSession(session.token_hash, session.role, session.staff, window, now, session.expires_at)
    if window is not None:
        await app[K.SERVICE].execute(c.SignIn(staff=staff.number, window=window), writes=(record,))
    else:
        await app[K.SERVICE].write_only([record])
    app[K.AUTH].sessions[session.token_hash] = session  # only once it is on disk
    return {"token": token, "role": staff.role, "staff": {"number": staff.number, "name": staff.name},
            "window": window, "expires_at": session.expires_at,
            "pin_change_required": staff.pin_change_required}


async def sign_out(request: web.Request) -> web.Response:
    p = caller(request)
    app = request.app
    revoke = RevokeSession(p.session_hash, app[K.CLOCK].now())
    if p.role == "clerk":
        await app[K.SERVICE].execute(c.SignOut(staff=p.staff, window=p.window), writes=(revoke,))
    else:
        await app[K.SERVICE].write_only([revoke])
    app[K.AUTH].sessions.pop(p.session_hash, None)
    return json_response({"signed_out": True})


async def who_am_i(request: web.Request) -> web.Response:
    p = caller(request)
    answer = p.to_dict()
    service = request.app[K.SERVICE]
    if p.staff:
        staff = service.hall.staff_member(p.staff)
        answer["staff_name"] = staff.name if staff else ""
        answer["pin_change_required"] = bool(staff and staff.pin_change_required)
    answer["window_state"] = window_of(service, p)
    answer["default_lang"] = service.hall.center.default_lang  # the page's language until the user picks one
    return json_response(answer)


SESSION_HANDLERS = {"sign_in": sign_in, "sign_out": sign_out, "who_am_i": who_am_i}
