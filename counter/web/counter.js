// Counter terminal: a clerk signs in at this window, works the ticket in hand, watches the window's
// queues and today's figures. Live state comes from the hub (window scope); actions go over HTTP with
// a request id, so a retried click never does anything twice. Shortcuts: docs/counter.md.
import { HubClient, api, deviceToken, el } from "/common/hub.js";
import { applyLang, loadCenter, pickName, startLang, validLang } from "/common/lang.js";
import { Dialogs } from "./counter-dialogs.js";
import { actionForKey } from "./counter-keys.js";
import { DeskView } from "./counter-render.js";
import { clearSession, loadSession, saveSession, signInForm } from "./counter-session.js";
import { fill, textsFor } from "./i18n.js";

const LANG_KEY = "hallq.counter.lang";
const DEVICE_KEY = "hallq.counter.device";
const REFRESH_DELAY_MS = 150;

// Events seen on a window subscription, and what the desk does about each.
const EVENT_ACTIONS = {
  ticket_issued: ["queues"], appointment_booked: [], appointment_checked_in: ["queues"],
  ticket_called: ["queues"], ticket_recalled: ["queues"], service_started: ["queues"],
  service_finished: ["queues", "today", "rating_wait"], ticket_no_show: ["queues", "today"],
  ticket_suspended: ["queues", "suspended"], ticket_resumed: ["queues", "suspended"],
  ticket_transferred: ["queues", "suspended"], ticket_cancelled: ["queues"], ticket_walked_out: ["queues"],
  window_opened: ["queues"], window_paused: ["queues"], window_resumed: ["queues"], window_closed: ["queues"],
  clerk_signed_in: ["queues"], clerk_signed_out: ["queues", "signed_out"],
  visit_rated: ["today", "rated"], rating_expired: ["today", "rating_gone"], day_closed: ["queues", "today"],
};

class CounterDesk {
  constructor() {
    this.lang = startLang(null, LANG_KEY); // until the hall's default is known
    this.t = textsFor(this.lang);
    this.device = null; // {token, window}
    this.session = null; // {token, staff, staffName, window}
    this.hub = null;
    this.catalog = { services: new Map(), windows: new Map(), departments: new Map(), center: null,
      guides: new Map() };
    this.view = { window: null, services: [], at: Date.now() };
    this.offsetMs = 0; // server clock minus ours
    this.suspended = [];
    this.today = null;
    this.ratingNote = null; // {label, arrived}
    this.message = null;
    this.retry = null; // {key, requestId}: reused when a click is retried after a network failure
    this.refreshTimer = null;
    this.dialogs = new Dialogs(this);
    this.render = new DeskView(this);
  }

  // --- start-up and sign-in ---------------------------------------------------------------------

  async boot() {
    document.getElementById("lang").addEventListener("change", (ev) => this.setLang(ev.target.value, true));
    document.addEventListener("keydown", (ev) => this.onKey(ev));
    setInterval(() => this.render.tick(), 1000);
    this.setLang(this.lang);
    const token = deviceToken(DEVICE_KEY);
    if (!token) return this.fatal(this.t.no_device_token);
    let me;
    try {
      me = await api("GET", "/api/sessions/current", token);
    } catch (err) {
      return this.fatal(err.code === "unauthorized" ? this.t.refused : this.errorText(err));
    }
    this.setLang(startLang(me.default_lang, LANG_KEY));
    if (me.role !== "counter") return this.fatal(fill(this.t.wrong_device, { role: this.t.role_counter }));
    this.device = { token, window: me.window };
    this.setHeader(me.window_state);
    await this.loadCatalog(token);
    const saved = loadSession();
    if (saved && saved.window === me.window && (await this.sessionAlive(saved.token))) {
      this.session = saved;
      return this.openDesk();
    }
    clearSession();
    this.showSignIn();
  }

  async sessionAlive(token) {
    try {
      const who = await api("GET", "/api/sessions/current", token);
      return who.role === "clerk";
    } catch (err) {
      // A network blip must not sign the clerk out: keep the session and let the hub reconnect.
      return err.code === "unavailable";
    }
  }

  async loadCatalog(token) {
    const hall = await api("GET", "/api/hall", token);
    this.catalog.center = hall.center;
    for (const s of hall.services) this.catalog.services.set(s.code, s);
    for (const w of hall.windows) this.catalog.windows.set(w.number, w);
    for (const d of hall.departments) this.catalog.departments.set(d.code, d);
    if (!this.catalog.guides.size) {
      const center = await loadCenter().catch(() => ({ services: [] }));
      for (const s of center.services) this.catalog.guides.set(s.code, s.guide);
    }
    // The full hall view lists every window but only the services some window of the scope serves.
    document.getElementById("center-name").textContent = this.pick(hall.center.name);
  }

  showSignIn(errorText = "") {
    this.stopHub();
    document.getElementById("sign-out").hidden = true;
    document.getElementById("clerk").textContent = "";
    const { form, focus } = signInForm(this.t, this.device.window, errorText,
      (staff, pin, errorBox) => this.signIn(staff, pin, errorBox));
    document.getElementById("main").replaceChildren(form);
    focus();
  }

  async signIn(staff, pin, errorBox) {
    try {
      const answer = await api("POST", "/api/sessions", this.device.token, { staff, pin });
      this.session = { token: answer.token, staff: answer.staff.number, staffName: answer.staff.name,
        window: answer.window };
      saveSession(this.session);
      this.openDesk();
    } catch (err) {
      errorBox.className = "message error";
      errorBox.textContent = this.errorText(err, { staff });
    }
  }

  async signOut() {
    try {
      await api("DELETE", "/api/sessions/current", this.session.token);
    } catch (err) {
      if (err.code !== "unauthorized") return this.say("error", this.errorText(err));
    }
    clearSession();
    this.session = null;
    this.showSignIn();
  }

  sessionEnded() {
    clearSession();
    this.session = null;
    this.showSignIn(this.t.err_session_ended);
  }

  // --- the desk ------------------------------------------------------------------------------

  async openDesk() {
    // The session sees the whole hall (the device only its window): every service and window to transfer to.
    await this.loadCatalog(this.session.token).catch(() => {});
    this.renderDesk();
    this.startHub();
    this.loadToday();
    this.loadSuspended();
  }

  renderDesk() {
    const signOut = document.getElementById("sign-out");
    signOut.hidden = false;
    signOut.textContent = this.t.sign_out;
    signOut.onclick = () => this.signOut();
    document.getElementById("clerk").textContent = fill(this.t.signed_in_as,
      { name: this.session.staffName || "", staff: this.session.staff });
    document.getElementById("main").replaceChildren(this.render.layout());
    this.renderAll();
  }

  startHub() {
    this.stopHub();
    this.hub = new HubClient({
      token: this.session.token,
      scope: { window: this.session.window },
      onSnapshot: (snapshot) => this.applySnapshot(snapshot),
      onEvent: (event) => this.onEvent(event),
      onStatus: (state) => this.onStatus(state),
    });
    this.hub.start();
  }

  stopHub() {
    if (this.hub) this.hub.stop();
    this.hub = null;
  }

  onStatus(state) {
    const conn = document.getElementById("conn");
    conn.textContent = this.t[state] || state;
    conn.className = state === "offline" ? "conn offline" : "conn";
    if (state === "refused") this.sessionEnded();
    if (state === "online") {
      // Back after a blip: the replay brought the events; the lists are read afresh.
      this.loadToday();
      this.loadSuspended();
    }
  }

  applySnapshot(snapshot) {
    this.offsetMs = Date.parse(snapshot.server_time) - Date.now();
    this.view = { window: snapshot.windows[0], services: snapshot.services, at: Date.now() };
    this.setHeader(this.view.window);
    this.renderAll();
  }

  onEvent(event) {
    const actions = EVENT_ACTIONS[event.type];
    if (!actions) throw new Error(`unknown event type ${event.type}`);
    for (const action of actions) this.eventAction(action, event);
  }

  eventAction(action, event) {
    const mine = event.window === this.session.window;
    if (action === "queues") return this.scheduleRefresh();
    if (action === "today") return this.loadToday();
    if (action === "suspended") return this.loadSuspended();
    if (action === "signed_out" && mine && event.staff === this.session.staff) return this.sessionEnded();
    if (action === "rating_wait" && mine) {
      this.ratingNote = { ticketId: event.ticket_id, label: event.ticket.label, arrived: false };
    }
    if (action === "rated" && mine) {
      const label = event.ticket ? event.ticket.label : (this.ratingNote || {}).label;
      this.ratingNote = { ticketId: event.ticket_id, label, arrived: true };
    }
    if (action === "rating_gone" && mine && this.ratingNote && this.ratingNote.ticketId === event.ticket_id) {
      this.ratingNote = null;
    }
    this.renderToday();
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refreshView(), REFRESH_DELAY_MS);
  }

  async refreshView() {
    if (!this.session) return;
    try {
      const hall = await api("GET", `/api/hall?window=${this.session.window}`, this.session.token);
      this.applySnapshot(hall);
    } catch (err) {
      if (err.code === "unauthorized") this.sessionEnded();
    }
  }

  async loadToday() {
    if (!this.session) return;
    try {
      this.today = await api("GET", `/api/windows/${this.session.window}/today`, this.session.token);
      this.renderToday();
    } catch { /* the figures come back with the next event */ }
    this.loadJoint();
  }

  /** The joint cases this window leads (聯辦): where each department's task stands. */
  async loadJoint() {
    const box = document.getElementById("joint");
    if (!box || !this.session) return;
    let answer;
    try {
      answer = await api("GET", `/api/supervision/windows/${this.session.window}/joint`, this.session.token);
    } catch { return; /* retried with the next event */ }
    box.hidden = !answer.cases.length;
    const dept = (code) => this.pick((this.catalog.departments.get(code) || {}).name) || code;
    box.replaceChildren(el("h2", {}, this.t.joint_title), el("ul", { class: "plain", id: "joint-list" },
      answer.cases.map((c) => el("li", { "data-case": c.id, class: c.light || "" },
        el("b", {}, c.label), ` · ${fill(this.t.joint_due, { day: c.due_day })} · `,
        c.tasks.map((task) => el("span", { class: `task ${task.status}` },
          `${dept(task.department)} ${task.status === "done" ? "✓" : "…"} `))))));
  }

  async loadSuspended() {
    if (!this.session) return;
    try {
      const answer = await api("GET", `/api/windows/${this.session.window}/suspended`, this.session.token);
      this.suspended = answer.tickets;
      this.renderSuspended();
    } catch { /* retried with the next event */ }
  }

  // --- actions -------------------------------------------------------------------------------

  held() {
    return this.view.window ? this.view.window.ticket : null;
  }

  windowPath(suffix) {
    return `/api/windows/${this.session.window}/${suffix}`;
  }

  /** Run one action: POST with a request id, show the outcome in the clerk's language. */
  async act(key, path, body, okText) {
    const requestId = this.retry && this.retry.key === key ? this.retry.requestId : crypto.randomUUID();
    this.retry = null;
    try {
      const answer = await api("POST", path, this.session.token, { ...body, request_id: requestId });
      if (answer.window) {
        this.view.window = answer.window;
        this.setHeader(answer.window);
        this.renderAll();
      }
      const label = answer.ticket ? answer.ticket.label : "";
      if (okText) this.say("ok", fill(this.t[okText], { label }));
      return answer;
    } catch (err) {
      if (err.code === "unavailable") this.retry = { key, requestId };
      if (err.code === "unauthorized") return this.sessionEnded();
      this.say("error", this.errorText(err));
      this.scheduleRefresh();
      return null;
    }
  }

  async run(action) {
    if (!this.session) return;
    const held = this.held();
    const w = this.view.window;
    const ticketAction = (name, suffix, ok) => {
      if (!held) return this.noTicket();
      return this.act(`${name}:${held.id}`, `/api/tickets/${held.id}/${suffix}`, {}, ok);
    };
    switch (action) {
      case "call_next": return this.act("call_next", this.windowPath("call-next"), {}, "ok_called");
      case "recall": return ticketAction("recall", "recall", "ok_recalled");
      case "start": return ticketAction("start", "start", "ok_started");
      case "no_show": return ticketAction("no_show", "no-show", "ok_no_show");
      case "finish_immediate": return held ? this.finish(held, { outcome: "immediate" }) : this.noTicket();
      case "finish": return held ? this.dialogs.finish(held) : this.noTicket();
      case "suspend": return held ? this.dialogs.suspend(held) : this.noTicket();
      case "transfer": return held ? this.dialogs.transfer(held) : this.noTicket();
      case "resume_ticket": return this.dialogs.resumeSuspended();
      case "missed": return this.dialogs.missed();
      case "pause_toggle":
        if (w && w.status === "paused") return this.act("resume_window", this.windowPath("resume"), {}, "ok_resumed");
        return this.dialogs.pause();
      case "cancel_ticket": return held ? this.dialogs.cancel(held) : this.noTicket();
      case "close_toggle":
        if (w && w.status === "closed") return this.act("open_window", this.windowPath("open"), {}, "ok_opened");
        return this.act("close_window", this.windowPath("close"), {}, "ok_closed");
      default: throw new Error(`unknown action ${action}`);
    }
  }

  noTicket() {
    this.say("error", this.t.no_ticket);
  }

  async finish(ticket, body) {
    const answer = await this.act(`finish:${ticket.id}`, `/api/tickets/${ticket.id}/finish`, body, "ok_finished");
    if (answer && body.outcome === "supplement") this.dialogs.notice(ticket, body.materials);
    return answer;
  }

  /** Take a suspended ticket back and call it at once (resume puts it at the front of this window's queue). */
  async resumeAndCall(ticket) {
    if (this.held()) return this.say("error", this.t.err_ticket_in_hand);
    const resumed = await this.act(`resume:${ticket.id}`, `/api/tickets/${ticket.id}/resume`, {}, null);
    if (!resumed) return null;
    this.loadSuspended();
    return this.act(`call:${ticket.id}`, this.windowPath("call"), { ticket_id: ticket.id }, "ok_called");
  }

  // --- keyboard ------------------------------------------------------------------------------

  onKey(ev) {
    if (this.dialogs.open) return this.dialogs.onKey(ev);
    const action = this.session ? actionForKey(ev) : null;
    if (!action) return;
    ev.preventDefault();
    this.run(action);
  }

  // --- names and helpers the view and dialogs use --------------------------------------------------

  pick(text) {
    return pickName(text, this.lang);
  }

  serviceName(code) {
    const s = this.catalog.services.get(code);
    return s ? this.pick(s.name) : code;
  }

  /** "3 號窗口 · 市場監督管理局": a window without a name of its own shows its department. */
  windowName(w) {
    const number = fill(this.t.window_n, { n: w.number });
    const own = this.pick(w.name);
    const department = this.catalog.departments.get(w.department);
    const name = own && !own.includes(String(w.number)) ? own : department ? this.pick(department.name) : "";
    return name ? `${number} · ${name}` : number;
  }

  setHeader(w) {
    this.render.header(w);
  }

  renderAll() {
    this.render.all();
  }

  renderToday() {
    this.render.today();
  }

  renderSuspended() {
    this.render.suspended();
  }

  serverNow() {
    return Date.now() + this.offsetMs;
  }

  say(kind, text) {
    this.message = { kind, text };
    this.render.message();
  }

  errorText(err, extra = {}) {
    const code = (err && err.code) || "internal_error";
    const details = (err && err.details) || {};
    if (code === "too_many_attempts") return fill(this.t.err_too_many_attempts, { s: details.retry_after_s || "" });
    if (code === "already_signed_in") {
      return fill(this.t.err_already_signed_in, { staff: extra.staff || "", window: details.window || "?" });
    }
    if (code === "invalid_transition" && details.status && details.action) return this.transitionText(details);
    if (code === "window_not_open") {
      const status = this.view.window && this.view.window.status;
      if (status === "paused") return this.t.err_paused_call;
      if (status === "closed") return this.t.err_closed_call;
    }
    const template = this.t[`err_${code}`];
    return fill(template || this.t.err_other, { message: (err && err.message) || code });
  }

  /** "A012 目前正在辦理，不能重呼。": what the ticket is and what was refused, not a generic line. */
  transitionText(details) {
    const held = this.held();
    return fill(this.t.err_transition, {
      label: held ? `${held.label} ` : this.t.this_ticket,
      status: this.t[`tst_${details.status}`] || this.t.err_invalid_transition,
      action: this.t[`tac_${details.action}`] || this.t.err_invalid_transition,
    });
  }

  fatal(text) {
    document.getElementById("main").replaceChildren(el("div", { class: "panel fatal", role: "alert", id: "fatal" }, text));
  }

  /** Switch the page's language; `remember` keeps a clerk's own choice on this terminal. */
  setLang(lang, remember = false) {
    this.lang = validLang(lang) || this.lang;
    this.t = textsFor(this.lang);
    if (remember) localStorage.setItem(LANG_KEY, this.lang);
    applyLang(this.lang);
    document.getElementById("lang").value = this.lang;
    document.getElementById("lang").setAttribute("aria-label", this.t.language);
    document.title = `${this.t.role_counter} · hallq`;
    if (this.catalog.center) document.getElementById("center-name").textContent = this.pick(this.catalog.center.name);
    this.setHeader(this.view.window);
    if (this.session) this.renderDesk();
    else if (this.device) this.showSignIn();
  }
}

const desk = new CounterDesk();
window.hallqCounter = desk; // for support staff in the browser console
desk.boot();
