"""The phone tracking page at 390x844: one tap turns on sound and vibration and the page says what
really works (never "on" when the browser blocked sound), it alerts when the turn is near (the
citizen picks how many ahead) and when called. Screenshots: artifacts/phone-*.png."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

# A browser that refuses sound until... never: resume() resolves but the context stays suspended.
BLOCKED_AUDIO = """
window.AudioContext = class {
  constructor() { this.state = "suspended"; this.currentTime = 0; }
  resume() { return Promise.resolve(); }
};
navigator.vibrate = undefined;
"""
RECORD_VIBRATION = "navigator.vibrate = (p) => { (window.__vibrations ||= []).push(p); return true; };"


async def open_phone(browser, hall, tracking_url: str, init_script: str):
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = await context.new_page()
    phone.set_default_timeout(8000)
    phone.script_errors, phone.failed = [], []
    phone.on("pageerror", lambda err: phone.script_errors.append(str(err)))
    phone.on("response", lambda r: phone.failed.append(r.url) if r.status >= 400 else None)
    await phone.add_init_script(init_script)
    await phone.goto(hall.url("/t/" + tracking_url.split("/t/")[1] + "?poll_ms=200"))
    await phone.wait_for_selector("[data-status]")
    return phone


async def issue_invoices(hall, n: int, lang="zh-Hans") -> list[dict]:
    bodies = []
    for _ in range(n):
        status, body = await hall.issue("invoice", lang=lang)
        assert status == 200, body
        bodies.append(body)
    return bodies


async def call_next(hall, clerk: str) -> dict:
    status, body = await hall.post("/api/windows/5/call-next", clerk, {})
    assert status == 200, body
    status, done = await hall.post(f"/api/tickets/{body['ticket']['id']}/finish", clerk, {"outcome": "immediate"})
    return body["ticket"]


async def test_blocked_sound_is_never_reported_as_on(browser, hall, artifacts):
    first, mine = await issue_invoices(hall, 2)
    phone = await open_phone(browser, hall, mine["tracking_url"], BLOCKED_AUDIO)
    button = phone.locator("[data-action=sound]")
    assert await button.get_attribute("data-alerts") == "off"
    clerk = await hall.sign_in(5)
    status, called = await hall.post("/api/windows/5/call-next", clerk, {})
    await hall.post(f"/api/tickets/{called['ticket']['id']}/finish", clerk, {"outcome": "immediate"})
    await hall.post("/api/windows/5/call-next", clerk, {})
    await phone.wait_for_selector("[data-called-window='5']")
    assert await button.get_attribute("data-alerts") == "off"  # called without a tap: not "on"
    assert "已开启" not in await phone.text_content("#app")
    await button.click()
    await phone.wait_for_selector("[data-alerts=blocked]")
    assert "没有允许提示音" in await button.text_content()
    await phone.screenshot(path=str(artifacts / "phone-390-blocked.png"))
    assert phone.script_errors == [] and phone.failed == []


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
async def test_one_tap_then_near_and_called_alerts(browser, hall, artifacts, lang):
    tickets = await issue_invoices(hall, 5, lang)
    phone = await open_phone(browser, hall, tickets[-1]["tracking_url"], RECORD_VIBRATION)
    assert await phone.get_attribute("html", "lang") == lang  # the ticket's language
    await phone.click("[data-action=sound]")
    await phone.wait_for_selector("[data-alerts=on]")  # this browser allows sound; vibration recorded
    await phone.select_option("#near", "2")
    assert await phone.evaluate("document.body.dataset.nearAlerted") is None  # 4 ahead: not near yet
    clerk = await hall.sign_in(5)
    await call_next(hall, clerk)
    await phone.wait_for_selector("[data-ahead='3']")
    assert await phone.evaluate("document.body.dataset.nearAlerted") is None  # 3 ahead: the citizen chose 2
    await call_next(hall, clerk)  # 2 ahead now
    await phone.wait_for_selector("[data-near='2']")
    await expect(phone.locator("body")).to_have_attribute("data-near-alerted", "1")
    assert await phone.evaluate("document.body.dataset.lastSound") == "true"
    await phone.screenshot(path=str(artifacts / f"phone-390-near-{lang}.png"))
    await call_next(hall, clerk)
    await call_next(hall, clerk)
    await phone.wait_for_selector("[data-ahead='0']")
    assert await phone.evaluate("document.body.dataset.nearAlerted") == "1"  # once, not at every step
    status, body = await hall.post("/api/windows/5/call-next", clerk, {})
    assert body["ticket"]["label"] == tickets[-1]["ticket"]["label"]
    await phone.wait_for_selector("[data-called-window='5']")
    await expect(phone.locator("body")).to_have_attribute("data-alerted", "1")
    vibrations = await phone.evaluate("window.__vibrations")
    assert vibrations[-1] == [400, 200, 400, 200, 400]
    await phone.screenshot(path=str(artifacts / f"phone-390-called-{lang}.png"))
    overflow = await phone.evaluate("document.scrollingElement.scrollWidth > innerWidth")
    assert not overflow and phone.script_errors == []
