"""Privacy: hostile free text typed into every field a person can type, and appointment codes, then
everything each public audience can receive (displays, kiosks, rating pads, a phone without a
token) is searched for them: every GET the endpoint tables let them call, WebSocket snapshots, live
events and replays. None may appear. The staff and manager sides still get what is theirs, and the
one text meant for the hall (a window's pause reason) does reach the screens, so the search is real."""
from __future__ import annotations

import re

from server import appkeys as K
from server.audience import PUBLIC_TEXT
from server.stats.export import TABLES as EXPORT_TABLES
from tests.privacy.kit import MANAGER, ok, staff_token
from tests.privacy.test_authorization import ROUTED
from tests.wsclient import WsClient

PERSONAL = "張三丰 13812345678 110105199001010123"


def hostile(field: str) -> str:
    """Unique per field, with markup, a formula start and personal details."""
    return f"=HOSTILE-{field}<img src=x onerror=alert(1)>{PERSONAL}"


UNUSED_CODE, USED_CODE = "APTSECRET7Q", "APTUSED9Z"
PAUSE = "午休 lunch 12:00-13:00"  # a pause reason is meant for the hall's screens
PUBLIC_DEVICES = ("display-hall", "display-east", "kiosk-1", "rating-03")
SEARCHED = [hostile(f) for f in ("suspend", "transfer", "materials", "case", "rating", "cancel_clerk",
                                 "cancel_manager")] + [UNUSED_CODE, USED_CODE, PERSONAL]


async def subscribed(hall, device: str, scope: dict | None = None, since: int | None = None):
    client = await WsClient.open(hall, hall.device_token(device))
    message = {"type": "subscribe", "scope": scope or {}} | ({"since": since} if since is not None else {})
    reply = await client.request(message)
    assert reply["success"], reply
    return client, reply


async def drain(client: WsClient, until_type: str) -> list[dict]:
    """Frames up to and including the first event of `until_type` (bounded by the client's timeout)."""
    frames = []
    while True:
        frame = await client.recv()
        frames.append(frame)
        if frame.get("type") == "event" and frame["event"]["type"] == until_type:
            return frames


async def a_day_of_typing(hall) -> dict:
    """Every free-text field a person can type, filled with hostile text; returns what was made."""
    clerk, manager = await hall.sign_in(3), await staff_token(hall, MANAGER)
    pad = hall.device_token("rating-03")
    now = hall.clock.now()
    for code in (UNUSED_CODE, USED_CODE):
        await ok(hall, "POST", "/api/appointments", manager,
                 {"code": code, "service": "business_setup", "slot_start": now + 60, "slot_end": now + 960})
    checked_in = await ok(hall, "POST", "/api/appointments/check-in", hall.device_token("kiosk-1"), {"code": USED_CODE})
    tickets = [(await hall.issue("business_setup"))[1] for _ in range(4)]
    a, b, c, d = (t["ticket"]["id"] for t in tickets)
    await ok(hall, "POST", "/api/windows/3/call", clerk, {"ticket_id": a})
    await ok(hall, "POST", f"/api/tickets/{a}/suspend", clerk, {"reason": hostile("suspend")})
    await ok(hall, "POST", f"/api/tickets/{a}/resume", clerk)
    await ok(hall, "POST", "/api/windows/3/call", clerk, {"ticket_id": a})
    await ok(hall, "POST", f"/api/tickets/{a}/transfer", clerk, {"to_window": 4, "note": hostile("transfer")})
    await ok(hall, "POST", "/api/windows/3/call", clerk, {"ticket_id": b})
    await ok(hall, "POST", f"/api/tickets/{b}/start", clerk)
    await ok(hall, "POST", f"/api/tickets/{b}/finish", clerk,
             {"outcome": "supplement", "materials": [hostile("materials")], "case_number": hostile("case")[:60]})
    await ok(hall, "POST", f"/api/tickets/{b}/rating", pad, {"level": "very_dissatisfied", "reason": hostile("rating")})
    await ok(hall, "POST", f"/api/tickets/{c}/cancel", clerk, {"reason": hostile("cancel_clerk")})
    await ok(hall, "POST", f"/api/tickets/{d}/cancel", manager, {"reason": hostile("cancel_manager")})
    await ok(hall, "POST", "/api/windows/3/pause", clerk, {"reason": PAUSE})
    await ok(hall, "POST", "/api/windows/3/resume", clerk)
    tokens = [t["tracking_url"].rsplit("/", 1)[1] for t in tickets + [checked_in]]
    ids = [a, b, c, d, checked_in["ticket"]["id"]]
    return {"ticket_ids": ids, "tokens": tokens, "manager": manager, "clerk": clerk}


def public_reads() -> list:
    """Every GET a public device or a phone may make, from the routed endpoint tables."""
    public = {"display", "kiosk", "rating_pad"}
    return [ep for ep in ROUTED if ep.method == "GET" and (not ep.roles or public & set(ep.roles))]


async def read_everything(hall, made: dict) -> list[str]:
    texts = []
    for ep in public_reads():
        tokens = [None] + [hall.device_token(d) for d in PUBLIC_DEVICES] if ep.roles else [None]
        ids = made["ticket_ids"] if "{ticket_id}" in ep.path else [None]
        tracks = made["tokens"] if "{token}" in ep.path else [None]
        for token in tokens:
            for ticket_id in ids:
                for track in tracks:
                    values = {"ticket_id": ticket_id, "token": track, "window": 3}
                    path = re.sub(r"\{(\w+)\}", lambda m, v=values: str(v.get(m.group(1), 1)), ep.path)
                    headers = {"Authorization": f"Bearer {token}"} if token else {}
                    async with hall.session.get(hall.url(path), headers=headers) as resp:
                        texts.append(f"{ep.operation_id} {resp.status} " + await resp.text())
    for track in made["tokens"]:
        async with hall.session.get(hall.url(f"/t/{track}")) as resp:
            texts.append(await resp.text())
    return texts


async def test_nothing_typed_and_no_appointment_code_reaches_a_public_audience(hall):
    live = [await subscribed(hall, "display-hall"), await subscribed(hall, "display-east", {"zone": "east"}),
            await subscribed(hall, "kiosk-1"), await subscribed(hall, "rating-03", {"window": 3})]
    first_seq = live[0][1]["result"]["seq"]
    made = await a_day_of_typing(hall)
    seen: list[str] = []
    for client, reply in live:
        seen.append(repr(reply))
        seen += [repr(f) for f in await drain(client, "window_resumed")]
        await client.close()
    for device, scope in (("display-hall", {}), ("kiosk-1", {}), ("rating-03", {"window": 3}), ("display-west", {})):
        for since in (None, first_seq, 0):
            client, reply = await subscribed(hall, device, scope, since)
            seen.append(repr(reply))
            if reply["result"]["mode"] == "replay":
                seen += [repr(f) for f in await drain(client, "window_resumed")]
            await client.close()
    seen += await read_everything(hall, made)
    assert len(seen) > 60, "too little was read for the search to mean anything"
    for text in seen:
        for secret in SEARCHED:
            assert secret not in text, f"{secret[:30]}… reached a public audience: {text[:200]}"
        assert "HOSTILE" not in text, text[:300]
    assert any(PAUSE in t for t in seen), "the pause reason is meant for the screens and should be there"
    assert ("window_paused", "reason") in PUBLIC_TEXT


async def test_staff_and_managers_still_get_what_is_theirs(hall):
    manager_socket = await WsClient.open(hall, await staff_token(hall, MANAGER))
    await manager_socket.request({"type": "subscribe", "scope": {}})
    made = await a_day_of_typing(hall)
    manager_frames = repr(await drain(manager_socket, "window_resumed"))
    await manager_socket.close()
    for field in ("suspend", "transfer", "materials", "rating", "cancel_clerk", "cancel_manager"):
        assert hostile(field) in manager_frames, field
    assert UNUSED_CODE not in manager_frames and USED_CODE not in manager_frames  # codes: to nobody
    status, body = await hall.get(f"/api/tickets/{made['ticket_ids'][0]}", made["clerk"])
    assert status == 200 and body["ticket"]["notes"] == [hostile("transfer")]
    clerk_socket = await WsClient.open(hall, made["clerk"])
    reply = await clerk_socket.request({"type": "subscribe", "scope": {"window": 3}, "since": 0})
    assert reply["result"]["mode"] == "replay"
    clerk_frames = repr(await drain(clerk_socket, "window_resumed"))
    await clerk_socket.close()
    assert hostile("suspend") in clerk_frames and hostile("rating") not in clerk_frames  # levels: managers only


async def test_manager_exports_and_reports_carry_no_appointment_code(hall):
    made = await a_day_of_typing(hall)
    day = hall.app[K.SERVICE].state.day
    paths = [f"/api/export/{t}.csv?from={day}&to={day}" for t in EXPORT_TABLES]
    paths += [f"/api/reports/daily?day={day}", f"/api/ratings/bad?from={day}&to={day}", "/api/stats/live",
              f"/api/stats?from={day}&to={day}&group_by=service"]
    texts = []
    for path in paths:
        async with hall.session.get(hall.url(path), headers={"Authorization": f"Bearer {made['manager']}"}) as resp:
            assert resp.status == 200, path
            texts.append(await resp.text())
    assert any(hostile("rating").lstrip("=") in t for t in texts)  # the reason is there, as text
    for text in texts:
        assert UNUSED_CODE not in text and USED_CODE not in text
