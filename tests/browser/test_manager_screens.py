"""Manager pages at 1440x900: the live board fits one screen with devices grouped by kind and
alarms on top, no raw codes in the Chinese UI, a clerk or guide is told "not a manager", charts
keep text at 12 px or more with counts and % on separate axes, the report shows one picker and its
per-window / per-clerk tables with names, ratings breakdown and signature block.
Screenshots: artifacts/manager-1440-*.png."""
from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.conftest import DEMO_START
from tests.stats.scripted_day import DAY, run_day

SIZE = {"width": 1440, "height": 900}
RAW = re.compile(r"\b(online|offline|ready|called|serving|paper_out|kiosk|display|rating_pad|counter|zh-Hans|zh-Hant|"
                 r"immediate|visits|segments|window_time|bad_ratings|very_satisfied|dissatisfied)\b")


@pytest.fixture(autouse=True)
def _expect_timeout():
    expect.set_options(timeout=10000)


async def manager_page(browser, hall, path: str, staff: str = "9001"):
    context = await browser.new_context(viewport=SIZE)
    page = await context.new_page()
    page.set_default_timeout(10000)
    page.script_errors = []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    await page.goto(hall.url(path))
    await page.fill("input[name=staff]", staff)
    await page.fill("input[name=pin]", hall.creds["staff"][staff])
    await page.click("form.signin button[type=submit]")
    return page


@pytest.mark.parametrize("staff", ["1003", "8001"])
async def test_clerks_and_guides_are_told_not_a_manager(hall, browser, staff):
    page = await manager_page(browser, hall, "/manager/board.html", staff)
    await expect(page.locator("#signin-error")).to_have_text("此工号不是管理人员，不能登录管理页面。")


async def test_board_fits_one_screen_with_alarms_and_grouped_devices(hall, browser, artifacts):
    for _ in range(3):
        await hall.issue("invoice")
    await hall.sign_in(5)
    await hall.sign_in(3)
    hall.clock.advance(26 * 60)  # invoice: action threshold 25 min
    page = await manager_page(browser, hall, "/manager/board.html")
    await expect(page.locator("#alarms li[data-alarm='queue:invoice']")).to_be_visible()
    await expect(page.locator("#alarms")).to_have_class(re.compile("on"))
    await expect(page.locator("#devices > li")).to_have_count(4)  # kiosks, displays, counters, pads
    await page.screenshot(path=str(artifacts / "manager-1440-board.png"), full_page=True)
    height = await page.evaluate("document.scrollingElement.scrollHeight")
    assert height <= SIZE["height"], height
    text = await page.inner_text("body")  # what is visible (device ids under a closed summary are not)
    assert not RAW.search(text), RAW.search(text)
    await page.click("#alarm-sound")
    await expect(page.locator("#alarm-sound")).to_have_attribute("aria-pressed", "true")
    await page.screenshot(path=str(artifacts / "manager-1440-board.png"))
    assert page.script_errors == []


async def test_stats_charts_text_and_axes(hall, browser, artifacts):
    await run_day(hall, DEMO_START)
    page = await manager_page(browser, hall, f"/manager/stats.html?from={DAY}&to={DAY}&group_by=clerk")
    await expect(page.locator("#charts svg.chart")).to_have_count(5)
    smallest = await page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg.chart text')]
        .filter((t) => t.textContent.trim()).map((t) => t.getBoundingClientRect().height))""")
    assert smallest >= 11.99, smallest  # 12 px (sub-pixel rounding)
    assert not await page.evaluate("document.scrollingElement.scrollWidth > innerWidth")  # wide tables scroll inside
    text = await page.text_content("body")
    assert "张伟" in text  # clerk names, not numbers
    assert not RAW.search(text), RAW.search(text)
    await page.screenshot(path=str(artifacts / "manager-1440-stats.png"), full_page=True)
    assert page.script_errors == []


async def test_report_parts(hall, browser, artifacts):
    await run_day(hall, DEMO_START)
    page = await manager_page(browser, hall, "/manager/report.html?kind=monthly&month=2026-11")
    await expect(page.locator("#per-clerk")).to_contain_text("张伟")
    assert not await page.is_visible("#day")  # only the chosen kind's picker
    assert await page.is_visible("#month")
    await expect(page.locator("#departments tr")).to_have_count(6)
    await expect(page.locator("#per-window")).to_contain_text("3号窗口")
    await expect(page.locator("#ratings tr[data-level=dissatisfied]")).to_contain_text("1")
    await expect(page.locator("#signature")).to_contain_text("负责人")
    await expect(page.locator("#report-text")).to_contain_text("截止11月26日")
    text = await page.text_content("body")
    assert not RAW.search(text), RAW.search(text)
    await page.emulate_media(media="print")
    await page.screenshot(path=str(artifacts / "manager-1440-report-print.png"), full_page=True)
    assert page.script_errors == []


async def test_preset_bad_rating_reasons_in_the_managers_language(hall, browser):
    [issued] = [(await hall.issue("invoice"))[1]]
    clerk = await hall.sign_in(5)
    await hall.post("/api/windows/5/call-next", clerk, {})
    ticket_id = issued["ticket"]["id"]
    await hall.post(f"/api/tickets/{ticket_id}/finish", clerk, {"outcome": "immediate"})
    status, body = await hall.post(f"/api/tickets/{ticket_id}/rating", hall.device_token("rating-05"),
                                   {"level": "dissatisfied", "reason": "等候時間太長；窗口太冷"})  # a zh-Hant pad
    assert status == 200, body
    page = await manager_page(browser, hall, f"/manager/stats.html?from={DAY}&to={DAY}")
    await expect(page.locator("#bad")).to_contain_text("等候时间太长；窗口太冷")  # preset translated, own words kept
    await expect(page.locator("#bad")).to_contain_text("陈静 (1005)")
