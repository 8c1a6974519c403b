"""The engine: `decide` turns (state, command, now) into events or raises DomainError, without
changing anything; `apply` folds one event into the state. Replaying a day's events through
`apply` rebuilds exactly the state the live server had.
"""
from __future__ import annotations

from typing import Callable

from . import commands as c
from . import events as e
from .calendar import business_day, minute_of_day
from .errors import DomainError
from .hall import HallConfig, Window
from .lifecycle import FINAL, Status, next_status
from .model import Appointment, HallState, PendingRating, Ticket, WindowState
from .routing import choose_next


def new_state(hall: HallConfig, day: str, last_seq: int = 0, next_ticket_id: int = 1) -> HallState:
    state = HallState(day=day, last_seq=last_seq, next_ticket_id=next_ticket_id)
    for window in hall.windows:
        state.windows[window.number] = WindowState(window.number)
    return state


def handle(state: HallState, hall: HallConfig, cmd: c.Command, now: float,
           on_applied: Callable[[e.Event], None] | None = None) -> list[e.Event]:
    """Decide, then number and apply the events (calling `on_applied` after each).
    On DomainError the state is untouched."""
    events = decide(state, hall, cmd, now)
    for event in events:
        event.seq = state.last_seq + 1
        event.day = event.day or state.day
        apply(state, hall, event)
        if on_applied is not None:
            on_applied(event)
    return events


def decide(state: HallState, hall: HallConfig, cmd: c.Command, now: float) -> list[e.Event]:
    try:
        decider = DECIDERS[type(cmd)]
    except KeyError:
        raise DomainError("invalid_argument", f"unknown command {cmd.NAME!r}") from None
    return decider(state, hall, cmd, now)


# --- checks shared by the deciders -------------------------------------------------------------

def _window_cfg(hall: HallConfig, number: int) -> Window:
    window = hall.window(number)
    if window is None:
        raise DomainError("unknown_window", f"there is no window {number}", window=number)
    return window


def _clerk_window(state: HallState, hall: HallConfig, number: int, staff: str) -> WindowState:
    _window_cfg(hall, number)
    wstate = state.window(number)
    if wstate.staff is None:
        raise DomainError("not_signed_in", f"no clerk is signed in at window {number}")
    if wstate.staff != staff:
        raise DomainError("wrong_window", f"staff {staff} is not signed in at window {number}")
    return wstate


def _open_window(state: HallState, hall: HallConfig, number: int, staff: str) -> WindowState:
    wstate = _clerk_window(state, hall, number, staff)
    if wstate.status != "open":
        raise DomainError("window_not_open", f"window {number} is {wstate.status}")
    return wstate


def _hands_free(state: HallState, number: int) -> None:
    held = state.in_hand(number)
    if held is not None:
        raise DomainError("ticket_in_hand", f"window {number} still has {held.label} ({held.status.value})",
                          ticket_id=held.id)


def _ticket(state: HallState, ticket_id: int) -> Ticket:
    ticket = state.tickets.get(ticket_id)
    if ticket is None:
        raise DomainError("unknown_ticket", f"no ticket {ticket_id} today", ticket_id=ticket_id)
    return ticket


def _held_here(state: HallState, hall: HallConfig, cmd: c.TicketCommand) -> Ticket:
    _clerk_window(state, hall, cmd.window, cmd.staff)
    ticket = _ticket(state, cmd.ticket_id)
    if ticket.window != cmd.window or ticket.status in FINAL:
        raise DomainError("not_at_this_window", f"{ticket.label} is not held by window {cmd.window}",
                          ticket_id=ticket.id)
    return ticket


def _check_issuing(state: HallState, hall: HallConfig, service_code: str, now: float) -> None:
    service = hall.service(service_code)
    if service is None:
        raise DomainError("unknown_service", f"there is no service {service_code!r}", service=service_code)
    if not hall.windows_serving(service_code):
        raise DomainError("service_not_served", f"no window serves {service_code!r}")
    minute = minute_of_day(now, hall.center.timezone)
    hours = hall.center.opening_hours
    if hours and not any(r.contains(minute) for r in hours):
        raise DomainError("hall_closed", "the hall is closed now",
                          opening_hours=[r.label() for r in hours])
    if service.issuing_hours and not any(r.contains(minute) for r in service.issuing_hours):
        raise DomainError("outside_issuing_hours", f"{service.name.en} issues tickets only "
                          + ", ".join(r.label() for r in service.issuing_hours),
                          issuing_hours=[r.label() for r in service.issuing_hours])
    if service.daily_cap is not None and state.issued.get(service_code, 0) >= service.daily_cap:
        raise DomainError("daily_cap_reached", f"all {service.daily_cap} tickets for today are issued",
                          daily_cap=service.daily_cap)


def _ahead(state: HallState, service_code: str) -> int:
    return state.queue_length(service_code)


def _new_ticket_event(state: HallState, hall: HallConfig, service_code: str, now: float, **extra) -> e.TicketIssued:
    service = hall.service(service_code)
    number = state.numbers.get(service.prefix, 0) + 1
    return e.TicketIssued(
        at=now, ticket_id=state.next_ticket_id, service=service_code, prefix=service.prefix,
        number=number, label=f"{service.prefix}{number:03d}", ahead=_ahead(state, service_code),
        queue_entered_at=extra.pop("queue_entered_at", now), **extra,
    )


# --- deciders ------------------------------------------------------------------------------------

def _issue(state, hall, cmd: c.IssueTicket, now):
    if cmd.channel not in ("normal", "green"):
        raise DomainError("invalid_argument", "channel must be normal or green")
    if cmd.channel == "green" and cmd.green_category not in hall.rules.green_channel_categories:
        raise DomainError("invalid_argument", "a green-channel ticket needs a category: "
                          + ", ".join(hall.rules.green_channel_categories))
    _check_issuing(state, hall, cmd.service, now)
    return [_new_ticket_event(state, hall, cmd.service, now, channel=cmd.channel,
                              green_category=cmd.green_category if cmd.channel == "green" else None,
                              kiosk=cmd.kiosk, lang=cmd.lang, tracking_hash=cmd.tracking_hash)]


def _book(state, hall, cmd: c.BookAppointment, now):
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
                                slot_start=cmd.slot_start, slot_end=cmd.slot_end)]


def _check_in(state, hall, cmd: c.CheckInAppointment, now):
    appt = state.appointments.get(cmd.code)
    if appt is None:
        raise DomainError("unknown_appointment", "no booking with that code")
    if appt.ticket_id is not None:
        raise DomainError("appointment_used", "this booking has been checked in already",
                          ticket_id=appt.ticket_id)
    if appt.slot_day != state.day:
        raise DomainError("appointment_other_day", f"the booking is for {appt.slot_day}", slot_day=appt.slot_day)
    rules = hall.rules
    on_time = appt.slot_start - rules.appointment_early_min * 60 <= now <= appt.slot_start + rules.appointment_late_min * 60
    issued = _new_ticket_event(
        state, hall, appt.service, now, channel="appointment" if on_time else "normal",
        appointment_code=appt.code, kiosk=cmd.kiosk, lang=cmd.lang, tracking_hash=cmd.tracking_hash,
        queue_entered_at=max(now, appt.slot_start) if on_time else now,
    )
    return [issued, e.AppointmentCheckedIn(at=now, code=appt.code, ticket_id=issued.ticket_id, on_time=on_time)]


def _sign_in(state, hall, cmd: c.SignIn, now):
    _window_cfg(hall, cmd.window)
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


def _sign_out(state, hall, cmd: c.SignOut, now):
    wstate = _clerk_window(state, hall, cmd.window, cmd.staff)
    _hands_free(state, cmd.window)
    closing = [e.WindowClosed(at=now, window=cmd.window, staff=cmd.staff)] if wstate.status != "closed" else []
    return closing + [e.ClerkSignedOut(at=now, window=cmd.window, staff=cmd.staff)]


def _open(state, hall, cmd: c.OpenWindow, now):
    if _clerk_window(state, hall, cmd.window, cmd.staff).status != "closed":
        raise DomainError("window_already_open", f"window {cmd.window} is open already")
    return [e.WindowOpened(at=now, window=cmd.window, staff=cmd.staff)]


def _pause(state, hall, cmd: c.PauseWindow, now):
    _open_window(state, hall, cmd.window, cmd.staff)
    if not cmd.reason.strip():
        raise DomainError("invalid_argument", "a pause needs a reason")
    return [e.WindowPaused(at=now, window=cmd.window, staff=cmd.staff, reason=cmd.reason.strip())]


def _resume_window(state, hall, cmd: c.ResumeWindow, now):
    if _clerk_window(state, hall, cmd.window, cmd.staff).status != "paused":
        raise DomainError("window_not_paused", f"window {cmd.window} is not paused")
    return [e.WindowResumed(at=now, window=cmd.window, staff=cmd.staff)]


def _close(state, hall, cmd: c.CloseWindow, now):
    if _clerk_window(state, hall, cmd.window, cmd.staff).status == "closed":
        raise DomainError("window_not_open", f"window {cmd.window} is closed already")
    _hands_free(state, cmd.window)
    return [e.WindowClosed(at=now, window=cmd.window, staff=cmd.staff)]


def _call_next(state, hall, cmd: c.CallNext, now):
    _open_window(state, hall, cmd.window, cmd.staff)
    _hands_free(state, cmd.window)
    ticket = choose_next(state, hall, hall.window(cmd.window), now)
    if ticket is None:
        raise DomainError("queue_empty", f"nobody is waiting for window {cmd.window}")
    return [e.TicketCalled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff)]


def _call_ticket(state, hall, cmd: c.CallTicket, now):
    _open_window(state, hall, cmd.window, cmd.staff)
    _hands_free(state, cmd.window)
    ticket = _ticket(state, cmd.ticket_id)
    next_status(ticket.status, "call")
    window = hall.window(cmd.window)
    if ticket.pinned_window not in (None, cmd.window) or (
            ticket.pinned_window is None and ticket.queue_service not in window.services):
        raise DomainError("not_at_this_window", f"window {cmd.window} does not serve {ticket.label}'s queue")
    callback = ticket.status is Status.NO_SHOW
    if callback and now > (ticket.return_until or 0):
        raise DomainError("return_window_expired", f"{ticket.label} missed its number too long ago")
    return [e.TicketCalled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                           callback=callback, by_number=True)]


def _recall(state, hall, cmd: c.RecallTicket, now):
    ticket = _held_here(state, hall, cmd)
    next_status(ticket.status, "recall")
    if ticket.recalls >= hall.rules.max_recalls:
        raise DomainError("max_recalls", f"{ticket.label} was recalled {ticket.recalls} times already")
    return [e.TicketRecalled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                             recalls=ticket.recalls + 1)]


def _start(state, hall, cmd: c.StartService, now):
    next_status(_held_here(state, hall, cmd).status, "start")
    return [e.ServiceStarted(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff)]


def _finish(state, hall, cmd: c.FinishService, now):
    ticket = _held_here(state, hall, cmd)
    next_status(ticket.status, "finish")
    _check_outcome(cmd)
    return [e.ServiceFinished(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                              outcome=cmd.outcome, promised_days=cmd.promised_days,
                              materials=[m.strip() for m in cmd.materials if m.strip()],
                              case_number=cmd.case_number or None,
                              no_start=ticket.status is Status.CALLED)]


def _check_outcome(cmd: c.FinishService) -> None:
    if cmd.outcome not in c.OUTCOMES:
        raise DomainError("invalid_argument", "outcome must be one of " + ", ".join(c.OUTCOMES))
    if cmd.outcome == "promised" and not (cmd.promised_days and cmd.promised_days > 0):
        raise DomainError("invalid_argument", "a promised case needs promised_days (working days) > 0")
    if cmd.outcome == "supplement" and not any(m.strip() for m in cmd.materials):
        raise DomainError("invalid_argument", "a supplement case needs the list of missing materials")


def _no_show(state, hall, cmd: c.MarkNoShow, now):
    next_status(_held_here(state, hall, cmd).status, "no_show")
    return [e.TicketNoShow(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff,
                           return_until=now + hall.rules.no_show_return_min * 60)]


def _suspend(state, hall, cmd: c.SuspendTicket, now):
    next_status(_held_here(state, hall, cmd).status, "suspend")
    return [e.TicketSuspended(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff,
                              reason=cmd.reason.strip())]


def _resume_ticket(state, hall, cmd: c.ResumeTicket, now):
    next_status(_held_here(state, hall, cmd).status, "resume")
    return [e.TicketResumed(at=now, ticket_id=cmd.ticket_id, window=cmd.window, staff=cmd.staff)]


def _transfer(state, hall, cmd: c.TransferTicket, now):
    ticket = _held_here(state, hall, cmd)
    next_status(ticket.status, "transfer")
    if cmd.to_service is None and cmd.to_window is None:
        raise DomainError("invalid_argument", "a transfer needs to_service or to_window")
    to_service = cmd.to_service or ticket.queue_service
    if hall.service(to_service) is None:
        raise DomainError("unknown_service", f"there is no service {to_service!r}")
    if cmd.to_window is not None:
        _window_cfg(hall, cmd.to_window)
    elif not hall.windows_serving(to_service):
        raise DomainError("service_not_served", f"no window serves {to_service!r}")
    return [e.TicketTransferred(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                                to_service=to_service, to_window=cmd.to_window, front=cmd.front,
                                note=cmd.note.strip())]


def _cancel(state, hall, cmd: c.CancelTicket, now):
    ticket = _ticket(state, cmd.ticket_id)
    if cmd.window is not None and ticket.window not in (None, cmd.window) and ticket.status not in FINAL:
        raise DomainError("not_at_this_window", f"{ticket.label} is held by window {ticket.window}")
    next_status(ticket.status, "cancel")
    return [e.TicketCancelled(at=now, ticket_id=ticket.id, window=cmd.window, staff=cmd.staff,
                              reason=cmd.reason.strip())]


def _rate(state, hall, cmd: c.RateVisit, now):
    if cmd.level not in c.RATING_LEVELS:
        raise DomainError("invalid_argument", "level must be one of " + ", ".join(c.RATING_LEVELS))
    pending = state.pending_ratings.get(cmd.ticket_id)
    _ticket(state, cmd.ticket_id)
    if pending is None or pending.window != cmd.window:
        ticket = state.tickets.get(cmd.ticket_id)
        if ticket is not None and (ticket.id, ticket.segment) in state.rated:
            raise DomainError("already_rated", "this visit was rated already")
        raise DomainError("rating_closed", "there is no visit to rate for this ticket at this window")
    if now - pending.finished_at > hall.rules.rating_timeout_s:
        raise DomainError("rating_closed", "the time to rate this visit has passed")
    return [e.VisitRated(at=now, ticket_id=pending.ticket_id, segment=pending.segment,
                         window=pending.window, staff=pending.staff, level=cmd.level,
                         reason=cmd.reason.strip()[:500])]


def _tick(state, hall, cmd: c.Tick, now):
    timeout = hall.rules.rating_timeout_s
    return [_expire(p, now) for p in state.pending_ratings.values() if now - p.finished_at > timeout]


def _expire(pending: PendingRating, now: float) -> e.RatingExpired:
    return e.RatingExpired(at=now, ticket_id=pending.ticket_id, segment=pending.segment,
                           window=pending.window, staff=pending.staff)


def _close_day(state, hall, cmd: c.CloseDay, now):
    if cmd.new_day <= state.day:
        raise DomainError("invalid_argument", f"the day {state.day} is not over")
    events: list[e.Event] = [_day_end_event(t, now) for t in state.tickets.values() if t.status not in FINAL]
    events = [ev for ev in events if ev is not None]
    events += [_expire(p, now) for p in state.pending_ratings.values()]
    for w in state.windows.values():
        if w.status != "closed":
            events.append(e.WindowClosed(at=now, window=w.number, staff=w.staff))
        if w.staff is not None:
            events.append(e.ClerkSignedOut(at=now, window=w.number, staff=w.staff))
    walked_out = sum(1 for ev in events if isinstance(ev, e.TicketWalkedOut))
    return events + [e.DayClosed(at=now, closed_day=state.day, new_day=cmd.new_day, walked_out=walked_out)]


def _day_end_event(t: Ticket, now: float) -> e.Event | None:
    after = {Status.WAITING: "walk", Status.SUSPENDED: "walk", Status.CALLED: "no_show",
             Status.SERVING: "finish"}.get(t.status)
    if after == "walk":
        return e.TicketWalkedOut(at=now, ticket_id=t.id, reason="day_end")
    if after == "no_show":
        return e.TicketNoShow(at=now, ticket_id=t.id, window=t.window, staff=t.staff or "", return_until=now)
    if after == "finish":
        return e.ServiceFinished(at=now, ticket_id=t.id, window=t.window, staff=t.staff or "",
                                 outcome="unrecorded")
    return None  # no-show stays a no-show


DECIDERS: dict[type, Callable] = {
    c.IssueTicket: _issue, c.BookAppointment: _book, c.CheckInAppointment: _check_in,
    c.SignIn: _sign_in, c.SignOut: _sign_out, c.OpenWindow: _open, c.PauseWindow: _pause,
    c.ResumeWindow: _resume_window, c.CloseWindow: _close, c.CallNext: _call_next,
    c.CallTicket: _call_ticket, c.RecallTicket: _recall, c.StartService: _start,
    c.FinishService: _finish, c.MarkNoShow: _no_show, c.SuspendTicket: _suspend,
    c.ResumeTicket: _resume_ticket, c.TransferTicket: _transfer, c.CancelTicket: _cancel,
    c.RateVisit: _rate, c.Tick: _tick, c.CloseDay: _close_day,
}

# --- apply: fold one event into the state ---------------------------------------------------------


def apply(state: HallState, hall: HallConfig, event: e.Event) -> None:
    APPLIERS[type(event)](state, hall, event)
    ticket_id = getattr(event, "ticket_id", None)
    if ticket_id is not None:  # every change to a ticket comes with an event naming it
        state.reindex(ticket_id)
    state.last_seq = max(state.last_seq, event.seq)


def _on_issued(state, hall, ev: e.TicketIssued):
    state.tickets[ev.ticket_id] = Ticket(
        id=ev.ticket_id, day=ev.day, service=ev.service, prefix=ev.prefix, number=ev.number,
        label=ev.label, issued_at=ev.at, channel=ev.channel, green_category=ev.green_category,
        appointment_code=ev.appointment_code, kiosk=ev.kiosk, lang=ev.lang,
        tracking_hash=ev.tracking_hash, queue_service=ev.service, queue_entered_at=ev.queue_entered_at,
    )
    state.numbers[ev.prefix] = max(state.numbers.get(ev.prefix, 0), ev.number)
    state.issued[ev.service] = state.issued.get(ev.service, 0) + 1
    state.next_ticket_id = max(state.next_ticket_id, ev.ticket_id + 1)


def _on_booked(state, hall, ev: e.AppointmentBooked):
    state.appointments[ev.code] = Appointment(
        code=ev.code, service=ev.service, slot_day=ev.slot_day, slot_start=ev.slot_start,
        slot_end=ev.slot_end)


def _on_checked_in(state, hall, ev: e.AppointmentCheckedIn):
    if ev.code in state.appointments:
        state.appointments[ev.code].ticket_id = ev.ticket_id


def _take(state: HallState, ticket: Ticket, window: int, staff: str, at: float) -> None:
    ticket.window, ticket.staff = window, staff
    ticket.called_at = at
    ticket.first_called_at = ticket.first_called_at or at
    wstate = state.window(window)
    wstate.ticket_id = ticket.id


def _on_called(state, hall, ev: e.TicketCalled):
    ticket = state.tickets[ev.ticket_id]
    if ticket.status is Status.WAITING:
        _count_for_fairness(state.window(ev.window), ticket)
    ticket.status = Status.CALLED
    ticket.pinned_window, ticket.front, ticket.return_until = None, False, None
    _take(state, ticket, ev.window, ev.staff, ev.at)


def _count_for_fairness(wstate: WindowState, ticket: Ticket) -> None:
    if ticket.is_priority:
        wstate.normal_since_priority = 0
    elif wstate.normal_since_priority is not None:
        wstate.normal_since_priority += 1


def _on_recalled(state, hall, ev: e.TicketRecalled):
    ticket = state.tickets[ev.ticket_id]
    ticket.recalls = ev.recalls
    ticket.called_at = ev.at


def _on_started(state, hall, ev: e.ServiceStarted):
    ticket = state.tickets[ev.ticket_id]
    ticket.status, ticket.started_at = Status.SERVING, ev.at


def _release(state: HallState, ticket: Ticket) -> None:
    if ticket.window is not None and state.window(ticket.window).ticket_id == ticket.id:
        state.window(ticket.window).ticket_id = None


def _on_finished(state, hall, ev: e.ServiceFinished):
    ticket = state.tickets[ev.ticket_id]
    ticket.status, ticket.finished_at, ticket.outcome = Status.FINISHED, ev.at, ev.outcome
    _release(state, ticket)
    if ev.outcome != "unrecorded":
        state.pending_ratings[ticket.id] = PendingRating(ticket.id, ticket.segment, ev.window, ev.staff, ev.at)


def _on_no_show(state, hall, ev: e.TicketNoShow):
    ticket = state.tickets[ev.ticket_id]
    ticket.status, ticket.return_until = Status.NO_SHOW, ev.return_until
    _release(state, ticket)


def _on_suspended(state, hall, ev: e.TicketSuspended):
    ticket = state.tickets[ev.ticket_id]
    ticket.status, ticket.suspended_at = Status.SUSPENDED, ev.at
    _release(state, ticket)


def _requeue(ticket: Ticket, service: str, pinned: int | None, front: bool, at: float) -> None:
    ticket.status = Status.WAITING
    ticket.segment += 1
    ticket.queue_service, ticket.pinned_window, ticket.front = service, pinned, front
    ticket.queue_entered_at = at
    ticket.window = ticket.staff = None
    ticket.called_at = ticket.started_at = None
    ticket.recalls = 0


def _on_resumed(state, hall, ev: e.TicketResumed):
    ticket = state.tickets[ev.ticket_id]
    ticket.suspended_s += ev.at - (ticket.suspended_at or ev.at)
    ticket.suspended_at = None
    _requeue(ticket, ticket.queue_service, ev.window, True, ev.at)


def _on_transferred(state, hall, ev: e.TicketTransferred):
    ticket = state.tickets[ev.ticket_id]
    _release(state, ticket)
    ticket.transfers += 1
    if ev.note:
        ticket.notes.append(ev.note)
    _requeue(ticket, ev.to_service, ev.to_window, ev.front, ev.at)


def _on_cancelled(state, hall, ev: e.TicketCancelled):
    ticket = state.tickets[ev.ticket_id]
    _release(state, ticket)
    ticket.status = Status.CANCELLED


def _on_walked_out(state, hall, ev: e.TicketWalkedOut):
    state.tickets[ev.ticket_id].status = Status.WALKED_OUT


def _on_window(status: str):
    def applier(state, hall, ev):
        wstate = state.window(ev.window)
        wstate.status, wstate.status_since = status, ev.at
        wstate.pause_reason = getattr(ev, "reason", "") if status == "paused" else ""
    return applier


def _on_signed_in(state, hall, ev: e.ClerkSignedIn):
    state.window(ev.window).staff = ev.staff


def _on_signed_out(state, hall, ev: e.ClerkSignedOut):
    state.window(ev.window).staff = None


def _on_rated(state, hall, ev):
    state.pending_ratings.pop(ev.ticket_id, None)
    state.rated.add((ev.ticket_id, ev.segment))


def _on_day_closed(state, hall, ev: e.DayClosed):
    fresh = new_state(hall, ev.new_day, state.last_seq, state.next_ticket_id)
    fresh.appointments = {k: a for k, a in state.appointments.items() if a.slot_day >= ev.new_day}
    state.__dict__.update(fresh.__dict__)


APPLIERS: dict[type, Callable] = {
    e.TicketIssued: _on_issued, e.AppointmentBooked: _on_booked, e.AppointmentCheckedIn: _on_checked_in,
    e.TicketCalled: _on_called, e.TicketRecalled: _on_recalled, e.ServiceStarted: _on_started,
    e.ServiceFinished: _on_finished, e.TicketNoShow: _on_no_show, e.TicketSuspended: _on_suspended,
    e.TicketResumed: _on_resumed, e.TicketTransferred: _on_transferred, e.TicketCancelled: _on_cancelled,
    e.TicketWalkedOut: _on_walked_out, e.WindowOpened: _on_window("open"),
    e.WindowPaused: _on_window("paused"), e.WindowResumed: _on_window("open"),
    e.WindowClosed: _on_window("closed"), e.ClerkSignedIn: _on_signed_in,
    e.ClerkSignedOut: _on_signed_out, e.VisitRated: _on_rated, e.RatingExpired: _on_rated,
    e.DayClosed: _on_day_closed,
}
