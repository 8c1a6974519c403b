"""The guide desk page (/counter/guide.html) at 1366x768, by keyboard: a clerk is told it is not
their desk, the guide issues a green-channel ticket with its category, books an appointment on the
slot picker (what is left updates), looks a ticket up and cancels it on request; no serious
accessibility violation. Screenshots: artifacts/guide-*.png."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.accessibility import blocking_violations


@pytest.fixture(autouse=True)
def _expect_timeout():
    expect.set_options(timeout=8000)


async def open_guide(browser, hall, query: str = ""):
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    page.set_default_timeout(8000)
    page.script_errors, page.failed = [], []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    page.on("response", lambda r: page.failed.append(r.url) if r.status >= 400 and "/api/" not in r.url else None)
    await page.goto(hall.url(f"/counter/guide.html{query}"))
    await expect(page.locator("#signin")).to_be_visible()
    return page


async def type_sign_in(page, hall, staff: str):
    await page.fill("#staff", staff)
    await page.fill("#pin", hall.creds["staff"][staff])
    await page.keyboard.press("Enter")


async def test_a_clerk_is_told_this_is_not_their_desk(hall, browser):
    page = await open_guide(browser, hall)
    await type_sign_in(page, hall, hall.clerk_for(3))
    await expect(page.locator("#signin-error")).to_have_text("此工号不是导办人员，不能在导办台登录。")
    assert page.script_errors == []


async def test_guide_desk_by_keyboard(hall, browser, artifacts):
    page = await open_guide(browser, hall)
    assert await blocking_violations(page) == []
    await type_sign_in(page, hall, "8001")
    await expect(page.locator("#who")).to_contain_text("何佳")
    await expect(page.locator("#slots button").first).to_be_visible()
    assert await blocking_violations(page) == []

    # green channel: category and service by keyboard, Enter issues
    await page.keyboard.press("F3")
    await page.select_option("#green-service", "id_card")
    await page.check("#green input[value=pregnant]")
    await page.click("#green-submit")
    await expect(page.locator("#green-result [data-issued]")).to_have_attribute("data-issued", "G001")
    await expect(page.locator("#green-result")).to_contain_text("出示证件")
    # the desk has no printer: the new ticket prints on the kiosk beside it
    await expect(page.locator("#lookup-result [data-status=waiting]")).to_be_visible()
    await page.select_option("#print-device", "kiosk-1")
    await page.click("#print-ticket")
    await expect(page.locator("#lookup-result [data-printed=kiosk-1]")).to_be_visible()

    # appointment: pick a day and a slot, book; the slot's remaining count drops
    await page.select_option("#book-service", "business_setup")
    days = await page.locator("#book-day option").all_text_contents()
    await page.select_option("#book-day", days[1])
    slot = page.locator("#slots button[data-slot='09:00-09:30']")
    await expect(slot).to_have_attribute("data-remaining", "2")
    await slot.click()
    await page.fill("#book-code", "QX7K2M")
    await page.click("#book-submit")
    await expect(page.locator("#book-result [data-booked]")).to_contain_text("QX7K2M")
    await expect(page.locator("#slots button[data-slot='09:00-09:30']")).to_have_attribute("data-remaining", "1")
    await page.screenshot(path=str(artifacts / "guide-1366-desk.png"))

    # look the green ticket up and cancel it on the citizen's request
    await page.keyboard.press("F2")
    await page.keyboard.type("g001")
    await page.keyboard.press("Enter")
    await expect(page.locator("#lookup-result [data-status=waiting]")).to_be_visible()
    await page.click("#lookup-cancel")
    await page.select_option("#cancel-reason", "cr_request")
    await page.keyboard.press("Enter")
    await expect(page.locator("#lookup-result")).to_contain_text("G001 已取消")
    await page.screenshot(path=str(artifacts / "guide-1366-cancelled.png"))
    assert page.script_errors == [] and page.failed == []


@pytest.mark.parametrize("lang", ["zh-Hant", "en"])
async def test_guide_desk_in_other_languages(hall, browser, artifacts, lang):
    page = await open_guide(browser, hall, f"?lang={lang}")
    await type_sign_in(page, hall, "8001")
    await expect(page.locator("#slots button").first).to_be_visible()
    await page.screenshot(path=str(artifacts / f"guide-1366-{lang}.png"))
    assert page.script_errors == []
