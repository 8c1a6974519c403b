"""The guide desk's reads (導辦台, docs/counter.md): the slot picker with what is left of each
appointment slot, and today's ticket behind a printed number. Everything the desk changes goes
through the existing endpoints (issue, book, cancel) with the guide's session and a request id."""
from __future__ import annotations

import re

from aiohttp import web

from .. import appkeys as K
from ..actions.body import json_response
from ..domain.errors import DomainError
from ..domain.lifecycle import Status
from ..domain.slots import SLOT_MIN, appointment_slots
from ..records import ticket_view
from .endpoints import Endpoint
from .fields import Field

DESK = ("guide", "manager")
LABEL = re.compile(r"^[A-Z]{1,2}[0-9]{1,4}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

GUIDE_DESK_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/appointments/slots", "getAppointmentSlots",
             f"A service's {SLOT_MIN}-minute appointment slots on a day, with capacity and what is left",
             DESK, special="appointment_slots", tag="appointments", errors=("unknown_service", "invalid_argument"),
             query={"service": Field("string", True, "Service code.", max_length=40),
                    "day": Field("string", doc="Business day, YYYY-MM-DD (default: today).", max_length=10)}),
    Endpoint("GET", "/api/tickets/by-label/{label}", "findTicketByLabel",
             "Today's ticket behind a printed number (A012), with whether it may still come back",
             DESK, special="ticket_by_label", errors=("unknown_ticket", "invalid_argument")),
)


async def appointment_slots_handler(request: web.Request) -> web.Response:
    service = request.app[K.SERVICE]
    code = request.query.get("service", "")
    svc = service.hall.service(code)
    if svc is None:
        raise DomainError("unknown_service", f"there is no service {code!r}")
    day = request.query.get("day") or service.state.day
    if not DAY.fullmatch(day):
        raise DomainError("invalid_argument", "day must be YYYY-MM-DD")
    if day < service.state.day:
        raise DomainError("invalid_argument", "the day is in the past")
    now = service.clock.now()
    slots = appointment_slots(service.hall, list(service.state.appointments.values()), svc, day)
    return json_response({"service": svc.code, "day": day, "slot_min": SLOT_MIN,
                          "slots": [s.to_dict(now) for s in slots]})


async def ticket_by_label(request: web.Request) -> web.Response:
    service = request.app[K.SERVICE]
    label = request.match_info["label"].strip().upper()
    if not LABEL.fullmatch(label):
        raise DomainError("invalid_argument", "a ticket number is one or two letters and up to four digits, e.g. A012")
    service._turn_day_if_due()
    matches = [t for t in service.state.tickets.values() if t.label == label]
    if not matches:
        raise DomainError("unknown_ticket", f"no ticket {label} today")
    ticket = max(matches, key=lambda t: t.issued_at)
    now = service.clock.now()
    may_return = ticket.status is Status.NO_SHOW and (ticket.return_until or 0) >= now
    return json_response({"ticket": ticket_view(ticket, service.hall), "may_return": may_return,
                          "ahead": _ahead(service.state, ticket)})


def _ahead(state, ticket) -> int | None:
    """Waiting tickets of the same queue issued before it (None when it is not waiting)."""
    if ticket.status is not Status.WAITING:
        return None
    return sum(1 for t in state.waiting() if t.queue_service == ticket.queue_service
               and t.queue_entered_at < ticket.queue_entered_at)


GUIDE_DESK_HANDLERS = {"appointment_slots": appointment_slots_handler, "ticket_by_label": ticket_by_label}
