"""The rating pad at the sizes pads come in, 800x480 and 1024x600, in each language: nothing
overflows, every level button is whole and at least 48 px, labels never break inside a word, the
language buttons are 48 px high, and the pad starts in (and returns to) the hall's language.
Screenshots: artifacts/pad-<size>-<screen>-<lang>.png."""
from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.test_counter_pages import issue

SIZES = {"800x480": {"width": 800, "height": 480}, "1024x600": {"width": 1024, "height": 600}}
LEVEL_TEXT = {"zh-Hans": "非常不满意", "zh-Hant": "非常不滿意", "en": "Very dissatisfied"}

# For every visible button: inside the viewport, at least 48 px, and its label on as many lines as it
# has words at most (a CJK label has one "word": it must stay on one line).
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.scrollingElement;
  if (root.scrollHeight > innerHeight + 1 || root.scrollWidth > innerWidth + 1)
    problems.push(`page overflows: ${root.scrollWidth}x${root.scrollHeight}`);
  for (const b of document.querySelectorAll("button")) {
    const r = b.getBoundingClientRect();
    if (!r.width) continue;
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1)
      problems.push(`cut: ${b.textContent}`);
    if (r.height < 48 || r.width < 48) problems.push(`small (${r.width}x${r.height}): ${b.textContent}`);
    for (const label of b.querySelectorAll(".lv-label, :scope")) {
      const text = label.classList.contains("lv-label") ? label : null;
      if (!text) continue;
      const range = document.createRange();
      range.selectNodeContents(text);
      const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      const words = text.textContent.trim().split(/\\s+/).length;
      if (lines > words) problems.push(`${text.textContent} on ${lines} lines`);
    }
  }
  return problems;
}"""


async def open_pad(browser, hall, size: str, lang: str | None):
    context = await browser.new_context(viewport=SIZES[size], has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(8000)
    page.script_errors = []
    page.on("pageerror", lambda err: page.script_errors.append(str(err)))
    query = f"&lang={lang}" if lang else ""
    await page.goto(hall.url(f"/counter/pad.html?token={hall.device_token('rating-03')}{query}"))
    await expect(page.locator("#idle")).to_be_visible()
    return page


async def finish_one(hall):
    [ticket] = await issue(hall, "business_setup", 1)
    token = await hall.sign_in(3)
    for path in ("/api/windows/3/call-next", f"/api/tickets/{ticket['id']}/finish"):
        status, body = await hall.post(path, token, {"outcome": "immediate"} if "finish" in path else {})
        assert status == 200, body
    return token


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
async def test_pad_fits_every_screen_in_every_language(hall, browser, artifacts, size, lang):
    page = await open_pad(browser, hall, size, None)
    await page.click(f"#lang-{lang}")
    await finish_one(hall)
    await expect(page.locator("#rate")).to_be_visible()
    await expect(page.locator("[data-level=very_dissatisfied]")).to_contain_text(LEVEL_TEXT[lang])
    assert await page.evaluate(LAYOUT_PROBLEMS) == []
    await page.screenshot(path=str(artifacts / f"pad-{size}-rate-{lang}.png"))
    await page.click("[data-level=very_dissatisfied]")
    await expect(page.locator("#reason")).to_be_visible()
    assert await page.evaluate(LAYOUT_PROBLEMS) == []
    await page.screenshot(path=str(artifacts / f"pad-{size}-reason-{lang}.png"))
    await page.click("#reason-skip")
    await expect(page.locator("#thanks")).to_be_visible()
    assert page.script_errors == []


async def test_pad_starts_in_the_hall_language_and_returns_to_it(hall, browser, artifacts):
    page = await open_pad(browser, hall, "800x480", None)
    assert await page.get_attribute("html", "lang") == "zh-Hans"
    await expect(page.locator("#lang-zh-Hans")).to_have_attribute("aria-pressed", "true")
    for lang in ("zh-Hans", "zh-Hant", "en"):
        box = await page.locator(f"#lang-{lang}").bounding_box()
        assert box["height"] >= 48
    assert await page.evaluate(LAYOUT_PROBLEMS) == []
    await page.screenshot(path=str(artifacts / "pad-800x480-idle.png"))
    await page.click("#lang-en")
    await finish_one(hall)
    await page.click("[data-level=satisfied]")
    await expect(page.locator("#thanks")).to_contain_text("Thank you")
    await expect(page.locator("#idle")).to_be_visible(timeout=10000)  # thanks_s default 6 s, then idle
    assert await page.get_attribute("html", "lang") == "zh-Hans"
    await expect(page.locator("#idle")).to_contain_text("欢迎光临")
