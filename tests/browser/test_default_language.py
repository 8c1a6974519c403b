"""A hall configured for Traditional Chinese (`[center] default_lang = "zh-Hant"`): every page starts
in it without being told (kiosk, phone, counter, pad, guide desk, manager sign-in)."""
from __future__ import annotations

import dataclasses

import pytest
from playwright.async_api import expect

from server.config import load_demo


@pytest.fixture
def settings():
    demo = load_demo()
    center = dataclasses.replace(demo.hall.center, default_lang="zh-Hant")
    return dataclasses.replace(demo, hall=dataclasses.replace(demo.hall, center=center))


async def test_every_page_starts_in_the_configured_language(hall, browser):
    pages = {
        "kiosk": f"/kiosk/kiosk.html?token={hall.device_token('kiosk-1')}",
        "counter": f"/counter/counter.html?token={hall.device_token(hall.counter_for(3))}",
        "pad": f"/counter/pad.html?token={hall.device_token('rating-03')}",
        "guide": "/counter/guide.html",
        "manager": "/manager/board.html",
    }
    ready = {"kiosk": "#app[data-screen=start] .tile", "counter": "#signin", "pad": "#idle", "guide": "#signin",
             "manager": "form.signin"}
    words = {"kiosk": "歡迎", "counter": "窗口簽到", "pad": "歡迎光臨", "guide": "導辦台", "manager": "登入"}
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    for name, path in pages.items():
        page = await context.new_page()
        await page.goto(hall.url(path))
        await page.wait_for_selector(ready[name], timeout=10000)
        await expect(page.locator("html")).to_have_attribute("lang", "zh-Hant", timeout=10000)
        assert words[name] in await page.inner_text("body"), name
        await page.close()
    await context.close()
