"""Everything a ticket is survives a restart: after every kind of action, the complete API view of
every ticket, the hall, the tracking links, the clerk's lists, the pending print jobs and the
WebSocket snapshot are equal, field for field, before and after a graceful restart and after a
SIGKILL (the real server as a subprocess, on the same file)."""
from __future__ import annotations

import time

import aiohttp
import pytest

from server.config import load_demo
from tests.serverproc import ServerProcess, demo_config_with
from tests.wsclient import WsClient

pytestmark = pytest.mark.timeout(120)

# the wall clock moves between two reads: the time and the age of the oldest waiting ticket; nothing else may differ
VOLATILE = ("server_time", "longest_wait_s")


class Api:
    def __init__(self, base: str, session: aiohttp.ClientSession, creds: dict):
        self.base, self.session, self.creds = base, session, creds

    def url(self, path: str) -> str:
        return self.base + path

    def device(self, device_id: str) -> str:
        return self.creds["devices"][device_id]

    async def call(self, method: str, path: str, token: str | None = None, json=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, self.base + path, json=json, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)

    async def ok(self, method: str, path: str, token: str | None = None, json=None) -> dict:
        status, body = await self.call(method, path, token, json if json is not None or method == "GET" else {})
        assert status == 200, (method, path, body)
        return body

    async def sign_in(self, staff: str, device: str | None = None) -> str:
        body = await self.ok("POST", "/api/sessions", self.device(device) if device else None,
                             {"staff": staff, "pin": self.creds["staff"][staff]})
        return body["token"]


async def every_kind_of_action(api: Api) -> dict:
    """Issue, green channel, booking, check-in, calls, recall, start, finish, rating, no-show, call
    back, suspend, transfer with a note, cancel, pause; returns the tokens and links it made."""
    manager = await api.sign_in("9001")
    guide = await api.sign_in("8001")
    clerk5, clerk6 = await api.sign_in("1005", "counter-05"), await api.sign_in("1006", "counter-06")
    kiosk = api.device("kiosk-1")
    links = []
    for i in range(6):
        issued = await api.ok("POST", "/api/tickets", kiosk, {"service": "invoice", "request_id": f"k-{i}",
                                                               "lang": ("zh-Hans", "zh-Hant", "en")[i % 3]})
        links.append(issued["tracking_url"])
    green = await api.ok("POST", "/api/tickets", guide, {"service": "tax_filing", "channel": "green",
                                                          "green_category": "elderly"})
    links.append(green["tracking_url"])
    now = time.time()
    await api.ok("POST", "/api/appointments", guide, {"code": "BK-7", "service": "invoice", "slot_start": now + 300,
                                                      "slot_end": now + 900})
    checked = await api.ok("POST", "/api/appointments/check-in", kiosk, {"code": "bk-7"})
    links.append(checked["tracking_url"])
    # window 6: call, recall, start, finish (rated); call, no-show; call back the missed one
    first = (await api.ok("POST", "/api/windows/6/call-next", clerk6))["ticket"]["id"]
    await api.ok("POST", f"/api/tickets/{first}/recall", clerk6)
    await api.ok("POST", f"/api/tickets/{first}/start", clerk6)
    await api.ok("POST", f"/api/tickets/{first}/finish", clerk6, {"outcome": "promised", "promised_days": 3,
                                                                  "case_number": "C-1"})
    await api.ok("POST", f"/api/tickets/{first}/rating", api.device("rating-06"), {"level": "satisfied"})
    second = (await api.ok("POST", "/api/windows/6/call-next", clerk6))["ticket"]["id"]
    await api.ok("POST", f"/api/tickets/{second}/no-show", clerk6)
    await api.ok("POST", "/api/windows/6/call", clerk6, {"ticket_id": second})
    await api.ok("POST", f"/api/tickets/{second}/suspend", clerk6, {"reason": "fetching a copy"})
    # window 5: call, start, transfer with a note; cancel one; pause the window
    third = (await api.ok("POST", "/api/windows/5/call-next", clerk5))["ticket"]["id"]
    await api.ok("POST", f"/api/tickets/{third}/start", clerk5)
    await api.ok("POST", f"/api/tickets/{third}/transfer", clerk5, {"to_service": "tax_filing",
                                                                    "note": "needs the tax desk", "front": True})
    waiting = [t for t in (await api.ok("GET", "/api/hall", manager))["services"] if t["code"] == "invoice"]
    assert waiting and waiting[0]["waiting"] > 0
    fourth = (await api.ok("POST", "/api/windows/5/call-next", clerk5))["ticket"]["id"]
    await api.ok("POST", f"/api/tickets/{fourth}/cancel", manager, {"reason": "left"})
    await api.ok("POST", "/api/windows/5/pause", clerk5, {"reason": "lunch"})
    return {"manager": manager, "clerk6": clerk6, "links": links}


async def full_view(api: Api, made: dict) -> dict:
    manager = made["manager"]
    hall = await api.ok("GET", "/api/hall", manager)
    last_id = max((c["ticket_id"] for c in hall["recent_calls"]), default=0) + 20
    tickets = {}
    for ticket_id in range(1, last_id):
        status, body = await api.call("GET", f"/api/tickets/{ticket_id}", manager)
        if status == 200:
            tickets[ticket_id] = body
    tracks = [await api.ok("GET", "/api/track/" + link.rsplit("/", 1)[1]) for link in made["links"]]
    return _without_volatile({
        "hall": hall, "tickets": tickets, "tracks": tracks,
        "session": await api.ok("GET", "/api/sessions/current", made["clerk6"]),
        "missed": await api.ok("GET", "/api/windows/6/missed", made["clerk6"]),
        "suspended": await api.ok("GET", "/api/windows/6/suspended", made["clerk6"]),
        "snapshot": await _snapshot(api, manager),
        "print_jobs": await _pending_print_jobs(api),
    })


async def _snapshot(api: Api, token: str) -> dict:
    client = await WsClient.open(api, token)
    try:
        reply = await client.request({"type": "subscribe", "scope": {}})
        snapshot = reply["result"]["snapshot"]
        snapshot.pop("devices", None)  # who is connected right now: not part of the durable record
        return snapshot
    finally:
        await client.close()


async def _pending_print_jobs(api: Api) -> list[dict]:
    """What the kiosk's printer agent receives when it (re)connects: every job not yet printed."""
    client = await WsClient.open(api, api.device("kiosk-1"))
    try:
        await client.request({"type": "subscribe", "scope": {}})
        await client.request({"type": "printer_status", "status": "ready"})
        jobs = []
        while len(jobs) < 7:
            message = await client.recv()
            if message.get("type") == "print_job":
                jobs.append(message)
        return sorted(jobs, key=lambda j: j["ticket_id"])
    finally:
        await client.close()


def _without_volatile(value):
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def _differences(before, after, path="") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [d for k in sorted(set(before) | set(after), key=str)
                for d in _differences(before.get(k), after.get(k), f"{path}.{k}")]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [d for i, (b, a) in enumerate(zip(before, after, strict=True)) for d in _differences(b, a, f"{path}[{i}]")]
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


async def test_every_view_is_equal_after_a_graceful_restart_and_after_sigkill(tmp_path):
    creds = load_demo().demo_credentials
    server = ServerProcess(tmp_path / "hallq.db", config=demo_config_with(tmp_path, kiosk_rate_per_min=1000))
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(server.base, session, creds)
            made = await every_kind_of_action(api)
            before = await full_view(api, made)
            assert len(before["tickets"]) == 8 and len(before["print_jobs"]) == 7
            server.stop()
            await server.start()
            assert _differences(before, await full_view(api, made)) == []
            server.kill()
            await server.start()
            assert _differences(before, await full_view(api, made)) == []
    finally:
        server.stop()
