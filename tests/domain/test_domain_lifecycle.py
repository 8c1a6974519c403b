"""The whole transition table, and that a refused action changes nothing."""
from __future__ import annotations

import copy

import pytest

from server.domain import commands as c
from server.domain.errors import DomainError
from server.domain.lifecycle import ACTIONS, INITIAL, TRANSITIONS, Status, allowed_actions, next_status
from tests.domain.hallkit import Desk


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_status_action_pair_is_either_in_the_table_or_refused(status, action):
    if (status, action) in TRANSITIONS:
        assert next_status(status, action) is TRANSITIONS[(status, action)]
    else:
        with pytest.raises(DomainError) as err:
            next_status(status, action)
        assert err.value.code == "invalid_transition"


def test_final_states_allow_nothing():
    for status in (Status.FINISHED, Status.CANCELLED, Status.WALKED_OUT):
        assert allowed_actions(status) == []


def _ticket_in(desk: Desk, status: Status) -> int:
    ticket = desk.issue()
    if status is Status.WAITING:
        return ticket
    desk.open(1)
    desk.call(1)
    if status is Status.CALLED:
        return ticket
    if status is Status.NO_SHOW:
        desk.act(c.MarkNoShow, 1, ticket)
        return ticket
    desk.act(c.StartService, 1, ticket)
    if status is Status.SERVING:
        return ticket
    if status is Status.SUSPENDED:
        desk.act(c.SuspendTicket, 1, ticket)
        return ticket
    if status is Status.FINISHED:
        desk.act(c.FinishService, 1, ticket, outcome="immediate")
        return ticket
    desk.run(c.CancelTicket(ticket_id=ticket, staff="101", window=1))
    return ticket


CLERK_ACTIONS = {
    "recall": (c.RecallTicket, {}), "start": (c.StartService, {}),
    "finish": (c.FinishService, {"outcome": "reply"}), "no_show": (c.MarkNoShow, {}),
    "suspend": (c.SuspendTicket, {}), "resume": (c.ResumeTicket, {}),
    "transfer": (c.TransferTicket, {"to_service": "tax"}),
}


@pytest.mark.parametrize("status", [Status.WAITING, Status.CALLED, Status.SERVING, Status.SUSPENDED,
                                    Status.NO_SHOW, Status.FINISHED, Status.CANCELLED])
@pytest.mark.parametrize("action", sorted(CLERK_ACTIONS))
def test_engine_follows_the_table_and_refusals_leave_state_untouched(status, action):
    desk = Desk()
    ticket = _ticket_in(desk, status)
    assert desk.state.tickets[ticket].status is status
    before = copy.deepcopy(desk.state)
    cls, kwargs = CLERK_ACTIONS[action]
    try:
        desk.act(cls, 1, ticket, **kwargs)
    except DomainError as err:
        assert desk.state == before
        # refused by the table, or because window 1 does not hold the ticket (not called there)
        assert (status, action) not in TRANSITIONS or err.code == "not_at_this_window", err.code
        return
    assert (status, action) in TRANSITIONS
    assert desk.state.tickets[ticket].status is TRANSITIONS[(status, action)]


# --- the table drives the tickets, it does not only validate them ----------------------------------

def test_every_day_end_row_has_an_event_that_lands_where_the_row_says():
    from server.domain.appliers import EVENT_ACTIONS
    from server.domain.deciders import DAY_END_EVENTS
    for (status, action), after in TRANSITIONS.items():
        if action == "day_end":
            event_type = type(DAY_END_EVENTS[after](_held_ticket(), 0.0))
            assert TRANSITIONS[(status, EVENT_ACTIONS[event_type])] is after, (status, event_type)


def _held_ticket():
    from server.domain.model import Ticket
    return Ticket(id=1, day="2026-11-25", service="biz", prefix="A", number=1, issued_at=0.0,
                  window=1, staff="101")


def edit_table(monkeypatch, rows: dict, removed: tuple = ()) -> None:
    """Run with an edited copy of the table (the module's own dict, and its order, stay untouched)."""
    from server.domain import lifecycle
    table = {k: v for k, v in TRANSITIONS.items() if k not in removed} | rows
    monkeypatch.setattr(lifecycle, "TRANSITIONS", table)


def test_editing_the_day_end_row_changes_the_day_end(monkeypatch):
    """A hall that counts a called ticket nobody answered at closing as a walk-out edits one row."""
    desk = Desk()
    called = _ticket_in(desk, Status.CALLED)
    edit_table(monkeypatch, {(Status.CALLED, "day_end"): Status.WALKED_OUT})
    closing = desk.run(c.CloseDay(new_day="2026-11-26"), advance=86400)
    assert [ev.TYPE for ev in closing if getattr(ev, "ticket_id", None) == called] == ["ticket_walked_out"]
    assert next(ev for ev in closing if ev.TYPE == "day_closed").walked_out == 1


def test_editing_a_row_changes_what_the_event_does(monkeypatch):
    """The appliers take the status after an event from the table: a recall that (in an edited table)
    put the ticket back to waiting really does."""
    desk = Desk()
    ticket = _ticket_in(desk, Status.CALLED)
    edit_table(monkeypatch, {(Status.CALLED, "recall"): Status.SERVING})
    desk.act(c.RecallTicket, 1, ticket)
    assert desk.state.tickets[ticket].status is Status.SERVING


def test_an_event_the_table_refuses_changes_nothing(monkeypatch):
    from server.domain import engine
    from server.domain import events as e
    desk = Desk()
    ticket = _ticket_in(desk, Status.SERVING)
    edit_table(monkeypatch, {}, removed=((Status.SERVING, "suspend"),))
    before = copy.deepcopy(desk.state)
    with pytest.raises(DomainError) as err:
        engine.apply(desk.state, desk.hall, e.TicketSuspended(at=desk.now, ticket_id=ticket, window=1, staff="101",
                                                              seq=desk.state.last_seq + 1))
    assert err.value.code == "invalid_transition" and desk.state == before


def test_every_status_is_reached():
    reached = {after for after in TRANSITIONS.values()} | {INITIAL}
    assert reached == set(Status)
