"""What a queue action answers, by the endpoint row's `answer` kind. Each answer reads the state
right after the command was applied (before the commit) and returns the body plus, for a kiosk's
ticket, its print job as a write of the same batch. No SQL here: writes are records."""
from __future__ import annotations

from collections.abc import Callable

from ..auth import Principal
from ..domain import events as e
from ..estimate import estimate_wait
from ..printjobs import new_job, ticket_layout
from ..service import Answered, HallService
from ..views import window_view

AnswerFactory = Callable[[HallService, Principal, str | None], Callable[[list[e.Event]], Answered]]


def window_of(service: HallService, p: Principal) -> dict | None:
    cfg = service.hall.window(p.window) if p.window else None
    return window_view(service.state, service.hall, cfg) if cfg else None


def _ticket(service: HallService, p: Principal, tracking_url: str | None):
    def answer(events: list[e.Event]) -> Answered:
        ticket_id = next((ev.ticket_id for ev in events if hasattr(ev, "ticket_id")), None)
        ticket = service.state.tickets.get(ticket_id) if ticket_id is not None else None
        return Answered({"ticket": service.view_of(ticket) if ticket else None,
                         "window": window_of(service, p)})
    return answer


def _window(service: HallService, p: Principal, tracking_url: str | None):
    return lambda events: Answered({"window": window_of(service, p)})


def _events(service: HallService, p: Principal, tracking_url: str | None):
    return lambda events: Answered({"events": [ev.to_dict() for ev in events]})


def _issue(service: HallService, p: Principal, tracking_url: str | None):
    def answer(events: list[e.Event]) -> Answered:
        issued = next(ev for ev in events if isinstance(ev, e.TicketIssued))
        ticket = service.state.tickets[issued.ticket_id]
        estimate = estimate_wait(service.state, service.hall, ticket.queue_service, issued.ahead)
        body = {"ticket": service.view_of(ticket), "ahead": issued.ahead, "estimate": estimate,
                "tracking_url": tracking_url, "print_job": None}
        if p.role != "kiosk":
            return Answered(body)
        layout = ticket_layout(service.hall, ticket, issued.ahead, estimate, tracking_url or "")
        job = new_job(p.id, ticket.id, layout, service.clock.now(), service.random)
        return Answered(body | {"print_job": job.job_id}, (job,))
    return answer


ANSWERS: dict[str, AnswerFactory] = {"ticket": _ticket, "window": _window, "events": _events, "issue": _issue}
