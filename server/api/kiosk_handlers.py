"""Kiosk and phone extras: the tracking link's QR code (SVG) and ticket reprints (docs/kiosk.md)."""
from __future__ import annotations

from aiohttp import web

from .. import appkeys as K
from ..actions.access import known_caller
from ..actions.body import json_response, read_body
from ..domain.errors import DomainError
from ..printjobs import new_job
from ..records import ticket_view
from ..store.audit import AuditEntry, AuditReprint
from ..store.queries import latest_print_payload
from ..store.writes import MAX_REPRINTS, Reprint
from .reads import tracked_ticket
from .router import IDS


async def track_qr(request: web.Request) -> web.Response:
    """Public: the QR code of a ticket's tracking link, as SVG (the kiosk page shows it on screen)."""
    token = request.match_info["token"]
    tracked_ticket(request.app[K.SERVICE], token)
    link = f"{request.app[K.SETTINGS].public_url}/t/{token}"
    from ..qrsvg import qr_svg  # imported on the first QR code: it brings the qrcode library (2 MB)
    return web.Response(text=qr_svg(link), content_type="image/svg+xml",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def kiosk_self(request: web.Request) -> web.Response:
    """What the kiosk page needs about its own device: green channel, printer state, reprint time."""
    p = known_caller(request)
    app = request.app
    hall = app[K.SERVICE].hall
    printer = app[K.HUB].devices.get(p.id, {})
    return json_response({
        "device": p.id, "green_channel": p.green_channel,
        "green_categories": list(hall.rules.green_channel_categories) if p.green_channel else [],
        "printer": printer.get("printer"), "printer_detail": printer.get("detail", ""),
        "reprint_window_min": app[K.CONFIG].server.reprint_window_min,
    })


async def reprint(request: web.Request) -> web.Response:
    """A new print job (new job_id, reprint=true) for a ticket this kiosk issued a short while ago."""
    p = known_caller(request)
    await read_body(request)
    app, service = request.app, request.app[K.SERVICE]
    ticket_id = request[IDS]["ticket_id"]
    ticket = service.state.tickets.get(ticket_id)
    if ticket is None:
        raise DomainError("unknown_ticket", f"no ticket {ticket_id} today")
    if ticket.kiosk != p.id:
        raise DomainError("forbidden", "only the kiosk that issued a ticket may reprint it")
    now, window_min = app[K.CLOCK].now(), app[K.CONFIG].server.reprint_window_min
    if now - ticket.issued_at > window_min * 60:
        raise DomainError("reprint_expired", f"a ticket can be reprinted for {window_min} minutes after issue")
    payload = await service.reader.run(latest_print_payload, ticket.id, p.id)
    if payload is None:
        raise DomainError("unknown_ticket", "this ticket was never printed here")
    job = new_job(p.id, ticket.id, payload, now, service.random, reprint=True)
    audit = AuditReprint(AuditEntry(now, p.id, "reprint", p.id, f"ticket:{ticket.id}",
                                    after={"job_id": job.job_id, "label": ticket.label}), job.job_id)
    refused, _ = await service.write_only([Reprint(job), audit])
    if refused:
        text = ("the ticket is still waiting for the printer; it prints when the printer is back"
                if refused == "print_pending" else f"this ticket was reprinted {MAX_REPRINTS} times already")
        raise DomainError(refused, text)
    service.publisher.send_to_device(p.id, job.message())
    return json_response({"print_job": job.job_id, "reprint": True, "ticket": ticket_view(ticket, service.hall)})


KIOSK_HANDLERS = {"track_qr": track_qr, "reprint": reprint, "kiosk_self": kiosk_self}
