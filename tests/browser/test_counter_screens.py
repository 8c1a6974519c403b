"""The counter terminal at its real size, 1366x768: the finish dialog shows only the chosen outcome's
fields with its confirm button on screen, Esc in the notice preview goes back to the dialog with
what was typed, refusals say what to do, and a ticket can be cancelled on request.
Screenshots: artifacts/counter-1366-*.png."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

import server.appkeys as K
from tests.browser.test_counter_pages import issue, press, sign_in

SIZE = {"width": 1366, "height": 768}


@pytest.fixture(autouse=True)
def _expect_timeout():
    expect.set_options(timeout=8000)


async def counter_1366(browser, hall, window: int, lang: str | None = None):
    context = await browser.new_context(viewport=SIZE)
    page = await context.new_page()
    page.set_default_timeout(8000)
    page.script_errors, page.failed = [], []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    page.on("response", lambda r: page.failed.append(r.url) if r.status >= 400 else None)
    query = f"&lang={lang}" if lang else ""
    await page.goto(hall.url(f"/counter/counter.html?token={hall.device_token(hall.counter_for(window))}{query}"))
    return page


async def inside_viewport(locator) -> bool:
    box = await locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SIZE["height"]


async def test_finish_dialog_fits_and_preview_esc_keeps_the_typing(hall, browser, artifacts):
    await issue(hall, "business_setup", 1)
    page = await counter_1366(browser, hall, 3)
    await expect(page.locator("#signin h2")).to_contain_text("3 号窗口")  # the hall's default: 简体
    await sign_in_zh_hans(page, hall, hall.clerk_for(3))
    await press(page, "+")
    await press(page, "/")
    dialog = page.locator("#finish-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#promised-days")).to_be_hidden()  # only the chosen outcome's fields
    await expect(page.locator("#materials")).to_be_hidden()
    assert await inside_viewport(page.locator("#finish-dialog button.go"))
    await press_in_dialog(page, "5")
    await expect(page.locator("#materials-checklist input")).to_have_count(4)
    await expect(page.locator("#promised-days")).to_be_hidden()
    assert await inside_viewport(page.locator("#finish-dialog button.go"))
    await page.screenshot(path=str(artifacts / "counter-1366-finish-supplement.png"))
    await page.check("#materials-checklist input >> nth=0")
    await page.fill("#materials", "近三个月银行流水")
    await page.click("#preview-notice")
    await expect(page.locator("#notice-overlay")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#notice-overlay")).to_have_count(0)
    await expect(dialog).to_be_visible()  # back in the finish dialog, nothing lost
    await expect(page.locator("#materials")).to_have_value("近三个月银行流水")
    await expect(page.locator("#materials-checklist input >> nth=0")).to_be_checked()
    await page.click("#finish-dialog button.go")
    await expect(page.locator("#notice-materials li")).to_have_text(["公司登記（備案）申請書", "近三个月银行流水"])
    await page.keyboard.press("Escape")
    await expect(page.locator("#today")).not_to_contain_text("null")
    await expect(page.locator("#me-served")).to_have_text("1")
    assert page.script_errors == [] and page.failed == []


async def test_refusals_say_what_to_do_and_cancel_on_request(hall, browser, artifacts):
    [ticket] = await issue(hall, "business_setup", 1)
    page = await counter_1366(browser, hall, 3, "zh-Hant")
    await sign_in(page, hall, hall.clerk_for(3))
    await press(page, "5")
    await page.click("#pause-dialog [data-reason=pr_lunch]")
    await expect(page.locator("#window-status")).to_contain_text("暫停服務")
    await press(page, "+")  # calling while paused: says how to resume
    await expect(page.locator("#message")).to_contain_text("恢復服務")
    await expect(page.locator("#message")).to_contain_text("F10")
    await press(page, "5")
    await press(page, "+")
    await expect(page.locator("#ticket-label")).to_have_text(ticket["label"])
    await press(page, "Enter")  # start
    await expect(page.locator("#ticket-status")).to_contain_text("辦理中")
    await press(page, "*")  # a recall while serving is refused with the ticket's state, not a generic line
    await expect(page.locator("#message")).to_have_text(f"{ticket['label']} 目前正在辦理，不能重呼。")
    await page.click("#act-cancel_ticket")
    await expect(page.locator("#cancel-dialog")).to_be_visible()
    await page.click("#cancel-dialog button.go")
    await expect(page.locator("#cancel-dialog .error")).to_have_text("請選擇或填寫原因。")
    await press_in_dialog(page, "1")
    await page.screenshot(path=str(artifacts / "counter-1366-cancel.png"))
    await page.click("#cancel-dialog button.go")
    await expect(page.locator("#message")).to_have_text(f"{ticket['label']} 已取消")
    await expect(page.locator("#ticket-label")).to_have_text("目前沒有號票，按「叫號」呼叫下一位。")
    stored = hall.app[K.SERVICE].state.tickets[ticket["id"]]
    assert stored.status.value == "cancelled"
    assert page.script_errors == []


async def sign_in_zh_hans(page, hall, staff: str):
    await page.fill("#staff", staff)
    await page.fill("#pin", hall.creds["staff"][staff])
    await page.click("#signin-submit")
    await expect(page.locator("#conn")).to_have_text("已连线")


async def press_in_dialog(page, key: str):
    await page.locator(".overlay:not([hidden]) .dialog").focus()
    await page.keyboard.press(key)
