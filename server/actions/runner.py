"""The one command runner, shared by HTTP and WebSocket: kiosk rate, tracking link, answer, and the
service's durable execute. Adapters build the command from their endpoint row and call `run`."""
from __future__ import annotations

from typing import Protocol
from collections.abc import Callable

from aiohttp import web

from .. import appkeys as K
from ..auth import Principal
from ..domain import commands as c
from ..domain.errors import DomainError
from ..security import hash_token
from ..service import RequestUse
from ..store.audit import AuditEntry
from .answers import ANSWERS


class Row(Protocol):
    """An endpoint table row (server/api/endpoints.py) as the runner needs it."""

    @property
    def operation_id(self) -> str: ...

    @property
    def answer(self) -> str: ...

    @property
    def command(self) -> Callable[[Principal, dict, dict], c.Command] | None: ...


async def run_row(app: web.Application, p: Principal, row: Row, body: dict, ids: dict[str, int]) -> dict:
    """Build the row's command from a checked body and the path ids, and run it (HTTP and WebSocket)."""
    request_id = body.pop("request_id", None)
    if "label" in body:
        body["ticket_id"] = ticket_id_for_label(app, body.pop("label"))
    if row.command is None:  # a hand-written row is served by its own handler, never run here
        raise TypeError(f"{row.operation_id} has no command to run")
    cmd = row.command(p, body, ids)
    use = RequestUse(p.id, request_id, row.operation_id, ids, body) if request_id else None
    return await run(app, p, cmd, row.answer, use)


def ticket_id_for_label(app: web.Application, label: str) -> int:
    state = app[K.SERVICE].state
    found = next((t.id for t in state.tickets.values() if t.label == label.strip().upper()), None)
    if found is None:
        raise DomainError("unknown_ticket", f"no ticket {label} today")
    return found


async def run(app: web.Application, p: Principal, cmd: c.Command, answer: str, use: RequestUse | None) -> dict:
    """Run a command for a principal; return the answer once the action is on disk."""
    service = app[K.SERVICE]
    tracking_url = None
    if isinstance(cmd, (c.IssueTicket, c.CheckInAppointment)):
        if use is None or not service.is_retry(p.id, use.request_id):  # a retry is answered, not counted
            check_kiosk_rate(app, p)
        token = service.random.token(18)
        cmd.tracking_hash = hash_token(token)
        tracking_url = f"{app[K.SETTINGS].public_url}/t/{token}"
    return await service.execute(cmd, request=use, answer=ANSWERS[answer](service, p, tracking_url),
                                 writes=audit_writes(app, p, cmd))


def audit_writes(app: web.Application, p: Principal, cmd: c.Command) -> tuple:
    """A manual cancel, and a missed ticket returned at the guide desk, are audited in the same
    transaction as the action itself."""
    if not isinstance(cmd, (c.CancelTicket, c.ReturnTicket)):
        return ()
    ticket = app[K.SERVICE].state.tickets.get(cmd.ticket_id)
    device = None if p.is_session else p.id
    if isinstance(cmd, c.ReturnTicket):
        before = ({"status": ticket.status.value, "label": ticket.label, "return_until": ticket.return_until}
                  if ticket else None)
        return (AuditEntry(app[K.CLOCK].now(), p.staff or p.id, "return", device, f"ticket:{cmd.ticket_id}", before,
                           {"status": "waiting", "queue": ticket.queue_service if ticket else None}),)
    before = {"status": ticket.status.value, "label": ticket.label, "window": ticket.window} if ticket else None
    return (AuditEntry(app[K.CLOCK].now(), p.staff or p.id, "cancel", device, f"ticket:{cmd.ticket_id}", before,
                       {"status": "cancelled", "reason": cmd.reason, "by_window": p.window}),)


def check_kiosk_rate(app: web.Application, p: Principal) -> None:
    if p.role != "kiosk":
        return
    limiter, now = app[K.KIOSK_LIMITER], app[K.CLOCK].now()
    retry = limiter.retry_after(p.id, now)
    if retry is not None:
        raise DomainError("rate_limited", f"this kiosk is issuing too fast; try again in {retry} s",
                          retry_after_s=retry)
    limiter.hit(p.id, now)
