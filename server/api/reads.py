"""Read endpoints: the hall, a ticket, a window's missed/suspended lists and today's counts, the
phone's tracking view, health and the OpenAPI description. The router has checked the roles."""
from __future__ import annotations

import json

from aiohttp import web

from .. import appkeys as K
from ..actions.access import known_caller
from ..actions.body import json_response
from ..audience import audience_of, hall_for, ticket_for
from ..auth import Principal
from ..domain.errors import DomainError
from ..domain.lifecycle import Status
from ..domain.model import Ticket
from ..estimate import estimate_wait
from ..records import ticket_view
from ..security import hash_token
from ..service import HallService, tracking_key
from ..store.queries import today_figures
from ..views import hall_view, missed_tickets
from .paths import query_id
from .router import IDS


async def hall(request: web.Request) -> web.Response:
    p = known_caller(request)
    service = request.app[K.SERVICE]
    zone = request.query.get("zone") or p.zone
    window = query_id(request.query, "window") or (p.window if p.role in ("counter", "rating_pad") else None)
    service.turn_day_if_due()
    view = hall_view(service.state, service.hall, service.clock.now(), zone=zone, window=window)
    return json_response(hall_for(view, audience_of(p.role)))


async def ticket(request: web.Request) -> web.Response:
    ticket_id = request[IDS]["ticket_id"]
    view = await request.app[K.SERVICE].ticket(ticket_id)
    if view is None:
        raise DomainError("unknown_ticket", f"no ticket {ticket_id}")
    return json_response({"ticket": ticket_for(view, audience_of(known_caller(request).role))})


def _window(request: web.Request):
    number = request[IDS]["window"]
    window = request.app[K.SERVICE].hall.window(number)
    if window is None:
        raise DomainError("unknown_window", f"there is no window {number}")
    return window


async def missed(request: web.Request) -> web.Response:
    """The no-shows this window could call back; a clerk reads only the window signed in at."""
    window = _window_for_reading(request, known_caller(request))
    service = request.app[K.SERVICE]
    tickets = [t for t in missed_tickets(service.state, service.hall, service.clock.now())
               if t["pinned_window"] == window.number
               or t["pinned_window"] is None and t["queue_service"] in window.services]
    return json_response({"tickets": tickets})


def _window_for_reading(request: web.Request, p: Principal):
    """The window a read names; a clerk may read only the window it is signed in at."""
    window = _window(request)
    if p.role == "clerk" and window.number != p.window:
        raise DomainError("wrong_window", f"you are signed in at window {p.window}")
    return window


async def suspended(request: web.Request) -> web.Response:
    window = _window_for_reading(request, known_caller(request))
    service = request.app[K.SERVICE]
    held = [t for t in service.state.tickets.values()
            if t.status is Status.SUSPENDED and t.window == window.number]
    held.sort(key=lambda t: t.suspended_at or 0)
    return json_response({"tickets": [ticket_view(t, service.hall) for t in held]})


async def window_today(request: web.Request) -> web.Response:
    """Counts for the counter terminal: a clerk sees that ratings arrived, never their levels."""
    window = _window_for_reading(request, known_caller(request))
    service = request.app[K.SERVICE]
    staff = service.state.window(window.number).staff
    day = service.state.day
    return json_response({
        "day": day, "window": window.number, "staff": staff,
        "window_figures": await service.reader.run(today_figures, day, window.number, None),
        "staff_figures": await service.reader.run(today_figures, day, window.number, staff) if staff else None,
    })


def tracked_ticket(service: HallService, token: str) -> Ticket:
    """Today's ticket behind a tracking token, or unknown_ticket (the link ends with the business day)."""
    service.turn_day_if_due()
    ticket_id = service.tracking.get(tracking_key(hash_token(token)))
    found = service.state.tickets.get(ticket_id) if ticket_id else None
    if found is None:
        raise DomainError("unknown_ticket", "this tracking link is not valid (it works only on the day of the ticket)")
    return found


async def track(request: web.Request) -> web.Response:
    """Public: the token is the capability. Only today's tickets; nothing personal."""
    service = request.app[K.SERVICE]
    view = track_view(service, tracked_ticket(service, request.match_info["token"]))
    # the phone polls (docs/protocol.md §9): an unchanged ticket costs a 304 and no body
    etag = f'"{hash_token(json.dumps({k: v for k, v in view.items() if k != "seq"}, sort_keys=True))[:20]}"'
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return json_response(view, headers={"ETag": etag})


def track_view(service: HallService, ticket_obj: Ticket) -> dict:
    state, hallc = service.state, service.hall
    ahead = sum(1 for t in state.waiting() if t.queue_service == ticket_obj.queue_service
                and t.pinned_window is None and t.queue_key() < ticket_obj.queue_key())
    view = ticket_view(ticket_obj, hallc)
    svc = hallc.service(ticket_obj.queue_service)
    assert svc is not None, "a ticket's queue service is in the hall's configuration"
    return {"ticket": {k: view[k] for k in ("id", "label", "status", "window", "issued_at", "called_at",
                                            "recalls", "channel", "lang", "queue_service")},
            "service": {"code": svc.code, "name": svc.name.to_dict()},
            "ahead": ahead if ticket_obj.status.value == "waiting" else 0,
            "estimate": estimate_wait(state, hallc, ticket_obj.queue_service, ahead),
            "windows": [w.number for w in hallc.windows_serving(ticket_obj.queue_service)],
            "center": hallc.center.name.to_dict(), "seq": state.last_seq}


async def health(request: web.Request) -> web.Response:
    """200 while actions can be saved; 503 with the reason in plain words when they cannot."""
    service = request.app[K.SERVICE]
    problem = await service.health()
    writer = service.writer
    body = {"status": "ok" if problem is None else problem["reason"], "day": service.state.day,
            "seq": service.state.last_seq, "problem": problem,
            "store": {"commits": writer.commits, "batches": writer.batches, "failed_commits": writer.failed_commits}}
    return json_response(body, status=200 if problem is None else 503,
                         headers=None if problem is None else {"Retry-After": "2"})


async def openapi(request: web.Request) -> web.Response:
    return json_response(request.app[K.OPENAPI])


READ_HANDLERS = {"hall": hall, "ticket": ticket, "missed": missed, "suspended": suspended,
                 "window_today": window_today, "track": track, "health": health, "openapi": openapi}
