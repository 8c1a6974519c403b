"""Manager pages in Chromium: the live board follows a call over the hub, the stats page draws its
charts for a date range, CSV downloads parse, and the report prints in the seed's wording."""
from __future__ import annotations

import csv
import io

from tests.conftest import DEMO_START
from tests.wsclient import WsClient
from tests.stats.scripted_day import DAY, run_day

TIMEOUT_MS = 10_000


async def sign_in(page, hall, path: str):
    await page.goto(hall.url(path))
    await page.fill("input[name=staff]", "9001")
    await page.fill("input[name=pin]", hall.creds["staff"]["9001"])
    await page.click("form.signin button[type=submit]")


async def test_live_board_updates_when_a_call_is_made(hall, page, artifacts):
    await hall.issue("invoice")
    clerk = await hall.sign_in(5)
    await sign_in(page, hall, "/manager/board.html")
    await page.wait_for_selector("#windows tr[data-window='5']", timeout=TIMEOUT_MS)
    await page.wait_for_function("document.body.dataset.hub === 'online'", timeout=TIMEOUT_MS)
    assert await page.text_content("#queues tr[data-service='invoice'] td:nth-child(2)") == "1"
    status, called = await hall.post("/api/windows/5/call-next", clerk)
    assert status == 200
    label = called["ticket"]["label"]
    await page.wait_for_function(
        f"document.querySelector(\"#windows tr[data-window='5'] .ticket\").textContent.includes('{label}')",
        timeout=TIMEOUT_MS)
    assert "5" in await page.text_content("#clerks")
    await page.screenshot(path=str(artifacts / "manager-board.png"), full_page=True)
    assert page.script_errors == []


async def test_stats_page_shows_charts_and_downloads_csv(hall, page, artifacts):
    await run_day(hall, DEMO_START)
    await sign_in(page, hall, f"/manager/stats.html?from={DAY}&to={DAY}&group_by=window")
    await page.wait_for_function(f"document.body.dataset.loaded === '{DAY}/{DAY}'", timeout=TIMEOUT_MS)
    assert await page.locator("#charts svg.chart").count() == 5
    assert await page.locator("#charts svg.chart rect").count() > 10
    assert await page.locator("#figures tr").count() == 4  # header, windows 3 and 5, and no window (A003 never called)
    assert await page.locator("#bad tr").count() == 3  # header + two bad ratings
    await page.screenshot(path=str(artifacts / "manager-stats.png"), full_page=True)
    await page.emulate_media(media="print")
    await page.screenshot(path=str(artifacts / "manager-stats-print.png"), full_page=True)
    assert not await page.is_visible(".controls")
    await page.emulate_media(media="screen")
    for table, expected in (("visits", 9), ("stats_window", 3)):
        await page.select_option("select[name=table]", table)
        async with page.expect_download(timeout=TIMEOUT_MS) as info:
            await page.click("#csv")
        download = await info.value
        text = open(await download.path(), encoding="utf-8-sig").read()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == expected, table
    assert page.script_errors == []


async def test_report_page_prints_the_daily_report(hall, page, artifacts):
    await run_day(hall, DEMO_START)
    await sign_in(page, hall, f"/manager/report.html?kind=daily&day={DAY}&lang=zh-Hant")
    await page.wait_for_function("document.body.dataset.loaded === 'daily'", timeout=TIMEOUT_MS)
    text = await page.text_content("#report-text")
    assert "共受理各類事項5件" in text and "即辦件2件" in text and "滿意率50.0%" in text
    await page.emulate_media(media="print")
    await page.screenshot(path=str(artifacts / "manager-report-print.png"), full_page=True)
    assert not await page.is_visible("header.top")
    assert page.script_errors == []


async def test_stats_page_over_a_demo_week(settings, clock, db_path, page, artifacts):
    """Two weeks of synthetic history (hallq demo-data) drawn by the stats page: a picture to look at."""
    import aiohttp
    from aiohttp.test_utils import TestServer

    from server.app import create_app
    from server.stats import demo_data
    from tests.conftest import HallClient, public_url

    demo_data.generate(str(db_path), demo_data.plans("2026-11-24", 14, 400, 7, "Asia/Shanghai"))
    server = TestServer(create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0), host="127.0.0.1")
    await server.start_server()
    public_url(server.app, server)
    try:
        async with aiohttp.ClientSession() as session:
            hall = HallClient(server, session, settings, clock)
            await sign_in(page, hall, "/manager/stats.html?from=2026-11-11&to=2026-11-24&group_by=service")
            await page.wait_for_function("document.body.dataset.loaded === '2026-11-11/2026-11-24'", timeout=TIMEOUT_MS)
            assert await page.locator("#charts svg.chart").count() == 5
            assert await page.locator("#figures tr").count() > 10
            await page.screenshot(path=str(artifacts / "manager-stats-demo.png"), full_page=True)
    finally:
        await server.close()
    assert page.script_errors == []


async def test_live_board_shows_a_kiosk_printer_out_of_paper(hall, page, artifacts):
    await sign_in(page, hall, "/manager/board.html")
    await page.wait_for_function("document.body.dataset.hub === 'online'", timeout=TIMEOUT_MS)
    agent = await WsClient.open(hall, hall.creds["agents"]["kiosk-1"])  # what `hallq kiosk-agent` sends
    await agent.request({"type": "subscribe", "scope": {}})
    reply = await agent.request({"type": "printer_status", "status": "paper_out", "detail": "paper end sensor"})
    assert reply["success"], reply
    row = "#devices li[data-device='kiosk-1']"  # faults listed under their kind, in colour
    await page.wait_for_function(f"document.querySelector(\"{row}\")?.textContent.includes('缺纸')",
                                 timeout=TIMEOUT_MS)
    assert "bad" in await page.get_attribute(row, "class")
    assert await page.locator("#alarms li[data-alarm='printer:kiosk-1:paper_out']").count() == 1
    await agent.close()
    await page.wait_for_function(f"document.querySelector(\"{row}\")?.textContent.includes('离线')",
                                 timeout=TIMEOUT_MS)
    assert await page.locator("#alarms li[data-alarm='offline:kiosk-1']").count() == 1
    assert page.script_errors == []
