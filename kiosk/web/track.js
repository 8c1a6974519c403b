// Phone tracking page at /t/<token> (docs/kiosk.md, docs/protocol.md §9): polls GET /api/track/<token>
// with If-None-Match every few seconds while visible; when the ticket is called: the window, a
// beep and a vibration. No device token, nothing personal: the token in the path is the capability.
import { el } from "/common/hub.js";
import { LANGS } from "/common/lang.js";

const LANG_SHORT = { "zh-Hans": "简", "zh-Hant": "繁", en: "EN" };

const POLL_MS = Number(new URLSearchParams(location.search).get("poll_ms")) || 4000;
const token = location.pathname.split("/").filter(Boolean).pop();
const $ = (id) => document.getElementById(id);

const TEXT = {
  "zh-Hans": { ahead: "前面还有", people: "人", wait: "预计等候", min: "分钟", no_wait: "马上就到", no_window: "暂无窗口办理", where: (ws) => `请到 ${ws.join("、")} 号窗口附近等候`,
    waiting: "等候中", called: "请到窗口办理", serving: "正在办理", finished: "已办结", no_show: "已过号", suspended: "已挂起",
    transferred: "已转移", cancelled: "已取消", walked_out: "已离开", go_to: "请到", window_n: (n) => `${n} 号窗口`,
    gone: "此链接已失效", gone_why: "排队链接只在取号当天有效。", sound: "开启提示音", sound_on: "提示音已开启",
    updated: "自动更新", offline: "网络中断，正在重试…", missed: "过号请到服务台登记" },
  "zh-Hant": { ahead: "前面還有", people: "人", wait: "預計等候", min: "分鐘", no_wait: "馬上就到", no_window: "暫無窗口辦理", where: (ws) => `請到 ${ws.join("、")} 號窗口附近等候`,
    waiting: "等候中", called: "請到窗口辦理", serving: "正在辦理", finished: "已辦結", no_show: "已過號", suspended: "已掛起",
    transferred: "已轉移", cancelled: "已取消", walked_out: "已離開", go_to: "請到", window_n: (n) => `${n} 號窗口`,
    gone: "此連結已失效", gone_why: "排隊連結只在取號當天有效。", sound: "開啟提示音", sound_on: "提示音已開啟",
    updated: "自動更新", offline: "網絡中斷，正在重試…", missed: "過號請到服務台登記" },
  en: { ahead: "People ahead", people: "", wait: "Estimated wait", min: "min", no_wait: "any moment", no_window: "no window open yet", where: (ws) => `Please wait near window ${ws.join(", ")}`,
    waiting: "Waiting", called: "Please go to the window", serving: "Being served", finished: "Finished", no_show: "Missed",
    suspended: "On hold", transferred: "Transferred", cancelled: "Cancelled", walked_out: "Left", go_to: "Please go to",
    window_n: (n) => `Window ${n}`, gone: "This link has expired", gone_why: "Queue links work only on the day of the ticket.",
    sound: "Turn on the alert sound", sound_on: "Alert sound on", updated: "Updates automatically",
    offline: "Connection lost, retrying…", missed: "Missed your number? Please see the service desk." },
};

const state = { lang: null, view: null, etag: null, alerted: null, audio: null, gone: false, offline: false };
const t = (key, ...args) => { const v = TEXT[state.lang][key]; return typeof v === "function" ? v(...args) : v; };

function render() {
  document.documentElement.lang = state.lang;
  $("langs").replaceChildren(...LANGS.map((lang) => el("button", {
    "aria-pressed": String(lang === state.lang), onclick: () => { state.lang = lang; render(); } }, LANG_SHORT[lang])));
  const app = $("app");
  if (state.gone) {
    app.replaceChildren(el("div", { class: "card gone", "data-state": "gone" }, el("h1", {}, t("gone")), el("p", {}, t("gone_why"))));
    return;
  }
  const view = state.view;
  if (!view) return;
  $("center").textContent = view.center[state.lang];
  const ticket = view.ticket;
  const parts = [];
  if (ticket.status === "called" && ticket.window) {
    parts.push(el("div", { class: "card called", "data-called-window": ticket.window },
      el("div", { class: "k" }, `${ticket.label} · ${t("go_to")}`), el("div", { class: "big" }, t("window_n", ticket.window))));
  }
  const est = view.estimate;
  const waiting = ticket.status === "waiting";
  parts.push(el("div", { class: "card", "data-status": ticket.status },
    el("div", { class: "svc" }, view.service.name[state.lang]),
    el("div", { class: "label" }, ticket.label),
    el("div", { class: "status" }, t(ticket.status) || ticket.status),
    waiting && el("div", { class: "facts" },
      el("div", { class: "fact" }, el("div", { class: "k" }, t("ahead")), el("div", { class: "v", "data-ahead": view.ahead }, `${view.ahead} ${t("people")}`)),
      el("div", { class: "fact" }, el("div", { class: "k" }, t("wait")),
        el("div", { class: "v" }, est.open_windows === 0 ? t("no_window") : view.ahead === 0 && est.high_min <= 1 ? t("no_wait") : `${est.low_min}–${est.high_min} ${t("min")}`))),
    waiting && view.windows.length && el("div", { class: "where" }, t("where", view.windows)),
    ticket.status === "no_show" && el("div", { class: "where" }, t("missed"))));
  parts.push(el("button", { class: "sound", "data-action": "sound", onclick: enableSound }, state.audio ? t("sound_on") : t("sound")));
  app.replaceChildren(...parts);
  $("foot").textContent = state.offline ? t("offline") : t("updated");
}

/** Phones only play sound after a tap: the button unlocks audio for the later alert. */
function enableSound() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  state.audio = state.audio || new Ctx();
  state.audio.resume();
  render();
}

function alert() {
  if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]);
  const Ctx = window.AudioContext || window.webkitAudioContext;
  try {
    const ctx = state.audio || (Ctx && new Ctx());
    if (!ctx) return;
    state.audio = ctx;
    [0, 0.35, 0.7].forEach((at) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.3, ctx.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + at + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.3);
    });
  } catch {
    // no audio on this phone: the screen and the vibration still say it
  }
  document.body.dataset.alerted = String(Number(document.body.dataset.alerted || 0) + 1);
}

async function poll() {
  const headers = state.etag ? { "If-None-Match": state.etag } : {};
  try {
    const response = await fetch(`/api/track/${encodeURIComponent(token)}`, { headers, cache: "no-store" });
    state.offline = false;
    if (response.status === 404) { state.gone = true; render(); return false; }
    if (response.status === 200) {
      state.etag = response.headers.get("ETag");
      state.view = await response.json();
      if (!state.lang) state.lang = LANGS.includes(state.view.ticket.lang) ? state.view.ticket.lang : "zh-Hans";
      const ticket = state.view.ticket;
      const callKey = ticket.status === "called" ? `${ticket.called_at}|${ticket.recalls}` : null;
      if (callKey && callKey !== state.alerted) { state.alerted = callKey; alert(); }
    }
  } catch {
    state.offline = true;
  }
  if (!state.lang) state.lang = "zh-Hans";
  render();
  return true;
}

async function loop() {
  if (!(await poll())) return;
  setTimeout(loop, document.hidden ? POLL_MS * 3 : POLL_MS);
}

document.addEventListener("visibilitychange", () => { if (!document.hidden && !state.gone) poll(); });
loop();
