"""The command path's promises at its entry points: numbers and nesting, request ids bound to their
use and scoped by day, roles checked by the router for every row, one path-id parser, WebSocket
ticket commands, rating after its time, and who issued or booked at the desk."""
from __future__ import annotations

import json
import sqlite3

import pytest

from server import appkeys as K
from server.actions.body import MAX_DEPTH
from server.api.endpoints import ENDPOINTS, OTHER_ENDPOINTS
from server.service import _memory_key
from tests.faults import call
from tests.wsclient import WsClient

DAY = 24 * 3600


async def raw_post(hall, path: str, token: str, text: str):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with hall.session.post(hall.url(path), data=text.encode(), headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def manager(hall) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]})
    assert status == 200
    return body["token"]


async def guide(hall) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": "8001", "pin": hall.creds["staff"]["8001"]})
    assert status == 200
    return body["token"]


def booking(slot_start: str) -> str:
    return '{"code": "BK-1", "service": "invoice", "slot_start": ' + slot_start + ', "slot_end": 1800000000}'


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "-1e308", "1e400", "9" * 400, "-5"])
async def test_a_bad_number_is_400_invalid_field_naming_the_field_and_changes_nothing(hall, number):
    token = await guide(hall)
    status, body = await raw_post(hall, "/api/appointments", token, booking(number))
    assert status == 400, body
    assert body["error"]["code"] == "invalid_field" and body["error"]["details"]["field"] == "slot_start"
    status, view = await hall.get("/api/hall", token)
    assert view["seq"] == 0  # nothing was booked
    json.dumps(body, allow_nan=False)  # the answer itself is valid JSON


async def test_nesting_past_the_documented_depth_is_400_over_http(hall):
    token = hall.device_token("kiosk-1")
    deep = '{"service": ' + "[" * 20000 + "]" * 20000 + "}"
    status, body = await raw_post(hall, "/api/tickets", token, deep)
    assert status == 400 and body["error"]["code"] == "malformed_request"
    just_over = '{"service": "invoice", "x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}"
    status, body = await raw_post(hall, "/api/tickets", token, just_over)
    assert status == 400 and body["error"]["details"]["max_depth"] == MAX_DEPTH


async def test_bad_numbers_and_deep_frames_over_the_websocket_get_an_error_frame_and_the_connection_stays(hall):
    clerk = await hall.sign_in(6)
    client = await WsClient.open(hall, clerk)
    await client.ws.send('{"id": 1, "type": "ping", "x": ' + "[" * 20000 + "]" * 20000 + "}")
    reply = await client.recv()
    assert reply["success"] is False and reply["error"]["code"] == "malformed_message"
    await client.ws.send('{"id": 2, "type": "command", "name": "call_next", "args": {"window": NaN}}')
    reply = await client.recv()
    assert reply["error"]["code"] == "invalid_field" and reply["error"]["details"]["field"] == "args.window"
    assert (await client.request({"type": "ping"}))["success"] is True
    await client.close()


async def test_ticket_commands_over_the_websocket_take_ticket_id(hall):
    clerk = await hall.sign_in(6)
    await hall.issue("invoice")
    client = await WsClient.open(hall, clerk)
    called = await client.request({"type": "command", "name": "call_next", "args": {"request_id": "w-1"}})
    ticket_id = called["result"]["ticket"]["id"]
    started = await client.request({"type": "command", "name": "start_service",
                                    "args": {"ticket_id": ticket_id, "request_id": "w-2"}})
    assert started["success"] and started["result"]["ticket"]["status"] == "serving"
    missing = await client.request({"type": "command", "name": "finish_service", "args": {"outcome": "immediate"}})
    assert missing["error"]["code"] == "invalid_argument" and missing["error"]["details"]["field"] == "ticket_id"
    await client.close()


async def test_a_request_id_is_bound_to_its_operation_and_target(hall):
    clerk = await hall.sign_in(6)
    for _ in range(2):
        await hall.issue("invoice")
    status, first = await hall.post("/api/windows/6/call-next", clerk, {"request_id": "r-1"})
    assert status == 200
    ticket_id = first["ticket"]["id"]
    status, body = await hall.post(f"/api/tickets/{ticket_id}/recall", clerk, {"request_id": "r-1"})
    assert status == 409 and body["error"]["code"] == "request_id_reused"  # another operation
    status, body = await hall.post(f"/api/tickets/{ticket_id}/recall", clerk, {"request_id": "r-2"})
    assert status == 200
    status, body = await hall.post(f"/api/tickets/{ticket_id + 1}/recall", clerk, {"request_id": "r-2"})
    assert status == 409 and body["error"]["code"] == "request_id_reused"  # another ticket
    status, again = await hall.post("/api/windows/6/call-next", clerk, {"request_id": "r-1"})
    assert status == 200 and again == first  # the same use: the first answer


async def test_a_durable_answer_leaves_memory_and_a_retry_reads_it_back_unchanged(hall, db_path):
    status, first = await hall.issue("invoice", request_id="m-1")
    assert status == 200
    service = hall.app[K.SERVICE]
    kept = service.done[_memory_key("kiosk-1|m-1")]
    assert kept is None and first_fingerprint(db_path, "m-1")  # only the key stays in memory; the disk has the rest
    status, again = await hall.issue("invoice", request_id="m-1")
    assert status == 200 and again == first
    assert len(service.state.tickets) == 1
    status, other = await hall.issue("tax_filing", request_id="m-1")
    assert status == 409 and other["error"]["code"] == "request_conflict"


def first_fingerprint(db_path, request_id: str) -> str:
    conn = sqlite3.connect(str(db_path))
    [fingerprint] = conn.execute("SELECT fingerprint FROM requests WHERE key LIKE ?", (f"%|{request_id}",)).fetchone()
    conn.close()
    return fingerprint


async def test_request_ids_of_an_earlier_day_never_make_a_commit_fail(hall, db_path):
    status, first = await hall.issue("invoice", request_id="k-1")
    assert status == 200
    hall.clock.advance(DAY)
    status, second = await hall.issue("invoice", request_id="k-1")
    assert status == 200 and second["ticket"]["id"] != first["ticket"]["id"]
    assert second["ticket"]["day"] != first["ticket"]["day"]
    status, health = await hall.get("/api/health")
    assert status == 200
    conn = sqlite3.connect(str(db_path))
    keys = sorted(r[0] for r in conn.execute("SELECT key FROM requests"))
    conn.close()
    assert keys == [f"{first['ticket']['day']}|kiosk-1|k-1", f"{second['ticket']['day']}|kiosk-1|k-1"]


async def test_a_rating_after_its_time_is_rating_closed(hall):
    clerk = await hall.sign_in(6)
    pad = hall.device_token("rating-06")
    for _ in range(2):
        await hall.issue("invoice")
    for _ in range(2):
        _, called = await hall.post("/api/windows/6/call-next", clerk)
        ticket_id = called["ticket"]["id"]
        await hall.post(f"/api/tickets/{ticket_id}/start", clerk)
        assert (await hall.post(f"/api/tickets/{ticket_id}/finish", clerk, {"outcome": "immediate"}))[0] == 200
        hall.clock.advance(hall.settings.hall.rules.rating_timeout_s + 1)
        if ticket_id == 2:
            await hall.app[K.SERVICE].tick()  # the housekeeping expired it
        status, body = await hall.post(f"/api/tickets/{ticket_id}/rating", pad, {"level": "satisfied"})
        assert status == 409 and body["error"]["code"] == "rating_closed", body


async def test_desk_staff_are_recorded_on_green_channel_tickets_and_bookings(hall, db_path):
    token = await guide(hall)
    status, _ = await hall.post("/api/tickets", token, {"service": "invoice", "channel": "green",
                                                        "green_category": "elderly"})
    assert status == 200
    start = hall.clock.now() + 3600
    status, _ = await hall.post("/api/appointments", token, {"code": "BK-2", "service": "invoice",
                                                             "slot_start": start, "slot_end": start + 900})
    assert status == 200
    await hall.issue("invoice")  # a kiosk's ticket: nobody at a desk
    conn = sqlite3.connect(str(db_path))
    rows = [json.loads(r[0]) for r in conn.execute("SELECT data FROM events WHERE type IN "
                                                   "('ticket_issued', 'appointment_booked') ORDER BY seq")]
    conn.close()
    assert [(r["type"], r.get("issued_by") or r.get("booked_by")) for r in rows] == [
        ("ticket_issued", "8001"), ("appointment_booked", "8001"), ("ticket_issued", None)]


async def test_the_router_checks_every_rows_roles(hall):
    """Every non-public row refuses a caller without a token (401) and a role it does not list (403)."""
    pad = hall.device_token("rating-06")
    for ep in ENDPOINTS + OTHER_ENDPOINTS:
        if not ep.roles:
            continue
        path = ep.path.replace("{window}", "6").replace("{ticket_id}", "1").replace("{table}", "visits")
        status, body, _ = await call(hall, ep.method, path, None, {} if ep.method != "GET" else None)
        assert status == 401, (ep.operation_id, body)
        if "rating_pad" not in ep.roles:
            status, body, _ = await call(hall, ep.method, path, pad, {} if ep.method != "GET" else None)
            assert status == 403 and body["error"]["code"] == "forbidden", (ep.operation_id, body)


@pytest.mark.parametrize("raw", ["²", "٣", "３", "0x3", "3.0", "1" * 19, "-3"])
async def test_one_path_id_parser_ascii_digits_only_and_bounded(hall, raw):
    clerk = await hall.sign_in(3)
    status, body = await hall.get(f"/api/windows/{raw}/suspended", clerk)
    assert status == 404 and body["error"]["code"] == "unknown_window", body
    status, body = await hall.get(f"/api/tickets/{raw}", clerk)
    assert status == 404 and body["error"]["code"] == "unknown_ticket", body
