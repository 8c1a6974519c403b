"""A clerk whose PIN a manager reset signs in at the counter with the one-time PIN and must choose
their own before the desk opens (docs/administration.md, "Staff")."""
from __future__ import annotations

from playwright.async_api import expect

from tests.browser.test_counter_pages import WAIT_MS, open_counter


async def reset_pin(hall, staff: str) -> str:
    token = await hall.manager_token()
    status, config = await hall.get("/api/admin/config", token)
    assert status == 200, config
    status, reset = await hall.post(f"/api/admin/staff/{staff}/reset-pin", token, {"version": config["version"]})
    assert status == 200, reset
    return reset["pin"]


async def test_a_clerk_with_a_one_time_pin_chooses_their_own_before_the_desk_opens(hall, browser):
    staff = hall.clerk_for(3)
    one_time = await reset_pin(hall, staff)
    page = await open_counter(browser, hall, 3, lang="en")
    await page.fill("#staff", staff)
    await page.fill("#pin", one_time)
    await page.click("#signin-submit")
    await expect(page.locator("#own-pin")).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator("#act-call_next")).to_have_count(0)

    await page.fill("#new-pin", "246813")
    await page.fill("#new-pin-again", "246810")
    await page.click("#own-pin-submit")
    await expect(page.locator("#own-pin-error")).to_have_text("The two PINs differ")

    await page.fill("#new-pin-again", "246813")
    await page.click("#own-pin-submit")
    await expect(page.locator("#act-call_next")).to_be_visible(timeout=WAIT_MS)

    await page.click("#sign-out")
    await expect(page.locator("#signin")).to_be_visible(timeout=WAIT_MS)
    counter = hall.device_token(hall.counter_for(3))
    assert (await hall.post("/api/sessions", counter, {"staff": staff, "pin": one_time}))[0] == 401
    status, body = await hall.post("/api/sessions", counter, {"staff": staff, "pin": "246813"})
    assert status == 200 and not body.get("pin_change_required"), body
    assert page.script_errors == []
    await page.context.close()
