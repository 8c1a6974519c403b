"""The city dashboard in Chromium at 1920x1080: sign-in, every hall live with its link state,
a hall's drill-down, comparisons and the report; a screenshot goes to artifacts/."""
from __future__ import annotations

import pytest

from tests.browser.conftest import artifacts, browser, page  # noqa: F401 - the shared browser fixtures
from tests.city.citytools import until
from tests.city.conftest import MANAGER_LOGIN, MANAGER_PIN
from tests.city.test_city_figures import DAY, city, db_path, mirrored  # noqa: F401 - fixtures
from tests.city.test_city_link import hall_events, some_actions


@pytest.mark.timeout(180)
async def test_city_dashboard_in_the_browser(hall, city, page, artifacts, db_path):  # noqa: F811
    await some_actions(hall, 3)
    await hall.issue("business_setup")
    hall.clock.advance(240)
    await until(lambda: mirrored(city, "east", hall_events(db_path)[-1][0]), timeout=60, what="mirror")

    await page.goto(str(city.server.make_url("/city/index.html")))
    await page.fill("input[name=login]", MANAGER_LOGIN)
    await page.fill("input[name=pin]", "wrong")
    await page.click("form.signin button")
    await page.wait_for_selector("text=帳號或密碼錯誤", timeout=10_000)
    await page.fill("input[name=pin]", MANAGER_PIN)
    await page.click("form.signin button")
    await page.wait_for_selector("table#halls tr[data-hall=east]", timeout=10_000)
    east = page.locator("tr[data-hall=east]")
    assert "已同步" in await east.inner_text()
    assert "1" in await east.locator("td").nth(1).inner_text()  # one citizen waiting
    assert "未連線" in await page.locator("tr[data-hall=west]").inner_text()
    await page.screenshot(path=str(artifacts / "city-dashboard.png"), full_page=True)

    await east.click()
    await page.wait_for_selector("#drill table", timeout=10_000)
    assert "2026-11-25" in await page.locator("#drill h2").inner_text()

    await page.select_option("#lang", "en")
    await page.click("button[data-tab=report]")
    await page.wait_for_selector("#report-text", timeout=10_000)
    assert "1 of 2 centers open" in await page.locator("#report-text").inner_text()
    await page.screenshot(path=str(artifacts / "city-report.png"), full_page=True)

    await page.click("button[data-tab=compare]")
    await page.wait_for_selector("table#compare", timeout=10_000)
    assert "east" in await page.locator("table#compare").inner_text()
    await page.select_option("#lang", "zh-Hans")
    await page.click("button[data-tab=halls]")
    await page.wait_for_selector("text=各中心实时", timeout=10_000)
    assert page.script_errors == []


@pytest.mark.timeout(180)
async def test_the_halls_board_shows_the_city_link(hall, page, artifacts, city_db, db_path):  # noqa: F811
    from tests.browser.test_manager_pages import sign_in
    await some_actions(hall, 1)
    await sign_in(page, hall, "/manager/board.html")
    await page.wait_for_selector("#city-link[data-status=up_to_date]", timeout=15_000)
    assert "已同步" in await page.locator("#city-link").inner_text()
    await page.screenshot(path=str(artifacts / "manager-board-city-link.png"), full_page=True)
    city_db.pg.stop()
    await some_actions(hall, 1)  # events the city cannot take now
    await page.wait_for_selector("#city-link[data-status=unreachable]", timeout=15_000)
    text = await page.locator("#city-link").inner_text()
    assert "無法連線" in text and "落後" in text
    city_db.pg.start()
    await page.wait_for_selector("#city-link[data-status=up_to_date]", timeout=20_000)
    assert page.script_errors == []
