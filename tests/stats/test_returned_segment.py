"""A ticket returned to its queue at the guide desk starts a new queue segment entered at the return
time: its wait counts from there, and the missed pass ends as returned, no longer a no-show
(docs/stats.md)."""
from __future__ import annotations

import sqlite3

from server.stats.figures import Query, compute
from server.stats.projection import rebuild_projection

M = 60.0


async def test_a_returned_ticket_waits_again_from_its_return(hall, db_path):
    t0 = hall.clock.now()
    guide = (await hall.post("/api/sessions", None, {"staff": "8001", "pin": hall.creds["staff"]["8001"]}))[1]["token"]
    clerk = await hall.sign_in(5)
    issued = (await hall.issue("invoice"))[1]["ticket"]
    ticket_id, label = issued["id"], issued["label"]
    hall.clock.advance(4 * M)
    assert (await hall.post("/api/windows/5/call-next", clerk, {}))[0] == 200
    hall.clock.advance(2 * M)
    assert (await hall.post(f"/api/tickets/{ticket_id}/no-show", clerk, {}))[0] == 200
    hall.clock.advance(10 * M)  # the citizen comes to the desk ten minutes later
    assert (await hall.post(f"/api/tickets/{ticket_id}/return", guide, {}))[0] == 200
    hall.clock.advance(3 * M)
    assert (await hall.post("/api/windows/5/call-next", clerk, {}))[1]["ticket"]["id"] == ticket_id
    hall.clock.advance(1 * M)
    assert (await hall.post(f"/api/tickets/{ticket_id}/start", clerk, {}))[0] == 200
    hall.clock.advance(5 * M)
    assert (await hall.post(f"/api/tickets/{ticket_id}/finish", clerk, {"outcome": "immediate"}))[0] == 200
    conn = sqlite3.connect(db_path)
    day = (await hall.get(f"/api/tickets/by-label/{label}", guide))[1]["ticket"]["day"]
    query = ("SELECT segment, issued, entered_at, wait_s, end_kind, no_show_marks, handling_s FROM segments "
             "WHERE ticket_id = ? ORDER BY segment")
    rows = conn.execute(query, (ticket_id,)).fetchall()
    assert rows == [(0, 1, t0, 4 * M, "returned", 1, None), (1, 0, t0 + 16 * M, 3 * M, "served", 0, 5 * M)]
    figures = compute(conn, Query(hall.settings.hall, day, day, "total"))["groups"][0]
    assert figures["counts"]["no_shows"] == 0 and figures["counts"]["no_show_marks"] == 1
    assert figures["counts"]["issued"] == figures["counts"]["served"] == 1
    with conn:
        rebuild_projection(conn)
    assert conn.execute(query, (ticket_id,)).fetchall() == rows
    conn.close()
