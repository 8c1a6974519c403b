"""The guide desk (導辦台, docs/counter.md): the slot picker with what is left of each appointment
slot, today's ticket behind a printed number, and printing a ticket on a kiosk's printer (the desk
has none of its own). Issuing, booking and cancelling go through the existing endpoints with the
guide's session and a request id."""
from __future__ import annotations

import re

from aiohttp import web

from .. import appkeys as K
from ..actions.body import json_response, read_body
from ..estimate import estimate_wait
from ..printjobs import new_job, ticket_layout
from ..store.queries import latest_print_payload
from ..store.writes import MAX_REPRINTS, Reprint
from ..auth import Principal
from ..domain import commands as c
from ..domain.errors import DomainError
from ..domain.lifecycle import Status
from ..domain.slots import SLOT_MIN, appointment_slots
from ..records import ticket_view
from .endpoints import Endpoint
from .fields import REQUEST_ID, Field, parse_fields
from .router import IDS

DESK = ("guide", "manager")
LABEL = re.compile(r"^[A-Z]{1,2}[0-9]{1,4}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PRINT_BODY: dict[str, Field] = {"device": Field("string", True, "Id of a kiosk with a printer.", max_length=40),
                                "request_id": REQUEST_ID}

GUIDE_DESK_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/appointments/slots", "getAppointmentSlots",
             f"A service's {SLOT_MIN}-minute appointment slots on a day, with capacity and what is left",
             DESK, special="appointment_slots", tag="appointments", errors=("unknown_service", "invalid_argument"),
             query={"service": Field("string", True, "Service code.", max_length=40),
                    "day": Field("string", doc="Business day, YYYY-MM-DD (default: today).", max_length=10)}),
    Endpoint("GET", "/api/tickets/by-label/{label}", "findTicketByLabel",
             "Today's ticket behind a printed number (A012), with whether it may still come back",
             DESK, special="ticket_by_label", errors=("unknown_ticket", "invalid_argument")),
    Endpoint("POST", "/api/tickets/{ticket_id}/print-at", "printTicketAt",
             "Print a ticket (again) on a kiosk's printer, e.g. the one beside the guide desk", DESK,
             body=PRINT_BODY, special="print_at", tag="kiosk",
             errors=("unknown_ticket", "invalid_argument", "print_pending", "reprint_expired")),
)


def _return(p: Principal, body: dict, match: dict) -> c.Command:
    return c.ReturnTicket(ticket_id=int(match["ticket_id"]), staff=p.staff or p.id)


# A command row: the router runs it like the queue's own, audited with the guide's staff number.
GUIDE_DESK_ENDPOINTS += (
    Endpoint("POST", "/api/tickets/{ticket_id}/return", "returnTicket",
             "Put a missed ticket back at the end of its queue, within its return window", DESK,
             body={"request_id": REQUEST_ID}, command=_return,
             errors=("unknown_ticket", "invalid_transition", "return_window_expired")),
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
    printers = [d.id for d in service.hall.devices if d.kind == "kiosk" and d.printer]
    return json_response({"ticket": ticket_view(ticket, service.hall), "may_return": may_return,
                          "ahead": _ahead(service.state, ticket), "printers": printers})


def _ahead(state, ticket) -> int | None:
    """Waiting tickets of the same queue issued before it (None when it is not waiting)."""
    if ticket.status is not Status.WAITING:
        return None
    return sum(1 for t in state.waiting() if t.queue_service == ticket.queue_service
               and t.queue_entered_at < ticket.queue_entered_at)


async def print_at(request: web.Request) -> web.Response:
    """The ticket's printout (as first printed, or laid out afresh) as a new job for the chosen kiosk."""
    service = request.app[K.SERVICE]
    body = parse_fields(PRINT_BODY, await read_body(request))
    kiosk = next((d for d in service.hall.devices if d.id == body["device"] and d.kind == "kiosk" and d.printer), None)
    if kiosk is None:
        raise DomainError("invalid_argument", f"{body['device']!r} is not a kiosk with a printer", field="device")
    ticket = service.state.tickets.get(request[IDS]["ticket_id"])
    if ticket is None:
        raise DomainError("unknown_ticket", "no such ticket today")
    payload = await _printed_payload(service, ticket)
    job = new_job(kiosk.id, ticket.id, payload, service.clock.now(), service.random, reprint=True)
    [refused] = await service.write_only([Reprint(job)])
    if refused:
        raise DomainError(refused, "the ticket is still waiting for a printer" if refused == "print_pending"
                          else f"this ticket was printed again {MAX_REPRINTS} times already")
    service.publisher.send_to_device(kiosk.id, job.message())
    return json_response({"print_job": job.job_id, "device": kiosk.id, "ticket": ticket_view(ticket, service.hall)})


async def _printed_payload(service, ticket) -> dict:
    """The layout a kiosk printed for it (with its tracking QR code), else a fresh one without it."""
    for device in (d.id for d in service.hall.devices if d.kind == "kiosk"):
        payload = await service.reader.run(latest_print_payload, ticket.id, device)
        if payload is not None:
            return payload
    ahead = _ahead(service.state, ticket) or 0
    estimate = estimate_wait(service.state, service.hall, ticket.queue_service, ahead)
    return ticket_layout(service.hall, ticket, ahead, estimate, "")


GUIDE_DESK_HANDLERS = {"appointment_slots": appointment_slots_handler, "ticket_by_label": ticket_by_label,
                       "print_at": print_at}
