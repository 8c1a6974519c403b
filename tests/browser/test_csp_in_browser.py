"""Every page runs under the server's Content-Security-Policy in Chromium (no bypass): it loads its
module, opens its WebSocket where it has one, and not one CSP violation is reported. An inline
script added to a page is refused, so the check would see a violation."""
from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM_ARGS  # noqa: F401 - same Chromium set-up as the other page tests

WAIT_S = 10
DEVICE_PAGES = [("/display/hall.html", "display-hall"), ("/display/window.html", "display-w01"),
                ("/counter/pad.html", "rating-03"), ("/kiosk/kiosk.html", "kiosk-1")]
# pages that show a sign-in form first (the counter's carries its device token)
STAFF_PAGES = ["/manager/board.html", "/manager/stats.html", "/manager/report.html", "/",
               "/counter/counter.html?token=counter-03"]


async def strict_page(browser):
    """A page with the CSP enforced; CSP reports and script errors collect in page.problems."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-TW")
    page = await context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda err: page.problems.append(str(err)))
    return context, page


@pytest.mark.parametrize("path,device", DEVICE_PAGES, ids=[p for p, _ in DEVICE_PAGES])
async def test_device_pages_run_under_the_csp(browser, hall, path, device):
    context, page = await strict_page(browser)
    try:
        async with page.expect_websocket(timeout=WAIT_S * 1000) as opened:
            await page.goto(hall.url(f"{path}?token={hall.device_token(device)}"))
        socket = await opened.value
        await socket.wait_for_event("framereceived", timeout=WAIT_S * 1000)  # authenticated: the module runs
        assert page.problems == [], page.problems
    finally:
        await context.close()


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_other_pages_run_under_the_csp(browser, hall, path):
    path = path.replace("counter-03", hall.device_token("counter-03"))
    context, page = await strict_page(browser)
    try:
        await page.goto(hall.url(path), wait_until="load")
        await page.wait_for_load_state("networkidle", timeout=WAIT_S * 1000)
        assert page.problems == [], page.problems
    finally:
        await context.close()


async def test_the_tracking_page_runs_under_the_csp(browser, hall):
    _, issued = await hall.issue("business_setup")
    context, page = await strict_page(browser)
    try:
        async with page.expect_response(lambda r: "/api/track/" in r.url, timeout=WAIT_S * 1000):
            await page.goto(issued["tracking_url"])
        await page.wait_for_load_state("networkidle", timeout=WAIT_S * 1000)
        assert page.problems == [], page.problems
    finally:
        await context.close()


async def test_an_inline_script_is_refused(browser, hall):
    context, page = await strict_page(browser)
    try:
        await page.goto(hall.url("/"))
        async with page.expect_console_message(lambda m: "Content Security Policy" in m.text,
                                               timeout=WAIT_S * 1000):
            with pytest.raises(Exception):  # noqa: B017 - Playwright reports the refused tag as an error
                await page.add_script_tag(content="window.__injected = 1")
        assert any("Content Security Policy" in p for p in page.problems)
        assert await page.evaluate("() => window.__injected") is None
    finally:
        await context.close()
