"""Kiosk API rules: reprints, the tracking QR code, the link's lifetime, rate limit, green channel."""
from __future__ import annotations

import re

from server import appkeys as K
from server.qrsvg import BORDER, qr_matrix
from tests.wsclient import WsClient


def svg_matrix(svg: str) -> list[list[bool]]:
    """The dark modules of our SVG (one `M x y h1v1h-1z` per module) back as a matrix."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1)) - 2 * BORDER
    matrix = [[False] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg):
        matrix[int(y) - BORDER][int(x) - BORDER] = True
    return matrix


async def test_qr_svg_encodes_the_tracking_link(hall):
    status, body = await hall.issue("invoice")
    assert status == 200, body
    token = body["tracking_url"].rsplit("/", 1)[1]
    async with hall.session.get(hall.url(f"/api/track/{token}/qr.svg")) as resp:
        assert resp.status == 200 and resp.content_type == "image/svg+xml"
        svg = await resp.text()
    assert svg_matrix(svg) == qr_matrix(body["tracking_url"])
    status, _ = await hall.get("/api/track/not-a-token/qr.svg")
    assert status == 404


async def test_tracking_link_stops_after_the_business_day(hall):
    status, body = await hall.issue("invoice")
    token = body["tracking_url"].rsplit("/", 1)[1]
    status, view = await hall.get(f"/api/track/{token}")
    assert status == 200 and view["ticket"]["label"] == "D001" and view["windows"] == [1, 2, 5, 6, 7]
    assert "name" not in str(view["ticket"]) and "phone" not in str(view)
    hall.clock.advance(19 * 3600 + 60)  # past 04:00 the next morning
    status, err = await hall.get(f"/api/track/{token}")
    assert status == 404 and err["error"]["code"] == "unknown_ticket"
    status, _ = await hall.get(f"/api/track/{token}/qr.svg")
    assert status == 404


async def test_tracking_answers_304_when_nothing_changed(hall):
    status, body = await hall.issue("invoice")
    token = body["tracking_url"].rsplit("/", 1)[1]
    async with hall.session.get(hall.url(f"/api/track/{token}")) as resp:
        etag = resp.headers["ETag"]
    async with hall.session.get(hall.url(f"/api/track/{token}"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
    await hall.issue("id_card")  # another queue: still nothing new for this ticket
    async with hall.session.get(hall.url(f"/api/track/{token}"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
    clerk = await hall.sign_in(5)
    await hall.post("/api/windows/5/call-next", clerk, {})
    async with hall.session.get(hall.url(f"/api/track/{token}"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 200 and (await resp.json())["ticket"]["status"] == "called"


async def print_agent(hall, kiosk="kiosk-1") -> WsClient:
    agent = await WsClient.open(hall, hall.creds["agents"][kiosk])  # the print agent has its own token
    await agent.request({"type": "subscribe", "scope": {}})
    await agent.request({"type": "printer_status", "status": "ready"})
    return agent


async def next_job(agent: WsClient) -> dict:
    while True:
        message = await agent.recv()
        if message.get("type") == "print_job":
            return message


async def test_reprint_rules(hall):
    agent = await print_agent(hall)
    status, body = await hall.issue("invoice", request_id="tap-1")
    first = await next_job(agent)
    assert first["job_id"] == body["print_job"] and not first["reprint"]
    kiosk = hall.device_token("kiosk-1")
    path = f"/api/tickets/{body['ticket']['id']}/reprint"
    # the first job has not been acknowledged: no second copy while it may still print
    status, err = await hall.post(path, kiosk, {})
    assert status == 409 and err["error"]["code"] == "print_pending"
    await agent.request({"type": "print_ack", "job_id": first["job_id"], "status": "failed", "error": "paper_out"})
    status, again = await hall.post(path, kiosk, {})
    assert status == 200 and again["reprint"] and again["print_job"] != first["job_id"]
    job = await next_job(agent)
    assert job["reprint"] and job["job_id"] == again["print_job"] and job["payload"]["label"] == "D001"
    # only the issuing kiosk may reprint
    status, err = await hall.post(path, hall.device_token("kiosk-2"), {})
    assert status == 403 and err["error"]["code"] == "forbidden"
    # a double tap while the reprint is pending prints once
    status, err = await hall.post(path, kiosk, {})
    assert status == 409 and err["error"]["code"] == "print_pending"
    await agent.request({"type": "print_ack", "job_id": job["job_id"], "status": "printed"})
    # only for reprint_window_min after issue
    hall.clock.advance(hall.app[K.CONFIG].server.reprint_window_min * 60 + 1)
    status, err = await hall.post(path, kiosk, {})
    assert status == 409 and err["error"]["code"] == "reprint_expired"
    await agent.close()


async def test_a_retried_issue_makes_one_ticket_and_one_print_job(hall):
    agent = await print_agent(hall)
    one = await hall.issue("invoice", request_id="tap-7")
    two = await hall.issue("invoice", request_id="tap-7")
    assert one == two
    await next_job(agent)
    rows = await hall.app[K.SERVICE].reader.run(lambda c: c.execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0])
    assert rows == 1 and len(hall.app[K.SERVICE].state.tickets) == 1
    await agent.close()


async def test_kiosk_rate_limit(hall):
    limit = hall.app[K.CONFIG].server.kiosk_rate_per_min
    for _ in range(limit):
        status, body = await hall.issue("invoice")
        assert status == 200, body
    status, err = await hall.issue("invoice")
    assert status == 429 and err["error"]["code"] == "rate_limited"
    status, _ = await hall.issue("invoice", kiosk="kiosk-2")  # per kiosk
    assert status == 200


async def test_green_channel_only_where_configured(hall):
    status, err = await hall.issue("invoice", kiosk="kiosk-2", channel="green", green_category="elderly")
    assert status == 403 and err["error"]["code"] == "forbidden"
    status, body = await hall.issue("invoice", channel="green", green_category="pregnant")
    assert status == 200 and body["ticket"]["channel"] == "green" and body["ticket"]["green_category"] == "pregnant"
    status, me = await hall.get("/api/kiosk", hall.device_token("kiosk-1"))
    assert me["green_channel"] and "military" in me["green_categories"]
    status, me = await hall.get("/api/kiosk", hall.device_token("kiosk-2"))
    assert me["green_channel"] is False and me["green_categories"] == []


async def test_hall_view_says_why_a_service_is_not_issuing(hall):
    status, view = await hall.get("/api/hall", hall.device_token("kiosk-1"))
    by_code = {s["code"]: s for s in view["services"]}
    assert by_code["civil_defence_approval"]["not_issuing"] is None
    assert by_code["invoice"]["estimate"]["low_min"] <= by_code["invoice"]["estimate"]["high_min"]
    hall.clock.advance(3 * 3600)  # 12:00
    status, view = await hall.get("/api/hall", hall.device_token("kiosk-1"))
    by_code = {s["code"]: s for s in view["services"]}
    assert by_code["civil_defence_approval"]["not_issuing"] == "outside_issuing_hours"
