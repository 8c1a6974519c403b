"""The kiosk page and its print agent: a kiosk whose agent is not there (never started, stopped,
or gone) shows tickets on screen and does not promise paper; an open cover is a fault too."""
from __future__ import annotations

from tests.browser.test_kiosk_pages import kiosk_page
from tests.wsclient import WsClient

WAIT_MS = 5000


async def issue_on_page(page) -> None:
    await page.click("[data-department=tax]")
    await page.click("[data-service=invoice]")
    await page.click("[data-action=take]")  # the service's guide comes first


async def test_without_its_agent_the_kiosk_shows_the_ticket_on_screen(browser, hall, artifacts):
    page = await kiosk_page(browser, hall)  # the server started; no agent has reported yet
    await page.wait_for_selector("#printer-banner[data-status=offline]", timeout=WAIT_MS)
    agent = await WsClient.open(hall, hall.creds["agents"]["kiosk-1"])
    assert (await agent.request({"type": "printer_status", "status": "ready"}))["success"]
    await page.wait_for_selector("#printer-banner[data-status=ready]", state="attached", timeout=WAIT_MS)
    await agent.close()  # the agent dies: the page hears it at once
    await page.wait_for_selector("#printer-banner[data-status=offline]", timeout=WAIT_MS)
    await issue_on_page(page)
    await page.wait_for_selector(".ticket [data-print=fault]", timeout=10000)  # not "printing..."
    await page.screenshot(path=str(artifacts / "kiosk-agent-gone.png"))
    assert page.script_errors == []


async def test_an_open_cover_is_shown_as_a_fault(browser, hall):
    page = await kiosk_page(browser, hall)
    agent = await WsClient.open(hall, hall.creds["agents"]["kiosk-1"])
    assert (await agent.request({"type": "printer_status", "status": "cover_open",
                                 "detail": "the cover is open: close it"}))["success"]
    await page.wait_for_selector("#printer-banner[data-status=cover_open]", timeout=WAIT_MS)
    assert "盖未关" in await page.text_content("#printer-banner")  # the kiosk starts in zh-Hans
    await agent.close()
    assert page.script_errors == []
