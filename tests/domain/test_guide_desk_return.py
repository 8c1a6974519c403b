"""The guide desk returns a missed ticket to the end of its queue while its return window is open."""
from __future__ import annotations

from server.domain import commands as c
from server.domain import engine
from server.domain.lifecycle import Status
from tests.domain.hallkit import Desk
from tests.domain.test_domain_rules import refused


def missed(desk: Desk) -> int:
    """A ticket called at window 1 and marked as a no-show."""
    ticket = desk.call(1)
    desk.act(c.MarkNoShow, 1, ticket)
    return ticket


def test_returned_ticket_waits_behind_those_already_waiting():
    desk = Desk()
    desk.open(1)
    first, second, third = desk.issue(), desk.issue(), desk.issue()
    assert missed(desk) == first
    [event] = desk.run(c.ReturnTicket(ticket_id=first, staff="9001"), advance=120)
    assert event.TYPE == "ticket_returned" and event.staff == "9001"
    ticket = desk.state.tickets[first]
    assert ticket.status is Status.WAITING and ticket.return_until is None
    assert ticket.queue_entered_at == desk.now and ticket.segment == 1 and ticket.window is None
    assert first in desk.state.queues["biz"] and first not in desk.state.no_shows
    calls = []
    for _ in range(3):
        calls.append(desk.call(1))
        desk.act(c.FinishService, 1, calls[-1], outcome="immediate")
    assert calls == [second, third, first]


def test_return_refused_after_the_return_window_and_for_other_statuses():
    desk = Desk()
    desk.open(1)
    waiting = desk.issue()
    refused(desk, c.ReturnTicket(ticket_id=waiting, staff="9001"), "invalid_transition")
    ticket = missed(desk)
    desk.now += desk.hall.rules.no_show_return_min * 60 + 1
    refused(desk, c.ReturnTicket(ticket_id=ticket, staff="9001"), "return_window_expired")
    refused(desk, c.ReturnTicket(ticket_id=999, staff="9001"), "unknown_ticket")


def test_return_at_the_last_second_of_the_window_and_replay():
    desk = Desk()
    desk.open(1)
    ticket = desk.issue()
    missed(desk)
    desk.run(c.ReturnTicket(ticket_id=ticket, staff="9001"), advance=desk.hall.rules.no_show_return_min * 60)
    assert desk.state.tickets[ticket].status is Status.WAITING
    replayed = engine.new_state(desk.hall, desk.state.day)
    for event in desk.log:
        engine.apply(replayed, desk.hall, type(event).from_dict(event.to_dict()))
    assert replayed.tickets[ticket] == desk.state.tickets[ticket]
    assert set(replayed.waiting_tickets) == {ticket}
    assert desk.call(1) == ticket  # a returned ticket is called like any other waiting one


def test_a_returned_green_ticket_rejoins_the_priority_tickets_behind_those_waiting():
    desk = Desk()
    desk.open(1)
    green = desk.issue(channel="green", green_category="elderly")
    assert missed(desk) == green
    desk.now += 30
    other_green = desk.issue(channel="green", green_category="pregnant")
    desk.run(c.ReturnTicket(ticket_id=green, staff="9001"), advance=30)
    assert desk.state.tickets[green].is_priority
    assert [desk.state.order.queue("biz").first_of_class(True)[-1]] == [other_green]
    assert desk.call(1) == other_green
    desk.act(c.FinishService, 1, other_green, outcome="immediate")
    assert desk.call(1) == green
