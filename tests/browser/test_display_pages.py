"""Hall display and window-top screen in Chromium: calls made over the API show and are announced
in order, the page survives a server restart and catches up, zones, pause, and a 1920x1080
screenshot with Chinese text (artifacts/display-hall.png)."""
from __future__ import annotations

import asyncio
import dataclasses

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from server.app import create_app
from server.domain.hall import Names
from tests.conftest import HallClient, public_url

WAIT_MS = 10_000
ANNOUNCE_WAIT_MS = 40_000  # two real announcements (chime + Mandarin + English) back to back

TOFU_CHECK = """() => {
  // A hanzi drawn with the page's font must differ from the "missing glyph" box (tofu) that an
  // unassigned code point gets; without fonts-noto-cjk both are the same box.
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.font = '48px "Noto Sans CJK TC"';
    ctx.fillText(text, 4, 52);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  return draw("號") !== draw("\\u0378") && draw("號") !== draw("窗");
}"""


def pick_name(service, lang: str) -> str:
    return service.name.get(lang)


def hall_page_url(hall, device="display-hall", **params):
    query = "&".join(f"{k}={v}" for k, v in {"lang": "zh-Hant", "backoff_ms": 200, **params}.items())
    return hall.url(f"/display/hall.html?token={hall.device_token(device)}&{query}")


async def open_hall(page, hall, device="display-hall", **params):
    await page.goto(hall_page_url(hall, device, **params))
    await expect(page.locator("#banner")).to_be_hidden(timeout=WAIT_MS)
    await expect(page.locator("#tiles .tile").first).to_be_visible(timeout=WAIT_MS)


def tile(page, window: int):
    return page.locator(f'#tiles .tile[data-window="{window}"]')


async def call_next(hall, window: int, token: str) -> dict:
    status, body = await hall.post(f"/api/windows/{window}/call-next", token)
    assert status == 200, body
    return body


async def no_script_trouble(page):
    assert page.script_errors == []
    assert await page.evaluate("window.__hallq.unknown") == []


async def test_a_call_over_the_api_shows_flashes_and_announcements_play_in_order(hall, page):
    await open_hall(page, hall)
    assert await tile(page, 1).count() == 1 and await page.locator("#tiles .tile").count() == 16
    first, second = await hall.sign_in(3), await hall.sign_in(4, staff="1004")
    a = (await hall.issue("business_setup"))[1]["ticket"]["label"]
    b = (await hall.issue("business_setup"))[1]["ticket"]["label"]
    await asyncio.gather(call_next(hall, 3, first), call_next(hall, 4, second))

    await expect(tile(page, 3).locator(".tile-ticket")).to_have_text(a, timeout=WAIT_MS)
    await expect(tile(page, 4).locator(".tile-ticket")).to_have_text(b, timeout=WAIT_MS)
    await expect(tile(page, 3)).to_have_attribute("data-ticket", "called")
    await expect(page.locator("#tiles .tile.flash")).to_have_count(1)  # the newest call only
    await expect(page.locator("#hero .hero-label")).to_have_text(b)
    await expect(page.locator("#recent li").first).to_contain_text(a)
    await expect(page.locator('#queues li[data-service="business_setup"] .count')).to_have_text("0人")

    await page.wait_for_function("window.__hallq.played.filter((p) => p.ended !== null).length >= 2",
                                 timeout=ANNOUNCE_WAIT_MS)
    played = await page.evaluate("window.__hallq.played")
    assert [p["seq"] for p in played] == sorted(p["seq"] for p in played)
    assert played[0]["ended"] <= played[1]["started"]  # one at a time, never over each other
    assert played[0]["clips"][0] == "chime" and "cmn/letter_A" in played[0]["clips"]
    assert all(p["missing"] == [] for p in played), played
    assert await page.evaluate("window.__hallq.queueLength") == 0
    await expect(page.locator("#tiles .tile.flash")).to_have_count(0, timeout=WAIT_MS)
    await no_script_trouble(page)


async def test_the_display_survives_a_server_restart_and_shows_the_call_it_missed(restartable_hall, page):
    hall = restartable_hall
    token = await hall.sign_in(3)
    label = (await hall.issue("business_setup"))[1]["ticket"]["label"]
    await open_hall(page, hall, sound="off")
    await expect(tile(page, 3).locator(".tile-foot")).to_have_text("等候叫號")

    attempts = await page.evaluate("window.__hallq.attempts")
    await hall.server.stop()
    await expect(page.locator("#banner")).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator("#banner")).to_contain_text("連線中斷")
    await page.wait_for_function(f"window.__hallq.attempts > {attempts}", timeout=WAIT_MS)  # it retries by itself
    await expect(page.locator("#banner")).to_have_attribute("data-state", "offline")

    async def call_while_page_is_away():
        await call_next(hall, 3, token)
        assert await page.evaluate("window.__hallq.status") != "online"

    await hall.server.start(while_unreachable=call_while_page_is_away)
    await expect(page.locator("#banner")).to_be_hidden(timeout=WAIT_MS)
    await expect(tile(page, 3).locator(".tile-ticket")).to_have_text(label, timeout=WAIT_MS)
    await page.wait_for_function("window.__hallq.played.length === 1", timeout=WAIT_MS)
    played = await page.evaluate("window.__hallq.played")
    assert played[0]["status"] == "muted"  # a fresh call caught up by replay is still announced
    await no_script_trouble(page)


async def test_a_call_replayed_long_after_it_was_made_is_shown_but_not_announced(restartable_hall, page):
    hall = restartable_hall
    token = await hall.sign_in(3)
    label = (await hall.issue("business_setup"))[1]["ticket"]["label"]
    await open_hall(page, hall, sound="off")
    await hall.server.stop()
    await expect(page.locator("#banner")).to_be_visible(timeout=WAIT_MS)

    async def call_then_let_time_pass():
        await call_next(hall, 3, token)
        hall.clock.advance(5 * 60)

    await hall.server.start(while_unreachable=call_then_let_time_pass)
    await expect(tile(page, 3).locator(".tile-ticket")).to_have_text(label, timeout=WAIT_MS)
    skipped = await page.evaluate("window.__hallq.skipped")
    assert [s["label"] for s in skipped] == [label] and skipped[0]["age_s"] >= 299
    assert await page.evaluate("window.__hallq.played") == []
    await no_script_trouble(page)


async def test_a_zone_display_shows_only_its_zone(hall, page):
    east = sorted(w.number for w in hall.settings.hall.windows if w.zone == "east")
    west = sorted(w.number for w in hall.settings.hall.windows if w.zone == "west")
    await open_hall(page, hall, device="display-east", sound="off")  # the device's own zone
    shown = await page.locator("#tiles .tile").evaluate_all("(ts) => ts.map((t) => Number(t.dataset.window))")
    assert shown == east
    await expect(page.locator("#zone")).to_have_text("east")
    token = await hall.sign_in(west[0])
    await hall.issue("hukou_transfer")
    await call_next(hall, west[0], token)
    token = await hall.sign_in(east[0])
    label = (await hall.issue("business_setup"))[1]["ticket"]["label"]
    await call_next(hall, east[0], token)
    await expect(tile(page, east[0]).locator(".tile-ticket")).to_have_text(label, timeout=WAIT_MS)
    await page.wait_for_function("window.__hallq.played.length >= 1", timeout=WAIT_MS)
    assert [c["seq"] for c in await page.evaluate("window.__hallq.played")] == [await last_seq(hall)]

    await open_hall(page, hall, zone="west", sound="off")  # a hall-wide token limited by ?zone=
    shown = await page.locator("#tiles .tile").evaluate_all("(ts) => ts.map((t) => Number(t.dataset.window))")
    assert shown == west
    await no_script_trouble(page)


async def last_seq(hall) -> int:
    status, body = await hall.get("/api/hall", hall.device_token("display-hall"))
    return body["seq"]


async def test_window_top_shows_clerk_call_and_pause_with_reason(hall, page):
    await page.goto(hall.url(f"/display/window.html?token={hall.device_token('display-w01')}&lang=zh-Hant"))
    await expect(page.locator("#number")).to_have_text("1 號窗口", timeout=WAIT_MS)
    await expect(page.locator("#main")).to_contain_text("未開放")
    token = await hall.sign_in(1)
    staff = hall.settings.hall.staff_member(hall.clerk_for(1))
    await expect(page.locator("#clerk .wt-clerk-name")).to_have_text(staff.name, timeout=WAIT_MS)
    await expect(page.locator("#clerk .wt-clerk-no")).to_have_text(f"工號 {staff.number}")

    status, body = await hall.post("/api/windows/1/pause", token, {"reason": "午休"})
    assert status == 200, body
    await expect(page.locator("#main .wt-paused")).to_have_text("暫停服務", timeout=WAIT_MS)
    await expect(page.locator("#main .wt-reason")).to_have_text("午休")

    assert (await hall.post("/api/windows/1/resume", token))[0] == 200
    label = (await hall.issue("business_setup"))[1]["ticket"]["label"]
    await call_next(hall, 1, token)
    await expect(page.locator("#main .wt-label")).to_have_text(label, timeout=WAIT_MS)
    await expect(page.locator("#main")).to_have_class("wt-main flash")
    await no_script_trouble(page)


async def busy_morning(hall) -> None:
    """A plausible mid-morning floor: queues, calls, a recall, service, a pause, closed windows."""
    services = ["business_setup"] * 6 + ["tax_registration"] * 4 + ["invoice"] * 3 + ["id_card"] * 5 + \
               ["hukou_transfer"] * 2 + ["property_transfer"] * 4 + ["mortgage"] * 2 + ["tax_filing"] * 3
    for service in services:
        assert (await hall.issue(service))[0] == 200
    tokens = {w: await hall.sign_in(w, staff) for w, staff in
              [(1, "1001"), (3, "1003"), (4, "1004"), (5, "1005"), (6, "1006"), (9, "1009"), (10, "1010"),
               (11, "1011"), (12, "1012"), (14, "1014"), (15, "1015")]}
    for window in (1, 3, 5, 9, 11, 4, 10, 14, 6, 15):
        hall.clock.advance(25)
        body = await call_next(hall, window, tokens[window])
        if window in (3, 5, 9, 11):
            assert (await hall.post(f"/api/tickets/{body['ticket']['id']}/start", tokens[window]))[0] == 200
        if window == 10:
            assert (await hall.post(f"/api/tickets/{body['ticket']['id']}/recall", tokens[window]))[0] == 200
    assert (await hall.post("/api/windows/12/pause", tokens[12], {"reason": "午休 12:00-13:30"}))[0] == 200


async def test_screenshot_1920x1080_with_chinese_text(hall, page, artifacts):
    await busy_morning(hall)
    await open_hall(page, hall, voice="off")
    await expect(tile(page, 12).locator(".tile-foot")).to_have_text("午休 12:00-13:30")
    await expect(tile(page, 10)).to_have_class("tile recall")
    assert await page.evaluate(TOFU_CHECK), "hanzi render as boxes: install fonts-noto-cjk"
    await page.evaluate("document.fonts.ready")
    await page.screenshot(path=str(artifacts / "display-hall.png"))

    window_page = await page.context.new_page()
    await window_page.goto(hall.url(f"/display/window.html?token={hall.device_token('display-hall')}&window=10&lang=zh-Hant"))
    await expect(window_page.locator("#clerk .wt-clerk-name")).to_have_text("吴婷", timeout=WAIT_MS)
    await window_page.screenshot(path=str(artifacts / "display-window.png"))
    await no_script_trouble(page)


async def test_labels_rotate_between_languages(hall, page):
    await open_hall(page, hall, lang="", langs="zh-Hant,en", rotate_s=1, sound="off")
    await expect(page.locator("#hero-title")).to_have_text("正在呼叫")
    await expect(page.locator("#hero-title")).to_have_text("Now calling", timeout=WAIT_MS)
    await expect(page.locator('#tiles .tile[data-window="3"] .tile-foot')).to_have_text("Closed")
    await expect(page.locator("#hero-title")).to_have_text("正在呼叫", timeout=WAIT_MS)
    await no_script_trouble(page)


ANNOUNCER_BURST = """async () => {
  // The page's own announcer module, with the server clock and the sound played injected:
  // "playing" an announcement moves the clock on by its length (short 6.4 s, full 10.8 s).
  const { Announcer } = await import("/display/announcer.js");
  let now = 1000;
  const starts = [];
  const a = new Announcer({ voice: "on", sound: "off", nowS: () => now, onState: () => {} });
  a.sound = async (item) => { starts.push([item.seq, now]); now += item.short ? 6.4 : 10.8; return "played"; };
  const clips = ["chime", "cmn/qing", "cmn/digit_1", "en/number_bd82cf16", "en/digit_1"];
  const windows = [...Array(16).keys()].map((i) => i + 1).concat([1, 2, 3, 4]);  // 20 calls in 2 s
  windows.forEach((w, i) => a.enqueue(i + 1, { clips, text: {} },
                                      { window: w, epoch: 998 + 0.1 * i, label: `A${i + 1}` }));
  while (a.busy) await new Promise((resolve) => setTimeout(resolve, 5));
  return { played: a.played.map((p) => ({ seq: p.seq, short: p.short, clips: p.clips })), skipped: a.skipped, starts };
}"""


async def test_the_page_announcer_speaks_only_fresh_calls_latest_per_window_short_in_a_backlog(hall, page):
    await open_hall(page, hall, sound="off")
    result = await page.evaluate(ANNOUNCER_BURST)
    played = [p["seq"] for p in result["played"]]
    epoch = {seq: 998 + 0.1 * (seq - 1) for seq in range(1, 21)}
    assert played == sorted(played) and played[0] == 1  # the first call plays at once
    assert all(start - epoch[seq] <= 30 for seq, start in result["starts"]), result["starts"]
    superseded = [s["seq"] for s in result["skipped"] if s["why"] == "superseded"]
    stale = [s["seq"] for s in result["skipped"] if s["why"] == "stale"]
    assert set(superseded) <= {2, 3, 4} and stale and not set(played) & set(superseded + stale)
    assert sorted(played + superseded + stale) == list(range(1, 21))
    assert all(p["short"] and not any(c.startswith("en/") for c in p["clips"]) for p in result["played"][1:])
    await no_script_trouble(page)


# --- readable across a hall: rendered sizes on a 1920x1080 panel (55 inch) ---------------------------

HERO_MIN_PX, TILE_MIN_PX, RECENT_MIN_PX, RECENT_ROWS = 150, 110, 60, 6

MEASURE = """() => {
  const box = (node) => node.getBoundingClientRect();
  const shown = (node) => node.offsetParent !== null;
  // cut: wider than its box (an ellipsis, nowrap) or a line or more hidden below it (glyphs
  // overhanging their line box by a few pixels are not a cut)
  const cut = (node) => node.scrollWidth > node.clientWidth + 1 ||
    node.scrollHeight > node.clientHeight + parseFloat(getComputedStyle(node).fontSize) / 2;
  const tiles = [...document.querySelectorAll("#tiles .tile")].filter(shown);
  return {
    hero: box(document.querySelector("#hero .hero-label")).height,
    tiles: tiles.map((t) => box(t).height),
    tileCount: document.querySelectorAll("#tiles .tile").length,
    recent: [...document.querySelectorAll("#recent li")].map((li) => box(li).height),
    missed: [...document.querySelectorAll("#missed .missed-label")].map((n) => n.textContent),
    serviceNames: [...document.querySelectorAll("#queues .service-name")]
      .map((n) => ({ text: n.textContent, cut: cut(n) })),
    tileNamesCut: tiles.map((t) => t.querySelector(".tile-name")).filter(cut).length,
    pageNo: document.querySelector("#page-no").hidden ? null : document.querySelector("#page-no").textContent,
  };
}"""


def hall_of(settings, count: int):
    """The demo hall with `count` windows (its 16 repeated and renumbered)."""
    base = settings.hall.windows
    windows = tuple(dataclasses.replace(base[i % len(base)], number=i + 1,
                                        name=Names(f"{i + 1}号窗口", f"{i + 1}號窗口", f"Window {i + 1}"))
                    for i in range(count))
    return dataclasses.replace(settings, hall=dataclasses.replace(settings.hall, windows=windows))


@pytest.fixture
async def sized_hall(request, settings, clock, tmp_path):
    count = request.param
    sized = hall_of(settings, count) if count != 16 else settings
    app = create_app(sized, clock=clock, db_path=tmp_path / "hallq.db", tick_interval_s=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    public_url(app, server)
    async with aiohttp.ClientSession() as session:
        yield HallClient(server, session, sized, clock)
    await server.close()


async def eight_calls_and_a_missed_one(hall) -> str:
    """Windows 1-8 each call a ticket; window 1's citizen does not come (過號)."""
    first, used = None, set()
    for window in range(1, 9):
        staff = next(m.number for m in hall.settings.hall.staff
                     if m.role == "clerk" and window in m.windows and m.number not in used)
        used.add(staff)
        token = await hall.sign_in(window, staff=staff)
        service = hall.settings.hall.window(window).services[0]
        status, body = await hall.issue(service)
        assert status == 200, body
        called = await call_next(hall, window, token)
        if window == 1:
            first, first_token = called["ticket"], token
        hall.clock.advance(5)
    status, body = await hall.post(f"/api/tickets/{first['id']}/no-show", first_token)
    assert status == 200, body
    return first["label"]


@pytest.mark.parametrize("sized_hall", [8, 16, 32, 48], indirect=True)
async def test_the_hall_display_is_readable_across_the_hall(sized_hall, page, artifacts):
    hall = sized_hall
    windows = len(hall.settings.hall.windows)
    missed = await eight_calls_and_a_missed_one(hall)
    await open_hall(page, hall, sound="off", page_s=2)
    await expect(page.locator("#recent li")).to_have_count(RECENT_ROWS, timeout=WAIT_MS)
    sizes = await page.evaluate(MEASURE)
    await page.screenshot(path=str(artifacts / f"display-hall-{windows}-windows.png"))
    assert sizes["hero"] >= HERO_MIN_PX, sizes
    assert sizes["tileCount"] == windows and min(sizes["tiles"]) >= TILE_MIN_PX, sizes
    assert len(sizes["recent"]) >= RECENT_ROWS and min(sizes["recent"]) >= RECENT_MIN_PX, sizes
    assert sizes["missed"] == [missed]
    names = {pick_name(s, "zh-Hant") for s in hall.settings.hall.services}
    assert sizes["serviceNames"] and all(not n["cut"] and n["text"] in names for n in sizes["serviceNames"]), sizes
    assert sizes["tileNamesCut"] == 0
    fits = len(sizes["tiles"]) == windows
    assert fits == (sizes["pageNo"] is None), sizes  # windows that do not fit are paged, and say so
    if not fits:
        await page.wait_for_function("document.querySelector('#page-no').textContent.startsWith('第 2/')",
                                     timeout=WAIT_MS)  # ?page_s=2 (default 12 s) turns the page
    await no_script_trouble(page)


@pytest.mark.parametrize("sized_hall", [16], indirect=True)
async def test_the_portrait_variant_keeps_the_sizes(sized_hall, page, artifacts):
    hall = sized_hall
    await page.set_viewport_size({"width": 1080, "height": 1920})
    await eight_calls_and_a_missed_one(hall)
    await open_hall(page, hall, sound="off", page_s=1)
    await page.screenshot(path=str(artifacts / "display-hall-portrait.png"))
    await expect(page.locator("#recent li")).to_have_count(RECENT_ROWS, timeout=WAIT_MS)
    sizes = await page.evaluate(MEASURE)
    await page.screenshot(path=str(artifacts / "display-hall-portrait.png"))
    assert sizes["hero"] >= HERO_MIN_PX and min(sizes["tiles"]) >= TILE_MIN_PX, sizes
    assert min(sizes["recent"]) >= RECENT_MIN_PX and sizes["tileNamesCut"] == 0, sizes
    assert all(not n["cut"] for n in sizes["serviceNames"]), sizes
    await no_script_trouble(page)


@pytest.mark.parametrize("sized_hall", [16], indirect=True)
async def test_sizes_follow_the_screen_on_a_4k_panel(sized_hall, page):
    hall = sized_hall
    await page.set_viewport_size({"width": 3840, "height": 2160})
    await eight_calls_and_a_missed_one(hall)
    await open_hall(page, hall, sound="off")
    await expect(page.locator("#recent li")).to_have_count(RECENT_ROWS, timeout=WAIT_MS)
    sizes = await page.evaluate(MEASURE)
    assert sizes["hero"] >= 2 * HERO_MIN_PX and min(sizes["tiles"]) >= 2 * TILE_MIN_PX, sizes
    assert min(sizes["recent"]) >= 2 * RECENT_MIN_PX and len(sizes["tiles"]) == 16, sizes
    await no_script_trouble(page)
