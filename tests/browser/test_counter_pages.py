"""The counter terminal and the rating pad in Chromium against the real demo hall: a clerk's whole
flow by clicks and keys, two terminals racing, the rating pad from a finished visit to the
statistics, and screenshots in Chinese (artifacts/counter.png, artifacts/rating-pad.png)."""
from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

import server.appkeys as K
from server.stats.figures import Query, compute
from tests.wsclient import WsClient

WAIT_MS = 8000


@pytest.fixture(autouse=True)
def _expect_timeout():
    from playwright.async_api import expect as _expect
    _expect.set_options(timeout=WAIT_MS)


async def open_page(browser, hall, path: str, device: str, lang: str = "zh-Hant", extra: str = ""):
    context = await browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-TW")
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.script_errors = []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    await page.goto(hall.url(f"{path}?token={hall.device_token(device)}&lang={lang}{extra}"))
    return page


async def open_counter(browser, hall, window: int, lang: str = "zh-Hant"):
    return await open_page(browser, hall, "/counter/counter.html", hall.counter_for(window), lang)


async def open_pad(browser, hall, window: int, lang: str = "zh-Hant", extra: str = ""):
    return await open_page(browser, hall, "/counter/pad.html", f"rating-{window:02d}", lang, extra)


async def sign_in(page, hall, staff: str):
    await page.fill("#staff", staff)
    await page.fill("#pin", hall.creds["staff"][staff])
    await page.click("#signin-submit")
    await expect(page.locator("#act-call_next")).to_be_visible()
    await expect(page.locator("#conn")).to_have_text("已連線")


async def press(page, key: str):
    await page.locator("body").focus()
    await page.keyboard.press(key)


async def issue(hall, service: str, n: int = 1, **extra) -> list[dict]:
    tickets = []
    for _ in range(n):
        status, body = await hall.issue(service, **extra)
        assert status == 200, body
        tickets.append(body["ticket"])
    return tickets


async def ticket(hall, ticket_id: int) -> dict:
    # read as a manager: staff see a ticket's notes, public screens never do (server/audience.py)
    status, body = await hall.get(f"/api/tickets/{ticket_id}", await hall.manager_token())
    assert status == 200, body
    return body["ticket"]


async def next_event(ws: WsClient, type_: str) -> dict:
    """The next event of a type (bounded by WsClient's timeout)."""
    while True:
        message = await ws.recv()
        if message.get("type") == "event" and message["event"]["type"] == type_:
            return message["event"]


async def hall_display(hall) -> WsClient:
    ws = await WsClient.open(hall, hall.device_token("display-hall"))
    reply = await ws.request({"type": "subscribe", "scope": {}})
    assert reply["success"], reply
    return ws


# --- a clerk's day ----------------------------------------------------------------------------------

async def test_clerk_flow_by_clicks_and_keys(hall, browser):
    # the citizens chose Traditional Chinese at the kiosk
    a1, a2, a3, a4, a5, a6 = await issue(hall, "business_setup", 6, lang="zh-Hant")
    page = await open_counter(browser, hall, 3)
    await expect(page.locator("#signin")).to_be_visible()
    await sign_in(page, hall, "1003")
    await expect(page.locator("tr[data-service=business_setup] td.waiting")).to_have_text("6")

    # the session survives a reload
    await page.reload()
    await expect(page.locator("#act-call_next")).to_be_visible()
    await expect(page.locator("#clerk")).to_contain_text("1003")

    # call next (a click) and the hall display hears it
    display = await hall_display(hall)
    await page.click("#act-call_next")
    await expect(page.locator("#ticket-label")).to_have_text(a1["label"])
    called = await next_event(display, "ticket_called")
    assert (called["ticket"]["label"], called["window"]) == (a1["label"], 3)
    await expect(page.locator("#message")).to_have_text(f"已呼叫 {a1['label']}")
    await expect(page.locator("tr[data-service=business_setup] td.waiting")).to_have_text("5")

    # recall (key *), no-show (key -), call it back from the missed list (key 4, then 1)
    await press(page, "*")
    await expect(page.locator("#message")).to_have_text(f"已重呼 {a1['label']}")
    assert (await next_event(display, "ticket_recalled"))["ticket"]["label"] == a1["label"]
    await press(page, "-")
    await expect(page.locator("#ticket-label")).to_have_text("目前沒有號票，按「叫號」呼叫下一位。")
    await press(page, "4")
    await expect(page.locator(f"#missed-dialog [data-ticket='{a1['id']}']")).to_be_visible()
    await press(page, "1")
    await expect(page.locator("#ticket-label")).to_have_text(a1["label"])
    assert (await ticket(hall, a1["id"]))["status"] == "called"

    # start (Enter), suspend (key 7, Enter), take back and call again in one step (key 8, then 1)
    await press(page, "Enter")
    await expect(page.locator("#ticket-status")).to_contain_text("辦理中")
    await press(page, "7")
    await page.fill("#suspend-reason", "回車上取材料")
    await page.keyboard.press("Enter")
    await expect(page.locator(f"#suspended-list [data-ticket='{a1['id']}']")).to_be_visible()
    assert (await ticket(hall, a1["id"]))["status"] == "suspended"
    await press(page, "8")
    await press(page, "1")
    await expect(page.locator("#ticket-label")).to_have_text(a1["label"])
    await expect(page.locator("#suspended-list")).to_have_count(0)
    assert (await ticket(hall, a1["id"]))["status"] == "called"

    # transfer (key 9): to window 4, front of its queue, with a note
    await press(page, "9")
    await page.select_option("#to-window", "4")
    await page.check("#to-front")
    await page.fill("#transfer-note", "已核驗身份證")
    await page.click("#transfer-dialog button.go")
    await expect(page.locator("#message")).to_have_text(f"{a1['label']} 已轉移")
    moved = await ticket(hall, a1["id"])
    assert (moved["status"], moved["pinned_window"], moved["notes"]) == ("waiting", 4, ["已核驗身份證"])

    # finish with each outcome
    ws_events = []
    await press(page, "+")
    await expect(page.locator("#ticket-label")).to_have_text(a2["label"])
    await press(page, "1")  # 即辦, one key
    ws_events.append(await next_event(display, "service_finished"))

    await press(page, "+")
    await expect(page.locator("#ticket-label")).to_have_text(a3["label"])
    await press(page, "/")
    await press(page, "2")
    await page.fill("#promised-days", "7")
    await page.keyboard.press("Enter")
    ws_events.append(await next_event(display, "service_finished"))

    await press(page, "+")
    await expect(page.locator("#ticket-label")).to_have_text(a4["label"])
    await page.click("#act-finish")
    await press(page, "3")  # 聯辦: names the departments involved
    await page.check("#joint-departments [data-department=tax]")
    await page.check("#joint-departments [data-department=market]")
    await page.click("#finish-dialog button.go")
    ws_events.append(await next_event(display, "service_finished"))

    await page.click("#act-call_next")
    await expect(page.locator("#ticket-label")).to_have_text(a5["label"])
    await page.click("#act-finish")
    await page.click("#finish-dialog [data-outcome=reply]")
    ws_events.append(await next_event(display, "service_finished"))

    await press(page, "+")
    await expect(page.locator("#ticket-label")).to_have_text(a6["label"])
    await press(page, "/")
    await press(page, "5")
    # the service's own materials (its guide in the hall configuration) are the checklist
    await page.check("#materials-checklist input >> nth=2")
    await page.locator("#materials").type("近三個月銀行流水")
    await page.click("#finish-dialog button.go")
    await expect(page.locator("#notice-materials li")).to_have_text(["股東、法定代表人身份證明", "近三個月銀行流水"])
    await expect(page.locator("#notice-guide")).to_contain_text("12315")
    await expect(page.locator("#notice-number")).to_have_text(f"20261125-{a6['label']}")
    await expect(page.locator("#print-notice")).to_be_visible()
    await page.emulate_media(media="print")
    await expect(page.locator("#notice")).to_be_visible()
    await expect(page.locator("#actions")).to_be_hidden()
    await page.emulate_media(media="screen")
    await page.keyboard.press("Escape")
    ws_events.append(await next_event(display, "service_finished"))
    assert [(e["ticket"]["label"], e["outcome"]) for e in ws_events] == [
        (a2["label"], "immediate"), (a3["label"], "promised"), (a4["label"], "joint"),
        (a5["label"], "reply"), (a6["label"], "supplement")]
    assert ws_events[1]["promised_days"] == 7
    assert "materials" not in ws_events[4]  # public screens never get what a clerk typed
    stored = await hall.app[K.SERVICE].events_since(ws_events[4]["seq"] - 1, 1)
    assert stored[0]["materials"] == ["股東、法定代表人身份證明", "近三個月銀行流水"]

    # nothing waits: calling shows a clear message and nothing breaks
    await expect(page.locator("#act-call_next")).to_be_enabled()
    await press(page, "+")
    await expect(page.locator("#message")).to_have_text("目前沒有等候的號票。")

    # pause with a reason (key 5, then 1) and resume (key 5)
    await press(page, "5")
    await press(page, "1")
    await expect(page.locator("#window-status")).to_have_text("暫停服務：午休")
    await expect(page.locator("#act-call_next")).to_be_disabled()
    await press(page, "5")
    await expect(page.locator("#window-status")).to_have_text("服務中")

    # today's figures for this clerk
    await expect(page.locator("#me-served")).to_have_text("5")
    await expect(page.locator("#win-served")).to_have_text("5")

    # sign out: the window closes and the sign-in form is back
    await page.click("#sign-out")
    await expect(page.locator("#signin")).to_be_visible()
    status, state = await hall.get("/api/hall?window=3", hall.device_token("display-hall"))
    assert state["windows"][0]["status"] == "closed" and state["windows"][0]["staff"] is None
    assert page.script_errors == []
    await display.close()


async def test_network_blip_and_second_sign_in_elsewhere(hall, browser):
    page = await open_counter(browser, hall, 3)
    await sign_in(page, hall, "1003")
    # the hub drops every socket: the page reconnects by itself and catches up
    for conn in list(hall.app[K.HUB].connections):
        await conn.ws.close(code=1011, message=b"blip")
    await expect(page.locator("#conn")).to_have_text("連線中斷，正在重新連線…")
    await issue(hall, "business_setup", 2)
    await expect(page.locator("#conn")).to_have_text("已連線")
    await expect(page.locator("tr[data-service=business_setup] td.waiting")).to_have_text("2")
    await expect(page.locator("#act-call_next")).to_be_visible()

    # the same clerk at another window's terminal is refused, clearly
    other = await open_counter(browser, hall, 4)
    await other.fill("#staff", "1003")
    await other.fill("#pin", hall.creds["staff"]["1003"])
    await other.click("#signin-submit")
    await expect(other.locator("#signin-error")).to_have_text("工號 1003 已在 3 號窗口簽到，請先在該窗口簽退。")
    # a wrong PIN is a plain message too
    await other.fill("#staff", "1004")
    await other.fill("#pin", "000000")
    await other.click("#signin-submit")
    await expect(other.locator("#signin-error")).to_have_text("工號或密碼錯誤。")
    assert page.script_errors == [] and other.script_errors == []


async def test_two_terminals_race_for_the_last_ticket(hall, browser):
    (only,) = await issue(hall, "business_setup")
    left = await open_counter(browser, hall, 3)
    right = await open_counter(browser, hall, 4)
    await sign_in(left, hall, "1003")
    await sign_in(right, hall, "1004")
    await expect(left.locator("tr[data-service=business_setup] td.waiting")).to_have_text("1")
    await expect(right.locator("tr[data-service=business_setup] td.waiting")).to_have_text("1")
    await asyncio.gather(left.click("#act-call_next"), right.click("#act-call_next"))
    labels = []
    for page in (left, right):
        await expect(page.locator("#message")).to_have_text(re.compile(f"已呼叫 {only['label']}|目前沒有等候的號票。"))
        labels.append(await page.locator("#message").text_content())
    assert sorted(labels) == sorted([f"已呼叫 {only['label']}", "目前沒有等候的號票。"])
    status, state = await hall.get("/api/hall", hall.device_token("display-hall"))
    holders = [w["number"] for w in state["windows"] if w["ticket"]]
    assert len(holders) == 1
    assert left.script_errors == [] and right.script_errors == []


async def test_finishing_what_another_terminal_finished(hall, browser):
    await issue(hall, "business_setup")
    first = await open_counter(browser, hall, 3)
    await sign_in(first, hall, "1003")
    second = await open_counter(browser, hall, 3)  # the same clerk, a second terminal at the window
    await sign_in(second, hall, "1003")
    await first.click("#act-call_next")
    await expect(second.locator("#ticket-label")).to_have_text("A001")
    await press(second, "/")  # the second terminal opens the finish dialog...
    await expect(second.locator("#finish-dialog")).to_be_visible()
    await press(first, "1")  # ...while the first finishes the ticket
    await expect(first.locator("#message")).to_have_text("A001 已辦結")
    await press(second, "1")
    await expect(second.locator("#message")).to_have_text("此號票已不在本窗口（可能已在其他終端處理）。")
    await expect(second.locator("#ticket-label")).to_have_text("目前沒有號票，按「叫號」呼叫下一位。")
    assert first.script_errors == [] and second.script_errors == []


# --- the rating pad -----------------------------------------------------------------------------------

async def test_rating_pad_from_visit_to_statistics(hall, browser, artifacts):
    a1, a2, a3 = await issue(hall, "business_setup", 3)
    pad = await open_pad(browser, hall, 3, extra="&thanks_s=1")
    await expect(pad.locator("#clerk")).to_have_text("窗口暫無工作人員")
    counter = await open_counter(browser, hall, 3)
    await sign_in(counter, hall, "1003")
    await expect(pad.locator("#clerk-name")).to_have_text("张伟")
    await expect(pad.locator("#clerk-staff")).to_have_text("工號 1003")
    await expect(pad.locator("#idle")).to_contain_text("3 號窗口")
    await pad.screenshot(path=str(artifacts / "rating-pad-idle.png"))

    await press(counter, "+")
    await expect(counter.locator("#ticket-label")).to_have_text(a1["label"])
    await press(counter, "Enter")
    await expect(counter.locator("#ticket-status")).to_contain_text("辦理中")
    await press(counter, "1")
    await expect(pad.locator("#rate")).to_contain_text(f"號票 {a1['label']}")
    await expect(pad.locator("#rate button")).to_have_text(
        ["★★★★★非常滿意", "★★★★滿意", "★★★基本滿意", "★★不滿意", "★非常不滿意"])
    await expect(counter.locator("#rating-note")).to_have_text(f"等待市民評價：{a1['label']}")
    await pad.screenshot(path=str(artifacts / "rating-pad.png"))

    # a bad rating asks for a reason and offers a call back, then thanks the citizen and goes back to idle
    await pad.click("[data-level=dissatisfied]")
    await expect(pad.locator("#reason")).to_be_visible()
    await pad.click("[data-reason=rs_wait]")
    await pad.fill("#reason-text", "窗口人手不足")
    await pad.click("#reason-submit")
    await pad.click("#cb-no")  # the optional call-back number (after a bad rating only): declined
    await expect(pad.locator("#thanks")).to_contain_text("感謝您的評價！")
    await expect(counter.locator("#rating-note")).to_have_text(f"{a1['label']} 已收到市民評價")
    await expect(counter.locator("#me-rated")).to_have_text("1")
    assert "不滿意" not in await counter.locator("body").inner_text()  # the clerk never sees which

    # it landed on the right visit and in the statistics
    rows = await hall.app[K.SERVICE].reader.run(lambda conn: conn.execute(
        "SELECT ticket_id, staff, window, rating, rating_reason FROM segments WHERE rated = 1").fetchall())
    assert [tuple(r) for r in rows] == [(a1["id"], "1003", 3, "dissatisfied", "等候時間太長；窗口人手不足")]
    day = hall.app[K.SERVICE].state.day
    stats = await hall.app[K.SERVICE].reader.run(compute, Query(hall.settings.hall, day, day, group_by="clerk"))
    clerk = next(g for g in stats["groups"] if g["key"] == "1003")
    assert clerk["ratings"]["dissatisfied"] == 1 and clerk["counts"]["rated"] == 1

    # a second rating for the same visit is refused
    status, body = await hall.post(f"/api/tickets/{a1['id']}/rating", hall.device_token("rating-03"),
                                   {"level": "very_satisfied"})
    assert (status, body["error"]["code"]) == (409, "already_rated")

    # an unrated visit times out as not rated; the pad returns to idle by itself
    await press(counter, "+")
    await expect(counter.locator("#ticket-label")).to_have_text(a2["label"])
    await press(counter, "1")
    await expect(pad.locator("#rate")).to_be_visible()
    hall.clock.advance(hall.settings.hall.rules.rating_timeout_s + 1)
    await hall.app[K.SERVICE].tick()
    await expect(pad.locator("#idle")).to_be_visible()
    await expect(counter.locator("#me-not-rated")).to_have_text("1")
    await expect(counter.locator("#rating-note")).to_have_count(0)
    status, body = await hall.post(f"/api/tickets/{a2['id']}/rating", hall.device_token("rating-03"),
                                   {"level": "satisfied"})
    # settled as "not rated": no rating can be added any more (the domain answers already_rated)
    assert status == 409 and body["error"]["code"] in ("already_rated", "rating_closed")

    # a tap that comes too late (before housekeeping noticed) is told so, then the pad goes idle
    await press(counter, "+")
    await expect(counter.locator("#ticket-label")).to_have_text(a3["label"])
    await press(counter, "1")
    await expect(pad.locator("#rate")).to_contain_text(a3["label"])
    hall.clock.advance(hall.settings.hall.rules.rating_timeout_s + 1)
    await pad.click("[data-level=satisfied]")
    await expect(pad.locator("#thanks")).to_have_text("評價時間已過。")
    await hall.app[K.SERVICE].tick()
    await expect(counter.locator("#me-not-rated")).to_have_text("2")
    await expect(pad.locator("#idle")).to_be_visible()  # ?thanks_s=1
    assert pad.script_errors == [] and counter.script_errors == []


async def test_rating_pad_in_english_and_a_good_rating(hall, browser):
    (a1,) = await issue(hall, "business_setup")
    counter = await open_counter(browser, hall, 3, lang="en")
    await sign_in_en(counter, hall, "1003")
    pad = await open_pad(browser, hall, 3, lang="en")
    await expect(pad.locator("#clerk-staff")).to_have_text("Staff no. 1003")
    await counter.click("#act-call_next")
    await counter.click("#act-finish_immediate")
    await expect(pad.locator("#rate h1")).to_have_text("Please rate this service")
    await pad.click("#lang-zh-Hant")
    await expect(pad.locator("#rate h1")).to_have_text("請對本次服務作出評價")
    await pad.click("[data-level=very_satisfied]")  # a good rating goes at once, no reason asked
    await expect(pad.locator("#thanks")).to_contain_text("感謝您的評價！")
    await expect(counter.locator("#rating-note")).to_have_text(f"A rating arrived for {a1['label']}")


async def test_a_pad_that_connects_after_the_finish_still_offers_the_visit(hall, browser):
    """A pad started (or reconnected) after its window finished a visit offers that visit: the
    window's snapshot names it, so no rating is lost to a pad that was not listening yet."""
    (a1,) = await issue(hall, "business_setup")
    clerk = await hall.sign_in(3, "1003")
    status, called = await hall.post("/api/windows/3/call-next", clerk)
    assert status == 200 and called["ticket"]["id"] == a1["id"]
    status, _ = await hall.post(f"/api/tickets/{a1['id']}/finish", clerk, {"outcome": "immediate"})
    assert status == 200
    pad = await open_pad(browser, hall, 3)
    await expect(pad.locator("#rate")).to_contain_text(f"號票 {a1['label']}")
    await pad.click("[data-level=very_satisfied]")
    await expect(pad.locator("#thanks")).to_contain_text("感謝您的評價！")
    status, hall_view = await hall.get("/api/hall", hall.device_token("rating-03"))
    assert status == 200 and hall_view["windows"][0]["awaiting_rating"] is None  # rated: nothing pending
    assert pad.script_errors == []


async def sign_in_en(page, hall, staff: str):
    await page.fill("#staff", staff)
    await page.fill("#pin", hall.creds["staff"][staff])
    await page.click("#signin-submit")
    await expect(page.locator("#conn")).to_have_text("Online")


async def test_wrong_devices_are_refused(hall, browser):
    pad_as_counter = await open_page(browser, hall, "/counter/counter.html", "rating-03")
    await expect(pad_as_counter.locator("#fatal")).to_have_text("此設備不是窗口終端，不能在此使用。")
    counter_as_pad = await open_page(browser, hall, "/counter/pad.html", "counter-03")
    await expect(counter_as_pad.locator("#fatal")).to_have_text("此設備不是評價器，不能在此使用。")


# --- screenshots ---------------------------------------------------------------------------------------

async def test_counter_screenshot(hall, browser, artifacts):
    await issue(hall, "business_setup", 3)
    await issue(hall, "business_change", 2)
    hall.clock.advance(17 * 60)  # past the 15-minute warning
    await issue(hall, "business_change", 1)
    page = await open_counter(browser, hall, 3)
    await sign_in(page, hall, "1003")
    for minutes in (6, 9):  # two visits done today
        await press(page, "+")
        await expect(page.locator("#ticket-label")).not_to_have_text("目前沒有號票，按「叫號」呼叫下一位。")
        await press(page, "Enter")
        hall.clock.advance(minutes * 60)
        await press(page, "1")
        await expect(page.locator("#message")).to_contain_text("已辦結")
    # window 4 hands a green-channel citizen over to window 3, with a note
    (green,) = await issue(hall, "business_setup", 1, channel="green", green_category="elderly")
    other = await hall.sign_in(4, "1004")
    status, called = await hall.post("/api/windows/4/call", other, {"ticket_id": green["id"]})
    assert status == 200, called
    status, moved = await hall.post(f"/api/tickets/{green['id']}/transfer", other,
                                    {"to_window": 3, "front": True, "note": "已核驗老年證，材料齊全"})
    assert status == 200, moved
    await press(page, "+")
    await expect(page.locator("#ticket-label")).to_have_text(green["label"])
    await press(page, "Enter")
    await expect(page.locator("#ticket-status")).to_contain_text("辦理中")
    await expect(page.locator("#ticket-notes")).to_contain_text("已核驗老年證")
    await expect(page.locator("#me-served")).to_have_text("2")
    await page.screenshot(path=str(artifacts / "counter.png"), full_page=True)
    assert page.script_errors == []
