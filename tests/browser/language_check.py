"""What a page shows, checked for its language: no raw code (a status, a kind, a language code, a
snake_case key, null/undefined/NaN) and no text of another language (Traditional characters on a
Simplified page and the other way round, Chinese on an English page). Text marked translate="no"
(people's names, ticket numbers) and language switch buttons (lang="…") are left out."""
from __future__ import annotations

import re

PAIRS = (
    "这這 个個 们們 为為 务務 业業 区區 号號 码碼 开開 关關 员員 时時 间間 预預 "
    "约約 过過 设設 证證 请請 选選 择擇 办辦 处處 话話 电電 数數 统統 计計 报報 "
    "实實 态態 录錄 终終 连連 线線 纸紙 将將 评評 价價 满滿 机機 长長 续續 动動 "
    "变變 单單 门門 问問 题題 让讓 还還 进進 后後 发發 车車 见見 认認 识識 读讀 "
    "写寫 语語 说說 应應 给給 经經 显顯 网網 络絡 页頁 确確 删刪 导導 签簽 级級 "
    "历歷 节節 书書 帮幫 无無 缴繳 费費 项項 齐齊 备備 领領 户戶 迁遷 驾駕 证證 "
    "窝窩 态態 达達 标標 满滿 类類 热熱 图圖 趋趨 势勢 维維 护護 习習 轻輕 钟鐘 "
    "阶階 闭閉 启啟"
)
SIMPLIFIED = {p[0] for p in PAIRS.split()}
TRADITIONAL = {p[1] for p in PAIRS.split()}
CJK = re.compile(r"[\u3400-\u9fff]")
RAW = re.compile(r"\b(null|undefined|NaN|zh-Hans|zh-Hant|[a-z]+_[a-z_]+)\b")
# English words that are codes when they show on a Chinese page
RAW_ON_CHINESE = re.compile(r"\b(online|offline|ready|waiting|called|serving|suspended|kiosk|display|counter|"
                            r"immediate|promised|supplement)\b")

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const pageLang = document.documentElement.lang;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const host = node.parentElement;
    if (!host || !node.textContent.trim()) continue;
    if (host.closest('[translate="no"], script, style, option:not(:checked), title')) continue;
    const marked = host.closest('[lang]');
    if (marked && marked !== document.documentElement && marked.lang !== pageLang) continue;
    const style = getComputedStyle(host);
    if (style.display === 'none' || style.visibility === 'hidden' || !host.getClientRects().length) continue;
    out.push(node.textContent.trim());
  }
  for (const field of document.querySelectorAll('input[placeholder], [aria-label]')) {
    const marked = field.closest('[lang]');
    if (marked && marked !== document.documentElement && marked.lang !== pageLang) continue;
    out.push(field.getAttribute('placeholder') || field.getAttribute('aria-label'));
  }
  return out;
}"""


async def language_problems(page, lang: str) -> list[str]:
    """Every shown text that is a raw code or in another language than `lang`."""
    problems = []
    for text in await page.evaluate(VISIBLE_TEXT):
        raw = RAW.search(text) or (RAW_ON_CHINESE.search(text) if lang != "en" else None)
        if raw:
            problems.append(f"raw code {raw.group(0)!r} in {text[:80]!r}")
        chars = set(text)
        if lang == "zh-Hans" and chars & TRADITIONAL:
            problems.append(f"Traditional {''.join(sorted(chars & TRADITIONAL))!r} in {text[:80]!r}")
        if lang == "zh-Hant" and chars & SIMPLIFIED:
            problems.append(f"Simplified {''.join(sorted(chars & SIMPLIFIED))!r} in {text[:80]!r}")
        if lang == "en" and CJK.search(text):
            problems.append(f"Chinese in {text[:80]!r}")
    return problems
