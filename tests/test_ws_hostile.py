"""/api/ws fed hostile input: junk, forged and replayed tokens, huge frames, wrong roles.
Each is refused with the documented error; the connection or the server survives; nothing changes."""
from __future__ import annotations

import dataclasses
import json
import random

import pytest

from server import appkeys as K
from tests.wsclient import WsClient

COMMANDS = ("call_next", "call_ticket", "recall_ticket", "start_service", "finish_service", "mark_no_show",
            "suspend_ticket", "resume_ticket", "transfer_ticket", "cancel_ticket", "pause_window",
            "resume_window", "close_window", "rate_visit", "issue_ticket")


@pytest.fixture
def settings(settings):
    """Room for a thousand frames on one socket: these tests are about what each frame does; the
    per-connection message rate limit (close 4029) has its own test in tests/privacy/."""
    return dataclasses.replace(settings, server=dataclasses.replace(settings.server, ws_max_messages=5000))


def seq(hall) -> int:
    return hall.app[K.SERVICE].state.last_seq


async def refused_at_auth(hall, token) -> tuple[dict, int | None]:
    client = await WsClient.open(hall)
    await client.ws.send(json.dumps({"id": 1, "type": "auth", "token": token}))
    reply = await client.recv()
    return reply, await client.closed_code()


async def test_forged_tokens_are_refused_and_closed_4001(hall):
    real = hall.device_token("kiosk-1")
    before = seq(hall)
    forged = ["", "x", real[:-1] + ("A" if real[-1] != "A" else "B"), real.upper(), real + " ",
              "sha256$" + "0" * 64, hall.settings.hall.devices[0].token_hash, "Bearer " + real, "a" * 5000,
              123, None, ["token"], {"token": real}]
    for token in forged:
        reply, code = await refused_at_auth(hall, token)
        assert reply["success"] is False and reply["error"]["code"] == "unauthorized", (token, reply)
        assert code == 4001, token
    assert seq(hall) == before


async def test_session_token_replayed_after_sign_out_is_refused(hall):
    token = await hall.sign_in(3)
    clerk = await WsClient.open(hall, token)  # valid while signed in
    await clerk.close()
    status, _ = await hall.call("DELETE", "/api/sessions/current", token)
    assert status == 200
    reply, code = await refused_at_auth(hall, token)
    assert reply["error"]["code"] == "unauthorized" and code == 4001
    status, body = await hall.post("/api/windows/3/call-next", token, {"request_id": "replayed-1"})
    assert status == 401 and body["error"]["code"] == "unauthorized"
    manager = (await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]}))[1]
    await hall.call("DELETE", "/api/sessions/current", manager["token"])
    reply, code = await refused_at_auth(hall, manager["token"])
    assert reply["error"]["code"] == "unauthorized" and code == 4001


async def test_commands_before_auth_are_refused_and_closed(hall):
    for first in ({"type": "command", "name": "issue_ticket", "args": {"service": "invoice"}},
                  {"type": "subscribe", "scope": {}}, {"type": "ping"}, {"type": "print_ack", "job_id": "x"}):
        client = await WsClient.open(hall)
        await client.send(first)
        reply = await client.recv()
        assert reply["error"]["code"] == "unauthorized", first
        assert await client.closed_code() == 4001
    assert hall.app[K.SERVICE].state.issued == {}


async def test_a_thousand_junk_frames_then_a_ping_is_still_answered_and_nothing_changed(hall):
    await hall.issue("invoice")
    before = seq(hall)
    client = await WsClient.open(hall, hall.device_token("display-hall"))
    rng = random.Random(7)
    junk = ["{not json", "", "null", "[]", "[1,2]", "\"text\"", "42", "{\"type\": 5}", "{\"id\": 1}",
            "{\"type\": \"launch_rockets\"}", "{\"type\": \"command\"}", "{\"type\": \"command\", \"name\": 7}",
            "{\"type\": \"subscribe\", \"scope\": [1]}", "{\"type\": \"subscribe\", \"since\": -5}",
            "{\"type\": \"subscribe\", \"scope\": {\"window\": 999}}", "\udcff" * 0 + "\u0000",
            "{\"type\": \"print_ack\", \"job_id\": {}}", "{\"type\": \"printer_status\", \"status\": \"on fire\"}"]
    sent = 0
    for i in range(1000):
        frame = rng.choice(junk)
        if i % 7 == 0:
            await client.ws.send(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))))
        else:
            await client.ws.send(frame)
        sent += 1
    answers = 0
    while answers < sent:
        message = await client.recv()
        if message.get("type") == "result":
            assert message["success"] is False, message
            assert message["error"]["code"] in ("malformed_message", "invalid_argument", "unknown_window",
                                                 "forbidden"), message
            answers += 1
    reply = await client.request({"type": "ping"})
    assert reply["success"] and "server_time" in reply["result"]
    assert seq(hall) == before
    await client.close()


async def test_huge_frames_close_1009_and_the_server_is_unharmed(hall):
    before = seq(hall)
    limit = hall.settings.server.ws_max_frame_bytes
    for payload in ("x" * (limit + 1), json.dumps({"type": "ping", "pad": "y" * (limit * 4)}), b"\x00" * (limit * 2)):
        client = await WsClient.open(hall, hall.device_token("display-hall"))
        await client.ws.send(payload)
        assert await client.closed_code() == 1009
    survivor = await WsClient.open(hall, hall.device_token("display-hall"))
    assert (await survivor.request({"type": "ping"}))["success"]
    status, _ = await hall.get("/api/health")
    assert status == 200 and seq(hall) == before
    await survivor.close()


async def test_wrong_role_commands_are_forbidden_and_change_nothing(hall):
    token = await hall.sign_in(3)
    await hall.issue("business_setup")
    before = seq(hall)
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    kiosk = await WsClient.open(hall, hall.device_token("kiosk-2"))
    counter = await WsClient.open(hall, hall.device_token(hall.counter_for(3)))
    clerk = await WsClient.open(hall, token)
    for name in COMMANDS:
        reply = await display.request({"type": "command", "name": name, "args": {}})
        assert reply["error"]["code"] == "forbidden", (name, reply)
    for client in (kiosk, counter):
        reply = await client.request({"type": "command", "name": "call_next", "args": {}})
        assert reply["error"]["code"] == "forbidden"
    reply = await clerk.request({"type": "command", "name": "issue_ticket", "args": {"service": "invoice"}})
    assert reply["error"]["code"] == "forbidden"
    reply = await clerk.request({"type": "command", "name": "rate_visit", "args": {"level": "very_satisfied"}})
    assert reply["error"]["code"] == "forbidden"
    for client in (display, counter, clerk):
        reply = await client.request({"type": "print_ack", "job_id": "pj-x", "status": "printed"})
        assert reply["error"]["code"] == "forbidden"
        reply = await client.request({"type": "printer_status", "status": "ready"})
        assert reply["error"]["code"] == "forbidden"
    reply = await counter.request({"type": "subscribe", "scope": {"window": 4}})
    assert reply["error"]["code"] == "forbidden"
    reply = await clerk.request({"type": "auth", "token": hall.device_token("kiosk-1")})
    assert reply["error"]["code"] == "invalid_argument"  # no switching identity mid-connection
    for bad_args in ({"request_id": 5}, {"bogus": 1}, "args", {"ticket_id": "1; DROP TABLE tickets"}):
        reply = await clerk.request({"type": "command", "name": "call_ticket", "args": bad_args})
        assert reply["success"] is False and reply["error"]["code"] in ("invalid_argument", "malformed_request",
                                                                         "malformed_message"), (bad_args, reply)
    assert seq(hall) == before
    assert (await clerk.request({"type": "ping"}))["success"]
    for client in (display, kiosk, counter, clerk):
        await client.close()


async def test_forged_print_ack_for_another_kiosks_job_is_refused(hall):
    _, issued = await hall.issue("invoice", kiosk="kiosk-1")
    job = issued["print_job"]
    other = await WsClient.open(hall, hall.creds["agents"]["kiosk-2"])
    assert (await other.request({"type": "subscribe", "scope": {}}))["success"]
    assert (await other.request({"type": "printer_status", "status": "ready"}))["success"]
    reply = await other.request({"type": "print_ack", "job_id": job, "status": "printed"})
    assert reply["error"]["code"] == "not_found"
    pending = await hall.app[K.SERVICE].pending_print_jobs("kiosk-1")
    assert [j["job_id"] for j in pending] == [job]
    await other.close()
