"""Deciders: (state, hall, command, now) -> events, or DomainError. They never change the state."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from . import commands as c
from . import events as e
from .calendar import business_day, local_time
from .checks import (check_issuing, clerk_window, hands_free, held_here, new_ticket_event, open_window,
                     find_ticket, window_config)
from .errors import DomainError
from .lifecycle import FINAL, Status, day_end_status, next_status
from .hall import HallConfig
from .model import HallState, PendingRating, Ticket, rating_key
from .routing import choose_next, next_callable_at


def _issue(state: HallState, hall: HallConfig, cmd: c.IssueTicket, now: float) -> list[e.Event]:
    if cmd.channel not in ("normal", "green"):
        raise DomainError("invalid_argument", "channel must be normal or green")
    if cmd.channel == "green" and cmd.green_category not in hall.rules.green_channel_categories:
        raise DomainError("invalid_argument", "a green-channel ticket needs a category: "
                          + ", ".join(hall.rules.green_channel_categories))
    check_issuing(state, hall, cmd.service, now)
    return [new_ticket_event(state, hall, cmd.service, now, channel=cmd.channel,
                              green_category=cmd.green_category if cmd.channel == "green" else None,
                              kiosk=cmd.kiosk, lang=cmd.lang or hall.center.default_lang,
                              tracking_hash=cmd.tracking_hash, issued_by=cmd.issued_by)]


def _book(state: HallState, hall: HallConfig, cmd: c.BookAppointment, now: float) -> list[e.Event]:
    if hall.service(cmd.service) is None:
        raise DomainError("unknown_service", f"there is no service {cmd.service!r}")
    if cmd.code in state.appointments:
        raise DomainError("invalid_argument", "that booking code exists already")
    if cmd.slot_end <= cmd.slot_start:
        raise DomainError("invalid_argument", "slot_end must be after slot_start")
    slot_day = business_day(cmd.slot_start, hall.center.timezone, hall.center.day_boundary_min)
    if slot_day < state.day:
        raise DomainError("invalid_argument", "the slot is in the past")
    return [e.AppointmentBooked(at=now, code=cmd.code, service=cmd.service, slot_day=slot_day,
                                slot_start=cmd.slot_start, slot_end=cmd.slot_end, booked_by=cmd.booked_by)]


def _check_in(state: HallState, hall: HallConfig, cmd: c.CheckInAppointment, now: float) -> list[e.Event]:
    appt = state.appointments.get(cmd.code)
    if appt is None:
        raise DomainError("unknown_appointment", "no booking with that code")
    if appt.ticket_id is not None:
        raise DomainError("appointment_used", "this booking has been checked in already",
                          ticket_id=appt.ticket_id)
    if appt.slot_day != state.day:
        raise DomainError("appointment_other_day", f"the booking is for {appt.slot_day}", slot_day=appt.slot_day)
    rules = hall.rules
    on_time = (appt.slot_start - rules.appointment_early_min * 60 <= now
               <= appt.slot_start + rules.appointment_late_min * 60)
    issued = new_ticket_event(
        state, hall, appt.service, now, channel="appointment" if on_time else "normal",
        appointment_code=appt.code, kiosk=cmd.kiosk, lang=cmd.lang or hall.center.default_lang,
        tracking_hash=cmd.tracking_hash,
        queue_entered_at=max(now, appt.slot_start) if on_time else now,
    )
    return [issued, e.AppointmentCheckedIn(at=now, code=appt.code, ticket_id=issued.ticket_id, on_time=on_time)]


def _sign_in(state: HallState, hall: HallConfig, cmd: c.SignIn, now: float) -> list[e.Event]:
    window_config(hall, cmd.window)
    staff = hall.staff_member(cmd.staff)
    if staff is None:
        raise DomainError("unknown_staff", f"no staff member {cmd.staff}")
    if staff.role != "clerk" or cmd.window not in staff.windows:
        raise DomainError("forbidden", f"staff {cmd.staff} may not sign in at window {cmd.window}")
    current = state.staff_window(cmd.staff)
    if current == cmd.window:
        return []  # signing in again where one already is: a new session, no change to the hall
    if current is not None:
        raise DomainError("already_signed_in", f"staff {cmd.staff} is signed in at window {current}",
                          window=current)
    if state.window(cmd.window).staff is not None:
        raise DomainError("window_taken", f"another clerk is signed in at window {cmd.window}")
    return [e.ClerkSignedIn(at=now, window=cmd.window, staff=cmd.staff),
            e.WindowOpened(at=now, window=cmd.window, staff=cmd.staff)]


def _sign_out(state: HallState, hall: HallConfig, cmd: c.SignOut, now: float) -> list[e.Event]:
    wstate = clerk_window(state, hall, cmd.window, cmd.staff)
    hands_free(state, cmd.window)
    closing = [e.WindowClosed(at=now, window=cmd.window, staff=cmd.staff)] if wstate.status != "closed" else []
    return closing + [e.ClerkSignedOut(at=now, window=cmd.window, staff=cmd.staff)]


def _open(state: HallState, hall: HallConfig, cmd: c.OpenWindow, now: float) -> list[e.Event]:
    if clerk_window(state, hall, cmd.window, cmd.staff).status != "closed":
        raise DomainError("window_already_open", f"window {cmd.window} is open already")
    return [e.WindowOpened(at=now, window=cmd.window, staff=cmd.staff)]


def _pause(state: HallState, hall: HallConfig, cmd: c.PauseWindow, now: float) -> list[e.Event]:
    open_window(state, hall, cmd.window, cmd.staff)
    if not cmd.reason.strip():
        raise DomainError("invalid_argument", "a pause needs a reason")
    return [e.WindowPaused(at=now, window=cmd.window, staff=cmd.staff, reason=cmd.reason.strip())]


def _resume_window(state: HallState, hall: HallConfig, cmd: c.ResumeWindow, now: float) -> list[e.Event]:
    if clerk_window(state, hall, cmd.window, cmd.staff).status != "paused":
        raise DomainError("window_not_paused", f"window {cmd.window} is not paused")
    return [e.WindowResumed(at=now, window=cmd.window, staff=cmd.staff)]


def _close(state: HallState, hall: HallConfig, cmd: c.CloseWindow, now: float) -> list[e.Event]:
    if clerk_window(state, hall, cmd.window, cmd.staff).status == "closed":
        raise DomainError("window_not_open", f"window {cmd.window} is closed already")
    hands_free(state, cmd.window)
    return [e.WindowClosed(at=now, window=cmd.window, staff=cmd.staff)]


def _call_next(state: HallState, hall: HallConfig, cmd: c.CallNext, now: float) -> list[e.Event]:
    open_window(state, hall, cmd.window, cmd.staff)
    hands_free(state, cmd.window)
    window = window_config(hall, cmd.window)
    ticket = choose_next(state, hall, window, now)
    if ticket is None:
        later = next_callable_at(state, hall, window)
        if later is not None:  # only appointments that wait for their slot
            at = local_time(later, hall.center.timezone).strftime("%H:%M")
            raise DomainError("queue_empty", f"nobody can be called at window {cmd.window} yet: an appointment "
                              f"waits for its slot and may be called from {at}", callable_from=at)
        raise DomainError("queue_empty", f"nobody is waiting for window {cmd.window}")
    return [e.TicketCalled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff)]


def _call_ticket(state: HallState, hall: HallConfig, cmd: c.CallTicket, now: float) -> list[e.Event]:
    open_window(state, hall, cmd.window, cmd.staff)
    hands_free(state, cmd.window)
    ticket = find_ticket(state, cmd.ticket_id)
    next_status(ticket.status, "call")
    window = window_config(hall, cmd.window)
    if ticket.pinned_window not in (None, cmd.window) or (
            ticket.pinned_window is None and ticket.queue_service not in window.services):
        raise DomainError("not_at_this_window", f"window {cmd.window} does not serve {ticket.label}'s queue")
    callback = ticket.status is Status.NO_SHOW
    if callback and now > (ticket.return_until or 0):
        raise DomainError("return_window_expired", f"{ticket.label} missed its number too long ago")
    return [e.TicketCalled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                           callback=callback, by_number=True)]


def _recall(state: HallState, hall: HallConfig, cmd: c.RecallTicket, now: float) -> list[e.Event]:
    ticket = held_here(state, hall, cmd)
    next_status(ticket.status, "recall")
    if ticket.recalls >= hall.rules.max_recalls:
        raise DomainError("max_recalls", f"{ticket.label} was recalled {ticket.recalls} times already")
    return [e.TicketRecalled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                             recalls=ticket.recalls + 1)]


def _start(state: HallState, hall: HallConfig, cmd: c.StartService, now: float) -> list[e.Event]:
    next_status(held_here(state, hall, cmd).status, "start")
    return [e.ServiceStarted(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff)]


def _finish(state: HallState, hall: HallConfig, cmd: c.FinishService, now: float) -> list[e.Event]:
    ticket = held_here(state, hall, cmd)
    next_status(ticket.status, "finish")
    _check_outcome(cmd)
    return [e.ServiceFinished(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                              outcome=cmd.outcome, promised_days=cmd.promised_days,
                              materials=[m.strip() for m in cmd.materials if m.strip()],
                              case_number=cmd.case_number or None,
                              no_start=ticket.status is Status.CALLED, **_supervision_fields(hall, cmd))]


def _check_outcome(cmd: c.FinishService) -> None:
    if cmd.outcome not in c.OUTCOMES:
        raise DomainError("invalid_argument", "outcome must be one of " + ", ".join(c.OUTCOMES))
    if cmd.outcome == "promised" and not (cmd.promised_days and cmd.promised_days > 0):
        raise DomainError("invalid_argument", "a promised case needs promised_days (working days) > 0")
    if cmd.outcome == "supplement" and not any(m.strip() for m in cmd.materials):
        raise DomainError("invalid_argument", "a supplement case needs the list of missing materials")


def _supervision_fields(hall: HallConfig, cmd: c.FinishService) -> dict[str, Any]:
    """The finish's optional supervision fields, checked (docs/supervision.md)."""
    departments = list(dict.fromkeys(d.strip() for d in cmd.joint_departments if d.strip()))
    if departments and cmd.outcome != "joint":
        raise DomainError("invalid_argument", "joint_departments go with the outcome joint")
    unknown = [d for d in departments if hall.department(d) is None]
    if unknown:
        raise DomainError("invalid_argument", f"unknown department {unknown[0]!r} in joint_departments")
    if departments and not (cmd.promised_days and cmd.promised_days > 0):
        raise DomainError("invalid_argument", "a joint case needs promised_days (working days) > 0")
    if cmd.refusal is not None and cmd.refusal not in c.REFUSALS:
        raise DomainError("invalid_argument", "refusal must be one of " + ", ".join(c.REFUSALS))
    if cmd.refusal is not None and not cmd.legal_basis.strip():
        raise DomainError("invalid_argument", "a refusal needs its legal basis (legal_basis)")
    if cmd.refusal is not None and cmd.outcome != "reply":
        raise DomainError("invalid_argument", "a refusal is finished as the outcome reply")
    return {"joint_departments": departments, "refusal": cmd.refusal,
            "legal_basis": cmd.legal_basis.strip() if cmd.refusal else "",
            "linked_to": (cmd.linked_to or "").strip().upper() or None}


def _no_show(state: HallState, hall: HallConfig, cmd: c.MarkNoShow, now: float) -> list[e.Event]:
    next_status(held_here(state, hall, cmd).status, "no_show")
    return [e.TicketNoShow(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff,
                           return_until=now + hall.rules.no_show_return_min * 60)]


def _suspend(state: HallState, hall: HallConfig, cmd: c.SuspendTicket, now: float) -> list[e.Event]:
    next_status(held_here(state, hall, cmd).status, "suspend")
    return [e.TicketSuspended(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff,
                              reason=cmd.reason.strip())]


def _resume_ticket(state: HallState, hall: HallConfig, cmd: c.ResumeTicket, now: float) -> list[e.Event]:
    next_status(held_here(state, hall, cmd).status, "resume")
    return [e.TicketResumed(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff)]


def _return_ticket(state: HallState, hall: HallConfig, cmd: c.ReturnTicket, now: float) -> list[e.Event]:
    """A missed citizen at the guide desk: back to the end of the ticket's queue while the return
    window is open (docs/routing.md); after it, the desk issues a new ticket instead."""
    ticket = find_ticket(state, cmd.ticket_id)
    next_status(ticket.status, "return")
    if now > (ticket.return_until or 0):
        raise DomainError("return_window_expired", f"{ticket.label} missed its number too long ago")
    return [e.TicketReturned(at=now, ticket_id=ticket.id, staff=cmd.staff)]


def _transfer(state: HallState, hall: HallConfig, cmd: c.TransferTicket, now: float) -> list[e.Event]:
    ticket = held_here(state, hall, cmd)
    next_status(ticket.status, "transfer")
    if cmd.to_service is None and cmd.to_window is None:
        raise DomainError("invalid_argument", "a transfer needs to_service or to_window")
    to_service = cmd.to_service or ticket.queue_service
    if hall.service(to_service) is None:
        raise DomainError("unknown_service", f"there is no service {to_service!r}")
    if cmd.to_window is not None:
        window_config(hall, cmd.to_window)
    elif not hall.windows_serving(to_service):
        raise DomainError("service_not_served", f"no window serves {to_service!r}")
    return [e.TicketTransferred(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                                to_service=to_service, to_window=cmd.to_window, front=cmd.front,
                                note=cmd.note.strip())]


def _cancel(state: HallState, hall: HallConfig, cmd: c.CancelTicket, now: float) -> list[e.Event]:
    ticket = find_ticket(state, cmd.ticket_id)
    if cmd.window is not None and ticket.status not in FINAL:
        _check_clerk_may_cancel(hall, ticket, cmd.window)
    next_status(ticket.status, "cancel")
    return [e.TicketCancelled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                              reason=cmd.reason.strip())]


def _rate(state: HallState, hall: HallConfig, cmd: c.RateVisit, now: float) -> list[e.Event]:
    if cmd.level not in c.RATING_LEVELS:
        raise DomainError("invalid_argument", "level must be one of " + ", ".join(c.RATING_LEVELS))
    pending = state.pending_ratings.get(cmd.ticket_id)
    find_ticket(state, cmd.ticket_id)
    if pending is None or pending.window != cmd.window:
        ticket = state.tickets.get(cmd.ticket_id)
        if ticket is not None and rating_key(ticket.id, ticket.segment) in state.rating_expired:
            raise DomainError("rating_closed", "the time to rate this visit has passed")
        if ticket is not None and rating_key(ticket.id, ticket.segment) in state.rated:
            raise DomainError("already_rated", "this visit was rated already")
        raise DomainError("rating_closed", "there is no visit to rate for this ticket at this window")
    if now - pending.finished_at > hall.rules.rating_timeout_s:
        raise DomainError("rating_closed", "the time to rate this visit has passed")
    return [e.VisitRated(at=now, ticket_id=pending.ticket_id, segment=pending.segment,
                         window=pending.window, staff=pending.staff, level=cmd.level,
                         reason=cmd.reason.strip()[:500])]


def _tick(state: HallState, hall: HallConfig, cmd: c.Tick, now: float) -> list[e.Event]:
    timeout = hall.rules.rating_timeout_s
    return [_expire(p, now) for p in state.pending_ratings.values() if now - p.finished_at > timeout]


def _expire(pending: PendingRating, now: float) -> e.RatingExpired:
    return e.RatingExpired(at=now, ticket_id=pending.ticket_id, segment=pending.segment,
                           window=pending.window, staff=pending.staff)


def _close_day(state: HallState, hall: HallConfig, cmd: c.CloseDay, now: float) -> list[e.Event]:
    if cmd.new_day <= state.day:
        raise DomainError("invalid_argument", f"the day {state.day} is not over")
    moved = [_day_end_event(t, now) for t in state.tickets.values() if t.status not in FINAL]
    events: list[e.Event] = [ev for ev in moved if ev is not None]
    events += [_expire(p, now) for p in state.pending_ratings.values()]
    for w in state.windows.values():
        if w.status != "closed":
            events.append(e.WindowClosed(at=now, window=w.number, staff=w.staff))
        if w.staff is not None:
            events.append(e.ClerkSignedOut(at=now, window=w.number, staff=w.staff))
    walked_out = sum(1 for ev in events if isinstance(ev, e.TicketWalkedOut))
    return events + [e.DayClosed(at=now, closed_day=state.day, new_day=cmd.new_day, walked_out=walked_out)]


def _day_end_event(t: Ticket, now: float) -> e.Event | None:
    """The event that records the day's-end move the lifecycle table names for this ticket's status."""
    after = day_end_status(t.status)
    if after is None:
        return None  # e.g. a no-show stays a no-show
    return DAY_END_EVENTS[after](t, now)


# Which event records each status a ticket may reach at the day's end (the table says which one).
DAY_END_EVENTS: dict[Status, Callable[[Ticket, float], e.Event]] = {
    Status.WALKED_OUT: lambda t, now: e.TicketWalkedOut(at=now, ticket_id=t.id, reason="day_end"),
    # a called or served ticket is held by a window
    Status.NO_SHOW: lambda t, now: e.TicketNoShow(at=now, ticket_id=t.id, window=cast(int, t.window),
                                                  staff=t.staff or "", return_until=now),
    Status.FINISHED: lambda t, now: e.ServiceFinished(at=now, ticket_id=t.id, window=cast(int, t.window),
                                                      staff=t.staff or "", outcome="unrecorded"),
}


Decider = Callable[[HallState, HallConfig, Any, float], list[e.Event]]  # each takes its own command type

DECIDERS: dict[type[c.Command], Decider] = {
    c.IssueTicket: _issue, c.BookAppointment: _book, c.CheckInAppointment: _check_in,
    c.SignIn: _sign_in, c.SignOut: _sign_out, c.OpenWindow: _open, c.PauseWindow: _pause,
    c.ResumeWindow: _resume_window, c.CloseWindow: _close, c.CallNext: _call_next,
    c.CallTicket: _call_ticket, c.RecallTicket: _recall, c.StartService: _start,
    c.FinishService: _finish, c.MarkNoShow: _no_show, c.SuspendTicket: _suspend,
    c.ResumeTicket: _resume_ticket, c.TransferTicket: _transfer, c.CancelTicket: _cancel,
    c.RateVisit: _rate, c.Tick: _tick, c.CloseDay: _close_day, c.ReturnTicket: _return_ticket,
}


def _check_clerk_may_cancel(hall: HallConfig, ticket: Ticket, window_number: int) -> None:
    """A clerk (the command names a window) cancels only a ticket held at that window, or one
    waiting in a queue the window serves (or pinned to it); the guide desk and managers (no window)
    may cancel any ticket."""
    if ticket.window not in (None, window_number):
        raise DomainError("not_at_this_window", f"{ticket.label} is held by window {ticket.window}")
    window = hall.window(window_number)
    if ticket.window is None and window is not None and (ticket.pinned_window not in (None, window_number) or (
            ticket.pinned_window is None and ticket.queue_service not in window.services)):
        raise DomainError("not_at_this_window", f"window {window_number} does not serve {ticket.label}'s queue")
