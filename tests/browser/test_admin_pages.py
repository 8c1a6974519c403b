"""The administration page in Chromium at 1440x900, while tickets wait and are served: add a service
and issue it at the kiosk, move a window to another department and see routing follow, add a clerk
who signs in and chooses a PIN, rotate a device token, post a notice that reaches a hall display.
Every test counts the day's tickets before and after: a live change never loses one."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from server.admin.http import KEEPER
from tests.wsclient import WsClient

WAIT_MS = 10_000


@pytest.fixture
async def admin_page(browser):
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-TW")
    page = await context.new_page()
    page.script_errors = []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    yield page
    await context.close()


async def open_admin(page, hall, lang="zh-Hant"):
    await page.goto(hall.url(f"/manager/admin.html?lang={lang}"))
    await page.fill("input[name=staff]", "9001")
    await page.fill("input[name=pin]", hall.creds["staff"]["9001"])
    await page.click("form.signin button[type=submit]")
    await expect(page.locator("#entries")).to_be_visible(timeout=WAIT_MS)


async def busy_floor(hall) -> dict:
    """Tickets waiting and one being served at window 3, as on a real morning."""
    for service in ("business_setup", "business_change", "invoice", "business_setup"):
        assert (await hall.issue(service))[0] == 200
    clerk = await hall.sign_in(3)
    status, called = await hall.post("/api/windows/3/call-next", clerk)
    assert status == 200
    await hall.post(f"/api/tickets/{called['ticket']['id']}/start", clerk)
    return {"clerk": clerk, "serving": called["ticket"]["id"]}


async def tickets(hall) -> dict[int, str]:
    """Every ticket of the day and its status, as the API tells it."""
    service = hall.app[__import__("server.appkeys", fromlist=["SERVICE"]).SERVICE]
    return {t.id: t.status.value for t in service.state.tickets.values()}


async def test_add_a_service_with_windows_then_issue_it_at_the_kiosk(hall, admin_page, artifacts):
    floor = await busy_floor(hall)
    before = await tickets(hall)
    page = admin_page
    await open_admin(page, hall)
    await page.click("#add")
    form = page.locator("#entry-form")
    await form.locator("input[name=code]").fill("residence_permit")
    await form.locator("input[name=prefix]").fill("r1")
    await form.locator("input[name='name.zh-Hans']").fill("居住证办理")
    await form.locator("input[name='name.zh-Hant']").fill("居住證辦理")
    await form.locator("input[name='name.en']").fill("Residence Permit")
    await form.locator("input[name=department]").fill("market")
    await form.locator("[data-key=windows] input[value='3']").check()
    guide = form.locator("fieldset[data-key=guide]")
    materials = guide.locator("[data-key=materials]")
    for line in (("居住证申请表", "居住證申請表", "Application form"),
                 ("居民身份证", "居民身份證", "Resident ID card")):
        await materials.locator("button.add-line").click()
        row = materials.locator(".names").last
        for lang, text in zip(("zh-Hans", "zh-Hant", "en"), line, strict=True):
            await row.locator(f"input[data-lang='{lang}']").fill(text)
    await guide.locator("input[name=time_limit_days]").fill("5")
    await guide.locator("input[name=consult_phone]").fill("0571-12345")
    await page.click("#save")
    # a wrong prefix: refused with the field named in the page's language, nothing stored
    await expect(page.locator("#message")).to_contain_text("欄位有誤「號票字頭」", timeout=WAIT_MS)
    await expect(page.locator("#message")).to_contain_text("must be one or two capital letters, got 'r1'")
    await expect(form.locator("input[name=prefix]")).to_have_attribute("data-invalid", "")
    await form.locator("input[name=prefix]").fill("R")
    await page.click("#save")
    await expect(page.locator("#message")).to_contain_text("已保存", timeout=WAIT_MS)
    await page.screenshot(path=str(artifacts / "admin-services.png"))
    status, view = await hall.get("/api/hall", hall.device_token("kiosk-1"))
    assert "residence_permit" in [s["code"] for s in view["services"]]
    status, center = await hall.get("/api/center")  # what the kiosk's guide and the counter's checklist read
    added = next(s for s in center["services"] if s["code"] == "residence_permit")
    assert [m["en"] for m in added["guide"]["materials"]] == ["Application form", "Resident ID card"]
    assert added["guide"]["time_limit_days"] == 5 and added["guide"]["consult_phone"] == "0571-12345"
    status, issued = await hall.issue("residence_permit")
    assert status == 200 and issued["ticket"]["label"] == "R001"
    status, _ = await hall.post(f"/api/tickets/{floor['serving']}/finish", floor["clerk"], {"outcome": "immediate"})
    assert status == 200
    status, called = await hall.post("/api/windows/3/call-next", floor["clerk"])
    assert status == 200
    after = await tickets(hall)
    assert set(before) <= set(after) and len(after) == len(before) + 1
    assert page.script_errors == []


async def test_a_stale_page_gets_a_conflict_and_reloads(hall, admin_page):
    await busy_floor(hall)
    page = admin_page
    await open_admin(page, hall, lang="en")
    await page.click("#entries tr[data-id='business_setup']")
    await page.locator("#entry-form input[name='name.en']").fill("Company Registration")
    token = (await hall.post("/api/sessions", None, {"staff": "9002", "pin": hall.creds["staff"]["9002"]}))[1]["token"]
    status, config = await hall.get("/api/admin/config", token)
    department = next(d for d in config["document"]["departments"] if d["code"] == "tax")
    department["name"]["en"] = "Tax Office"
    status, _ = await hall.call("PUT", "/api/admin/entries/departments/tax", token,
                                {"version": config["version"], "entry": department})
    assert status == 200
    await page.click("#save")
    await expect(page.locator("#message")).to_contain_text("Another manager has just changed", timeout=WAIT_MS)
    await page.click("#reload")
    await expect(page.locator("#version")).to_contain_text(str(config["version"] + 1), timeout=WAIT_MS)
    status, config = await hall.get("/api/admin/config", token)
    assert next(s for s in config["document"]["services"] if s["code"] == "business_setup")["name"]["en"] \
        == "Business Registration"


async def test_move_a_window_to_another_department_for_the_afternoon_and_routing_follows(hall, admin_page):
    floor = await busy_floor(hall)
    before = await tickets(hall)
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    assert (await display.request({"type": "subscribe", "scope": {}}))["success"]
    page = admin_page
    await open_admin(page, hall)
    await page.click("nav.tabs button[data-tab=rota]")
    await page.click("#add")
    form = page.locator("#entry-form")
    await form.locator("input[name=window]").fill("7")
    await form.locator("input[name=services]").fill("business_change, business_setup")
    await form.locator("input[name=department]").fill("market")
    await form.locator("input[name=weekdays]").fill("3")
    await form.locator("input[name=hours]").fill("13:00-17:30")
    await page.click("#save")
    await expect(page.locator("#message")).to_contain_text("已保存", timeout=WAIT_MS)
    await expect(page.locator("#entries tr[data-id='0']")).to_contain_text("market")
    assert (await display.recv(timeout=2))["type"] == "config_changed"  # the new version
    keeper = hall.app[KEEPER]
    assert keeper.service.hall.window(7).department == "tax"  # 09:00: the morning is the tax bureau's
    hall.clock.advance(4 * 3600)
    await keeper.tick()  # 13:00: the service's periodic tick applies the turn
    assert (await display.recv(timeout=2))["type"] == "config_changed"
    clerk7 = await hall.sign_in(7)
    status, called = await hall.post("/api/windows/7/call-next", clerk7)
    assert status == 200 and called["ticket"]["service"] == "business_change"
    status, view = await hall.get("/api/hall", hall.device_token("display-hall"))
    window7 = next(w for w in view["windows"] if w["number"] == 7)
    assert window7["department"] == "market" and window7["services"] == ["business_change", "business_setup"]
    after = await tickets(hall)
    assert set(after) == set(before) and after[floor["serving"]] == "serving"
    await display.close()
    assert page.script_errors == []


async def test_add_a_clerk_who_signs_in_and_chooses_a_pin(hall, admin_page):
    await busy_floor(hall)
    page = admin_page
    await open_admin(page, hall, lang="zh-Hans")
    await page.click("nav.tabs button[data-tab=staff]")
    await page.click("#add")
    form = page.locator("#entry-form")
    await form.locator("input[name=number]").fill("1201")
    await form.locator("input[name=name]").fill("周敏")
    await form.locator("input[name=windows]").fill("9")
    await page.click("#save")
    await expect(page.locator("#secret-value")).to_be_visible(timeout=WAIT_MS)
    pin = (await page.text_content("#secret-value")).strip()
    counter = hall.device_token(hall.counter_for(9))
    status, session = await hall.post("/api/sessions", counter, {"staff": "1201", "pin": pin})
    assert status == 200 and session["pin_change_required"] is True
    status, _ = await hall.post("/api/sessions/current/pin", session["token"], {"current_pin": pin, "new_pin": "8642"})
    assert status == 200
    await page.click("nav.tabs button[data-tab=staff]")
    await page.click("#entries tr[data-id='1201']")
    await expect(page.locator("#entry-form input[name=pin_change_required]")).not_to_be_checked()
    await page.click("#reset-pin")
    await expect(page.locator("#secret-value")).to_be_visible(timeout=WAIT_MS)
    assert (await page.text_content("#secret-value")).strip() != pin
    await page.click("nav.tabs button[data-tab=audit]")
    await expect(page.locator("#audit tr[data-action=pin_reset]")).to_have_count(1, timeout=WAIT_MS)
    await expect(page.locator("#audit tr[data-action=pin_changed]")).to_contain_text("1201")
    await page.select_option("#audit-filter select[name=action]", "config_change")
    await page.click("#audit-filter button[type=submit]")
    await expect(page.locator("#audit tr[data-action=pin_reset]")).to_have_count(0, timeout=WAIT_MS)
    await expect(page.locator("#audit tr[data-action=config_change]")).to_contain_text("staff:1201")
    assert page.script_errors == []


async def test_only_a_manager_gets_past_the_sign_in(hall, admin_page):
    page = admin_page
    await page.goto(hall.url("/manager/admin.html?lang=en"))
    clerk = hall.clerk_for(3)
    await page.fill("input[name=staff]", clerk)
    await page.fill("input[name=pin]", hall.creds["staff"][clerk])
    await page.click("form.signin button[type=submit]")
    await expect(page.locator("form.signin .error")).not_to_be_empty(timeout=WAIT_MS)
    assert await page.locator("#entries").count() == 0
    assert page.script_errors == []


async def test_rotate_a_device_token_and_post_a_notice_to_the_hall_display(hall, admin_page, browser):
    await busy_floor(hall)
    before = await tickets(hall)
    page = admin_page
    display_context = await browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-TW")
    display = await display_context.new_page()
    await display.goto(hall.url(f"/display/hall.html?token={hall.device_token('display-hall')}&lang=en&backoff_ms=200"))
    await expect(display.locator("#tiles .tile").first).to_be_visible(timeout=WAIT_MS)
    await open_admin(page, hall, lang="en")
    await page.click("nav.tabs button[data-tab=center]")
    await page.locator("#center-form input[name='notice.en']").fill("Counter 16 closes at 16:00 today")
    await page.click("#save-center")
    await expect(page.locator("#message")).to_contain_text("Saved", timeout=WAIT_MS)
    await expect(display.locator("#ticker")).to_contain_text("Counter 16 closes at 16:00 today", timeout=2000)
    assert await display.evaluate("window.__hallq.unknown") == []  # config_changed is the hub client's business
    await page.click("nav.tabs button[data-tab=devices]")
    old = hall.device_token("kiosk-2")
    await page.click("#entries tr[data-id='kiosk-2']")
    await page.click("#rotate")
    await expect(page.locator("#secret-value")).to_be_visible(timeout=WAIT_MS)
    new = (await page.text_content("#secret-value")).strip()
    assert (await hall.get("/api/kiosk", old))[0] == 401
    assert (await hall.get("/api/kiosk", new))[0] == 200
    assert (await hall.issue("invoice", kiosk="kiosk-1"))[0] == 200
    after = await tickets(hall)
    assert set(before) < set(after)
    await display_context.close()
    assert page.script_errors == []


async def test_a_manager_with_a_reset_pin_chooses_their_own_before_anything_else(hall, admin_page):
    token = (await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]}))[1]["token"]
    status, config = await hall.get("/api/admin/config", token)
    status, reset = await hall.post("/api/admin/staff/9002/reset-pin", token, {"version": config["version"]})
    assert status == 200
    page = admin_page
    await page.goto(hall.url("/manager/admin.html?lang=en"))
    await page.fill("input[name=staff]", "9002")
    await page.fill("input[name=pin]", reset["pin"])
    await page.click("form.signin button[type=submit]")
    await expect(page.locator("#own-pin")).to_be_visible(timeout=WAIT_MS)
    await page.fill("#own-pin input[name=current_pin]", reset["pin"])
    await page.fill("#own-pin input[name=new_pin]", "975310")
    await page.fill("#own-pin input[name=new_pin_again]", "975311")
    await page.click("#own-pin button[type=submit]")
    await expect(page.locator("#own-pin .error")).to_have_text("The two PINs differ")
    await page.fill("#own-pin input[name=new_pin_again]", "975310")
    await page.click("#own-pin button[type=submit]")
    await expect(page.locator("#entries")).to_be_visible(timeout=WAIT_MS)
    status, _ = await hall.post("/api/sessions", None, {"staff": "9002", "pin": "975310"})
    assert status == 200
    assert page.script_errors == []


async def test_a_new_services_guide_reaches_an_open_counters_checklist(hall, browser):
    from tests.browser.test_counter_pages import open_counter, sign_in
    counter = await open_counter(browser, hall, 3)
    await sign_in(counter, hall, hall.clerk_for(3))
    token = (await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]}))[1]["token"]
    status, config = await hall.get("/api/admin/config", token)
    names = lambda hans, hant, en: {"zh-Hans": hans, "zh-Hant": hant, "en": en}  # noqa: E731 - a table of texts
    service = {"code": "residence_permit", "prefix": "R", "department": "market",
               "name": names("居住证办理", "居住證辦理", "Residence Permit"),
               "guide": {"materials": [names("居住证申请表", "居住證申請表", "Application form"),
                                       names("租房合同", "租房合同", "Lease contract")]}}
    status, body = await hall.call("PUT", "/api/admin/entries/services/residence_permit", token,
                                   {"version": config["version"], "entry": service, "windows": ["3"]})
    assert status == 200, body
    status, issued = await hall.issue("residence_permit")
    assert status == 200 and issued["ticket"]["label"] == "R001"
    await counter.click("#act-call_next")
    await expect(counter.locator("#ticket-label")).to_have_text("R001", timeout=WAIT_MS)
    await counter.click("#act-finish")
    await counter.click("#finish-dialog [data-outcome=supplement]")
    await expect(counter.locator("#materials-checklist label")).to_have_text(["居住證申請表", "租房合同"],
                                                                            timeout=WAIT_MS)
    assert counter.script_errors == []
    await counter.context.close()


async def test_a_new_service_appears_on_an_open_kiosk_and_issues(hall, browser):
    from tests.browser.test_kiosk_pages import kiosk_page
    kiosk = await kiosk_page(browser, hall)
    await kiosk.click("[data-department=market]")
    await kiosk.wait_for_selector("[data-service=business_setup]")
    assert await kiosk.locator("[data-service=residence_permit]").count() == 0
    token = (await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]}))[1]["token"]
    status, config = await hall.get("/api/admin/config", token)
    service = {"code": "residence_permit", "prefix": "R", "department": "market",
               "name": {"zh-Hans": "居住证办理", "zh-Hant": "居住證辦理", "en": "Residence Permit"}}
    status, body = await hall.call("PUT", "/api/admin/entries/services/residence_permit", token,
                                   {"version": config["version"], "entry": service, "windows": ["3"]})
    assert status == 200, body
    await kiosk.click("[data-service=residence_permit]", timeout=2000)  # there within 2 s, without a reload
    label = await kiosk.wait_for_selector(".ticket .label", timeout=WAIT_MS)
    assert await label.text_content() == "R001"
    assert kiosk.script_errors == []
    await kiosk.context.close()
