"""No serious or critical accessibility violation (axe-core) on the citizen-facing pages and the
guide desk: kiosk, rating pad, phone tracking page, guide desk."""
from __future__ import annotations

from tests.browser.accessibility import blocking_violations
from tests.browser.test_kiosk_screens import open_kiosk
from tests.browser.test_pad_screens import finish_one, open_pad


async def test_kiosk_start_guide_and_ticket(browser, hall):
    page = await open_kiosk(browser, hall, "1080x1920")
    assert await blocking_violations(page) == []
    await page.click("[data-department=police]")
    await page.click("[data-service=id_card]")
    await page.wait_for_selector("[data-guide=id_card]")
    assert await blocking_violations(page) == []
    await page.click("[data-action=take]")
    await page.wait_for_selector(".ticket .label")
    assert await blocking_violations(page) == []


async def test_rating_pad_idle_and_rating(browser, hall):
    page = await open_pad(browser, hall, "1024x600", None)
    assert await blocking_violations(page) == []
    await finish_one(hall)
    await page.wait_for_selector("#rate")
    assert await blocking_violations(page) == []
    await page.click("[data-level=dissatisfied]")
    await page.wait_for_selector("#reason")
    assert await blocking_violations(page) == []


async def test_phone_tracking_page(browser, hall):
    status, body = await hall.issue("invoice")
    assert status == 200
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = await context.new_page()
    await phone.goto(hall.url("/t/" + body["tracking_url"].split("/t/")[1]))
    await phone.wait_for_selector("[data-status=waiting]")
    assert await blocking_violations(phone) == []
