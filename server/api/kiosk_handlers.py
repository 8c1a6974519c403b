"""Kiosk and phone extras: the tracking link's QR code (SVG) and ticket reprints (docs/kiosk.md)."""
from __future__ import annotations

import json

from aiohttp import web

from .. import appkeys as K
from ..domain.errors import DomainError
from ..printjobs import new_job
from ..qrsvg import qr_svg
from ..security import hash_token
from ..views import ticket_view
from .handlers import json_response, read_body, require

MAX_REPRINTS = 3  # per ticket: enough for a paper jam or two, not a stack of copies


def tracked_ticket(app: web.Application, token: str):
    """Today's ticket behind a tracking token, or unknown_ticket (the link ends with the business day)."""
    service = app[K.SERVICE]
    service._turn_day_if_due()
    ticket_id = service.tracking.get(hash_token(token))
    ticket = service.state.tickets.get(ticket_id) if ticket_id else None
    if ticket is None:
        raise DomainError("unknown_ticket", "this tracking link is not valid (it works only on the day of the ticket)")
    return ticket


async def track_qr(request: web.Request) -> web.Response:
    """Public: the QR code of a ticket's tracking link, as SVG (the kiosk page shows it on screen)."""
    token = request.match_info["token"]
    tracked_ticket(request.app, token)
    link = f"{request.app[K.SETTINGS].public_url}/t/{token}"
    return web.Response(text=qr_svg(link), content_type="image/svg+xml",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def kiosk_self(request: web.Request) -> web.Response:
    """What the kiosk page needs about its own device: green channel, printer state, reprint time."""
    p = require(request, ("kiosk",))
    app = request.app
    hall = app[K.SERVICE].hall
    printer = app[K.HUB].devices.get(p.id, {})
    return json_response({
        "device": p.id, "green_channel": p.green_channel,
        "green_categories": list(hall.rules.green_channel_categories) if p.green_channel else [],
        "printer": printer.get("printer"), "printer_detail": printer.get("detail", ""),
        "reprint_window_min": app[K.CONFIG].server.reprint_window_min,
    })


# --- reprint -------------------------------------------------------------------------------------

def _latest_job(conn, ticket_id: int, device: str):
    return conn.execute("SELECT payload FROM print_jobs WHERE ticket_id = ? AND device = ? "
                        "ORDER BY created_at DESC LIMIT 1", (ticket_id, device)).fetchone()


def _job_exists(conn, job_id: str) -> bool:
    return conn.execute("SELECT 1 FROM print_jobs WHERE job_id = ?", (job_id,)).fetchone() is not None


def _reprint_refusal(conn, ticket_id: int) -> str:
    pending = conn.execute("SELECT 1 FROM print_jobs WHERE ticket_id = ? AND status = 'pending'",
                           (ticket_id,)).fetchone()
    return "print_pending" if pending else "reprint_expired"


async def reprint(request: web.Request) -> web.Response:
    """A new print job (new job_id, reprint=true) for a ticket this kiosk issued a short while ago."""
    p = require(request, ("kiosk",))
    await read_body(request)
    app, service = request.app, request.app[K.SERVICE]
    raw = request.match_info["ticket_id"]
    ticket = service.state.tickets.get(int(raw)) if raw.isdigit() else None
    if ticket is None:
        raise DomainError("unknown_ticket", f"no ticket {raw} today")
    if ticket.kiosk != p.id:
        raise DomainError("forbidden", "only the kiosk that issued a ticket may reprint it")
    now, window_min = app[K.CLOCK].now(), app[K.CONFIG].server.reprint_window_min
    if now - ticket.issued_at > window_min * 60:
        raise DomainError("reprint_expired", f"a ticket can be reprinted for {window_min} minutes after issue")
    row = await service.reader.run(_latest_job, ticket.id, p.id)
    if row is None:
        raise DomainError("unknown_ticket", "this ticket was never printed here")
    payload = json.loads(row["payload"])
    message, (sql, params) = new_job(p.id, ticket.id, payload, now, reprint=True)
    # One statement, run by the one writer: no reprint while a job for the ticket is still pending
    # (it will print when the printer is back) and at most MAX_REPRINTS, so a double tap prints once.
    guarded = (sql.replace("VALUES (?, ?, ?, ?, 'pending', NULL, ?, ?)",
                           "SELECT ?, ?, ?, ?, 'pending', NULL, ?, ? WHERE NOT EXISTS (SELECT 1 FROM print_jobs "
                           "WHERE ticket_id = ? AND status = 'pending') AND (SELECT COUNT(*) FROM print_jobs "
                           "WHERE ticket_id = ? AND reprint = 1) < ?"),
               params + (ticket.id, ticket.id, MAX_REPRINTS))
    await service.write_only([guarded])
    if not await service.reader.run(_job_exists, message["job_id"]):
        code = await service.reader.run(_reprint_refusal, ticket.id)
        text = ("the ticket is still waiting for the printer; it prints when the printer is back"
                if code == "print_pending" else f"this ticket was reprinted {MAX_REPRINTS} times already")
        raise DomainError(code, text)
    service.publisher.send_to_device(p.id, message)
    return json_response({"print_job": message["job_id"], "reprint": True,
                          "ticket": ticket_view(ticket, service.hall)})


KIOSK_HANDLERS = {"track_qr": track_qr, "reprint": reprint, "kiosk_self": kiosk_self}
