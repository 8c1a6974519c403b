"""Finding 7 (hardening): security headers on every page, no inline code a CSP would have to allow,
WebSocket origins from the configuration (not the Host header), a per-connection message rate limit
(close 4029), tokens masked in every log line, an aborted request body logged as one line."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import re
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from server import appkeys as K
from server.app import PAGES, create_app
from server.cli import PathOnlyAccessLogger
from server.logmask import MaskingFilter, mask
from tests.privacy.kit import table_dump
from tests.wsclient import WsClient

ROOT = Path(__file__).resolve().parents[2]
HTML_PAGES = sorted(p for folder in PAGES.values() for p in folder.glob("*.html"))
TABLES = ("events", "tickets", "sessions", "print_jobs", "audit")


@contextlib.asynccontextmanager
async def served(app: web.Application):
    """The app as `hallq serve` runs it (AppRunner, the production access logger, handlers not
    cancelled when a client goes away); yields (host, port)."""
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield "127.0.0.1", runner.addresses[0][1]
    finally:
        await runner.cleanup()


def page_paths() -> list[str]:
    paths = [f"/{name}/{p.name}" for name, folder in PAGES.items() for p in folder.glob("*.html")]
    return paths + ["/", "/t/some-tracking-token", "/common/hub.js", "/api/health", "/api/openapi.json",
                    "/api/hall", "/no/such/page"]


@pytest.mark.parametrize("path", page_paths())
async def test_security_headers_on_every_page_and_answer(hall, path):
    async with hall.session.get(hall.url(path)) as resp:
        headers = resp.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


async def test_display_pages_may_be_framed_only_by_the_configured_origins(settings, clock, db_path):
    server = dataclasses.replace(settings.server, frame_ancestors=("https://signage.example",))
    app = create_app(dataclasses.replace(settings, server=server), clock=clock, db_path=db_path, tick_interval_s=0)
    async with served(app) as (host, port), aiohttp.ClientSession() as session:
        async with session.get(f"http://{host}:{port}/display/hall.html") as resp:
            assert "frame-ancestors https://signage.example" in resp.headers["Content-Security-Policy"]
            assert "X-Frame-Options" not in resp.headers
        async with session.get(f"http://{host}:{port}/kiosk/kiosk.html") as resp:
            assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
            assert resp.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("page", HTML_PAGES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_pages_hold_no_inline_code_or_style(page):
    """CSP default-src 'self' blocks inline <script>, <style>, style="..." and on...= handlers: a
    page that used them would silently break, so none may."""
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<style|<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=|javascript:", html, re.I), page


async def test_websocket_origin_comes_from_the_configuration_not_the_host_header(hall):
    before = table_dump(hall.app[K.SERVICE].writer.path, *TABLES)
    url = hall.url("/api/ws")
    evil = "http://evil.example:8080"
    # a DNS-rebinding page: its Origin and the Host header agree, and neither is configured
    for origin, host in ((evil, "evil.example:8080"), ("null", None), ("http://127.0.0.1:1", None)):
        headers = {"Origin": origin} | ({"Host": host} if host else {})
        async with hall.session.get(url, headers=headers | {"Connection": "Upgrade", "Upgrade": "websocket",
                                                            "Sec-WebSocket-Version": "13",
                                                            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}) as resp:
            assert resp.status == 403, origin
            assert (await resp.json())["error"]["code"] == "forbidden_origin"
    own = hall.app[K.SETTINGS].public_url
    async with hall.session.ws_connect(url, headers={"Origin": own}) as ws:
        await ws.send_json({"id": 1, "type": "auth", "token": hall.device_token("display-hall")})
        assert (await ws.receive_json(timeout=5))["success"] is True
    assert table_dump(hall.app[K.SERVICE].writer.path, *TABLES) == before


async def test_a_loopback_public_url_also_accepts_its_other_loopback_names(hall):
    port = URL(hall.app[K.SETTINGS].public_url).port
    assert hall.app[K.SETTINGS].public_url.startswith("http://127.0.0.1:")
    for origin, accepted in ((f"http://localhost:{port}", True), (f"http://[::1]:{port}", True),
                             (f"http://localhost:{port + 1}", False), (f"https://localhost:{port}", False),
                             (f"http://localhost.evil.example:{port}", False)):
        headers = {"Origin": origin, "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        async with hall.session.get(hall.url("/api/ws"), headers=headers) as resp:
            assert (resp.status == 101) == accepted, (origin, resp.status)


async def test_a_websocket_flood_is_closed_4029_and_others_are_served(hall):
    limit = hall.settings.server.ws_max_messages
    before = table_dump(hall.app[K.SERVICE].writer.path, *TABLES)
    flooder = await WsClient.open(hall, hall.device_token("display-hall"))
    other = await WsClient.open(hall, hall.device_token("display-east"))
    for i in range(limit + 50):
        try:
            await flooder.ws.send(json.dumps({"id": i, "type": "subscribe", "scope": {}}))
        except Exception:  # noqa: BLE001 - the server may close while we are still sending
            break
    assert await flooder.closed_code() == 4029
    assert (await other.request({"type": "ping"}))["success"]
    await other.close()
    assert table_dump(hall.app[K.SERVICE].writer.path, *TABLES) == before


def test_mask_covers_every_token_shape():
    lines = ["GET /t/AbC-123_xyz 200", "GET /api/track/AbC-123_xyz/qr.svg", "/display/hall.html?token=dev-tok&x=1",
             "Authorization: Bearer sess-tok", '{"token": "json-tok", "role": "clerk"}']
    masked = " ".join(mask(line) for line in lines)
    for secret in ("AbC-123_xyz", "dev-tok", "sess-tok", "json-tok"):
        assert secret not in masked
    assert "/t/***" in masked and "/api/track/***/qr.svg" in masked and "x=1" in masked


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.arrived = asyncio.Event()

    def emit(self, record):
        self.lines.append(self.format(record))
        self.arrived.set()


async def test_access_log_and_error_lines_never_show_a_token(hall, settings, clock, db_path):
    """The production access logger and the masking filter, over a real server and real requests."""
    collect = _Collect()
    collect.addFilter(MaskingFilter())
    loggers = [logging.getLogger(n) for n in ("aiohttp.access", "hallq")]
    for lg in loggers:
        lg.addHandler(collect)
    old = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    _, issued = await hall.issue("business_setup")
    tracking = issued["tracking_url"].rsplit("/", 1)[1]
    app = create_app(settings, clock=clock, db_path=db_path.with_name("other.db"), tick_interval_s=0)
    try:
        async with served(app) as (host, port), aiohttp.ClientSession() as session:
            base = f"http://{host}:{port}"
            for path in (f"/t/{tracking}", f"/api/track/{tracking}", f"/api/track/{tracking}/qr.svg",
                         f"/display/hall.html?token={hall.device_token('display-hall')}"):
                async with session.get(base + path) as resp:
                    await resp.read()
        logging.getLogger("hallq.test").warning("a message naming /t/%s and Bearer %s", tracking, "abc-secret")
    finally:
        for lg, level in zip(loggers, old, strict=True):
            lg.removeHandler(collect)
            lg.setLevel(level)
    text = "\n".join(collect.lines)
    assert text.count("/t/***") >= 1 and "/api/track/***" in text
    assert tracking not in text and "abc-secret" not in text and hall.device_token("display-hall") not in text


async def test_an_aborted_request_body_is_one_log_line_without_a_trace(settings, clock, db_path, caplog):
    app = create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0)
    collect = _Collect()
    logging.getLogger("hallq.api").addHandler(collect)
    try:
        async with served(app) as (host, port):
            before = table_dump(db_path, *TABLES)
            caplog.clear()
            caplog.set_level(logging.INFO)
            await _send_half_a_body(host, port, settings.demo_credentials["devices"]["kiosk-1"])
            await asyncio.wait_for(collect.arrived.wait(), 5)
            assert table_dump(db_path, *TABLES) == before
    finally:
        logging.getLogger("hallq.api").removeHandler(collect)
    records = [r for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith(("hallq", "aiohttp"))
               and not r.name.startswith(("hallq.store", "aiohttp.access"))]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert "aborted" in records[0].getMessage() and records[0].exc_info is None


async def _send_half_a_body(host: str, port: int, token: str) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"POST /api/tickets HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 4000\r\nExpect: 100-continue\r\n\r\n").encode())
    await writer.drain()
    # the server answers 100 Continue once the request reached its handler: then part of the body, and gone
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 100")
    writer.write(b'{"service": "bus')
    await writer.drain()
    writer.close()
