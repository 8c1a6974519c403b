"""Every page walked in each language: each visible string comes from the translation tables (no
raw code, nothing of another language). Pages start in the hall's default language (zh-Hans)."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.language_check import language_problems
from tests.browser.test_guide_desk import type_sign_in

LANGS = ["zh-Hans", "zh-Hant", "en"]


@pytest.fixture(autouse=True)
def _expect_timeout():
    expect.set_options(timeout=10000)


async def new_page(browser, size=(1440, 900)):
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = await context.new_page()
    page.set_default_timeout(10000)
    page.script_errors = []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    return page


async def check(page, lang: str, where: str):
    assert await page.get_attribute("html", "lang") == lang, where
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"lang-{where.replace(' ', '-')}-{lang}.png"))
    problems = await language_problems(page, lang)
    assert problems == [], f"{where}: {problems}"


@pytest.mark.parametrize("lang", LANGS)
async def test_kiosk_and_phone(hall, browser, lang):
    page = await new_page(browser, (1080, 1920))
    await page.goto(hall.url(f"/kiosk/kiosk.html?token={hall.device_token('kiosk-1')}"))
    await page.wait_for_selector("#app[data-screen=start] .tile")
    await page.click(f"#langs button[data-lang={lang}]")
    await check(page, lang, "kiosk start")
    await page.click("[data-department=police]")
    await check(page, lang, "kiosk services")
    await page.click("[data-service=id_card]")
    await page.wait_for_selector("[data-guide]")
    await check(page, lang, "kiosk guide")
    await page.click("[data-action=take]")
    await page.wait_for_selector(".ticket .label")
    await check(page, lang, "kiosk ticket")
    status, body = await hall.issue("invoice", lang=lang)
    phone = await new_page(browser, (390, 844))
    await phone.goto(hall.url("/t/" + body["tracking_url"].split("/t/")[1]))
    await phone.wait_for_selector("[data-status]")
    await check(phone, lang, "phone")
    assert page.script_errors == [] and phone.script_errors == []


@pytest.mark.parametrize("lang", LANGS)
async def test_counter_pad_and_guide(hall, browser, lang):
    await hall.issue("business_setup")
    counter = await new_page(browser, (1366, 768))
    await counter.goto(hall.url(f"/counter/counter.html?token={hall.device_token(hall.counter_for(3))}&lang={lang}"))
    await counter.wait_for_selector("#signin")
    await check(counter, lang, "counter sign-in")
    staff = hall.clerk_for(3)
    await counter.fill("#staff", staff)
    await counter.fill("#pin", hall.creds["staff"][staff])
    await counter.click("#signin-submit")
    await counter.wait_for_selector("#act-call_next:not([disabled])")
    await counter.click("#act-call_next")
    await expect(counter.locator("#ticket-label")).to_have_text("A001")
    await check(counter, lang, "counter desk")
    await counter.click("#act-finish")
    await check(counter, lang, "counter finish dialog")
    await counter.keyboard.press("Escape")

    pad = await new_page(browser, (1024, 600))
    await pad.goto(hall.url(f"/counter/pad.html?token={hall.device_token('rating-03')}&lang={lang}"))
    await pad.wait_for_selector("#idle")
    await check(pad, lang, "pad idle")

    guide = await new_page(browser, (1366, 768))
    await guide.goto(hall.url(f"/counter/guide.html?lang={lang}"))
    await guide.wait_for_selector("#signin")
    await check(guide, lang, "guide sign-in")
    await type_sign_in(guide, hall, "8001")
    await guide.wait_for_selector("#slots button")
    await check(guide, lang, "guide desk")
    for page in (counter, pad, guide):
        assert page.script_errors == []


@pytest.mark.parametrize("lang", LANGS)
async def test_manager_pages(hall, browser, lang):
    await hall.issue("invoice")
    await hall.sign_in(5)
    page = await new_page(browser)
    for path, ready in (("board", "#windows"), ("stats", "#charts svg"), ("report", "#report-text")):
        await page.goto(hall.url(f"/manager/{path}.html?lang={lang}"))
        if path == "board":
            await page.fill("input[name=staff]", "9001")
            await page.fill("input[name=pin]", hall.creds["staff"]["9001"])
            await page.click("form.signin button[type=submit]")
        await page.wait_for_selector(ready)
        await check(page, lang, f"manager {path}")
    assert page.script_errors == []
