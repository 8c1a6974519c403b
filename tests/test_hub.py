"""The WebSocket hub with real clients: order, replay, slow clients, roles, bad frames."""
from __future__ import annotations

import json

from server import appkeys as K
from tests.wsclient import WsClient


async def _display(hall, device="display-hall", scope=None, since=None):
    client = await WsClient.open(hall, hall.device_token(device))
    message = {"type": "subscribe", "scope": scope or {}}
    if since is not None:
        message["since"] = since
    reply = await client.request(message)
    assert reply["success"], reply
    return client, reply["result"]


async def test_snapshot_then_events_in_seq_order(hall):
    await hall.issue("business_setup")
    client, sub = await _display(hall)
    assert sub["mode"] == "snapshot"
    assert sub["snapshot"]["seq"] == sub["seq"]
    token = await hall.sign_in(3)
    await hall.issue("business_setup")
    await hall.post("/api/windows/3/call-next", token)
    events = await client.events(4)
    seqs = [m["seq"] for m in events]
    assert seqs == list(range(sub["seq"] + 1, sub["seq"] + 5))
    assert [m["event"]["type"] for m in events] == [
        "clerk_signed_in", "window_opened", "ticket_issued", "ticket_called"]
    called = events[-1]["event"]
    assert called["window"] == 3 and called["ticket"]["label"].endswith("001")
    assert called["announcement"]["clips"][0] == "chime"
    await client.close()


async def test_reconnect_with_since_gets_exactly_the_missed_events(hall):
    client, sub = await _display(hall)
    await hall.issue("business_setup")
    first = (await client.events(1))[0]["seq"]
    await client.close()
    token = await hall.sign_in(3)
    for _ in range(3):
        await hall.issue("tax_registration")
    await hall.post("/api/windows/3/call-next", token)
    client, sub = await _display(hall, since=first)
    assert sub["mode"] == "replay" and sub["from"] == first + 1
    missed = await client.events(sub["seq"] - first)
    assert [m["seq"] for m in missed] == list(range(first + 1, sub["seq"] + 1))
    await hall.issue("business_setup")
    live = await client.events(1)
    assert live[0]["seq"] == sub["seq"] + 1
    await client.close()


async def test_zone_scope_sees_only_its_windows(hall):
    east, _ = await _display(hall, device="display-east", scope={"zone": "east"})
    west_window = next(w.number for w in hall.settings.hall.windows if w.zone == "west")
    east_window = next(w.number for w in hall.settings.hall.windows if w.zone == "east")
    for window in (west_window, east_window):
        await hall.sign_in(window)
    events = await east.events(2)
    assert {m["event"]["window"] for m in events} == {east_window}
    await east.close()


async def test_message_before_auth_is_refused_and_closed(hall):
    client = await WsClient.open(hall)
    await client.send({"type": "subscribe", "scope": {}})
    reply = await client.recv()
    assert reply["success"] is False and reply["error"]["code"] == "unauthorized"
    assert await client.closed_code() == 4001


async def test_wrong_token_is_refused(hall):
    client = await WsClient.open(hall)
    await client.send({"type": "auth", "token": "forged-token"})
    reply = await client.recv()
    assert reply["error"]["code"] == "unauthorized"
    assert await client.closed_code() == 4001


async def test_malformed_binary_and_unknown_frames_get_errors_and_connection_lives(hall):
    client, _ = await _display(hall)
    await client.ws.send("{not json")
    assert (await client.recv())["error"]["code"] == "malformed_message"
    await client.ws.send(b"\x00\x01binary")
    assert (await client.recv())["error"]["code"] == "malformed_message"
    await client.ws.send(json.dumps([1, 2]))
    assert (await client.recv())["error"]["code"] == "malformed_message"
    reply = await client.request({"type": "launch_rockets"})
    assert reply["error"]["code"] == "malformed_message"
    reply = await client.request({"type": "ping"})
    assert reply["success"]
    await client.close()


async def test_oversized_frame_closes_with_1009(hall):
    client, _ = await _display(hall)
    await client.ws.send("x" * (hall.settings.server.ws_max_frame_bytes + 10))
    assert await client.closed_code() == 1009


async def test_wrong_roles_are_refused(hall):
    display, _ = await _display(hall)
    reply = await display.request({"type": "command", "name": "call_next", "args": {}})
    assert reply["error"]["code"] == "forbidden"
    reply = await display.request({"type": "command", "name": "issue_ticket", "args": {"service": "business_setup"}})
    assert reply["error"]["code"] == "forbidden"
    pad = await WsClient.open(hall, hall.device_token("rating-01"))
    reply = await pad.request({"type": "subscribe", "scope": {"window": 2}})
    assert reply["error"]["code"] == "forbidden"
    assert hall.app[K.SERVICE].state.issued == {}
    await display.close()
    await pad.close()


async def test_clerk_commands_over_the_socket(hall):
    token = await hall.sign_in(3)
    await hall.issue("business_setup")
    clerk = await WsClient.open(hall, token)
    reply = await clerk.request({"type": "command", "name": "call_next", "args": {"request_id": "ws-1"}})
    assert reply["success"], reply
    assert reply["result"]["ticket"]["status"] == "called"
    again = await clerk.request({"type": "command", "name": "call_next", "args": {"request_id": "ws-1"}})
    assert again["result"] == reply["result"]
    await clerk.close()


async def test_stalled_client_is_dropped_and_does_not_delay_others(hall):
    hub = hall.app[K.HUB]
    stalled, _ = await _display(hall)
    healthy, _ = await _display(hall, device="display-east", scope={"zone": "east"})
    conn = next(c for c in hub.connections if c.principal and c.principal.id == "display-hall")
    # Simulate a peer that stopped reading: its writer is stuck, so its queue fills up.
    conn._writer.cancel()
    limit = hall.settings.server.ws_send_queue
    west = next(w.number for w in hall.settings.hall.windows if w.zone == "west")
    frames = 0
    while not conn.dropped and frames < limit + 10:
        hub.publish([{"type": "window_paused", "seq": 10**6 + frames, "day": "x", "at": 0, "window": west}])
        frames += 1
    assert conn.dropped
    assert frames == limit + 1
    east = next(w.number for w in hall.settings.hall.windows if w.zone == "east")
    await hall.sign_in(east)
    got = await healthy.events(1)
    assert got[0]["event"]["window"] == east  # the healthy display still gets its events at once
    assert await stalled.closed_code() == 4008
    await healthy.close()


async def test_a_replay_longer_than_the_send_queue_streams_without_a_drop(hall):
    """Back-pressure, not a drop: a display that missed more events than its queue holds still gets
    every one of them, in order, then live events."""
    queue = hall.settings.server.ws_send_queue
    client, sub = await _display(hall)
    since = sub["seq"]
    await client.close()
    service = hall.app[K.SERVICE]
    from server.domain import commands as c
    for _ in range(queue + 200):  # straight through the service: faster than HTTP, same path
        await service.execute(c.IssueTicket(service="invoice"))
    client, sub = await _display(hall, since=since)
    assert sub["mode"] == "replay"
    got = await client.events(queue + 200)
    assert [m["seq"] for m in got] == list(range(since + 1, since + queue + 201))
    await hall.issue("business_setup")
    assert (await client.events(1))[0]["seq"] == since + queue + 201
    await client.close()
