"""A clerk's day over real HTTP against a real SQLite file."""
from __future__ import annotations


async def test_issue_call_start_finish(hall):
    status, issued = await hall.issue("business_setup")
    assert status == 200, issued
    assert issued["ticket"]["label"].endswith("001")
    assert issued["tracking_url"].split("/t/")[1]
    token = await hall.sign_in(3)
    status, called = await hall.post("/api/windows/3/call-next", token, {"request_id": "r1"})
    assert status == 200, called
    ticket_id = called["ticket"]["id"]
    assert called["ticket"]["status"] == "called"
    status, started = await hall.post(f"/api/tickets/{ticket_id}/start", token)
    assert status == 200 and started["ticket"]["status"] == "serving"
    status, finished = await hall.post(f"/api/tickets/{ticket_id}/finish", token, {"outcome": "immediate"})
    assert status == 200 and finished["ticket"]["status"] == "finished", finished
    status, state = await hall.get("/api/hall", hall.device_token("display-hall"))
    assert status == 200
    assert state["seq"] >= 5
    assert len(state["windows"]) == 16
