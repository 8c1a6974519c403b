// Window-top screen: one window's number being served, the clerk's name and staff number (staff
// are named in full; citizens never are), 「暫停服務」 with its reason, or closed. The window is the
// device's own (its token is bound to one) or ?window=N. Silent: the hall display speaks.
// Options: ?window= ?lang= ?langs= ?rotate_s= ?backoff_ms=
// Unknown event types are logged and counted (window.__hallq.unknown), not thrown: see hall.js.

import { HubClient, deviceToken, el } from "/common/hub.js";
import { HallModel } from "./model.js";
import {
  LABELS, ServerClock, bannerState, fill, formatTime, keepInTouch, pageOptions, pick, renderBanner, renderTicker,
  rotateLanguages, windowName,
} from "./screen.js";

const FLASH_MS = 8000;
const $ = (id) => document.getElementById(id);

class WindowDisplay {
  constructor(options, token) {
    this.options = options;
    this.lang = options.langs[0];
    this.clock = new ServerClock();
    this.model = null;
    this.number = options.window;
    this.flashTimer = null;
    this.record = { status: "connecting", unknown: [], seq: null, window: null };
    window.__hallq = this.record;
    this.client = new HubClient({
      token, scope: this.number ? { window: this.number } : {},
      backoffStartMs: options.backoffStartMs, backoffMaxMs: options.backoffMaxMs,
      onAuth: (auth) => this.onAuth(auth), onSnapshot: (snapshot) => this.onSnapshot(snapshot),
      onEvent: (event, seq) => this.onEvent(event, seq), onMessage: (message) => this.onMessage(message),
      onStatus: (state) => this.onStatus(state),
    });
  }

  start() {
    rotateLanguages(this.options.langs, this.options.rotateMs, (lang) => this.setLanguage(lang));
    setInterval(() => this.renderClock(), 1000);
    keepInTouch(this.client, this.clock);
    this.client.start();
  }

  onAuth(auth) {
    this.clock.heard(auth.server_time);
    if (!this.number && auth.window) this.number = auth.window;
    if (!this.number) {
      this.client.stop();
      this.onStatus("nowindow");
      return;
    }
    this.record.window = this.number;
    this.client.options.scope = { window: this.number };
  }

  onSnapshot(snapshot) {
    this.model = new HallModel(snapshot);
    this.render();
  }

  onEvent(event, seq) {
    this.record.seq = seq;
    if (!this.model) return;
    const changed = this.model.apply(event, seq);
    if (changed === null) return this.unknown("event", event.type);
    if (changed.reload) return this.client.resubscribe();
    if (changed.windows.has(this.number)) this.render();
    if (changed.call && changed.call.window === this.number) this.flash();
  }

  onMessage(message) {
    if (message.type === "notice") {
      if (this.model) this.model.notice = message.text;
      return this.renderTicker();
    }
    if (message.type === "device_status") return;
    this.unknown("message", message.type);
  }

  onStatus(state) {
    if (this.record.status === "nowindow") return;
    this.record.status = state;
    this.wasOnline = this.wasOnline || state === "online";
    renderBanner($("banner"), bannerState(state, this.wasOnline), this.lang);
  }

  unknown(kind, type) {
    this.record.unknown.push(`${kind}:${type}`);
    console.warn(`window display: ignoring unknown ${kind} type`, type);
  }

  flash() {
    const main = $("main");
    clearTimeout(this.flashTimer);
    main.classList.remove("flash");
    void main.offsetWidth; // restart the animation
    main.classList.add("flash");
    this.flashTimer = setTimeout(() => main.classList.remove("flash"), FLASH_MS);
  }

  setLanguage(lang) {
    this.lang = lang;
    document.documentElement.lang = lang;
    this.render();
    renderBanner($("banner"), bannerState(this.record.status, this.wasOnline), lang);
  }

  render() {
    const win = this.model && this.model.windows.get(this.number);
    if (!win) return;
    const t = LABELS[this.lang];
    fill($("number"), t.window(win.number));
    fill($("name"), windowName(this.model, win, this.lang));
    $("main").dataset.status = win.status;
    $("main").dataset.ticket = win.ticket ? win.ticket.status : "none";
    fill($("main"), this.mainPart(win, t));
    fill($("clerk"), this.clerkPart(win, t));
    this.renderTicker();
    this.renderClock();
  }

  mainPart(win, t) {
    if (win.status === "paused") {
      return [el("div", { class: "wt-paused" }, t.paused), el("div", { class: "wt-reason" }, win.pause_reason || "")];
    }
    if (win.status === "closed") return el("div", { class: "wt-closed" }, t.closed);
    if (!win.ticket) return [el("div", { class: "wt-caption" }, t.ready), el("div", { class: "wt-label" }, "—")];
    const called = win.ticket.status === "called";
    return [
      el("div", { class: "wt-caption" }, called ? t.please(win.ticket.label) : t.serving),
      el("div", { class: "wt-label" }, win.ticket.label),
      called && win.ticket.recalls > 0 ? el("div", { class: "tag recall-tag" }, t.recall) : null,
      called && win.ticket.recalls === 0 ? el("div", { class: "wt-caption" }, t.toThisWindow) : null,
    ];
  }

  clerkPart(win, t) {
    if (!win.staff) return el("div", { class: "wt-clerk-none" }, t.noClerk);
    return [
      el("div", { class: "wt-clerk-title" }, t.clerk),
      el("div", { class: "wt-clerk-name" }, win.staff.name),
      el("div", { class: "wt-clerk-no" }, `${t.staffNo} ${win.staff.number}`),
    ];
  }

  renderTicker() {
    if (this.model) renderTicker($("ticker"), pick(this.model.notice, this.lang));
  }

  renderClock() {
    if (this.model) fill($("clock"), formatTime(this.clock.nowMs(), this.model.center.timezone).slice(0, 5));
  }
}

function main() {
  const options = pageOptions();
  const token = deviceToken();
  if (!token) {
    renderBanner($("banner"), "notoken", options.langs[0]);
    return;
  }
  new WindowDisplay(options, token).start();
}

main();
