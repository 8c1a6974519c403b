// What the hall display and the window-top screen share: URL options, labels in three locales,
// the language rotation, the server clock and the connection banner.

import { el } from "/common/hub.js";

export const LOCALES = ["zh-Hant", "zh-Hans", "en"];
const DATE_LOCALE = { "zh-Hant": "zh-TW", "zh-Hans": "zh-CN", en: "en-GB" };
const CLOCK_SYNC_MS = 30000;
const TICKER_SPEED_VH_PER_S = 12;

export const LABELS = {
  "zh-Hant": {
    window: (n) => `${n} 號窗口`, nowCalling: "正在呼叫", lastCalls: "最近呼叫", waiting: "等候人數",
    missed: "過號", noMissed: "暫無過號", page: (i, n) => `第 ${i}/${n} 頁`,
    people: "人", paused: "暫停服務", closed: "未開放", recall: "再次呼叫", ready: "等候叫號",
    serving: "辦理中", calledTo: (n) => `請到 ${n} 號窗口`, please: (label) => `請 ${label} 號`,
    toThisWindow: "請到本窗口辦理", clerk: "工作人員", staffNo: "工號", noClerk: "暫無工作人員",
    offline: "連線中斷，正在自動重新連線…", connecting: "正在連線…", refused: "設備憑證無效，請聯絡管理員",
    noToken: "缺少設備憑證 (?token=)", soundBlocked: "聲音未啟用 — 點擊畫面啟用", soundOff: "語音已關閉",
    soundPartial: "部分語音缺失", noWindow: "未指定窗口 (?window=)",
  },
  "zh-Hans": {
    window: (n) => `${n} 号窗口`, nowCalling: "正在呼叫", lastCalls: "最近呼叫", waiting: "等候人数",
    missed: "过号", noMissed: "暂无过号", page: (i, n) => `第 ${i}/${n} 页`,
    people: "人", paused: "暂停服务", closed: "未开放", recall: "再次呼叫", ready: "等候叫号",
    serving: "办理中", calledTo: (n) => `请到 ${n} 号窗口`, please: (label) => `请 ${label} 号`,
    toThisWindow: "请到本窗口办理", clerk: "工作人员", staffNo: "工号", noClerk: "暂无工作人员",
    offline: "连接中断，正在自动重新连接…", connecting: "正在连接…", refused: "设备凭证无效，请联系管理员",
    noToken: "缺少设备凭证 (?token=)", soundBlocked: "声音未启用 — 点击画面启用", soundOff: "语音已关闭",
    soundPartial: "部分语音缺失", noWindow: "未指定窗口 (?window=)",
  },
  en: {
    window: (n) => `Window ${n}`, nowCalling: "Now calling", lastCalls: "Last calls", waiting: "Waiting",
    missed: "Missed", noMissed: "No missed numbers", page: (i, n) => `Page ${i}/${n}`,
    people: "", paused: "Paused", closed: "Closed", recall: "Calling again", ready: "Ready",
    serving: "Serving", calledTo: (n) => `Please go to window ${n}`, please: (label) => `Number ${label}`,
    toThisWindow: "Please come to this window", clerk: "Clerk", staffNo: "Staff No.", noClerk: "No clerk signed in",
    offline: "Connection lost, reconnecting…", connecting: "Connecting…", refused: "Device token refused: call the administrator",
    noToken: "No device token (?token=)", soundBlocked: "Sound is off: click the screen to enable", soundOff: "Voice off",
    soundPartial: "Some voice clips missing", noWindow: "No window given (?window=)",
  },
};

/** Page options from the URL (the token itself is read by deviceToken()). */
export function pageOptions() {
  const params = new URLSearchParams(location.search);
  const number = (name) => (params.has(name) && Number.isFinite(Number(params.get(name))) ? Number(params.get(name)) : null);
  const fixed = LOCALES.includes(params.get("lang")) ? [params.get("lang")] : null;
  const rotation = (params.get("langs") || "zh-Hant,en").split(",").filter((l) => LOCALES.includes(l));
  return {
    zone: params.get("zone"), window: number("window"), langs: fixed || (rotation.length ? rotation : ["zh-Hant"]),
    rotateMs: (number("rotate_s") || 10) * 1000, voice: params.get("voice") || "on", sound: params.get("sound") || "on",
    backoffStartMs: number("backoff_ms"), backoffMaxMs: number("backoff_max_ms"),
    maxAgeS: number("max_age_s"), // announcements: calls older than this are not spoken (default 30)
    pageMs: (number("page_s") || 12) * 1000, // halls with more windows than fit: seconds per page
  };
}

/** Text of a {zh-Hans, zh-Hant, en} object in the wanted locale, falling back sensibly. */
export function pick(texts, lang) {
  if (!texts) return "";
  return texts[lang] || texts["zh-Hant"] || texts["zh-Hans"] || texts.en || "";
}

/** Cycles the label language every `rotateMs`; calls onChange(lang). */
export function rotateLanguages(langs, rotateMs, onChange) {
  let index = 0;
  onChange(langs[0]);
  if (langs.length < 2) return;
  setInterval(() => {
    index = (index + 1) % langs.length;
    onChange(langs[index]);
  }, rotateMs);
}

/** The server's clock as this screen sees it: the offset from the last server_time heard. */
export class ServerClock {
  constructor() {
    this.offsetMs = 0;
  }

  heard(serverTimeIso) {
    const server = Date.parse(serverTimeIso);
    if (Number.isFinite(server)) this.offsetMs = server - Date.now();
  }

  nowMs() {
    return Date.now() + this.offsetMs;
  }
}

/** Pings the hub now and then: keeps the clock right, and a ping left unanswered (a dead link the
 * browser has not noticed) closes the socket so the client reconnects. */
export function keepInTouch(client, clock) {
  setInterval(async () => {
    if (!client.ws || client.ws.readyState !== WebSocket.OPEN) return;
    try {
      const reply = await client.request({ type: "ping" });
      clock.heard(reply.server_time);
    } catch (err) {
      if (err && err.message === "no reply" && client.ws) client.ws.close();
    }
  }, CLOCK_SYNC_MS);
}

export function formatDate(ms, lang, timeZone) {
  return new Intl.DateTimeFormat(DATE_LOCALE[lang], { timeZone, year: "numeric", month: "long", day: "numeric", weekday: "long" })
    .format(new Date(ms));
}

export function formatTime(ms, timeZone) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    .format(new Date(ms));
}

/** A window's subtitle: its department for a plain window ("3號窗口" says nothing), else its name. */
export function windowName(model, win, lang) {
  const department = win.department && model.departments.get(win.department);
  return win.kind === "normal" && department ? pick(department.name, lang) : pick(win.name, lang);
}

/** Drop a list's last items while it overflows, so no row is shown cut in half at any size. */
export function trimToFit(list) {
  while (list.lastElementChild && list.scrollHeight > list.clientHeight + 1) list.lastElementChild.remove();
}

/** Replace a node's children (text only). */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** The banner's state: once a page has been online, any try to reconnect is still "offline" (a
 * blue "connecting" between red "offline" retries would only make the bar flicker). */
export function bannerState(state, wasOnline) {
  return state === "connecting" && wasOnline ? "offline" : state;
}

/** The connection banner: hidden while online, explains itself otherwise. */
export function renderBanner(banner, state, lang) {
  const text = { offline: "offline", connecting: "connecting", refused: "refused", notoken: "noToken", nowindow: "noWindow" }[state];
  banner.hidden = state === "online";
  banner.dataset.state = state;
  if (text) fill(banner, LABELS[lang][text]);
}

/** The scrolling notice line: the same speed whatever the text's length, and the text starts at
 * the left edge rather than off-screen, so a fresh page (or a new language) shows it at once. */
export function renderTicker(ticker, text) {
  if (ticker.dataset.text === text) return;
  ticker.dataset.text = text;
  const span = el("span", { class: "ticker-text" }, text);
  fill(ticker, span);
  const travel = Math.max(1, span.scrollWidth); // the container's width (padding) + the text's
  const seconds = travel / (TICKER_SPEED_VH_PER_S * window.innerHeight / 100);
  span.style.animationDuration = `${seconds}s`;
  span.style.animationDelay = `${-seconds * (ticker.clientWidth / travel)}s`;
}
