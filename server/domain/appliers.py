"""Appliers: fold one event into the state. Replaying a day's events rebuilds the live state.

A ticket's status after an event is never set by hand: each ticket event stands for one action of
the lifecycle table (EVENT_ACTIONS), and `_move` takes the status after it from the table."""
from __future__ import annotations

from collections.abc import Callable
from sys import intern
from typing import Any

from . import events as e
from .hall import HallConfig
from .lifecycle import INITIAL, Status, next_status
from .model import Appointment, HallState, PendingRating, Ticket, WindowState, rating_key


Applier = Callable[[HallState, HallConfig, Any], None]  # each takes its own event type


def new_state(hall: HallConfig, day: str, last_seq: int = 0, next_ticket_id: int = 1) -> HallState:
    state = HallState(day=day, last_seq=last_seq, next_ticket_id=next_ticket_id)
    for window in hall.windows:
        state.windows[window.number] = WindowState(window.number)
    return state


def apply(state: HallState, hall: HallConfig, event: e.Event) -> None:
    APPLIERS[type(event)](state, hall, event)
    ticket_id = getattr(event, "ticket_id", None)
    if ticket_id is not None:  # every change to a ticket comes with an event naming it
        state.reindex(ticket_id)
    state.last_seq = max(state.last_seq, event.seq)


def _on_issued(state: HallState, hall: HallConfig, ev: e.TicketIssued) -> None:
    # the day's tickets share one string per day, service, language...: a request's own copies
    # (parsed from its JSON) would otherwise stay in memory with every ticket
    service = intern(ev.service)
    state.tickets[ev.ticket_id] = Ticket(
        id=ev.ticket_id, day=intern(ev.day), service=service, prefix=intern(ev.prefix), number=ev.number,
        odd_label=None if ev.label == f"{ev.prefix}{ev.number:03d}" else ev.label, issued_at=ev.at,
        channel=intern(ev.channel), green_category=ev.green_category,
        appointment_code=ev.appointment_code, kiosk=ev.kiosk and intern(ev.kiosk), lang=intern(ev.lang),
        queue_service=service, queue_entered_at=ev.queue_entered_at,
        status=INITIAL,
    )
    state.numbers[ev.prefix] = max(state.numbers.get(ev.prefix, 0), ev.number)
    state.issued[ev.service] = state.issued.get(ev.service, 0) + 1
    state.next_ticket_id = max(state.next_ticket_id, ev.ticket_id + 1)


def _on_booked(state: HallState, hall: HallConfig, ev: e.AppointmentBooked) -> None:
    state.appointments[ev.code] = Appointment(
        code=ev.code, service=ev.service, slot_day=ev.slot_day, slot_start=ev.slot_start,
        slot_end=ev.slot_end)


def _on_checked_in(state: HallState, hall: HallConfig, ev: e.AppointmentCheckedIn) -> None:
    if ev.code in state.appointments:
        state.appointments[ev.code].ticket_id = ev.ticket_id


def _move(ticket: Ticket, event: e.Event) -> None:
    """The status after the event's action, from the lifecycle table."""
    ticket.status = next_status(ticket.status, EVENT_ACTIONS[type(event)])


def _take(state: HallState, ticket: Ticket, window: int, staff: str, at: float) -> None:
    ticket.window, ticket.staff = window, staff
    ticket.called_at = at
    ticket.first_called_at = ticket.first_called_at or at
    wstate = state.window(window)
    wstate.ticket_id = ticket.id


def _on_called(state: HallState, hall: HallConfig, ev: e.TicketCalled) -> None:
    ticket = state.tickets[ev.ticket_id]
    was_waiting = ticket.status is Status.WAITING
    _move(ticket, ev)  # first: an event the table refuses changes nothing
    if was_waiting:
        _count_for_fairness(state.window(ev.window), ticket)
    ticket.pinned_window, ticket.front, ticket.return_until = None, False, None
    _take(state, ticket, ev.window, ev.staff, ev.at)
    state.calls.add(ev.at, ticket.id)


def _count_for_fairness(wstate: WindowState, ticket: Ticket) -> None:
    if ticket.is_priority:
        wstate.normal_since_priority = 0
    elif wstate.normal_since_priority is not None:
        wstate.normal_since_priority += 1


def _on_recalled(state: HallState, hall: HallConfig, ev: e.TicketRecalled) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    ticket.recalls = ev.recalls
    ticket.called_at = ev.at
    state.calls.add(ev.at, ticket.id)


def _on_started(state: HallState, hall: HallConfig, ev: e.ServiceStarted) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    ticket.started_at = ev.at


def _release(state: HallState, ticket: Ticket) -> None:
    if ticket.window is not None and state.window(ticket.window).ticket_id == ticket.id:
        state.window(ticket.window).ticket_id = None


def _on_finished(state: HallState, hall: HallConfig, ev: e.ServiceFinished) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    ticket.finished_at, ticket.outcome = ev.at, intern(ev.outcome)  # one string per outcome, not per ticket
    if ticket.called_at:  # the estimate's latest finishes (a finished ticket's queue never changes)
        state.finishes.add(ticket.queue_service, ticket.id, ticket.called_at, ticket.started_at, ev.at)
    _release(state, ticket)
    if ev.outcome != "unrecorded":
        state.pending_ratings[ticket.id] = PendingRating(ticket.id, ticket.segment, ev.window, ev.staff, ev.at)


def _on_no_show(state: HallState, hall: HallConfig, ev: e.TicketNoShow) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    ticket.return_until = ev.return_until
    _release(state, ticket)


def _on_suspended(state: HallState, hall: HallConfig, ev: e.TicketSuspended) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    ticket.suspended_at = ev.at
    _release(state, ticket)


def _requeue(ticket: Ticket, service: str, pinned: int | None, front: bool, at: float) -> None:
    ticket.segment += 1
    ticket.queue_service, ticket.pinned_window, ticket.front = service, pinned, front
    ticket.queue_entered_at = at
    ticket.window = ticket.staff = None
    ticket.called_at = ticket.started_at = None
    ticket.recalls = 0


def _on_resumed(state: HallState, hall: HallConfig, ev: e.TicketResumed) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    ticket.suspended_s += ev.at - (ticket.suspended_at or ev.at)
    ticket.suspended_at = None
    _requeue(ticket, ticket.queue_service, ev.window, True, ev.at)


def _on_returned(state: HallState, hall: HallConfig, ev: e.TicketReturned) -> None:
    """Back in its own queue, at the end: a new queue segment entered at the return time."""
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    ticket.return_until = None
    _requeue(ticket, ticket.queue_service, None, False, ev.at)


def _on_transferred(state: HallState, hall: HallConfig, ev: e.TicketTransferred) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    _release(state, ticket)
    ticket.transfers += 1
    if ev.note:
        ticket.notes = [*ticket.notes, ev.note]
    _requeue(ticket, ev.to_service, ev.to_window, ev.front, ev.at)


def _on_cancelled(state: HallState, hall: HallConfig, ev: e.TicketCancelled) -> None:
    ticket = state.tickets[ev.ticket_id]
    _move(ticket, ev)
    _release(state, ticket)


def _on_walked_out(state: HallState, hall: HallConfig, ev: e.TicketWalkedOut) -> None:
    _move(state.tickets[ev.ticket_id], ev)


WindowEvent = e.WindowOpened | e.WindowPaused | e.WindowResumed | e.WindowClosed


def _on_window(status: str) -> Applier:
    def applier(state: HallState, hall: HallConfig, ev: WindowEvent) -> None:
        wstate = state.window(ev.window)
        wstate.status, wstate.status_since = status, ev.at
        wstate.pause_reason = getattr(ev, "reason", "") if status == "paused" else ""
    return applier


def _on_signed_in(state: HallState, hall: HallConfig, ev: e.ClerkSignedIn) -> None:
    state.window(ev.window).staff = ev.staff


def _on_signed_out(state: HallState, hall: HallConfig, ev: e.ClerkSignedOut) -> None:
    state.window(ev.window).staff = None


def _on_rated(state: HallState, hall: HallConfig, ev: e.VisitRated | e.RatingExpired) -> None:
    state.pending_ratings.pop(ev.ticket_id, None)
    state.rated.add(rating_key(ev.ticket_id, ev.segment))


def _on_rating_expired(state: HallState, hall: HallConfig, ev: e.RatingExpired) -> None:
    state.pending_ratings.pop(ev.ticket_id, None)
    state.rating_expired.add(rating_key(ev.ticket_id, ev.segment))


def _on_day_closed(state: HallState, hall: HallConfig, ev: e.DayClosed) -> None:
    fresh = new_state(hall, ev.new_day, state.last_seq, state.next_ticket_id)
    fresh.appointments = {k: a for k, a in state.appointments.items() if a.slot_day >= ev.new_day}
    state.__dict__.update(fresh.__dict__)


# The lifecycle action each ticket event stands for (the events that create a ticket or only touch
# its rating leave the status alone).
EVENT_ACTIONS: dict[type[e.Event], str] = {
    e.TicketCalled: "call", e.TicketRecalled: "recall", e.ServiceStarted: "start", e.ServiceFinished: "finish",
    e.TicketNoShow: "no_show", e.TicketSuspended: "suspend", e.TicketResumed: "resume",
    e.TicketReturned: "return",
    e.TicketTransferred: "transfer", e.TicketCancelled: "cancel", e.TicketWalkedOut: "day_end",
}

APPLIERS: dict[type[e.Event], Applier] = {
    e.TicketIssued: _on_issued, e.AppointmentBooked: _on_booked, e.AppointmentCheckedIn: _on_checked_in,
    e.TicketCalled: _on_called, e.TicketRecalled: _on_recalled, e.ServiceStarted: _on_started,
    e.ServiceFinished: _on_finished, e.TicketNoShow: _on_no_show, e.TicketSuspended: _on_suspended,
    e.TicketResumed: _on_resumed, e.TicketTransferred: _on_transferred, e.TicketCancelled: _on_cancelled,
    e.TicketWalkedOut: _on_walked_out, e.WindowOpened: _on_window("open"),
    e.WindowPaused: _on_window("paused"), e.WindowResumed: _on_window("open"),
    e.WindowClosed: _on_window("closed"), e.ClerkSignedIn: _on_signed_in,
    e.ClerkSignedOut: _on_signed_out, e.VisitRated: _on_rated, e.RatingExpired: _on_rating_expired,
    e.DayClosed: _on_day_closed, e.TicketReturned: _on_returned,
}
