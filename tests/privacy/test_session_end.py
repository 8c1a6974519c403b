"""Finding 5: sign-out ends the session. Every token of it stops working (an older token of the same
clerk does not come back at the next sign-in), and every WebSocket opened with one is closed with
4003 at once; the same when a session ends by time or a device is revoked."""
from __future__ import annotations

from server import appkeys as K
from server.actions.session_end import end_lapsed
from server.store.audit import audit_rows
from tests.privacy.kit import MANAGER, finished_visit, ok, staff_token, table_dump
from tests.wsclient import WsClient


async def socket_of(hall, token: str, scope: dict | None = None) -> WsClient:
    client = await WsClient.open(hall, token)
    assert (await client.request({"type": "subscribe", "scope": scope or {}}))["success"]
    return client


async def test_a_clerk_sign_out_ends_every_token_and_socket(hall):
    old = await hall.sign_in(3)
    await ok(hall, "DELETE", "/api/sessions/current", old)
    newer = await hall.sign_in(3)
    socket = await socket_of(hall, newer, {"window": 3})
    await ok(hall, "DELETE", "/api/sessions/current", newer)
    assert await socket.closed_code() == 4003
    again = await hall.sign_in(3)  # signing in again at the same window brings no old token back
    db = hall.app[K.SERVICE].writer.path
    before = table_dump(db, "events", "tickets", "sessions")
    for token in (old, newer):
        status, body = await hall.get("/api/sessions/current", token)
        assert status == 401 and body["error"]["code"] == "unauthorized"
        status, body = await hall.post("/api/windows/3/call-next", token)
        assert status == 401
    assert table_dump(db, "events", "tickets", "sessions") == before
    assert (await hall.get("/api/sessions/current", again))[0] == 200
    rows = await hall.app[K.SERVICE].reader.run(audit_rows, None, None, "sign_out")
    assert len(rows) == 2 and rows[0]["actor"] == hall.clerk_for(3)


async def test_a_signed_out_managers_socket_gets_no_more_ratings(hall):
    manager = await staff_token(hall, MANAGER)
    board = await socket_of(hall, manager)
    clerk = await hall.sign_in(3)
    ticket = await finished_visit(hall, clerk, 3, "business_setup")
    await ok(hall, "DELETE", "/api/sessions/current", manager)
    assert await board.closed_code() == 4003  # closed before the rating below is published
    await ok(hall, "POST", f"/api/tickets/{ticket}/rating", hall.device_token("rating-03"),
             {"level": "dissatisfied", "reason": "slow"})
    client = await WsClient.open(hall)
    reply = await client.request({"type": "auth", "token": manager})
    assert reply["error"]["code"] == "unauthorized" and await client.closed_code() == 4001


async def test_a_session_that_ends_by_time_closes_its_socket(hall):
    manager = await staff_token(hall, MANAGER)
    board = await socket_of(hall, manager)
    hall.clock.advance(hall.settings.server.session_ttl_h * 3600 + 1)
    await hall.issue("business_setup")  # the next event is not sent to the expired session: it is closed
    assert await board.closed_code() == 4003
    status, _ = await hall.get("/api/stats/live", manager)
    assert status == 401


async def test_housekeeping_closes_expired_and_revoked_without_an_event(hall):
    manager = await staff_token(hall, MANAGER)
    board = await socket_of(hall, manager)
    display = await socket_of(hall, hall.device_token("display-west"))
    other = await socket_of(hall, hall.device_token("display-east"))
    hall.app[K.AUTH].revoke_device("display-west")
    assert end_lapsed(hall.app) == 1
    assert await display.closed_code() == 4003
    hall.clock.advance(hall.settings.server.session_ttl_h * 3600 + 1)
    assert end_lapsed(hall.app) == 1
    assert await board.closed_code() == 4003
    assert (await other.request({"type": "ping"}))["success"]  # everyone else is untouched
    await other.close()


async def test_an_expired_session_cannot_send_one_more_command(hall):
    """No event and no housekeeping tick needed: the next frame from an ended session closes it."""
    manager = await staff_token(hall, MANAGER)
    socket = await WsClient.open(hall, manager)
    _, issued = await hall.issue("business_setup")
    db = hall.app[K.SERVICE].writer.path
    before = table_dump(db, "events", "tickets", "audit")
    hall.clock.advance(hall.settings.server.session_ttl_h * 3600 + 1)
    await socket.send({"type": "command", "name": "cancel_ticket", "args": {"ticket_id": issued["ticket"]["id"]}})
    assert await socket.closed_code() == 4003
    assert table_dump(db, "events", "tickets", "audit") == before
