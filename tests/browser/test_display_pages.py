"""Hall display and window-top screen in Chromium: calls made over the API show and are announced
in order, the page survives a server restart and catches up, zones, pause, and a 1920x1080
screenshot with Chinese text (artifacts/display-hall.png)."""
from __future__ import annotations

import asyncio

from playwright.async_api import expect

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
  windows.forEach((w, i) => a.enqueue(i + 1, { clips, text: {} }, { window: w, epoch: 998 + 0.1 * i, label: `A${i + 1}` }));
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
