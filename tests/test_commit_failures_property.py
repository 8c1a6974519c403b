"""Property: over random action sequences, sent in concurrent rounds so they share group commits, with
random commits failing for real (a write that breaks a primary key), what the disk holds is exactly
what was acknowledged, and every acknowledged action is what the pure rules decide when fed only
the acknowledged actions before it. So no 2xx was ever built on a refused action."""
from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.clock import ManualClock
from server.config import load_demo
from server.domain import commands as c
from server.domain import engine
from server.domain import events as e
from server.domain.errors import DomainError
from server.service import HallService
from server.store import queries
from server.store.reader import Reader
from server.store.writer import Writer
from tests.conftest import DEMO_START

pytestmark = pytest.mark.timeout(240)
HALL = load_demo().hall
WINDOWS = (5, 6)
CLERKS = {5: "1005", 6: "1006"}
COLLIDING_KEY = "property-test-collision"


class Gate:
    """Holds the writer inside the group's transaction until the test has decided the rest of the round,
    so those later batches wait in the queue behind a commit that may fail (the case that matters)."""

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def run(self, conn: sqlite3.Connection) -> None:
        self.entered.set()
        self.release.wait(10)


class Collide:
    """A real constraint violation: the requests key below already exists, so the group's commit fails."""

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO requests (key, fingerprint, status, response, at, day) "
                     "VALUES (?, '', 200, '{}', 0, '')", (COLLIDING_KEY,))


def command_for(state, action: str, window: int) -> c.Command:
    """The action as a command, built from the state at the moment it is decided."""
    held = state.in_hand(window)
    ticket_id = held.id if held else 999_999
    staff = CLERKS[window]
    return {"issue": lambda: c.IssueTicket(service="invoice"),
            "call": lambda: c.CallNext(window=window, staff=staff),
            "start": lambda: c.StartService(window=window, staff=staff, ticket_id=ticket_id),
            "finish": lambda: c.FinishService(window=window, staff=staff, ticket_id=ticket_id, outcome="immediate"),
            "no_show": lambda: c.MarkNoShow(window=window, staff=staff, ticket_id=ticket_id)}[action]()


STEP = st.tuples(st.sampled_from(["issue", "issue", "call", "start", "finish", "no_show"]),
                 st.sampled_from(WINDOWS), st.integers(0, 9).map(lambda n: n == 0))  # 1 in 10 fails
ROUNDS = st.lists(st.lists(STEP, min_size=1, max_size=4), min_size=1, max_size=10)


async def run_rounds(path: Path, rounds) -> tuple[list[tuple[c.Command, list[int]]], list[dict]]:
    clock = ManualClock(DEMO_START)
    writer, reader = Writer(path), Reader(path)
    service = HallService(HALL, clock, writer, reader)
    writer.start()
    try:
        await service.load()
        for window, staff in CLERKS.items():
            await service.execute(c.SignIn(staff=staff, window=window))
        await asyncio.to_thread(_plant_collision, path)
        acknowledged: list[tuple[c.Command, list[int]]] = []

        async def one(action: str, window: int, fails: bool, gate: Gate | None = None) -> None:
            cmd = command_for(service.state, action, window)  # no await before execute decides it
            writes = ((gate,) if gate else ()) + ((Collide(),) if fails else ())
            try:
                answer = await service.execute(cmd, writes=writes)
            except DomainError:
                return  # refused by the rules, or by the store (unavailable): either way, nothing happened
            acknowledged.append((cmd, answer["events"]))

        for head, *tail in rounds:
            clock.advance(7)
            await service.health()  # recover from the last round's fault, if any, before deciding more
            gate = Gate()
            first = asyncio.create_task(one(*head, gate=gate))
            while not (first.done() or gate.entered.is_set()):  # the head's group is inside its transaction
                await asyncio.to_thread(gate.entered.wait, 0.02)  # (or the rules refused the head)
            rest = [asyncio.create_task(one(*step)) for step in tail]  # decided on top of the head
            await asyncio.sleep(0)
            gate.release.set()
            await asyncio.gather(first, *rest)
        stored = await reader.run(queries.events_since, 0, 100_000)
        return acknowledged, stored
    finally:
        await writer.stop()
        reader.close()


def _plant_collision(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("INSERT INTO requests (key, fingerprint, status, response, at, day) VALUES (?, '', 200, '{}', 0, '')",
                 (COLLIDING_KEY,))
    # the hall keeps request keys unique itself; this index makes the planted row a real constraint
    conn.execute("CREATE UNIQUE INDEX planted_unique_key ON requests(key)")
    conn.commit()
    conn.close()


def essence(event: dict) -> dict:
    """An event as the rules made it (without what the service adds for the wire)."""
    cls = e.EVENT_TYPES[event["type"]]
    return e.Event.from_dict(event).to_dict() | {"type": cls.TYPE}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROUNDS)
def test_the_disk_holds_exactly_the_acknowledged_actions_each_decided_on_acknowledged_ones(rounds):
    with tempfile.TemporaryDirectory() as folder:
        acknowledged, stored = asyncio.run(run_rounds(Path(folder) / "hallq.db", rounds))
    seqs = [ev["seq"] for ev in stored]
    assert seqs == list(range(1, len(seqs) + 1))  # a gapless chain
    sign_ins = [ev for ev in stored if ev["type"] in ("clerk_signed_in", "window_opened")]
    acked_seqs = sorted(s for _, events in acknowledged for s in events)
    assert [ev["seq"] for ev in stored if ev not in sign_ins] == acked_seqs  # every 2xx there, nothing else
    # the model: the pure rules, fed the sign-ins and then only the acknowledged commands, in order
    model = engine.new_state(HALL, stored[0]["day"] if stored else "")
    for ev in sign_ins:
        engine.apply(model, HALL, e.Event.from_dict(ev))
    by_seq = {ev["seq"]: ev for ev in stored}
    for cmd, events in sorted(acknowledged, key=lambda a: a[1][0] if a[1] else 0):
        at = by_seq[events[0]]["at"] if events else DEMO_START
        decided = engine.handle(model, HALL, cmd, at)
        assert [ev.to_dict() for ev in decided] == [essence(by_seq[s]) for s in events]
