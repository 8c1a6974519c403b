"""No PIN, token, phone or ID number in the logs (captured at DEBUG) or in any page or answer a
screen gets. Also: tracking tokens are unguessable (long, random, unrelated to the ticket)."""
from __future__ import annotations

import logging
import re
from unittest import mock

from aiohttp.test_utils import make_mocked_request

from server.cli import PathOnlyAccessLogger
from tests.wsclient import WsClient

PHONE = "13812345678"
ID_NUMBER = "110105199001010123"
PAGES = ("/", "/display/hall.html", "/display/window.html", "/counter/counter.html", "/counter/pad.html",
         "/kiosk/kiosk.html", "/manager/board.html")


async def test_a_day_of_secrets_leaves_no_trace_in_logs_or_pages(hall, caplog):
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = []
    clerk_staff = hall.clerk_for(3)
    secrets += [hall.creds["staff"][clerk_staff], hall.creds["staff"]["9001"]]
    secrets += [hall.device_token(d) for d in ("kiosk-1", "display-hall", hall.counter_for(3), "rating-03")]
    # a wrong PIN first (failures are logged by some systems with the attempt)
    status, _ = await hall.post("/api/sessions", hall.device_token(hall.counter_for(3)),
                                {"staff": clerk_staff, "pin": "999999"})
    assert status == 401
    secrets.append("999999")
    clerk = await hall.sign_in(3)
    manager = (await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]}))[1]
    secrets += [clerk, manager["token"]]
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    await display.request({"type": "subscribe", "scope": {}})
    _, issued = await hall.issue("business_setup", lang="en")
    tracking = issued["tracking_url"].rsplit("/", 1)[1]
    secrets.append(tracking)
    await hall.get(f"/api/track/{tracking}")
    page = await hall.session.get(hall.url(f"/t/{tracking}"))
    assert page.status == 200
    await hall.session.get(hall.url(f"/display/hall.html?token={hall.device_token('display-hall')}"))
    # personal data typed where it does not belong: a booking with a phone, notes with an ID number
    status, body = await hall.post("/api/appointments", manager["token"], {
        "code": "BK1", "service": "business_setup", "slot_start": hall.clock.now() + 600,
        "slot_end": hall.clock.now() + 1500, "phone": PHONE, "id_number": ID_NUMBER})
    assert status in (200, 400), body
    _, called = await hall.post("/api/windows/3/call-next", clerk)
    tid = called["ticket"]["id"]
    await hall.post(f"/api/tickets/{tid}/suspend", clerk, {"reason": "fetching a document"})
    await hall.post(f"/api/tickets/{tid}/resume", clerk)
    await hall.post("/api/windows/3/call-next", clerk)
    await hall.post(f"/api/tickets/{tid}/finish", clerk, {"outcome": "immediate", "case_number": "C-1"})
    await hall.post(f"/api/tickets/{tid}/rating", hall.device_token("rating-03"),
                    {"level": "dissatisfied", "reason": f"call me {PHONE}"})
    await hall.call("DELETE", "/api/sessions/current", manager["token"])
    # what screens and public pages get
    served = [(await hall.get("/api/hall", hall.device_token("display-hall")))[1].__repr__()]
    for path in PAGES:
        async with hall.session.get(hall.url(path)) as resp:
            served.append(await resp.text())
    while True:
        try:
            served.append(repr(await display.recv(timeout=0.5)))
        except TimeoutError:
            break
    await display.close()
    # the server's own loggers; not the test's websockets client (it logs the frames it sends) nor the
    # test server's default access log (production uses PathOnlyAccessLogger, tested below)
    server_side = [r for r in caplog.records if not r.name.startswith(("websockets.client", "aiohttp.access"))]
    logs = "\n".join(r.getMessage() + (r.exc_text or "") for r in server_side)
    assert caplog.records, "nothing was captured at all: the check would be vacuous"
    for secret in secrets + [PHONE, ID_NUMBER]:
        assert secret not in logs, f"a secret ({secret[:3]}…) appears in the logs"
    for secret in secrets + [ID_NUMBER]:
        for text in served:
            assert secret not in text or secret == tracking and "track" in text, f"{secret[:3]}… served"
    assert PHONE not in "".join(served[:1 + len(PAGES)])


async def test_free_text_typed_by_a_clerk_does_not_reach_hall_displays(hall):
    clerk = await hall.sign_in(3)
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    await display.request({"type": "subscribe", "scope": {}})
    await hall.issue("business_setup")
    _, called = await hall.post("/api/windows/3/call-next", clerk)
    await hall.post(f"/api/tickets/{called['ticket']['id']}/suspend", clerk, {"reason": f"ID {ID_NUMBER}"})
    frames = await display.events(3)
    await display.close()
    assert [m["event"]["type"] for m in frames] == ["ticket_issued", "ticket_called", "ticket_suspended"]
    assert not any(ID_NUMBER in repr(f) for f in frames)
    # the clerks' side still gets the reason (staff audience), so it is redacted, not lost
    staff = await WsClient.open(hall, clerk)
    reply = await staff.request({"type": "subscribe", "scope": {"window": 3}, "since": frames[0]["seq"] - 1})
    assert reply["result"]["mode"] == "replay"
    replayed = await staff.events(3)
    await staff.close()
    assert replayed[-1]["event"]["reason"] == f"ID {ID_NUMBER}"


def test_access_log_drops_query_strings():
    """Device pages get their token as ?token=...: the server's access log keeps only the path."""
    logger = mock.Mock()
    access = PathOnlyAccessLogger(logger, "")
    request = make_mocked_request("GET", "/display/hall.html?token=sekrit-device-token")
    response = mock.Mock(status=200)
    access.log(request, response, 0.001)
    line = logger.info.call_args[0][0] % logger.info.call_args[0][1:]
    assert "sekrit" not in line and "/display/hall.html" in line


async def test_tracking_tokens_are_unguessable(hall):
    tokens, labels = set(), set()
    for i in range(120):
        kiosk = "kiosk-1" if i % 2 else "kiosk-2"
        status, body = await hall.issue("invoice", kiosk=kiosk)
        if status == 429:
            hall.clock.advance(61)
            status, body = await hall.issue("invoice", kiosk=kiosk)
        token = body["tracking_url"].rsplit("/", 1)[1]
        tokens.add(token)
        labels.add(body["ticket"]["label"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{24,}", token), token  # >= 18 random bytes (144 bits)
        assert body["ticket"]["label"] not in token and str(body["ticket"]["id"]) != token
    assert len(tokens) == 120
    prefixes = {t[:4] for t in tokens}
    assert len(prefixes) > 100  # no shared structure to walk
    real = next(iter(tokens))
    near = real[:-1] + ("B" if real.endswith("A") else "A")  # one character off a real token
    for guess in ("D001", "1", "0" * 24, near):
        status, body = await hall.get(f"/api/track/{guess}")
        assert status == 404 and body["error"]["code"] == "unknown_ticket"
