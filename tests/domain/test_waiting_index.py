"""The ticket indexes (HallState.waiting_tickets, queues, pinned, finished) always equal a scan of the day,
live and after replay, whatever clerks press: issuing and calling rely on it instead of scanning."""
from __future__ import annotations

import contextlib
from statistics import median

from hypothesis import given, settings
from hypothesis import strategies as st

from server import estimate
from server.domain import commands as c
from server.domain import engine, routing
from server.domain.errors import DomainError
from server.domain.lifecycle import Status

from tests.domain.hallkit import Desk

ACTIONS = st.lists(st.tuples(st.sampled_from(["issue", "call", "start", "finish", "no_show", "suspend", "resume",
                                              "transfer", "transfer_window", "callback", "cancel", "return"]),
                             st.integers(1, 3), st.integers(0, 40)), max_size=80)


def scanned(state) -> tuple[set[int], dict[str, int]]:
    waiting = {t.id for t in state.tickets.values() if t.status is Status.WAITING}
    lengths: dict[str, int] = {}
    for t in state.tickets.values():
        if t.status is Status.WAITING and t.pinned_window is None:
            lengths[t.queue_service] = lengths.get(t.queue_service, 0) + 1
    return waiting, lengths


def indexed(state) -> tuple[set[int], dict[str, int]]:
    assert all(state.tickets[i] is t for i, t in state.waiting_tickets.items())
    return set(state.waiting_tickets), {k: len(v) for k, v in state.queues.items() if v}


def callable_scanned(state, window) -> set[int]:
    return {t.id for t in state.tickets.values() if t.status is Status.WAITING and (
        t.pinned_window == window.number or (t.pinned_window is None and t.queue_service in window.services))}


def cycles_scanned(state, services, recent=estimate.RECENT_SERVICES, min_samples=estimate.MIN_SAMPLES) -> dict:
    """estimate.all_cycles as it was before the index: a scan of every ticket of the day."""
    done: dict[str, list] = {s.code: [] for s in services}
    for t in state.tickets.values():
        if t.status is Status.FINISHED and t.finished_at and t.called_at and t.queue_service in done:
            done[t.queue_service].append(t)
    cycles = {}
    for service in services:
        latest = sorted(done[service.code], key=lambda t: t.finished_at, reverse=True)[:recent]
        if len(latest) < min_samples:
            cycles[service.code] = (service.typical_handling_min + estimate.WALK_MIN, service.typical_handling_min,
                                    len(latest))
            continue
        cycle = median((t.finished_at - t.called_at) / 60 for t in latest)
        handling = median((t.finished_at - (t.started_at or t.called_at)) / 60 for t in latest)
        cycles[service.code] = (max(cycle, 0.5), max(handling, 0.5), len(latest))
    return cycles


def assert_consistent(desk: Desk) -> None:
    assert indexed(desk.state) == scanned(desk.state)
    services = desk.hall.services
    assert estimate.all_cycles(desk.state, services, 3, 1) == cycles_scanned(desk.state, services, 3, 1)
    assert estimate.all_cycles(desk.state, services) == cycles_scanned(desk.state, services)
    for window in desk.hall.windows:
        found = [t.id for t in routing.candidates(desk.state, window)]
        assert len(found) == len(set(found)) and set(found) == callable_scanned(desk.state, window)


def command(desk: Desk, action: str, window: int, pick: int):
    staff, ids = f"10{window}", sorted(desk.state.tickets)
    if action == "issue":
        return c.IssueTicket(service="biz" if pick % 2 else "tax", channel="green" if pick % 5 == 0 else "normal",
                             green_category="elderly" if pick % 5 == 0 else None)
    if action == "call":
        return c.CallNext(window=window, staff=staff)
    if not ids:
        return None
    ticket = ids[pick % len(ids)]
    held = desk.state.window(window).ticket_id
    parked = [t.id for t in desk.state.tickets.values() if t.status in (Status.SUSPENDED, Status.NO_SHOW)]
    if held is not None and action in ("start", "finish", "no_show", "suspend", "transfer", "transfer_window"):
        ticket = held  # mostly act on the ticket in hand, so transfers and suspensions really happen
    elif parked and action in ("resume", "callback", "return") and pick % 4:
        ticket = parked[pick % len(parked)]
    if action == "return":  # at the guide desk: no window
        return c.ReturnTicket(ticket_id=ticket, staff="guide")
    simple = {"start": c.StartService, "no_show": c.MarkNoShow, "suspend": c.SuspendTicket,
              "resume": c.ResumeTicket, "callback": c.CallTicket, "cancel": c.CancelTicket}
    if action in simple:
        return simple[action](window=window, staff=staff, ticket_id=ticket)
    if action == "finish":
        return c.FinishService(window=window, staff=staff, ticket_id=ticket, outcome="immediate")
    to_window = 1 + pick % 3 if action == "transfer_window" else None
    return c.TransferTicket(window=window, staff=staff, ticket_id=ticket, to_service="biz" if pick % 2 else "tax",
                            to_window=to_window, front=pick % 3 == 0)


@settings(max_examples=150, deadline=None)
@given(ACTIONS)
def test_index_matches_a_scan_live_and_replayed(actions):
    desk = Desk()
    for w in (1, 2, 3):
        desk.open(w)
    for action, window, pick in actions:
        desk.now += 7 if pick % 3 else 0  # some actions at the same instant: ties in finish times
        cmd = command(desk, action, window, pick)
        if cmd is None:
            continue
        with contextlib.suppress(DomainError):
            desk.run(cmd)
        assert_consistent(desk)
    replayed = engine.new_state(desk.hall, "2026-11-25")
    for event in desk.log:
        engine.apply(replayed, desk.hall, type(event).from_dict(event.to_dict()))
    assert indexed(replayed) == scanned(replayed) == scanned(desk.state)
    desk.run(c.CloseDay(new_day="2026-11-26"), advance=86400)
    assert indexed(desk.state) == scanned(desk.state) == (set(), {})


def test_ahead_counts_only_unpinned_tickets_of_the_queue():
    desk = Desk()
    desk.open(1)
    first = desk.issue("biz")
    desk.issue("tax")
    assert desk.run(c.IssueTicket(service="biz"))[0].ahead == 1
    assert desk.call(1) == first
    desk.act(c.SuspendTicket, 1, first)
    desk.act(c.ResumeTicket, 1, first)  # back in the queue, pinned to window 1
    assert desk.state.queue_length("biz") == 1
    assert desk.run(c.IssueTicket(service="biz"))[0].ahead == 1
    assert [t.id for t in routing.candidates(desk.state, desk.hall.window(1))].count(first) == 1
    assert first not in [t.id for t in routing.candidates(desk.state, desk.hall.window(2))]


@settings(max_examples=100, deadline=None)
@given(ACTIONS)
def test_queue_summary_matches_a_scan(actions):
    """The hall view's per-service figures from the indexes equal a scan of the waiting tickets."""
    desk = Desk()
    for w in (1, 2, 3):
        desk.open(w)
    for action, window, pick in actions:
        desk.now += 7 if pick % 3 else 0
        cmd = command(desk, action, window, pick)
        if cmd is not None:
            with contextlib.suppress(DomainError):
                desk.run(cmd)
        for code in ("biz", "tax"):
            waiting = [t for t in desk.state.waiting() if t.queue_service == code]
            expected = (len(waiting), sum(1 for t in waiting if t.is_priority),
                        min((t.queue_entered_at for t in waiting), default=None))
            assert desk.state.queue_summary(code) == expected


def scanned_recent_calls(state, limit: int) -> list[int]:
    """The hall view's recent calls as they were computed before the index: a sort of the whole day."""
    called = [t for t in state.tickets.values() if t.called_at is not None and t.window is not None]
    called.sort(key=lambda t: t.called_at, reverse=True)
    return [t.id for t in called[:limit]]


LONG_DAYS = st.lists(st.tuples(st.sampled_from(["issue", "issue", "call", "call", "start", "finish", "finish",
                                                "suspend", "resume", "transfer", "transfer_window", "cancel"]),
                               st.integers(1, 3), st.integers(0, 40)), min_size=30, max_size=120)


@settings(max_examples=150, deadline=None)
@given(LONG_DAYS, st.integers(1, 12), st.booleans())
def test_recent_calls_match_a_sort_of_the_day(actions, limit, small_memory):
    desk = Desk()
    if small_memory:
        desk.state.calls.keep = 2  # the index forgets early: answers fall back to the scan, still equal
    for w in (1, 2, 3):
        desk.open(w)
    for action, window, pick in actions:
        desk.now += 7 if pick % 5 == 0 else 0  # mostly calls at the same instant: ties ordered by ticket id
        cmd = command(desk, action, window, pick)
        if action == "start" and pick % 2 and desk.state.window(window).ticket_id is not None:
            cmd = c.RecallTicket(window=window, staff=f"10{window}", ticket_id=desk.state.window(window).ticket_id)
        if cmd is not None:
            with contextlib.suppress(DomainError):
                desk.run(cmd)
        assert [t.id for t in desk.state.recent_calls(limit)] == scanned_recent_calls(desk.state, limit)


@settings(max_examples=100, deadline=None)
@given(LONG_DAYS.map(lambda day: [(("no_show" if a == "finish" and p % 2 else "callback" if a == "resume" else a), w, p)
                                  for a, w, p in day]))
def test_missed_list_matches_a_scan(actions):
    desk = Desk()
    for w in (1, 2, 3):
        desk.open(w)
    for action, window, pick in actions:
        desk.now += 300 if pick % 5 == 0 else 0  # return windows close as the day goes on
        cmd = command(desk, action, window, pick)
        if cmd is not None:
            with contextlib.suppress(DomainError):
                desk.run(cmd)
        scan = [t for t in desk.state.tickets.values()
                if t.status is Status.NO_SHOW and (t.return_until or 0) >= desk.now]
        expected = [t.id for t in sorted(scan, key=lambda t: t.return_until or 0)]
        assert [t.id for t in desk.state.missed(desk.now)] == expected
