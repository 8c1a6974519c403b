"""The kiosk at its real sizes, 1080x1920 portrait and 1920x1080 landscape: it uses the whole
screen, shows the hall notice and the time, shows a service's guide before the ticket, has a
large-text mode (大字版) that idles back to standard, and a green-channel ticket reminds the
citizen to show an ID. Screenshots: artifacts/kiosk-<size>-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.test_kiosk_pages import live_tickets

SIZES = {"1080x1920": {"width": 1080, "height": 1920}, "1920x1080": {"width": 1920, "height": 1080}}
MATERIAL = {"zh-Hans": "居民户口簿", "zh-Hant": "居民戶口簿", "en": "Household register booklet"}


async def open_kiosk(browser, hall, size: str, kiosk: str = "kiosk-1", query: str = ""):
    context = await browser.new_context(viewport=SIZES[size], has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(8000)
    page.script_errors, page.failed = [], []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    page.on("response", lambda r: page.failed.append(r.url) if r.status >= 400 else None)
    await page.goto(hall.url(f"/kiosk/kiosk.html?token={hall.device_token(kiosk)}{query}"))
    await page.wait_for_selector("#app[data-screen=start] .tile")
    await page.wait_for_selector("#link-banner", state="hidden")
    return page


async def used_height(page) -> float:
    """How far down the screen the start screen's content reaches, as a share of the viewport."""
    return await page.evaluate("""() => {
      const tiles = [...document.querySelectorAll('#app .tile')];
      const bottom = Math.max(...tiles.map((t) => t.getBoundingClientRect().bottom));
      return bottom / innerHeight;
    }""")


@pytest.mark.parametrize("size", list(SIZES))
async def test_whole_screen_with_notice_clock_and_the_hall_language(browser, hall, artifacts, size):
    page = await open_kiosk(browser, hall, size)
    assert await page.get_attribute("html", "lang") == "zh-Hans"  # the hall's default_lang
    assert "请提前备齐材料" in await page.text_content("#notice")
    assert "过号请到服务台登记" in await page.text_content("#missed-rule")
    assert await page.text_content("#clock-time") == "09:00"  # the test hall's clock: 09:00 in Asia/Shanghai
    assert await used_height(page) > 0.6
    overflow = await page.evaluate("document.scrollingElement.scrollWidth > innerWidth")
    assert not overflow
    await page.screenshot(path=str(artifacts / f"kiosk-{size}-start.png"))
    assert page.script_errors == [] and page.failed == []


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
async def test_service_guide_before_the_ticket(browser, hall, artifacts, size, lang):
    page = await open_kiosk(browser, hall, size)
    await page.click(f"#langs button[data-lang={lang}]")
    await page.click("[data-department=police]")
    await page.click("[data-service=id_card]")
    await page.wait_for_selector("[data-guide=id_card]")
    text = await page.text_content("#app")
    assert MATERIAL[lang] in text and "12345" in text and "20" in text
    assert live_tickets(hall) == []  # nothing issued while reading
    await page.screenshot(path=str(artifacts / f"kiosk-{size}-guide-{lang}.png"))
    await page.click("[data-action=take]")
    await page.wait_for_selector(".ticket .label")
    [ticket] = live_tickets(hall)
    assert ticket.label == "G001" and ticket.lang == lang
    assert page.script_errors == []


async def test_large_text_mode_and_idle_return(browser, hall, artifacts):
    page = await open_kiosk(browser, hall, "1080x1920", query="&idle_s=1")
    normal = await page.evaluate("document.querySelector('.tile .name').getBoundingClientRect().height")
    await page.click("[data-action=large]")
    assert await page.get_attribute("[data-action=large]", "aria-pressed") == "true"
    large = await page.evaluate("document.querySelector('.tile .name').getBoundingClientRect().height")
    assert large > normal * 1.2
    assert not await page.evaluate("document.scrollingElement.scrollWidth > innerWidth")
    await page.screenshot(path=str(artifacts / "kiosk-1080x1920-large.png"))
    await expect(page.locator("body")).not_to_have_class(re.compile("large"), timeout=5000)  # idle: standard again


async def test_green_channel_ticket_reminds_to_show_an_id(browser, hall, artifacts):
    page = await open_kiosk(browser, hall, "1080x1920")
    tile = page.locator("[data-action=green] .meta")
    lines = await tile.evaluate("""(node) => {
      const range = document.createRange(); range.selectNodeContents(node);
      return [...range.getClientRects()].map((r) => r.width);
    }""")
    assert min(lines) > 0.3 * max(lines)  # no orphan: the hint's lines are balanced
    await page.click("[data-action=green]")
    await page.click("[data-category=pregnant]")
    await page.click("[data-department=tax]")
    await page.click("[data-service=invoice]")
    await page.click("[data-action=take]")
    reminder = await page.wait_for_selector("[data-reminder=id]")
    assert "出示身份证件" in await reminder.text_content()
    await page.screenshot(path=str(artifacts / "kiosk-1080x1920-green-ticket.png"))
    [ticket] = live_tickets(hall)
    assert (ticket.channel, ticket.green_category) == ("green", "pregnant")
