"""Helpers for supervision tests over real HTTP: serve a visit at a window, rate it, sign staff in."""

from __future__ import annotations


async def staff_session(hall, number: str) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": number, "pin": hall.creds["staff"][number]})
    assert status == 200, body
    return body["token"]


async def serve(hall, window: int, service: str, clerk: str | None = None, **finish) -> dict:
    """Issue, call, start and finish one visit at `window`; returns the ticket."""
    token = clerk or await hall.sign_in(window)
    status, issued = await hall.issue(service)
    assert status == 200, issued
    status, called = await hall.post(f"/api/windows/{window}/call-next", token)
    assert status == 200, called
    ticket = called["ticket"]
    assert (await hall.post(f"/api/tickets/{ticket['id']}/start", token))[0] == 200
    status, body = await hall.post(f"/api/tickets/{ticket['id']}/finish", token, {"outcome": "immediate", **finish})
    assert status == 200, body
    return ticket


def pad_of(hall, window: int) -> str:
    return hall.device_token(f"rating-{window:02d}")


async def rate(hall, window: int, ticket: dict, level: str = "dissatisfied", reason: str = "", request_id=None):
    body = {"level": level, "reason": reason} | ({"request_id": request_id} if request_id else {})
    return await hall.post(f"/api/tickets/{ticket['id']}/rating", pad_of(hall, window), body)


async def cases(hall, token: str, query: str = "") -> list[dict]:
    status, body = await hall.get(f"/api/supervision/cases{query}", token)
    assert status == 200, body
    return body["cases"]


async def act(hall, token: str, case_id: int, action: str, **fields):
    return await hall.post(f"/api/supervision/cases/{case_id}/actions", token, {"action": action, **fields})
