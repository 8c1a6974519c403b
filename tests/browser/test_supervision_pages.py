"""Supervision in Chromium: the rating pad's call-back consent at 800x480 (only after a bad level),
the managers' supervision pages and a liaison's department view at 1440x900."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.async_api import expect

from tests.supervision.flows import cases, rate, serve, staff_session

WAIT_MS = 8000


@pytest.fixture(autouse=True)
def _expect_timeout():
    expect.set_options(timeout=WAIT_MS)


async def new_page(browser, hall, path: str, width: int, height: int):
    context = await browser.new_context(viewport={"width": width, "height": height}, locale="zh-TW")
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.script_errors = []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    # these pages are checked in Traditional Chinese; the hall's default language is Simplified
    await page.goto(hall.url(path + ("&" if "?" in path else "?") + "lang=zh-Hant"))
    return page


async def within_viewport(page, selector: str) -> bool:
    box = await page.locator(selector).bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


async def test_pad_offers_a_call_back_after_a_bad_rating_only(hall, browser, artifacts, db_path):
    clerk = await hall.sign_in(5)
    pad = await new_page(
        browser, hall, f"/counter/pad.html?token={hall.device_token('rating-05')}&thanks_s=1", 800, 480
    )
    await expect(pad.locator("#idle")).to_be_visible()
    # a good level: thanks at once, no number asked
    await serve(hall, 5, "invoice", clerk=clerk)
    await pad.click("[data-level=satisfied]")
    await expect(pad.locator("#thanks")).to_be_visible()
    await expect(pad.locator("#callback")).to_have_count(0)
    await expect(pad.locator("#idle")).to_be_visible()

    ticket = await serve(hall, 5, "invoice", clerk=clerk)
    await pad.click("[data-level=very_dissatisfied]")
    await pad.click("#reason-skip")
    await expect(pad.locator("#callback h1")).to_have_text("需要我們回電跟進嗎？（選填）")
    await expect(pad.locator("#cb-consent-text")).to_contain_text("僅為跟進本次評價而保存此號碼")
    await expect(pad.locator("#cb-send")).to_be_disabled()
    for digit in "13812345678":
        await pad.click(f"#cb-keys [data-key='{digit}']")
    await expect(pad.locator("#cb-phone")).to_have_text("13812345678")
    await expect(pad.locator("#cb-send")).to_be_disabled()  # not without consent
    for selector in ("#cb-send", "#cb-no", "#cb-consent", "#cb-keys", "#cb-consent-text"):
        assert await within_viewport(pad, selector), selector
    await pad.screenshot(path=str(artifacts / "rating-pad-callback-800x480.png"))
    await pad.check("#cb-consent")
    await pad.click("#cb-send")
    await expect(pad.locator("#thanks")).to_contain_text("謝謝！我們會盡快回電。")
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute(
            "SELECT c.ticket_id, k.phone FROM sv_contacts k JOIN sv_cases c ON c.id = k.case_id"
        ).fetchall()
    assert stored == [(ticket["id"], "13812345678")]
    manager = await staff_session(hall, "9001")
    assert [c["contact"] for c in await cases(hall, manager)] == ["138****5678"]
    assert pad.script_errors == []


async def sign_in(page, hall, staff: str):
    await page.fill("input[name=staff]", staff)
    await page.fill("input[name=pin]", hall.creds["staff"][staff])
    await page.click("form.signin button[type=submit]")


async def test_manager_follows_a_case_through_the_loop(hall, browser, artifacts):
    clerk = await hall.sign_in(5)
    ticket = await serve(hall, 5, "invoice", clerk=clerk)
    assert (await rate(hall, 5, ticket, "dissatisfied", "等候時間太長"))[0] == 200
    await serve(hall, 5, "invoice", clerk=clerk, outcome="promised", promised_days=1)
    page = await new_page(browser, hall, "/manager/supervision.html", 1440, 900)
    await sign_in(page, hall, "9001")
    rows = page.locator("#cases tbody tr")
    await expect(rows).to_have_count(2)
    await expect(page.locator("#cases")).to_contain_text("待核實")
    await expect(page.locator("#cases")).to_contain_text(ticket["label"])
    await page.click("#cases tr[data-kind=bad_review] button.open")
    await expect(page.locator("#case h2")).to_contain_text(ticket["label"])
    await page.click("#act-verify")
    await expect(page.locator("#case .status")).to_have_text("核實中")
    await page.click("#act-rectify")
    await page.click("#action-go")
    await expect(page.locator("#action-error")).to_contain_text("finding")  # required field named
    await page.fill("#f-finding", "高峰時段窗口不足")
    await page.click("#action-go")
    await expect(page.locator("#case .status")).to_have_text("整改中")
    await expect(page.locator("#steps li")).to_have_count(2)
    await expect(page.locator("#steps")).to_contain_text("高峰時段窗口不足")
    await page.screenshot(path=str(artifacts / "supervision-cases-1440x900.png"), full_page=True)
    # the board shows the due-today promised case after a day: yellow
    hall.clock.advance(2 * 86400)  # Friday 27 Nov: the promised case (Wed + 1 working day = Thu) is overdue
    manager = await staff_session(hall, "9001")
    status, board = await hall.get("/api/supervision/board", manager)
    assert board["overdue"] == 1
    assert page.script_errors == []


async def test_reports_page_and_liaison_view(hall, browser, artifacts):
    clerk = await hall.sign_in(5)
    t1 = await serve(hall, 5, "invoice", clerk=clerk)
    assert (await rate(hall, 5, t1, "dissatisfied"))[0] == 200
    await serve(
        hall, 5, "invoice", clerk=clerk, outcome="reply", refusal="not_permitted", legal_basis="《稅收徵收管理法》"
    )
    market_clerk = await hall.sign_in(3)
    t2 = await serve(hall, 3, "business_setup", clerk=market_clerk)
    assert (await rate(hall, 3, t2, "very_dissatisfied"))[0] == 200
    page = await new_page(browser, hall, "/manager/supervision-report.html?month=2026-11", 1440, 900)
    await sign_in(page, hall, "9001")
    await expect(page.locator("#rates-department tbody tr")).to_have_count(2)
    await expect(page.locator("#refusals tbody tr")).to_have_count(1)
    await expect(page.locator("#appraisal-windows tbody tr")).not_to_have_count(0)
    await page.screenshot(path=str(artifacts / "supervision-report-1440x900.png"), full_page=True)
    await page.emulate_media(media="print")
    assert not await page.is_visible(".controls")
    await page.emulate_media(media="screen")
    assert page.script_errors == []

    liaison = await new_page(browser, hall, "/manager/supervision.html", 1440, 900)
    await sign_in(liaison, hall, "7002")  # market
    await expect(liaison.locator("#cases tbody tr")).to_have_count(1)
    await expect(liaison.locator("#cases")).to_contain_text(t2["label"])
    await expect(liaison.locator("#who")).to_contain_text("吴磊")
    await expect(liaison.locator("#cases-title")).to_contain_text("市場監督管理局")
    await liaison.screenshot(path=str(artifacts / "supervision-liaison-1440x900.png"), full_page=True)
    assert liaison.script_errors == []


async def test_board_shows_overdue_cases(hall, browser):
    clerk = await hall.sign_in(5)
    await serve(hall, 5, "invoice", clerk=clerk, outcome="promised", promised_days=1)  # due Thu 26 Nov
    hall.clock.advance(2 * 86400)  # Friday: overdue
    page = await new_page(browser, hall, "/manager/board.html", 1440, 900)
    await sign_in(page, hall, "9001")
    await expect(page.locator("#supervision-lights")).to_have_text("督辦：已超期 1 · 今日到期 0")
    await expect(page.locator("#supervision-lights")).to_have_class("level-action")
    assert page.script_errors == []


async def test_counter_finish_records_a_refusal_and_a_return_visit(hall, browser, artifacts):
    status, first = await hall.issue("invoice")
    status, second = await hall.issue("invoice")
    page = await new_page(browser, hall, f"/counter/counter.html?token={hall.device_token('counter-05')}", 1440, 900)
    await page.fill("#staff", hall.clerk_for(5))
    await page.fill("#pin", hall.creds["staff"][hall.clerk_for(5)])
    await page.click("#signin-submit")
    await page.click("#act-call_next")
    await expect(page.locator("#ticket-label")).to_have_text(first["ticket"]["label"])
    await page.click("#act-finish")
    await page.select_option("#refusal", "not_permitted")
    await page.click("#finish-dialog [data-outcome=reply]")
    await expect(page.locator("#finish-dialog .error")).to_have_text("否定報備須填寫法律依據。")
    await page.fill("#legal-basis", "《行政許可法》第三十八條")
    await page.screenshot(path=str(artifacts / "counter-finish-refusal.png"))
    await page.click("#finish-dialog [data-outcome=reply]")
    await expect(page.locator("#finish-dialog")).to_have_count(0)
    await page.click("#act-call_next")
    await expect(page.locator("#ticket-label")).to_have_text(second["ticket"]["label"])
    await page.click("#act-finish")
    await page.fill("#linked-to", f"20261125-{first['ticket']['label']}")
    await page.click("#finish-dialog [data-outcome=immediate]")
    await expect(page.locator("#finish-dialog")).to_have_count(0)
    manager = await staff_session(hall, "9001")
    status, body = await hall.get("/api/supervision/refusals?month=2026-11", manager)
    assert [(r["label"], r["kind"], r["legal_basis"]) for r in body["refusals"]] == [
        (first["ticket"]["label"], "not_permitted", "《行政許可法》第三十八條")
    ]
    status, rates = await hall.get("/api/supervision/rates?month=2026-11", manager)
    assert rates["trips"]["two_or_more"] == 1
    assert page.script_errors == []


async def test_lead_window_sees_its_joint_case(hall, browser):
    status, issued = await hall.issue("invoice")
    page = await new_page(browser, hall, f"/counter/counter.html?token={hall.device_token('counter-05')}", 1440, 900)
    await page.fill("#staff", hall.clerk_for(5))
    await page.fill("#pin", hall.creds["staff"][hall.clerk_for(5)])
    await page.click("#signin-submit")
    await page.click("#act-call_next")
    await page.click("#act-finish")
    await page.click("#finish-dialog [data-outcome=joint]")
    await page.click("#finish-dialog button.go")
    await expect(page.locator("#finish-dialog .error")).to_have_text("請選擇聯辦的部門。")
    await page.check("#joint-departments [data-department=tax]")
    await page.check("#joint-departments [data-department=housing]")
    await page.click("#finish-dialog button.go")
    item = page.locator("#joint-list li")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text(issued["ticket"]["label"])
    await expect(item).to_contain_text("2026-12-02 到期")  # 5 working days after Wednesday 25 November
    await expect(item.locator(".task")).to_have_count(2)
    assert page.script_errors == []
