"""Shared fixtures: the demo hall on a real SQLite file in tmp_path, served over real HTTP on
127.0.0.1, with a ManualClock so no test waits on the wall clock."""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "escpos"))

# after the set-up above: python-escpos reads it when first imported (through server.app)
from server import appkeys as K
from server.app import create_app
from server.clock import ManualClock
from server.config import load_demo

# Wednesday 25 Nov 2026, 09:00 in the demo hall's time zone.
DEMO_START = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


class HallClient:
    """A thin JSON client over real HTTP, knowing the demo hall's credentials."""

    def __init__(self, server: TestServer, session: aiohttp.ClientSession, settings, clock: ManualClock):
        self.server, self.session, self.settings, self.clock = server, session, settings, clock
        self.creds = settings.demo_credentials
        self.app = server.app
        self._managers: dict[str, str] = {}

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    def device_token(self, device_id: str) -> str:
        return self.creds["devices"][device_id]

    async def call(self, method: str, path: str, token: str | None = None, json=None, data=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, self.url(path), json=json, data=data, headers=headers) as resp:
            body = await resp.json(content_type=None)
            return resp.status, body

    async def post(self, path, token=None, json=None, data=None):
        return await self.call("POST", path, token, json if json is not None or data is not None else {}, data)

    async def get(self, path, token=None):
        return await self.call("GET", path, token)

    def clerk_for(self, window: int) -> str:
        return next(s.number for s in self.settings.hall.staff if s.role == "clerk" and window in s.windows)

    def counter_for(self, window: int) -> str:
        return next(d.id for d in self.settings.hall.devices if d.kind == "counter" and d.window == window)

    async def sign_in(self, window: int, staff: str | None = None) -> str:
        staff = staff or self.clerk_for(window)
        status, body = await self.post("/api/sessions", self.device_token(self.counter_for(window)),
                                       {"staff": staff, "pin": self.creds["staff"][staff]})
        assert status == 200, body
        return body["token"]

    async def manager_token(self, staff: str = "9001") -> str:
        """A manager's session token (signed in once per test, then reused)."""
        if staff not in self._managers:
            status, body = await self.post("/api/sessions", None, {"staff": staff, "pin": self.creds["staff"][staff]})
            assert status == 200, body
            self._managers[staff] = body["token"]
        return self._managers[staff]

    async def issue(self, service: str, kiosk: str = "kiosk-1", **extra):
        return await self.post("/api/tickets", self.device_token(kiosk), {"service": service, **extra})


@pytest.fixture
def settings():
    return load_demo()


@pytest.fixture
def clock():
    return ManualClock(DEMO_START)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "hallq.db"


def public_url(app, server) -> None:
    """As `hallq serve` derives public_url from host and port: the port is known only now. Pages
    opened at this address may open WebSockets (their Origin is the configured one)."""
    app[K.SETTINGS].public_url = str(server.make_url("/")).rstrip("/")


@pytest.fixture
async def hall(settings, clock, db_path):
    app = create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    public_url(app, server)
    async with aiohttp.ClientSession() as session:
        yield HallClient(server, session, settings, clock)
    await server.close()
