"""Queue rules with no I/O: numbering, routing policy, caps, hours, appointments, the day's turn."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain import commands as c
from server.domain.errors import DomainError
from server.domain.hall import RoutingPolicy
from server.domain.lifecycle import FINAL, Status
from tests.domain.hallkit import Desk, T0, hours, make_hall


def refused(desk: Desk, cmd, code: str):
    before = copy.deepcopy(desk.state)
    with pytest.raises(DomainError) as err:
        desk.run(cmd)
    assert err.value.code == code
    assert desk.state == before


def test_numbers_per_prefix_and_sequence():
    desk = Desk()
    labels = [desk.label(desk.issue(s)) for s in ("biz", "biz", "tax", "biz", "tax")]
    assert labels == ["A001", "A002", "B001", "A003", "B002"]
    assert [e.seq for e in desk.log] == [1, 2, 3, 4, 5]


def test_day_turn_closes_open_tickets_keeps_them_and_restarts_numbering():
    desk = Desk()
    waiting, called, serving = desk.issue(), desk.issue(), desk.issue()
    desk.open(1)
    desk.open(2)
    assert desk.call(1) == waiting
    assert desk.call(2) == called
    desk.act(c.StartService, 2, called)
    desk.run(c.CloseDay(new_day="2026-11-26"), advance=86400)
    kinds = [e.TYPE for e in desk.log[-8:]]
    assert "ticket_walked_out" in kinds and "ticket_no_show" in kinds and kinds[-1] == "day_closed"
    assert desk.state.day == "2026-11-26" and desk.state.tickets == {}
    assert all(w.staff is None and w.status == "closed" for w in desk.state.windows.values())
    assert desk.label(desk.issue()) == "A001"
    assert desk.state.tickets[desk.state.next_ticket_id - 1].id == serving + 1


def test_call_next_service_order_and_longest_wait():
    desk = Desk()
    biz = desk.issue("biz")
    tax = desk.issue("tax", )
    desk.open(2)  # window 2 serves tax first
    assert desk.call(2) == tax
    desk = Desk(make_hall(RoutingPolicy(mode="longest_wait")))
    biz = desk.issue("biz")
    desk.now += 60
    desk.issue("tax")
    desk.open(2)
    assert desk.call(2) == biz


def test_priority_first_with_two_normal_per_priority():
    desk = Desk()
    normal = [desk.issue() for _ in range(4)]
    green = [desk.issue(channel="green", green_category="elderly") for _ in range(2)]
    desk.open(1)
    order = []
    for _ in range(6):
        ticket = desk.call(1)
        order.append(ticket)
        desk.act(c.FinishService, 1, ticket, outcome="immediate")
    assert order == [green[0], normal[0], normal[1], green[1], normal[2], normal[3]]


def test_ticket_past_action_threshold_is_promoted():
    desk = Desk()
    old = desk.issue("tax")
    desk.now += 31 * 60
    desk.issue("biz")
    desk.open(1)  # window 1 serves biz first, but the tax ticket waited past its 30 min threshold
    assert desk.call(1) == old


def test_two_windows_never_get_the_same_ticket():
    desk = Desk()
    only = desk.issue("tax")
    desk.open(2)
    desk.open(3)
    assert desk.call(2) == only
    refused(desk, c.CallNext(window=3, staff="103"), "queue_empty")
    refused(desk, c.CallTicket(window=3, staff="103", ticket_id=only), "invalid_transition")


def test_recall_no_show_callback_and_return_window():
    desk = Desk()
    ticket = desk.issue()
    desk.open(1)
    desk.call(1)
    desk.act(c.RecallTicket, 1, ticket)
    assert desk.state.tickets[ticket].recalls == 1
    desk.act(c.MarkNoShow, 1, ticket)
    desk.act(c.CallTicket, 1, ticket, advance=60)
    assert desk.log[-1].callback is True
    desk.act(c.MarkNoShow, 1, ticket)
    desk.now += 31 * 60
    refused(desk, c.CallTicket(window=1, staff="101", ticket_id=ticket), "return_window_expired")


def test_suspend_resume_puts_ticket_first_at_that_window_only():
    desk = Desk()
    first, second = desk.issue(), desk.issue()
    desk.open(1)
    desk.open(2)
    desk.call(1)
    desk.act(c.SuspendTicket, 1, first, reason="copy of ID")
    desk.act(c.ResumeTicket, 1, first, advance=300)
    assert desk.state.tickets[first].pinned_window == 1
    assert desk.call(2) == second  # window 2 may not take it
    assert desk.call(1) == first
    assert desk.state.tickets[first].suspended_s == 300


def test_transfer_keeps_number_front_or_back_with_note():
    desk = Desk()
    moved = desk.issue("biz")
    waiting = desk.issue("tax")
    desk.open(1)
    desk.call(1)
    desk.act(c.TransferTicket, 1, moved, to_service="tax", front=True, note="needs tax form")
    ticket = desk.state.tickets[moved]
    assert ticket.label == "A001" and ticket.status is Status.WAITING and ticket.segment == 1
    assert ticket.notes == ["needs tax form"]
    desk.open(3)
    assert desk.call(3) == moved  # front of the tax queue, ahead of B001
    assert waiting


def test_finish_outcomes_are_checked():
    desk = Desk()
    ticket = desk.issue()
    desk.open(1)
    desk.call(1)
    for kwargs, code in (({"outcome": "done"}, "invalid_argument"), ({"outcome": "promised"}, "invalid_argument"),
                         ({"outcome": "supplement", "materials": [" "]}, "invalid_argument")):
        refused(desk, c.FinishService(window=1, staff="101", ticket_id=ticket, **kwargs), code)
    desk.act(c.FinishService, 1, ticket, outcome="supplement", materials=["營業執照副本"])
    assert desk.log[-1].no_start is True  # finished from called: flagged


def test_caps_hours_and_channels_refuse_with_reasons():
    desk = Desk(make_hall(daily_cap=1, issuing_hours=hours(("08:30", "12:00"))))
    desk.issue("biz")
    refused(desk, c.IssueTicket(service="biz"), "daily_cap_reached")
    refused(desk, c.IssueTicket(service="nope"), "unknown_service")
    refused(desk, c.IssueTicket(service="tax", channel="green"), "invalid_argument")
    desk.now = T0 + 4 * 3600  # 13:00
    desk.state.issued.clear()
    refused(desk, c.IssueTicket(service="biz"), "outside_issuing_hours")


def test_sign_in_rules():
    desk = Desk()
    desk.open(1)
    refused(desk, c.SignIn(staff="1009", window=1), "window_taken")
    refused(desk, c.SignIn(staff="101", window=2), "forbidden")
    desk.run(c.SignIn(staff="1009", window=2))
    refused(desk, c.SignIn(staff="1009", window=3), "already_signed_in")
    refused(desk, c.CallNext(window=2, staff="101"), "wrong_window")
    refused(desk, c.SignIn(staff="9001", window=3), "forbidden")


def test_pause_blocks_calls_and_resume_reopens():
    desk = Desk()
    desk.issue()
    desk.open(1)
    desk.run(c.PauseWindow(window=1, staff="101", reason="午休"))
    assert desk.state.windows[1].pause_reason == "午休"
    refused(desk, c.CallNext(window=1, staff="101"), "window_not_open")
    desk.run(c.ResumeWindow(window=1, staff="101"))
    desk.call(1)
    refused(desk, c.CloseWindow(window=1, staff="101"), "ticket_in_hand")


def test_appointment_on_time_gets_priority_late_is_walk_in():
    desk = Desk()
    desk.run(c.BookAppointment(code="AP1", service="biz", slot_start=T0 + 600, slot_end=T0 + 1200))
    desk.run(c.BookAppointment(code="AP2", service="biz", slot_start=T0 - 3600, slot_end=T0 - 3000))
    normal = desk.issue()
    on_time = desk.run(c.CheckInAppointment(code="AP1"))[0].ticket_id
    late = desk.run(c.CheckInAppointment(code="AP2"))[0].ticket_id
    assert desk.state.tickets[on_time].channel == "appointment"
    assert desk.state.tickets[on_time].queue_entered_at == T0 + 600  # max(check-in, slot start)
    assert desk.state.tickets[late].channel == "normal"
    refused(desk, c.CheckInAppointment(code="AP1"), "appointment_used")
    refused(desk, c.CheckInAppointment(code="NOPE"), "unknown_appointment")
    desk.open(1)
    assert desk.call(1) == on_time
    assert normal


def test_rating_once_and_expiry():
    desk = Desk()
    a, b = desk.issue(), desk.issue()
    desk.open(1)
    for ticket in (a, b):
        desk.call(1)
        desk.act(c.FinishService, 1, ticket, outcome="immediate")
    desk.run(c.RateVisit(window=1, ticket_id=a, level="satisfied"))
    refused(desk, c.RateVisit(window=1, ticket_id=a, level="satisfied"), "already_rated")
    refused(desk, c.RateVisit(window=2, ticket_id=b, level="satisfied"), "rating_closed")
    desk.now += 91
    expired = desk.run(c.Tick())
    assert [e.TYPE for e in expired] == ["rating_expired"] and expired[0].ticket_id == b
    # the citizen never rated: the time ran out
    refused(desk, c.RateVisit(window=1, ticket_id=b, level="dissatisfied"), "rating_closed")


ACTIONS = st.lists(st.tuples(st.sampled_from(["issue", "call", "start", "finish", "no_show", "recall",
                                              "suspend", "resume", "transfer", "callback"]),
                             st.integers(1, 3), st.integers(0, 30)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(ACTIONS)
def test_random_days_keep_the_invariants(actions):
    """Whatever clerks press: no ticket is held by two windows, a window holds at most one ticket,
    numbers stay unique, refused actions change nothing, and replaying the events rebuilds the state."""
    from server.domain import engine
    desk = Desk()
    for w in (1, 2, 3):
        desk.open(w)
    for action, window, pick in actions:
        desk.now += 7
        cmd = _command(desk, action, window, pick)
        if cmd is None:
            continue
        before = copy.deepcopy(desk.state)
        try:
            desk.run(cmd)
        except DomainError:
            assert desk.state == before
        held = [t.window for t in desk.state.tickets.values() if t.status in (Status.CALLED, Status.SERVING)]
        assert len(held) == len(set(held))
    labels = [t.label for t in desk.state.tickets.values()]
    assert len(labels) == len(set(labels))
    replayed = engine.new_state(desk.hall, "2026-11-25")
    for event in desk.log:
        engine.apply(replayed, desk.hall, type(event).from_dict(event.to_dict()))
    assert replayed == desk.state
    open_before = [t.id for t in desk.state.tickets.values()
                   if t.status not in FINAL and t.status is not Status.NO_SHOW]
    closing = desk.run(c.CloseDay(new_day="2026-11-26"), advance=86400)
    closed = {e.ticket_id for e in closing if hasattr(e, "ticket_id") and e.TYPE != "rating_expired"}
    assert closed == set(open_before)  # every open ticket ends in exactly one final state at the turn


def _command(desk: Desk, action: str, window: int, pick: int):
    staff = f"10{window}"
    ids = sorted(desk.state.tickets)
    ticket = ids[pick % len(ids)] if ids else None
    if action == "issue":
        return c.IssueTicket(service="biz" if pick % 2 else "tax",
                             channel="green" if pick % 5 == 0 else "normal",
                             green_category="elderly" if pick % 5 == 0 else None)
    if action == "call":
        return c.CallNext(window=window, staff=staff)
    if ticket is None:
        return None
    simple = {"start": c.StartService, "no_show": c.MarkNoShow, "recall": c.RecallTicket,
              "suspend": c.SuspendTicket, "resume": c.ResumeTicket, "callback": c.CallTicket}
    if action in simple:
        return simple[action](window=window, staff=staff, ticket_id=ticket)
    if action == "finish":
        return c.FinishService(window=window, staff=staff, ticket_id=ticket, outcome="immediate")
    return c.TransferTicket(window=window, staff=staff, ticket_id=ticket, to_service="tax", front=pick % 2 == 0)
