"""The indexed chooser (routing.choose_next) makes exactly the decisions of the scanning chooser it
replaced, kept here as the model: on random days with pinned tickets, both classes, overdue tickets,
transfers to the front and the back, appointments and the green channel, under random policies.
The model's one addition to the old chooser: an appointment that waits for its slot is not in the pool."""
from __future__ import annotations

import contextlib
import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain import commands as c
from server.domain import engine, routing
from server.domain.errors import DomainError
from server.domain.hall import HallConfig, RoutingPolicy, Window
from server.domain.lifecycle import Status
from server.domain.model import HallState, Ticket, WindowState
from server.domain.queueindex import OrderedIds

from tests.domain.hallkit import Desk, T0, make_hall


# --- the model: the chooser as it was, scanning every ticket the window may call ---------------------

def model_choose_next(state: HallState, hall: HallConfig, window: Window, now: float) -> Ticket | None:
    latest_entry = now + hall.rules.appointment_call_early_min * 60
    pool = [t for t in state.tickets.values() if t.status is Status.WAITING and t.queue_entered_at <= latest_entry
            and (t.pinned_window == window.number or (t.pinned_window is None and t.queue_service in window.services))]
    if not pool:
        return None
    pinned = [t for t in pool if t.pinned_window == window.number]
    if pinned:
        return min(pinned, key=Ticket.queue_key)
    overdue = _model_overdue(pool, hall, now) if window.policy.promote_past_action else []
    if overdue:
        return min(overdue, key=lambda t: (t.queue_entered_at, t.id))
    return _model_by_order(_model_class(pool, window, state.window(window.number)), window)


def _model_overdue(pool: list[Ticket], hall: HallConfig, now: float) -> list[Ticket]:
    def limit_s(code: str) -> float:
        service = hall.service(code)
        return (service.action_wait_min if service else 30) * 60
    return [t for t in pool if now - t.queue_entered_at >= limit_s(t.queue_service)]


def _model_class(pool: list[Ticket], window: Window, wstate: WindowState) -> list[Ticket]:
    priority = [t for t in pool if t.is_priority]
    normal = [t for t in pool if not t.is_priority]
    if not priority or not normal:
        return priority or normal
    since = wstate.normal_since_priority
    return priority if since is None or since >= window.policy.normal_per_priority else normal


def _model_by_order(pool: list[Ticket], window: Window) -> Ticket:
    if window.policy.mode == "longest_wait":
        return min(pool, key=Ticket.queue_key)
    rank = {code: i for i, code in enumerate(window.services)}
    return min(pool, key=lambda t: (rank.get(t.queue_service, len(rank)), *t.queue_key()))


# --- random halls and days ---------------------------------------------------------------------------

POLICIES = st.builds(RoutingPolicy, mode=st.sampled_from(["service_order", "longest_wait"]),
                     normal_per_priority=st.integers(0, 3), promote_past_action=st.booleans())
ACTIONS = st.lists(st.tuples(
    st.sampled_from(["issue", "issue", "green", "book", "book", "call", "call", "finish", "no_show",
                     "suspend", "resume", "transfer", "transfer_window", "callback", "cancel", "return"]),
    st.integers(1, 3), st.integers(0, 60), st.sampled_from([0, 0, 5, 60, 300, 600, 1900])), min_size=25, max_size=120)


def random_hall(policies: list[RoutingPolicy]) -> HallConfig:
    hall = make_hall()
    biz = dataclasses.replace(hall.services[0], action_wait_min=10)  # overdue after 10 minutes, tax after 30
    windows = tuple(dataclasses.replace(w, policy=p) for w, p in zip(hall.windows, policies, strict=True))
    return dataclasses.replace(hall, services=(biz, *hall.services[1:]), windows=windows)


def command(desk: Desk, action: str, window: int, pick: int):
    staff, ids = f"10{window}", sorted(desk.state.tickets)
    service = "biz" if pick % 2 else "tax"
    if action == "issue":
        return c.IssueTicket(service=service)
    if action == "green":
        return c.IssueTicket(service=service, channel="green", green_category="elderly")
    if action == "book":  # a slot from 20 minutes ago to 20 ahead, checked in now: late, on time, early
        start = desk.now + (pick - 30) * 40
        code = f"AP{len(desk.state.appointments)}"
        desk.run(c.BookAppointment(code=code, service=service, slot_start=start, slot_end=start + 900))
        return c.CheckInAppointment(code=code)
    if action == "call":
        return c.CallNext(window=window, staff=staff)
    held = desk.state.window(window).ticket_id
    if held is None and action in ("finish", "no_show", "suspend", "transfer", "transfer_window"):
        return None
    parked = [t.id for t in desk.state.tickets.values() if t.status in (Status.SUSPENDED, Status.NO_SHOW)]
    if action in ("resume", "callback"):
        return c.ResumeTicket(window=window, staff=staff, ticket_id=parked[pick % len(parked)]) if (
            parked and action == "resume") else (c.CallTicket(window=window, staff=staff,
                                                              ticket_id=parked[pick % len(parked)])
                                                 if parked else None)
    if action == "cancel":
        return c.CancelTicket(ticket_id=ids[pick % len(ids)]) if ids else None
    if action == "return":  # the guide desk puts a missed ticket back at the end of its queue
        return c.ReturnTicket(ticket_id=parked[pick % len(parked)], staff="guide") if parked else None
    if action == "finish":
        return c.FinishService(window=window, staff=staff, ticket_id=held, outcome="immediate")
    if action in ("no_show", "suspend"):
        cls = c.MarkNoShow if action == "no_show" else c.SuspendTicket
        return cls(window=window, staff=staff, ticket_id=held)
    return c.TransferTicket(window=window, staff=staff, ticket_id=held, to_service=service,
                            to_window=1 + pick % 3 if action == "transfer_window" else None, front=pick % 3 == 0)


def assert_same_choice(desk: Desk) -> None:
    for window in desk.hall.windows:
        model = model_choose_next(desk.state, desk.hall, window, desk.now)
        chosen = routing.choose_next(desk.state, desk.hall, window, desk.now)
        assert (chosen and chosen.id) == (model and model.id), window.number


@settings(max_examples=300, deadline=None)
@given(st.lists(POLICIES, min_size=3, max_size=3), ACTIONS)
def test_indexed_chooser_decides_like_the_scan(policies, actions):
    desk = Desk(random_hall(policies))
    for w in (1, 2, 3):
        desk.open(w)
    for action, window, pick, advance in actions:
        desk.now += advance
        cmd = command(desk, action, window, pick)
        assert_same_choice(desk)
        if cmd is not None:
            with contextlib.suppress(DomainError):  # refused actions are part of a random day
                desk.run(cmd)
    replayed = engine.new_state(desk.hall, desk.state.day)
    for event in desk.log:
        engine.apply(replayed, desk.hall, type(event).from_dict(event.to_dict()))
    desk.state = replayed
    assert_same_choice(desk)


def test_ordered_ids_forget_discarded_keys_and_stay_small():
    order = OrderedIds()
    for i in range(1000):
        order.add((1, float(i), i))
    for i in range(999):
        order.discard(i)
    assert order.first() == (1, 999.0, 999) and len(order) == 1
    assert len(order.heap) <= 2 * len(order) + 33  # stale keys are dropped, not kept all day
    order.discard(999)
    order.add((0, 5.0, 7))
    order.add((1, 1.0, 8))
    order.discard(7)
    order.add((1, 9.0, 7))  # the same id back with a later key: its old key is stale
    assert order.first() == (1, 1.0, 8)
    order.discard(8)
    assert order.first() == (1, 9.0, 7)


def test_choosing_does_not_read_the_backlog():
    """10,000 waiting: the chooser looks at the heads of the window's queues only."""
    desk = Desk(now=T0)
    desk.open(1)
    for i in range(10_000):
        desk.run(c.IssueTicket(service="biz" if i % 2 else "tax",
                               channel="green" if i % 7 == 0 else "normal",
                               green_category="elderly" if i % 7 == 0 else None))
    touched: list[int] = []

    class Counting(dict):
        def __getitem__(self, key):
            touched.append(key)
            return super().__getitem__(key)

    desk.state.tickets = Counting(desk.state.tickets)
    chosen = routing.choose_next(desk.state, desk.hall, desk.hall.window(1), desk.now)
    assert chosen is not None and len(touched) == 1
