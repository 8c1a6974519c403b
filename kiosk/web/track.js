// Phone tracking page at /t/<token> (docs/kiosk.md, docs/protocol.md §9): polls GET /api/track/<token>
// with If-None-Match every few seconds while visible. One tap turns on sound and vibration (phones
// allow sound only after a tap) and the page says truthfully whether they work; it alerts when the
// turn is near (the citizen chooses how many tickets ahead) and when the ticket is called.
// No device token, nothing personal: the token in the path is the capability.
import { el } from "/common/hub.js";
import { LANGS, LANG_SHORT, applyLang, loadCenter, pickName, validLang } from "/common/lang.js";

const params = new URLSearchParams(location.search);
const POLL_MS = Number(params.get("poll_ms")) || 4000;
const NEAR_KEY = "hallq.track.near";
const NEAR_CHOICES = [1, 2, 3, 5, 10];
const NEAR_DEFAULT = 3;
const token = location.pathname.split("/").filter(Boolean).pop();
const $ = (id) => document.getElementById(id);

const TEXT = {
  "zh-Hans": { ahead: "前面还有", people: "人", wait: "预计等候", min: "分钟", no_wait: "马上就到", no_window: "暂无窗口办理", where: (ws) => `请到 ${ws.join("、")} 号窗口附近等候`,
    waiting: "等候中", called: "请到窗口办理", serving: "正在办理", finished: "已办结", no_show: "已过号", suspended: "已挂起",
    transferred: "已转移", cancelled: "已取消", walked_out: "已离开", go_to: "请到", window_n: (n) => `${n} 号窗口`,
    gone: "此链接已失效", gone_why: "排队链接只在取号当天有效。",
    alerts_off: "点一下，开启提示音和振动", alerts_on: "提示音和振动已开启", sound_on_only: "提示音已开启（此手机不支持振动）",
    vibrate_only: "振动已开启（浏览器没有允许声音，请把手机调大音量后再点一次）",
    blocked: "浏览器没有允许提示音，请再点一次；叫号时屏幕仍会显示", testing: "正在开启…",
    near_pick: "前面还剩几人时提醒我", near_now: (n) => `快到您了：前面还有 ${n} 人，请回到等候区`,
    updated: "自动更新", offline: "网络中断，正在重试…", missed: "过号请到服务台登记", title: "排队进度" },
  "zh-Hant": { ahead: "前面還有", people: "人", wait: "預計等候", min: "分鐘", no_wait: "馬上就到", no_window: "暫無窗口辦理", where: (ws) => `請到 ${ws.join("、")} 號窗口附近等候`,
    waiting: "等候中", called: "請到窗口辦理", serving: "正在辦理", finished: "已辦結", no_show: "已過號", suspended: "已掛起",
    transferred: "已轉移", cancelled: "已取消", walked_out: "已離開", go_to: "請到", window_n: (n) => `${n} 號窗口`,
    gone: "此連結已失效", gone_why: "排隊連結只在取號當天有效。",
    alerts_off: "點一下，開啟提示音和振動", alerts_on: "提示音和振動已開啟", sound_on_only: "提示音已開啟（此手機不支援振動）",
    vibrate_only: "振動已開啟（瀏覽器沒有允許聲音，請把手機調大音量後再點一次）",
    blocked: "瀏覽器沒有允許提示音，請再點一次；叫號時螢幕仍會顯示", testing: "正在開啟…",
    near_pick: "前面還剩幾人時提醒我", near_now: (n) => `快到您了：前面還有 ${n} 人，請回到等候區`,
    updated: "自動更新", offline: "網絡中斷，正在重試…", missed: "過號請到服務台登記", title: "排隊進度" },
  en: { ahead: "People ahead", people: "", wait: "Estimated wait", min: "min", no_wait: "any moment", no_window: "no window open yet", where: (ws) => `Please wait near window ${ws.join(", ")}`,
    waiting: "Waiting", called: "Please go to the window", serving: "Being served", finished: "Finished", no_show: "Missed",
    suspended: "On hold", transferred: "Transferred", cancelled: "Cancelled", walked_out: "Left", go_to: "Please go to",
    window_n: (n) => `Window ${n}`, gone: "This link has expired", gone_why: "Queue links work only on the day of the ticket.",
    alerts_off: "Tap to turn on sound and vibration", alerts_on: "Sound and vibration are on",
    sound_on_only: "Sound is on (this phone cannot vibrate)",
    vibrate_only: "Vibration is on (the browser did not allow sound: turn the volume up and tap again)",
    blocked: "The browser did not allow sound; tap again. The screen still shows the call.", testing: "Turning on…",
    near_pick: "Alert me when this many are ahead", near_now: (n) => `Almost your turn: ${n} ahead. Please come back to the waiting area.`,
    updated: "Updates automatically", offline: "Connection lost, retrying…", missed: "Missed your number? Please see the service desk.",
    title: "Queue" },
};

const state = {
  lang: null, fallback: "zh-Hans", view: null, etag: null, gone: false, offline: false,
  audio: null, // the AudioContext the citizen's tap unlocked
  alerts: "off", // off | testing | on | sound_only | vibrate_only | blocked: what the phone really allows
  near: Number(localStorage.getItem(NEAR_KEY)) || NEAR_DEFAULT,
  calledKey: null, nearAlerted: false,
};
const t = (key, ...args) => { const v = TEXT[state.lang || state.fallback][key]; return typeof v === "function" ? v(...args) : v; };

function render() {
  applyLang(state.lang || state.fallback);
  document.title = `${t("title")} · hallq`;
  $("langs").replaceChildren(...LANGS.map((lang) => el("button", {
    "aria-pressed": String(lang === state.lang), lang, "data-lang": lang,
    onclick: () => { state.lang = lang; render(); } }, LANG_SHORT[lang])));
  const app = $("app");
  if (state.gone) {
    app.replaceChildren(el("div", { class: "card gone", "data-state": "gone" }, el("h1", {}, t("gone")), el("p", {}, t("gone_why"))));
    return;
  }
  const view = state.view;
  if (!view) return;
  $("center").textContent = pickName(view.center, state.lang);
  app.replaceChildren(...[calledCard(view), nearCard(view), ticketCard(view), alertsCard()].filter(Boolean));
  $("foot").textContent = state.offline ? t("offline") : t("updated");
}

function calledCard(view) {
  const ticket = view.ticket;
  if (ticket.status !== "called" || !ticket.window) return null;
  return el("div", { class: "card called", "data-called-window": ticket.window, role: "alert" },
    el("div", { class: "k" }, `${ticket.label} · ${t("go_to")}`), el("div", { class: "big" }, t("window_n", ticket.window)));
}

function nearCard(view) {
  if (view.ticket.status !== "waiting" || view.ahead > state.near) return null;
  return el("div", { class: "card near", "data-near": view.ahead, role: "status" }, t("near_now", view.ahead));
}

function ticketCard(view) {
  const ticket = view.ticket;
  const est = view.estimate;
  const waiting = ticket.status === "waiting";
  const estimate = est.open_windows === 0 ? t("no_window")
    : view.ahead === 0 && est.high_min <= 1 ? t("no_wait") : `${est.low_min}–${est.high_min} ${t("min")}`;
  return el("div", { class: "card", "data-status": ticket.status },
    el("div", { class: "svc" }, pickName(view.service.name, state.lang)),
    el("div", { class: "label" }, ticket.label),
    el("div", { class: "status" }, t(ticket.status) || ""),
    waiting && el("div", { class: "facts" },
      el("div", { class: "fact" }, el("div", { class: "k" }, t("ahead")), el("div", { class: "v", "data-ahead": view.ahead }, `${view.ahead} ${t("people")}`)),
      el("div", { class: "fact" }, el("div", { class: "k" }, t("wait")), el("div", { class: "v" }, estimate))),
    waiting && view.windows.length && el("div", { class: "where" }, t("where", view.windows)),
    ticket.status === "no_show" && el("div", { class: "where" }, t("missed")));
}

function alertsCard() {
  const on = ["on", "sound_only", "vibrate_only"].includes(state.alerts);
  const label = { off: t("alerts_off"), testing: t("testing"), on: t("alerts_on"), sound_only: t("sound_on_only"),
    vibrate_only: t("vibrate_only"), blocked: t("blocked") }[state.alerts];
  const select = el("select", { id: "near", "aria-label": t("near_pick"),
    onchange: (ev) => { state.near = Number(ev.target.value); localStorage.setItem(NEAR_KEY, String(state.near)); state.nearAlerted = false; render(); } },
  NEAR_CHOICES.map((n) => el("option", { value: String(n), selected: n === state.near }, `${n} ${t("people")}`.trim())));
  return el("div", { class: "card alerts" },
    el("button", { class: on ? "sound on" : "sound", "data-action": "sound", "data-alerts": state.alerts,
      "aria-pressed": String(on), onclick: enableAlerts }, label),
    el("label", { class: "near-pick" }, el("span", {}, t("near_pick")), select));
}

/** The citizen's tap: unlock audio, play a short tone and vibrate once, then say what really works. */
async function enableAlerts() {
  state.alerts = "testing";
  render();
  const Ctx = window.AudioContext || window.webkitAudioContext;
  let sound = false;
  try {
    state.audio = state.audio || (Ctx ? new Ctx() : null);
    if (state.audio) {
      await Promise.race([state.audio.resume(), new Promise((resolve) => setTimeout(resolve, 1000))]);
      sound = state.audio.state === "running";
      if (sound) beep(1);
    }
  } catch {
    sound = false;
  }
  const vibrate = typeof navigator.vibrate === "function" && navigator.vibrate(200) !== false;
  state.alerts = sound && vibrate ? "on" : sound ? "sound_only" : vibrate ? "vibrate_only" : "blocked";
  render();
}

function beep(times) {
  const ctx = state.audio;
  if (!ctx || ctx.state !== "running") return false;
  for (let i = 0; i < times; i += 1) {
    const at = ctx.currentTime + i * 0.35;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.3, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.3);
  }
  return true;
}

/** An alert: `kind` is near or called; sound and vibration only as far as the phone allows. */
function alert(kind) {
  const strong = kind === "called";
  if (typeof navigator.vibrate === "function") navigator.vibrate(strong ? [400, 200, 400, 200, 400] : [300]);
  const sounded = beep(strong ? 3 : 1);
  document.body.dataset[kind === "called" ? "alerted" : "nearAlerted"] =
    String(Number(document.body.dataset[kind === "called" ? "alerted" : "nearAlerted"] || 0) + 1);
  document.body.dataset.lastSound = String(sounded);
}

function checkAlerts(view) {
  const ticket = view.ticket;
  const callKey = ticket.status === "called" ? `${ticket.called_at}|${ticket.recalls}` : null;
  if (callKey && callKey !== state.calledKey) {
    state.calledKey = callKey;
    alert("called");
  }
  const near = ticket.status === "waiting" && view.ahead <= state.near;
  if (near && !state.nearAlerted) alert("near");
  state.nearAlerted = near || (state.nearAlerted && ticket.status === "waiting");
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
      state.lang = state.lang || validLang(state.view.ticket.lang);
      checkAlerts(state.view);
    }
  } catch {
    state.offline = true;
  }
  render();
  return true;
}

async function loop() {
  if (!(await poll())) return;
  setTimeout(loop, document.hidden ? POLL_MS * 3 : POLL_MS);
}

async function main() {
  // The ticket's own language (chosen at the kiosk) wins; before it is known, the hall's default.
  const center = await loadCenter().catch(() => null);
  state.fallback = validLang(center && center.center.default_lang) || "zh-Hans";
  state.lang = validLang(params.get("lang"));
  if (await poll()) setTimeout(loop, POLL_MS);
}

document.addEventListener("visibilitychange", () => { if (!document.hidden && !state.gone) poll(); });
main();
