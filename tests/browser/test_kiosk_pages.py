"""The kiosk page and the phone tracking page in Chromium against the real demo hall.

Screenshots: artifacts/kiosk-*.png, artifacts/track*.png."""
from __future__ import annotations

import asyncio

import pytest

from server import appkeys as K
from tests.wsclient import WsClient

LANG_BUTTON = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
PEOPLE_AHEAD = {"zh-Hans": "前面还有", "zh-Hant": "前面還有", "en": "People ahead"}


async def kiosk_page(browser, hall, kiosk="kiosk-1", portrait=False, query=""):
    size = {"width": 1080, "height": 1920} if portrait else {"width": 1920, "height": 1080}
    context = await browser.new_context(viewport=size, bypass_csp=True)  # wait_for_function needs eval
    page = await context.new_page()
    page.script_errors = []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    await page.goto(hall.url(f"/kiosk/kiosk.html?token={hall.device_token(kiosk)}{query}"))
    await page.wait_for_selector("#app[data-screen=start] .tile", timeout=10000)
    await page.wait_for_selector("#link-banner", state="hidden", timeout=10000)  # the hub is online
    return page


def live_state(hall):
    return hall.server.app[K.SERVICE].state


def live_tickets(hall):
    return list(live_state(hall).tickets.values())


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
async def test_start_to_ticket_on_screen_in_each_language(browser, hall, artifacts, lang):
    page = await kiosk_page(browser, hall)
    await page.click(f"#langs button[data-lang={lang}]")
    if lang == "zh-Hant":
        await page.screenshot(path=str(artifacts / "kiosk-start-zh-Hant.png"))
    await page.click("[data-department=tax]")
    await page.wait_for_selector("[data-service=invoice]")
    if lang == "en":
        await page.screenshot(path=str(artifacts / "kiosk-services-en.png"))
    await page.click("[data-service=invoice]")
    await page.click("[data-action=take]")  # the service's guide comes first
    label = await page.wait_for_selector(".ticket .label", timeout=10000)
    assert await label.text_content() == "D001"
    body = await page.text_content("#app")
    assert PEOPLE_AHEAD[lang] in body
    assert await page.get_attribute(".ticket .qr img", "src") is not None
    await page.wait_for_function("document.querySelector('.ticket .qr img').naturalWidth > 0", timeout=5000)
    await page.screenshot(path=str(artifacts / f"kiosk-ticket-{lang}.png"))
    [ticket] = live_tickets(hall)
    assert ticket.lang == lang and ticket.kiosk == "kiosk-1"
    assert page.script_errors == []


async def test_double_tap_makes_one_ticket(browser, hall):
    page = await kiosk_page(browser, hall)
    await page.click("[data-department=police]")
    await page.click("[data-service=id_card]")
    await page.dblclick("[data-action=take]")
    await page.wait_for_selector(".ticket .label", timeout=10000)
    await asyncio.sleep(0)  # nothing else is in flight: the page sent one request
    assert [t.label for t in live_tickets(hall)] == ["G001"]


async def test_service_outside_issuing_hours_shows_a_message(browser, hall, artifacts):
    hall.clock.advance(3.5 * 3600)  # 12:30: civil air defence issues 09:00-11:30 and 14:00-16:30
    page = await kiosk_page(browser, hall)
    await page.click("[data-department=civil_defence]")
    tile = await page.wait_for_selector("[data-service=civil_defence_approval]")
    assert "off" in (await tile.get_attribute("class"))
    await tile.click()
    await page.wait_for_selector("[data-error=outside_issuing_hours]")
    text = await page.text_content("#app")
    assert "14:00-16:30" in text
    await page.screenshot(path=str(artifacts / "kiosk-closed-service.png"))
    assert live_tickets(hall) == []


async def test_daily_cap_reached_shows_a_message(browser, hall, artifacts):
    manager = await manager_session(hall)
    for _ in range(30):  # civil air defence: 30 a day
        status, body = await hall.post("/api/tickets", manager, {"service": "civil_defence_approval"})
        assert status == 200, body
    page = await kiosk_page(browser, hall, query="&lang=zh-Hant")
    await page.click("[data-department=civil_defence]")
    await page.click("[data-service=civil_defence_approval]")
    await page.wait_for_selector("[data-error=daily_cap_reached]")
    assert "今日號票已發完" in await page.text_content("#app")
    await page.screenshot(path=str(artifacts / "kiosk-daily-cap.png"))
    assert len(live_tickets(hall)) == 30


async def test_daily_cap_reached_server_side_message_when_the_page_is_stale(browser, hall):
    page = await kiosk_page(browser, hall, kiosk="kiosk-2")
    await page.click("[data-department=civil_defence]")
    await page.wait_for_selector("[data-service=civil_defence_approval]")
    # the kiosk's copy of the hall says there are tickets; the server knows better
    live_state(hall).issued["civil_defence_approval"] = 30
    await page.click("[data-service=civil_defence_approval]")
    await page.click("[data-action=take]")
    await page.wait_for_selector("[data-error=daily_cap_reached]")


async def manager_session(hall) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]})
    assert status == 200, body
    return body["token"]


async def test_appointment_check_in_by_code(browser, hall, artifacts):
    manager = await manager_session(hall)
    start = hall.clock.now() + 300
    status, body = await hall.post("/api/appointments", manager, {
        "code": "7K3Q9", "service": "property_transfer", "slot_start": start, "slot_end": start + 1800})
    assert status == 200, body
    page = await kiosk_page(browser, hall)
    await page.click("#langs button[data-lang=zh-Hant]")
    await page.click("[data-action=checkin]")
    for key in "7K3Q9":
        await page.click(f".keypad [data-key='{key}']")
    await page.screenshot(path=str(artifacts / "kiosk-checkin.png"))
    await page.click("[data-action=checkin-submit]")
    await page.wait_for_selector(".ticket .label", timeout=10000)
    assert "預約" in await page.text_content(".ticket .mark")
    [ticket] = live_tickets(hall)
    assert ticket.appointment_code == "7K3Q9" and ticket.channel == "appointment"
    # the same code again: a clear refusal
    await page.click("[data-action=done]")
    await page.click("[data-action=checkin]")
    for key in "7K3Q9":
        await page.click(f".keypad [data-key='{key}']")
    await page.click("[data-action=checkin-submit]")
    await page.wait_for_selector("[data-error=appointment_used]")


async def test_green_channel_at_kiosk_1_and_a_desk_note_at_kiosk_2(browser, hall, artifacts):
    page = await kiosk_page(browser, hall)
    await page.click("[data-action=green]")
    await page.click("[data-category=elderly]")
    await page.click("[data-department=tax]")
    await page.click("[data-service=invoice]")
    await page.click("[data-action=take]")
    await page.wait_for_selector(".ticket .mark")
    [ticket] = live_tickets(hall)
    assert (ticket.channel, ticket.green_category, ticket.kiosk) == ("green", "elderly", "kiosk-1")
    other = await kiosk_page(browser, hall, kiosk="kiosk-2", portrait=True)
    assert await other.query_selector("[data-action=green]") is None
    assert "綠色通道" in await other.text_content("[data-note=green]") or "绿色通道" in await other.text_content("[data-note=green]")
    await other.screenshot(path=str(artifacts / "kiosk-start-portrait.png"))


async def test_printer_paper_out_reaches_the_kiosk_page_and_the_manager(browser, hall, artifacts):
    page = await kiosk_page(browser, hall)
    manager = await WsClient.open(hall, await manager_session(hall))
    await manager.request({"type": "subscribe", "scope": {}})
    agent = await WsClient.open(hall, hall.creds["agents"]["kiosk-1"])  # the print agent's own token
    await agent.request({"type": "subscribe", "scope": {}})
    reply = await agent.request({"type": "printer_status", "status": "paper_out", "detail": "paper end sensor"})
    assert reply["success"], reply
    await page.wait_for_selector("#printer-banner[data-status=paper_out]", timeout=5000)
    while True:  # the manager board hears the same fault
        message = await manager.recv()
        if message.get("type") == "device_status" and message.get("printer") == "paper_out":
            assert message["device"] == "kiosk-1"
            break
    await page.click("[data-department=tax]")
    await page.click("[data-service=invoice]")
    await page.click("[data-action=take]")
    await page.wait_for_selector(".ticket [data-print=fault]", timeout=10000)
    await page.wait_for_function("document.querySelector('.ticket .qr img').naturalWidth > 0", timeout=5000)
    await page.screenshot(path=str(artifacts / "kiosk-paper-out.png"))
    # offline as well
    await agent.request({"type": "printer_status", "status": "offline"})
    await page.wait_for_selector("#printer-banner[data-status=offline]", timeout=5000)
    await agent.close()
    await manager.close()


async def test_tracking_page_updates_live_and_shows_the_window_when_called(browser, hall, artifacts):
    status, first = await hall.issue("invoice", lang="zh-Hant")
    status, mine = await hall.issue("invoice", lang="zh-Hant")
    assert status == 200
    path = mine["tracking_url"].split("/t/")[1]
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                        bypass_csp=True)
    phone = await context.new_page()
    phone.script_errors = []
    phone.on("pageerror", lambda err: phone.script_errors.append(str(err)))
    await phone.add_init_script("navigator.vibrate = (p) => { window.__vibrated = p; return true; }")
    await phone.goto(hall.url(f"/t/{path}?poll_ms=300"))
    await phone.wait_for_selector("[data-ahead='1']", timeout=5000)
    assert "D002" in await phone.text_content("#app")
    await phone.screenshot(path=str(artifacts / "track.png"))
    clerk = await hall.sign_in(5)
    status, body = await hall.post("/api/windows/5/call-next", clerk, {})
    assert body["ticket"]["label"] == "D001"
    await phone.wait_for_selector("[data-ahead='0']", timeout=5000)
    await hall.post(f"/api/tickets/{body['ticket']['id']}/finish", clerk, {"outcome": "immediate"})
    status, body = await hall.post("/api/windows/5/call-next", clerk, {})
    assert body["ticket"]["label"] == "D002"
    await phone.wait_for_selector("[data-called-window='5']", timeout=5000)
    assert await phone.evaluate("window.__vibrated") is not None
    assert await phone.evaluate("document.body.dataset.alerted") == "1"
    await phone.screenshot(path=str(artifacts / "track-called.png"))
    assert phone.script_errors == []
    # after the business day the link stops working
    hall.clock.advance(20 * 3600)
    await phone.reload()
    await phone.wait_for_selector("[data-state=gone]", timeout=5000)
    await phone.screenshot(path=str(artifacts / "track-expired.png"))
    await context.close()
