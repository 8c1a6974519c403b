"""Checks shared by the deciders: each raises DomainError or returns what it checked."""
from __future__ import annotations

from typing import Any

from . import events as e
from . import commands as c
from .calendar import minute_of_day
from .errors import DomainError
from .hall import HallConfig, Window
from .lifecycle import FINAL
from .model import HallState, Ticket, WindowState


def window_config(hall: HallConfig, number: int) -> Window:
    window = hall.window(number)
    if window is None:
        raise DomainError("unknown_window", f"there is no window {number}", window=number)
    return window


def clerk_window(state: HallState, hall: HallConfig, number: int, staff: str) -> WindowState:
    window_config(hall, number)
    wstate = state.window(number)
    if wstate.staff is None:
        raise DomainError("not_signed_in", f"no clerk is signed in at window {number}")
    if wstate.staff != staff:
        raise DomainError("wrong_window", f"staff {staff} is not signed in at window {number}")
    return wstate


def open_window(state: HallState, hall: HallConfig, number: int, staff: str) -> WindowState:
    wstate = clerk_window(state, hall, number, staff)
    if wstate.status != "open":
        raise DomainError("window_not_open", f"window {number} is {wstate.status}")
    return wstate


def hands_free(state: HallState, number: int) -> None:
    held = state.in_hand(number)
    if held is not None:
        raise DomainError("ticket_in_hand", f"window {number} still has {held.label} ({held.status.value})",
                          ticket_id=held.id)


def find_ticket(state: HallState, ticket_id: int) -> Ticket:
    ticket = state.tickets.get(ticket_id)
    if ticket is None:
        raise DomainError("unknown_ticket", f"no ticket {ticket_id} today", ticket_id=ticket_id)
    return ticket


def held_here(state: HallState, hall: HallConfig, cmd: c.TicketCommand) -> Ticket:
    clerk_window(state, hall, cmd.window, cmd.staff)
    ticket = find_ticket(state, cmd.ticket_id)
    if ticket.window != cmd.window or ticket.status in FINAL:
        raise DomainError("not_at_this_window", f"{ticket.label} is not held by window {cmd.window}",
                          ticket_id=ticket.id)
    return ticket


def check_issuing(state: HallState, hall: HallConfig, service_code: str, now: float) -> None:
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


def ahead_of(state: HallState, service_code: str) -> int:
    return state.queue_length(service_code)


def new_ticket_event(state: HallState, hall: HallConfig, service_code: str, now: float,
                     **extra: Any) -> e.TicketIssued:
    service = hall.service(service_code)
    if service is None:
        raise DomainError("unknown_service", f"there is no service {service_code!r}", service=service_code)
    number = state.numbers.get(service.prefix, 0) + 1
    return e.TicketIssued(
        at=now, ticket_id=state.next_ticket_id, service=service_code, prefix=service.prefix,
        number=number, label=f"{service.prefix}{number:03d}", ahead=ahead_of(state, service_code),
        queue_entered_at=extra.pop("queue_entered_at", now), **extra,
    )
