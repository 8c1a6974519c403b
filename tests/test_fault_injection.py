"""Kiosks and clerks stream actions while a group commit fails for real (another program holds the
write lock past the busy timeout; a constraint is violated; the disk fills up). Then the server
restarts on the same file. Every 2xx is there, nothing refused is there, no 2xx was built on a
refused action, and the server starts (docs/architecture.md, "The commit path")."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import dataclass, field

import pytest

from server.doctor import examine
from tests.faults import call, fill_disk, served, small_disk, with_busy_timeout, write_lock

pytestmark = pytest.mark.timeout(90)

TICKETS_PER_KIOSK = 14
SERVED_PER_CLERK = 8
FAULT_AFTER = 12  # acknowledged actions before the fault


@dataclass
class Record:
    """What the clients were told."""

    issued: dict[int, str] = field(default_factory=dict)  # ticket id -> label, from 2xx answers
    clerk_steps: set[tuple[str, int, int]] = field(default_factory=set)  # (event type, ticket, window)
    refused: int = 0
    acked: int = 0
    enough: asyncio.Event = field(default_factory=asyncio.Event)  # FAULT_AFTER actions acknowledged
    saw_refusal: asyncio.Event = field(default_factory=asyncio.Event)

    def answered(self, status: int) -> None:
        if status == 503:
            self.refused += 1
            self.saw_refusal.set()
        elif status == 200:
            self.acked += 1
            if self.acked >= FAULT_AFTER:
                self.enough.set()


async def kiosk(hall, record: Record, kiosk_id: str) -> None:
    """Issues with request ids and never retries: a refused ticket must not exist."""
    for i in range(TICKETS_PER_KIOSK):
        status, body, _ = await call(hall, "POST", "/api/tickets", hall.device_token(kiosk_id),
                                     {"service": "invoice", "request_id": f"{kiosk_id}-{i}"})
        record.answered(status)
        if status == 200:
            record.issued[body["ticket"]["id"]] = body["ticket"]["label"]
        await asyncio.sleep(0)


async def clerk(hall, record: Record, window: int, token: str) -> None:
    """Call, start, finish; a refused step is retried with the same request id until answered."""
    for n in range(SERVED_PER_CLERK):
        status, called = await step(hall, record, token, f"/api/windows/{window}/call-next", f"w{window}-c{n}")
        if status != 200:
            return  # the queue ran dry (409 queue_empty)
        ticket_id = called["ticket"]["id"]
        record.clerk_steps.add(("ticket_called", ticket_id, window))
        for action, event in (("start", "service_started"), ("finish", "service_finished")):
            body = {"outcome": "immediate"} if action == "finish" else {}
            status, _ = await step(hall, record, token, f"/api/tickets/{ticket_id}/{action}",
                                   f"w{window}-{action}{n}", body)
            assert status == 200
            record.clerk_steps.add((event, ticket_id, window))


async def step(hall, record: Record, token: str, path: str, request_id: str, body: dict | None = None):
    for _ in range(200):  # bounded: a fault clears within the test's own schedule
        status, answer, _ = await call(hall, "POST", path, token, {**(body or {}), "request_id": request_id})
        record.answered(status)
        if status != 503:
            return status, answer
        await record.saw_refusal.wait()
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never got through")


async def stream(hall, record: Record, fault) -> None:
    tokens = {w: await hall.sign_in(w) for w in (1, 5)}
    kiosks = [asyncio.create_task(kiosk(hall, record, k)) for k in ("kiosk-1", "kiosk-2")]
    injector = asyncio.create_task(fault(record))
    clerks = [asyncio.create_task(clerk(hall, record, w, t)) for w, t in tokens.items()]
    await asyncio.wait_for(asyncio.gather(*kiosks, *clerks, injector), 60)


def stored(db_path) -> tuple[dict[int, str], set[tuple[str, int, int]]]:
    conn = sqlite3.connect(str(db_path))
    try:
        tickets = dict(conn.execute("SELECT id, label FROM tickets"))
        steps = set(conn.execute("SELECT type, ticket_id, window FROM events WHERE type IN "
                                 "('ticket_called', 'service_started', 'service_finished')"))
        return tickets, steps
    finally:
        conn.close()


async def check_after_restart(settings, clock, db_path, record: Record) -> None:
    assert record.refused > 0, "the fault never refused anything: the test did not test"
    tickets, steps = stored(db_path)
    assert tickets == record.issued  # every 2xx ticket is there, no refused one is
    assert steps == record.clerk_steps  # every 2xx clerk step is there, no refused one is
    assert {t for _, t, _ in record.clerk_steps} <= set(record.issued)  # built only on acknowledged tickets
    findings = examine(db_path, settings.hall)
    assert [f.check for f in findings if not f.ok] == []  # chain gapless, every day replays
    async with served(settings, clock, db_path) as again:
        status, health, _ = await call(again, "GET", "/api/health")
        assert status == 200, health
        status, more, _ = await call(again, "POST", "/api/tickets", again.device_token("kiosk-2"),
                                     {"service": "invoice"})
        assert status == 200 and more["ticket"]["id"] not in record.issued


@pytest.fixture
def settings(settings):
    return with_busy_timeout(settings, 0.1)


async def test_a_held_write_lock_mid_stream(hall, settings, clock, db_path):
    record = Record()

    async def lock(record: Record) -> None:
        await record.enough.wait()
        with write_lock(db_path):
            await asyncio.wait_for(record.saw_refusal.wait(), 20)

    await stream(hall, record, lock)
    await hall.server.close()
    await check_after_restart(settings, clock, db_path, record)


async def test_a_constraint_violation_mid_stream(hall, settings, clock, db_path):
    """A row another program wrote collides with the 6th request of kiosk-1 under a unique index that
    program added (the hall keeps request keys unique itself, without one): that group fails."""
    record = Record()
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    day = (await hall.get("/api/hall", hall.device_token("display-hall")))[1]["day"]
    conn.execute("INSERT INTO requests (key, fingerprint, status, response, at, day) "
                 "VALUES (?, 'x:y', 200, '{}', 0, ?)", (f"{day}|kiosk-1|kiosk-1-5", day))
    conn.execute("CREATE UNIQUE INDEX another_programs_index ON requests(key)")
    conn.close()

    async def nothing(record: Record) -> None:
        await asyncio.wait_for(record.saw_refusal.wait(), 30)

    await stream(hall, record, nothing)
    await hall.server.close()
    await check_after_restart(settings, clock, db_path, record)


async def test_a_full_disk_mid_stream(settings, clock, tmp_path):
    with small_disk(tmp_path / "disk", size_kb=8192) as disk:
        db_path = disk / "hallq.db"
        record = Record()

        async def fill(record: Record) -> None:
            await record.enough.wait()
            filler = fill_disk(disk)
            try:
                await asyncio.wait_for(record.saw_refusal.wait(), 20)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    filler.unlink()

        async with served(settings, clock, db_path) as hall:
            await stream(hall, record, fill)
        await check_after_restart(settings, clock, db_path, record)
