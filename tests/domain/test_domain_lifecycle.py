"""The whole transition table, and that a refused action changes nothing."""
from __future__ import annotations

import copy

import pytest

from server.domain import commands as c
from server.domain.errors import DomainError
from server.domain.lifecycle import ACTIONS, TRANSITIONS, Status, allowed_actions, next_status
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
