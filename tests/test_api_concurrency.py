"""Two clerks pressing "call next" at the same instant, and two kiosks issuing at the same instant."""
from __future__ import annotations

import asyncio


async def test_two_clerks_same_instant_get_distinct_tickets(hall):
    for _ in range(2):
        await hall.issue("business_setup")
    t1, t3 = await hall.sign_in(1), await hall.sign_in(3)  # both windows serve business_setup
    (s1, a), (s3, b) = await asyncio.gather(hall.post("/api/windows/1/call-next", t1),
                                            hall.post("/api/windows/3/call-next", t3))
    assert s1 == s3 == 200
    assert a["ticket"]["id"] != b["ticket"]["id"]


async def test_last_ticket_raced_by_two_clerks_goes_to_one(hall):
    await hall.issue("business_setup")
    t1, t3 = await hall.sign_in(1), await hall.sign_in(3)
    results = await asyncio.gather(hall.post("/api/windows/1/call-next", t1),
                                   hall.post("/api/windows/3/call-next", t3))
    assert sorted(status for status, _ in results) == [200, 409]
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "queue_empty"


async def test_two_kiosks_same_instant_get_distinct_numbers(hall):
    results = await asyncio.gather(*(hall.issue("business_setup", kiosk=k) for k in ["kiosk-1", "kiosk-2"] * 10))
    labels = [body["ticket"]["label"] for status, body in results]
    assert all(status == 200 for status, _ in results)
    assert sorted(labels) == [f"A{n:03d}" for n in range(1, 21)]
