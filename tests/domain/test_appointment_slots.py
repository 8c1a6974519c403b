"""Appointments wait for their slot: an early check-in enters the queue at its slot start and may be
called from `appointment_call_early_min` before it, never sooner; a late one is a walk-in."""
from __future__ import annotations

import dataclasses

import pytest

from server.domain import commands as c
from server.domain.errors import DomainError
from server.stats.fold import SegmentFold
from tests.domain.hallkit import Desk, T0, make_hall

MIN = 60.0


def desk_with(call_early_min: int) -> Desk:
    hall = make_hall()
    return Desk(dataclasses.replace(hall, rules=dataclasses.replace(hall.rules,
                                                                    appointment_call_early_min=call_early_min)))


def check_in_early(desk: Desk, slot_in_min: float) -> int:
    """Book a slot starting `slot_in_min` from now and check in at once (on time: within 15 minutes)."""
    slot = desk.now + slot_in_min * MIN
    desk.run(c.BookAppointment(code=f"AP{len(desk.state.appointments)}", service="biz",
                               slot_start=slot, slot_end=slot + 15 * MIN))
    ticket_id = desk.run(c.CheckInAppointment(code=f"AP{len(desk.state.appointments) - 1}"))[0].ticket_id
    ticket = desk.state.tickets[ticket_id]
    assert (ticket.channel, ticket.queue_entered_at) == ("appointment", slot)
    return ticket_id


def test_an_early_check_in_is_not_called_before_its_early_window():
    desk = desk_with(10)
    desk.open(1)
    appointment = check_in_early(desk, 15)
    walk_in = desk.issue("biz")
    assert desk.call(1) == walk_in  # the appointment's slot is 15 minutes away: it waits
    desk.act(c.FinishService, 1, walk_in, outcome="immediate")
    with pytest.raises(DomainError) as refused:
        desk.call(1)
    assert refused.value.code == "queue_empty"  # the clerk is told why and until when
    assert refused.value.details == {"callable_from": "09:05"} and "appointment" in refused.value.message
    desk.now = T0 + 5 * MIN - 1
    with pytest.raises(DomainError):
        desk.call(1)
    desk.now = T0 + 5 * MIN  # ten minutes before the slot
    assert desk.call(1) == appointment


def test_with_no_early_window_the_slot_start_is_the_first_call():
    desk = desk_with(0)
    desk.open(1)
    appointment = check_in_early(desk, 12)
    later = check_in_early(desk, 13)
    desk.now = T0 + 12 * MIN - 1
    with pytest.raises(DomainError):
        desk.call(1)
    desk.now = T0 + 12 * MIN
    assert desk.call(1) == appointment
    desk.act(c.FinishService, 1, appointment, outcome="immediate")
    with pytest.raises(DomainError):
        desk.call(1)  # the second slot is a minute later
    desk.now = T0 + 13 * MIN
    assert desk.call(1) == later


def test_a_waiting_appointment_goes_before_normal_tickets_once_its_slot_comes():
    desk = desk_with(0)
    desk.open(1)
    appointment = check_in_early(desk, 10)
    normal = [desk.issue("biz") for _ in range(3)]
    desk.now += 10 * MIN
    assert desk.call(1) == appointment  # priority from its slot on, ahead of walk-ins issued before it
    desk.act(c.FinishService, 1, appointment, outcome="immediate")
    assert desk.call(1) == normal[0]


def test_a_late_check_in_is_a_walk_in_from_now():
    desk = desk_with(10)
    slot = desk.now - 20 * MIN
    desk.run(c.BookAppointment(code="LATE", service="biz", slot_start=slot, slot_end=slot + 15 * MIN))
    ticket = desk.state.tickets[desk.run(c.CheckInAppointment(code="LATE"))[0].ticket_id]
    assert (ticket.channel, ticket.queue_entered_at) == ("normal", desk.now)


def test_a_call_in_the_early_window_counts_as_no_wait():
    """The statistics fold: called five minutes before its slot (its queue entry), the wait is 0, not -5 min."""
    desk = desk_with(10)
    desk.open(1)
    appointment = check_in_early(desk, 5)
    desk.call(1)
    desk.act(c.RecallTicket, 1, appointment, advance=60)  # a recall, still before the slot
    fold = SegmentFold()
    for event in desk.log:
        wire = event.to_dict() | {"at_local": "2026-11-25T09:00:00+08:00", "service": "biz",
                                  "ticket": {"queue_service": "biz", "channel": "appointment", "segment": 0}}
        fold.fold(wire)
    segment = fold.seg_of(appointment)
    assert segment["entered_at"] == T0 + 5 * MIN and segment["wait_s"] == 0.0 and segment["queue_s"] == 0.0
