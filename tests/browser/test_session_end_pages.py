"""A session that ends while its page is open: the counter page of a clerk whose session reached
its end is closed by the server (4003) at the next event and shows the sign-in form with the
reason, instead of reconnecting with a dead token; the manager board likewise stops, refused."""
from __future__ import annotations

from playwright.async_api import expect

from server import appkeys as K

from tests.browser.test_counter_pages import WAIT_MS, open_counter, sign_in
from tests.browser.test_manager_pages import sign_in as manager_sign_in


async def test_the_counter_page_signs_out_when_the_session_ends(browser, hall):
    page = await open_counter(browser, hall, 3)
    await sign_in(page, hall, hall.clerk_for(3))
    hall.clock.advance(hall.settings.server.session_ttl_h * 3600 + 1)
    await hall.issue("business_setup")  # the next event finds the session over: its socket is closed 4003
    await expect(page.locator("#signin-error")).to_have_text("登入已失效，請重新簽到。", timeout=WAIT_MS)
    await expect(page.locator("#signin-submit")).to_be_visible()
    assert page.script_errors == []
    await page.context.close()


async def test_the_manager_board_stops_when_its_session_ends(hall, page):
    await manager_sign_in(page, hall, "/manager/board.html")
    await expect(page.locator("body[data-hub='online']")).to_have_count(1, timeout=WAIT_MS)
    hall.clock.advance(hall.settings.server.session_ttl_h * 3600 + 1)
    await hall.issue("business_setup")
    await expect(page.locator("body[data-hub='refused']")).to_have_count(1, timeout=WAIT_MS)
    assert not [c for c in hall.app[K.HUB].connections if c.principal and c.principal.role == "manager"]
