"""Bad input gets the documented error and changes nothing."""
from __future__ import annotations

import pytest

from server import appkeys as K


def seq(hall) -> int:
    return hall.app[K.SERVICE].state.last_seq


async def raw_post(hall, path, token, data: bytes, content_type="application/json"):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    async with hall.session.post(hall.url(path), data=data, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


@pytest.mark.parametrize("data", [b"{not json", b"[1,2]", b'"text"', b"\xff\xfe"])
async def test_malformed_json(hall, data):
    before = seq(hall)
    status, body = await raw_post(hall, "/api/tickets", hall.device_token("kiosk-1"), data)
    assert status == 400 and body["error"]["code"] == "malformed_request"
    assert seq(hall) == before


@pytest.mark.parametrize("body,code", [
    ({"service": "no_such_service"}, "unknown_service"),
    ({}, "invalid_argument"),
    ({"service": 12}, "invalid_argument"),
    ({"service": "business_setup", "surprise": 1}, "invalid_argument"),
    ({"service": "business_setup", "lang": "fr"}, "invalid_argument"),
])
async def test_bad_issue_bodies(hall, body, code):
    before = seq(hall)
    status, answer = await hall.post("/api/tickets", hall.device_token("kiosk-1"), body)
    assert answer["error"]["code"] == code and status in (400, 404)
    assert seq(hall) == before


async def test_missing_and_wrong_tokens_and_roles(hall):
    before = seq(hall)
    assert (await hall.post("/api/tickets", None, {"service": "business_setup"}))[1]["error"]["code"] == "unauthorized"
    assert (await hall.post("/api/tickets", "forged", {"service": "business_setup"}))[0] == 401
    status, body = await hall.post("/api/tickets", hall.device_token("display-hall"), {"service": "business_setup"})
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await hall.post("/api/windows/3/call-next", hall.device_token("kiosk-1"))
    assert status == 403
    status, body = await hall.post("/api/tickets", hall.device_token("kiosk-2"),
                                   {"service": "business_setup", "channel": "green", "green_category": "elderly"})
    assert status == 403  # kiosk-2 is not configured for green-channel tickets
    assert seq(hall) == before


async def test_unknown_window_ticket_and_wrong_window(hall):
    token = await hall.sign_in(3)
    before = seq(hall)
    status, body = await hall.post("/api/windows/4/call-next", token)
    assert status == 403 and body["error"]["code"] == "wrong_window"
    status, body = await hall.post("/api/tickets/999/start", token)
    assert status == 404 and body["error"]["code"] == "unknown_ticket"
    status, body = await hall.get("/api/tickets/abc", token)
    assert status == 404
    status, body = await hall.post("/api/windows/3/call-next", token)
    assert status == 409 and body["error"]["code"] == "queue_empty"
    assert seq(hall) == before


async def test_wrong_state_and_duplicate_request_id(hall):
    issued = (await hall.issue("business_setup", request_id="k-1"))[1]
    again = (await hall.issue("business_setup", request_id="k-1"))[1]
    assert again == issued  # the retry gets the first answer
    before = seq(hall)
    status, body = await hall.issue("tax_registration", request_id="k-1")
    assert status == 409 and body["error"]["code"] == "request_conflict"
    token = await hall.sign_in(3)
    after_sign_in = seq(hall)
    ticket = issued["ticket"]["id"]
    status, body = await hall.post(f"/api/tickets/{ticket}/finish", token, {"outcome": "immediate"})
    assert status == 409 and body["error"]["code"] == "not_at_this_window"
    await hall.post("/api/windows/3/call-next", token)
    status, body = await hall.post(f"/api/tickets/{ticket}/resume", token)
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    assert seq(hall) == after_sign_in + 1
    assert before < after_sign_in


async def test_unknown_route_and_method(hall):
    status, body = await hall.get("/api/nothing-here")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await hall.call("PUT", "/api/tickets")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


async def test_oversized_body(hall):
    status, body = await raw_post(hall, "/api/tickets", hall.device_token("kiosk-1"), b'{"service":"' + b"x" * 70000 + b'"}')
    assert status == 413 and body["error"]["code"] == "payload_too_large"


async def test_sign_in_failures_are_rate_limited(hall):
    counter = hall.device_token("counter-03")
    staff = hall.clerk_for(3)
    for _ in range(5):
        status, body = await hall.post("/api/sessions", counter, {"staff": staff, "pin": "000000"})
        assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = await hall.post("/api/sessions", counter, {"staff": staff, "pin": hall.creds["staff"][staff]})
    assert status == 429 and body["error"]["code"] == "too_many_attempts"
    hall.clock.advance(hall.settings.server.signin_lockout_s + 1)
    assert await hall.sign_in(3)


async def test_clerk_must_sign_in_at_a_counter_and_only_once(hall):
    staff = hall.clerk_for(3)
    status, body = await hall.post("/api/sessions", None, {"staff": staff, "pin": hall.creds["staff"][staff]})
    # the answer a wrong PIN gets (so a PC cannot test a clerk's PIN), saying where clerks sign in
    assert status == 401 and "counter" in body["error"]["message"]
    await hall.sign_in(3)
    other = next(w for w in hall.settings.hall.staff_member(staff).windows if w != 3)
    status, body = await hall.post("/api/sessions", hall.device_token(hall.counter_for(other)),
                                   {"staff": staff, "pin": hall.creds["staff"][staff]})
    assert status == 409 and body["error"]["code"] == "already_signed_in"
    assert "window 3" in body["error"]["message"]
