"""Browser-test fixtures for every page: Chromium (Debian package, no Playwright download), a
1920x1080 page that records its script errors, an artifacts folder for screenshots, and a demo
hall that can be stopped and started again on the same port and SQLite file."""
from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import async_playwright
from yarl import URL

from server.app import create_app
from tests.conftest import HallClient, public_url

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
async def browser():
    """One Chromium per test (about half a second): no loop-scope puzzles with pytest-asyncio."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser):
    """A 1920x1080 page; uncaught script errors collect in `page.script_errors`."""
    # bypass_csp: Playwright's wait_for_function evaluates its predicate with new Function(), which the
    # server's Content-Security-Policy forbids; the pages themselves run under the CSP in
    # tests/browser/test_csp_in_browser.py
    context = await browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-TW", bypass_csp=True)
    new_page = await context.new_page()
    new_page.script_errors = []
    new_page.on("pageerror", lambda err: new_page.script_errors.append(str(err)))
    yield new_page
    await context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (git-ignored, kept by CI as test artifacts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class RestartableServer:
    """The app on a real 127.0.0.1 port that a test can stop and start again on the same port and
    database, as after a power cut or an upgrade. Quacks like aiohttp's TestServer for HallClient."""

    def __init__(self, settings, clock, db_path):
        self.settings, self.clock, self.db_path = settings, clock, db_path
        self.runner: web.AppRunner | None = None
        self.port: int | None = None
        self.client_port: int | None = None  # where HallClient's requests go

    @property
    def app(self) -> web.Application:
        return self.runner.app

    def make_url(self, path: str) -> URL:
        return URL(f"http://127.0.0.1:{self.client_port}").join(URL(path))

    async def start(self, while_unreachable=None) -> None:
        """Start the app. `while_unreachable` (async, optional) runs first with the app served
        only on a side port, so anything it does happens while pages on the main port are still
        disconnected."""
        self.runner = web.AppRunner(create_app(self.settings, clock=self.clock, db_path=self.db_path,
                                               tick_interval_s=0))
        await self.runner.setup()
        if while_unreachable is not None:
            await web.TCPSite(self.runner, "127.0.0.1", 0).start()
            self.client_port = self.runner.addresses[0][1]
            await while_unreachable()
        await web.TCPSite(self.runner, "127.0.0.1", self.port or 0, reuse_address=True).start()
        self.port = self.client_port = self.runner.addresses[-1][1]
        public_url(self.runner.app, self)

    async def stop(self) -> None:
        """Shut down as the real server does: sockets closed with 1001, the writer drained."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def restart(self, while_unreachable=None) -> None:
        await self.stop()
        await self.start(while_unreachable)


@pytest.fixture
async def restartable_hall(settings, clock, db_path):
    """Like `hall`, plus `hall.server.stop()`, `.start(while_unreachable)` and `.restart(...)`."""
    server = RestartableServer(settings, clock, db_path)
    await server.start()
    async with aiohttp.ClientSession() as session:
        yield HallClient(server, session, settings, clock)
    await server.stop()
