"""Over HTTP: an appointment checked in early waits for its slot's early window, and no wait anywhere
(hall view, live board, the day's figures) comes out negative."""
from __future__ import annotations

import sqlite3

from server.stats.figures import Query, compute
from tests.conftest import DEMO_START
from tests.stats.scripted_day import manager_token

MIN = 60.0
DAY = "2026-11-25"


async def test_early_check_in_waits_for_its_slot_and_never_waits_negative(hall, db_path):
    manager = await manager_token(hall)
    slot = DEMO_START + 15 * MIN
    status, body = await hall.post("/api/appointments", manager, {"code": "EARLY", "service": "business_setup",
                                                                   "slot_start": slot, "slot_end": slot + 15 * MIN})
    assert status == 200, body
    status, checked_in = await hall.post("/api/appointments/check-in", hall.device_token("kiosk-1"), {"code": "EARLY"})
    assert status == 200 and checked_in["ticket"]["channel"] == "appointment", checked_in
    clerk = await hall.sign_in(16)

    status, body = await hall.post("/api/windows/16/call-next", clerk)
    assert (status, body["error"]["code"]) == (409, "queue_empty")  # 15 minutes early: not yet
    status, view = await hall.get("/api/hall", hall.device_token("kiosk-1"))
    setup = next(s for s in view["services"] if s["code"] == "business_setup")
    assert setup["waiting"] == 1 and setup["longest_wait_s"] == 0  # not -900
    status, live = await hall.get("/api/stats/live", manager)
    assert next(q for q in live["queues"] if q["service"] == "business_setup")["longest_wait_s"] == 0

    hall.clock.advance(5 * MIN)  # ten minutes before the slot: the documented early window opens
    status, called = await hall.post("/api/windows/16/call-next", clerk)
    assert status == 200 and called["ticket"]["id"] == checked_in["ticket"]["id"], called
    hall.clock.advance(2 * MIN)
    status, body = await hall.post(f"/api/tickets/{called['ticket']['id']}/finish", clerk,
                                   {"outcome": "immediate"})
    assert status == 200, body

    conn = sqlite3.connect(db_path)
    try:
        (wait_s,) = conn.execute("SELECT wait_s FROM segments WHERE ticket_id = ?",
                                 (called["ticket"]["id"],)).fetchone()
        total = compute(conn, Query(hall.settings.hall, DAY, DAY, "total"))["groups"][0]
    finally:
        conn.close()
    assert wait_s == 0.0
    assert total["wait_served"]["mean_s"] == 0.0 and total["wait_called"]["p50_s"] == 0.0
