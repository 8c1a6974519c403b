"""Roles and bad input around the counter terminal and the rating pad, over real HTTP and WebSocket."""
from __future__ import annotations

import server.appkeys as K
from tests.wsclient import WsClient


async def serve_one(hall, window: int = 3, staff: str = "1003") -> tuple[str, dict]:
    """Issue, call, start and finish one visit at a window; returns the clerk token and the ticket."""
    status, issued = await hall.issue("business_setup")
    assert status == 200, issued
    token = await hall.sign_in(window, staff)
    status, called = await hall.post(f"/api/windows/{window}/call-next", token)
    assert status == 200, called
    ticket = called["ticket"]
    for step, body in (("start", {}), ("finish", {"outcome": "immediate"})):
        status, answer = await hall.post(f"/api/tickets/{ticket['id']}/{step}", token, body)
        assert status == 200, answer
    return token, ticket


def error(status_body) -> tuple[int, str]:
    status, body = status_body
    return status, body["error"]["code"]


async def test_a_rating_pad_cannot_act_as_a_counter(hall):
    await hall.issue("business_setup")
    pad = hall.device_token("rating-03")
    assert error(await hall.post("/api/windows/3/call-next", pad)) == (403, "forbidden")
    assert error(await hall.post("/api/windows/3/pause", pad, {"reason": "x"})) == (403, "forbidden")
    assert error(await hall.get("/api/windows/3/missed", pad)) == (403, "forbidden")
    assert error(await hall.get("/api/windows/3/today", pad)) == (403, "forbidden")
    # nor sign a clerk in: clerks sign in at their window's counter terminal (elsewhere the answer is
    # the wrong-PIN one, whatever the PIN: no device away from the counters can test a clerk's PIN)
    assert error(await hall.post("/api/sessions", pad, {"staff": "1003", "pin": hall.creds["staff"]["1003"]})) == (
        401, "unauthorized")
    # the counter device itself is not a clerk either: it must be signed in to act
    counter = hall.device_token("counter-03")
    assert error(await hall.post("/api/windows/3/call-next", counter)) == (403, "forbidden")
    # over the socket too
    ws = await WsClient.open(hall, pad)
    reply = await ws.request({"type": "command", "name": "call_next", "args": {}})
    assert reply["error"]["code"] == "forbidden"
    reply = await ws.request({"type": "subscribe", "scope": {"window": 4}})
    assert reply["error"]["code"] == "forbidden"
    await ws.close()


async def test_a_clerk_cannot_act_at_another_window(hall):
    await hall.issue("business_setup")
    three = await hall.sign_in(3, "1003")
    four = await hall.sign_in(4, "1004")
    assert error(await hall.post("/api/windows/4/call-next", three)) == (403, "wrong_window")
    assert error(await hall.post("/api/windows/4/pause", three, {"reason": "午休"})) == (403, "wrong_window")
    assert error(await hall.get("/api/windows/4/today", three)) == (403, "wrong_window")
    assert error(await hall.get("/api/windows/4/suspended", three)) == (403, "wrong_window")
    # a ticket held by window 4 cannot be finished from window 3
    status, called = await hall.post("/api/windows/4/call-next", four)
    assert status == 200, called
    held = called["ticket"]["id"]
    assert error(await hall.post(f"/api/tickets/{held}/finish", three, {"outcome": "immediate"})) == (
        409, "not_at_this_window")
    assert error(await hall.post(f"/api/tickets/{held}/no-show", three)) == (409, "not_at_this_window")
    # a second sign-in of the same clerk elsewhere is refused, naming where they are
    status, body = await hall.post("/api/sessions", hall.device_token("counter-04"),
                                   {"staff": "1003", "pin": hall.creds["staff"]["1003"]})
    assert (status, body["error"]["code"], body["error"]["details"]["window"]) == (409, "already_signed_in", 3)


async def test_one_rating_per_visit(hall):
    _, ticket = await serve_one(hall)
    pad = hall.device_token("rating-03")
    status, body = await hall.post(f"/api/tickets/{ticket['id']}/rating", pad, {"level": "satisfied"})
    assert status == 200, body
    assert error(await hall.post(f"/api/tickets/{ticket['id']}/rating", pad, {"level": "very_dissatisfied"})) == (
        409, "already_rated")
    # a retry of the first request (same request id) is not a second rating
    _, second = await serve_one(hall)
    body = {"level": "satisfied", "request_id": "pad-retry-1"}
    first = await hall.post(f"/api/tickets/{second['id']}/rating", pad, body)
    again = await hall.post(f"/api/tickets/{second['id']}/rating", pad, body)
    assert first == again and first[0] == 200


async def test_a_pad_rates_only_its_own_window(hall):
    _, ticket = await serve_one(hall)
    other_pad = hall.device_token("rating-04")
    assert error(await hall.post(f"/api/tickets/{ticket['id']}/rating", other_pad, {"level": "satisfied"})) == (
        409, "rating_closed")
    clerk = await hall.sign_in(4, "1004")
    assert error(await hall.post(f"/api/tickets/{ticket['id']}/rating", clerk, {"level": "satisfied"})) == (
        403, "forbidden")


async def test_an_unrated_visit_expires(hall):
    token, ticket = await serve_one(hall)
    clerk_ws = await WsClient.open(hall, token)
    assert (await clerk_ws.request({"type": "subscribe", "scope": {"window": 3}}))["success"]
    hall.clock.advance(hall.settings.hall.rules.rating_timeout_s + 1)
    pad = hall.device_token("rating-03")
    # too late, even before housekeeping has run
    assert error(await hall.post(f"/api/tickets/{ticket['id']}/rating", pad, {"level": "satisfied"})) == (
        409, "rating_closed")
    await hall.app[K.SERVICE].tick()
    (expired,) = await clerk_ws.events(1)
    assert expired["event"]["type"] == "rating_expired" and expired["event"]["ticket_id"] == ticket["id"]
    # once settled as "not rated" the visit stays unrated (the domain answers already_rated)
    code = error(await hall.post(f"/api/tickets/{ticket['id']}/rating", pad, {"level": "satisfied"}))
    assert code in ((409, "already_rated"), (409, "rating_closed"))
    status, today = await hall.get("/api/windows/3/today", token)
    assert status == 200
    assert today["staff_figures"] == {"served": 1, "handling_mean_s": 0.0, "no_shows": 0, "rated": 0, "not_rated": 1}
    await clerk_ws.close()


async def test_the_clerk_sees_that_a_rating_arrived_never_which(hall):
    token, ticket = await serve_one(hall)
    clerk_ws = await WsClient.open(hall, token)
    assert (await clerk_ws.request({"type": "subscribe", "scope": {"window": 3}}))["success"]
    status, _ = await hall.post(f"/api/tickets/{ticket['id']}/rating", hall.device_token("rating-03"),
                                {"level": "very_dissatisfied", "reason": "等太久"})
    assert status == 200
    (rated,) = await clerk_ws.events(1)
    event = rated["event"]
    assert event["type"] == "visit_rated" and event["rated"] is True
    assert "level" not in event and "reason" not in event
    status, today = await hall.get("/api/windows/3/today", token)
    assert today["staff_figures"]["rated"] == 1
    assert "very_dissatisfied" not in str(today) and "等太久" not in str(today)
    await clerk_ws.close()


async def test_bad_input(hall):
    token, ticket = await serve_one(hall)
    pad = hall.device_token("rating-03")
    # malformed JSON
    status, body = await hall.call("POST", f"/api/tickets/{ticket['id']}/rating", pad, data=b"{level: nope")
    assert (status, body["error"]["code"]) == (400, "malformed_request")
    status, body = await hall.call("POST", "/api/windows/3/call-next", token, data=b"[")
    assert (status, body["error"]["code"]) == (400, "malformed_request")
    # not a level, an unknown field, a wrong type
    assert error(await hall.post(f"/api/tickets/{ticket['id']}/rating", pad, {"level": "ok"})) == (
        400, "invalid_argument")
    assert error(await hall.post(f"/api/tickets/{ticket['id']}/rating", pad, {"level": "satisfied", "stars": 5})) == (
        400, "invalid_argument")
    assert error(await hall.post(f"/api/tickets/{ticket['id']}/finish", token, {"outcome": 1})) == (
        400, "invalid_argument")
    # unknown tickets
    assert error(await hall.post("/api/tickets/99999/recall", token)) == (404, "unknown_ticket")
    assert error(await hall.post("/api/windows/3/call", token, {"label": "Z999"})) == (404, "unknown_ticket")
    assert error(await hall.get("/api/tickets/99999", token)) == (404, "unknown_ticket")
    assert error(await hall.get("/api/windows/99/today", token)) == (404, "unknown_window")
    # outcomes that need more
    _, called = await hall.issue("business_setup")
    status, called = await hall.post("/api/windows/3/call-next", token)
    held = called["ticket"]["id"]
    assert error(await hall.post(f"/api/tickets/{held}/finish", token, {"outcome": "promised"})) == (
        400, "invalid_argument")
    assert error(await hall.post(f"/api/tickets/{held}/finish", token, {"outcome": "supplement", "materials": []})) == (
        400, "invalid_argument")
    # nothing waits / nothing in hand
    status, _ = await hall.post(f"/api/tickets/{held}/finish", token, {"outcome": "reply"})
    assert status == 200
    assert error(await hall.post("/api/windows/3/call-next", token)) == (409, "queue_empty")
    assert error(await hall.post(f"/api/tickets/{held}/finish", token, {"outcome": "reply"})) == (
        409, "not_at_this_window")


async def test_suspended_list_and_resume(hall):
    await hall.issue("business_setup")
    token = await hall.sign_in(3, "1003")
    status, called = await hall.post("/api/windows/3/call-next", token)
    ticket_id = called["ticket"]["id"]
    status, _ = await hall.post(f"/api/tickets/{ticket_id}/suspend", token, {"reason": "取材料"})
    assert status == 200
    status, listed = await hall.get("/api/windows/3/suspended", token)
    assert [t["id"] for t in listed["tickets"]] == [ticket_id]
    status, _ = await hall.post(f"/api/tickets/{ticket_id}/resume", token)
    assert status == 200
    status, again = await hall.post("/api/windows/3/call", token, {"ticket_id": ticket_id})
    assert (status, again["ticket"]["status"]) == (200, "called")
    status, listed = await hall.get("/api/windows/3/suspended", token)
    assert listed["tickets"] == []
