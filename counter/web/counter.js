// Counter terminal: a clerk signs in at this window, works the ticket in hand, watches the window's
// queues and today's figures. Live state comes from the hub (window scope); actions go over HTTP with
// a request id, so a retried click never does anything twice. Shortcuts: docs/counter.md.
import { HubClient, api, deviceToken, el } from "/common/hub.js";
import { LANGS, fill, textsFor } from "./i18n.js";
import { Dialogs } from "./counter-dialogs.js";

const SESSION_KEY = "hallq.counter.session";
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

// Keyboard: one key per action (numeric keypad first, function keys as the alternative).
export const SHORTCUTS = [
  { keys: ["+", "F1"], action: "call_next" },
  { keys: ["*", "F2"], action: "recall" },
  { keys: ["Enter", "F3"], action: "start" },
  { keys: ["1"], action: "finish_immediate" },
  { keys: ["/", "F4"], action: "finish" },
  { keys: ["-", "F5"], action: "no_show" },
  { keys: ["7", "F6"], action: "suspend" },
  { keys: ["8", "F7"], action: "resume_ticket" },
  { keys: ["9", "F8"], action: "transfer" },
  { keys: ["4", "F9"], action: "missed" },
  { keys: ["5", "F10"], action: "pause_toggle" },
  { keys: ["6"], action: "close_toggle" },
];

class CounterDesk {
  constructor() {
    this.lang = pickLang();
    this.t = textsFor(this.lang);
    this.device = null; // {token, window}
    this.session = null; // {token, staff, staffName, window}
    this.hub = null;
    this.catalog = { services: new Map(), windows: new Map(), departments: new Map(), center: null };
    this.view = { window: null, services: [], at: Date.now() };
    this.offsetMs = 0; // server clock minus ours
    this.suspended = [];
    this.today = null;
    this.ratingNote = null; // {label, arrived}
    this.message = null;
    this.retry = null; // {key, requestId}: reused when a click is retried after a network failure
    this.refreshTimer = null;
    this.dialogs = new Dialogs(this);
  }

  // --- start-up and sign-in ---------------------------------------------------------------------

  async boot() {
    document.getElementById("lang").value = this.lang;
    document.getElementById("lang").addEventListener("change", (ev) => this.setLang(ev.target.value));
    document.addEventListener("keydown", (ev) => this.onKey(ev));
    setInterval(() => this.tickClock(), 1000);
    const token = deviceToken(DEVICE_KEY);
    if (!token) return this.fatal(this.t.no_device_token);
    let me;
    try {
      me = await api("GET", "/api/sessions/current", token);
    } catch (err) {
      return this.fatal(err.code === "unauthorized" ? this.t.refused : this.errorText(err));
    }
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
    // The full hall view lists every window but only the services some window of the scope serves.
    document.getElementById("center-name").textContent = this.pick(hall.center.name);
  }

  showSignIn(errorText = "") {
    this.stopHub();
    document.getElementById("sign-out").hidden = true;
    document.getElementById("clerk").textContent = "";
    const staff = el("input", { id: "staff", name: "staff", inputmode: "numeric", autocomplete: "username", required: true });
    const pin = el("input", { id: "pin", name: "pin", type: "password", inputmode: "numeric",
      autocomplete: "current-password", required: true });
    const error = el("div", { class: errorText ? "message error" : "message", id: "signin-error", role: "alert" }, errorText);
    const form = el("form", { class: "panel signin", id: "signin" },
      el("h2", {}, this.t.sign_in_title, " · ", fill(this.t.window_n, { n: this.device.window })),
      el("label", {}, this.t.staff_number, staff),
      el("label", {}, this.t.pin, pin),
      el("button", { type: "submit", id: "signin-submit" }, this.t.sign_in),
      error);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.signIn(staff.value.trim(), pin.value, error);
    });
    document.getElementById("main").replaceChildren(form);
    staff.focus();
  }

  async signIn(staff, pin, errorBox) {
    try {
      const answer = await api("POST", "/api/sessions", this.device.token, { staff, pin });
      this.session = { token: answer.token, staff: answer.staff.number, staffName: answer.staff.name,
        window: answer.window };
      localStorage.setItem(SESSION_KEY, JSON.stringify(this.session));
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
    document.getElementById("main").replaceChildren(this.deskLayout());
    this.renderAll();
  }

  deskLayout() {
    return el("div", { class: "desk" },
      el("div", {},
        el("section", { class: "panel", id: "in-hand" }),
        el("div", { class: "actions", id: "actions" }),
        el("div", { class: "message", id: "message", role: "status", "aria-live": "polite" }),
        el("section", { class: "panel", id: "shortcuts" })),
      el("div", { class: "side" },
        el("section", { class: "panel", id: "queues" }),
        el("section", { class: "panel", id: "today" }),
        el("section", { class: "panel", id: "joint", hidden: true }),
        el("section", { class: "panel", id: "suspended" })));
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
      if (!held) return this.say("error", this.t.err_invalid_transition);
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
    if (!this.session || ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(ev.target.tagName);
    if (typing) return;
    const shortcut = SHORTCUTS.find((s) => s.keys.includes(ev.key));
    if (!shortcut) return;
    ev.preventDefault();
    this.run(shortcut.action);
  }

  // --- rendering -----------------------------------------------------------------------------

  pick(text) {
    if (!text) return "";
    return text[this.lang] || text["zh-Hant"] || text["zh-Hans"] || text.en || "";
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
    if (!w) return;
    document.getElementById("window-name").textContent = this.windowName(w);
    const badge = document.getElementById("window-status");
    badge.hidden = false;
    badge.className = `badge ${w.status}`;
    badge.textContent = this.t[`status_${w.status}`] + (w.status === "paused" && w.pause_reason ? `：${w.pause_reason}` : "");
  }

  renderAll() {
    if (!this.session || !document.getElementById("in-hand")) return;
    this.renderTicket();
    this.renderActions();
    this.renderQueues();
    this.renderToday();
    this.renderSuspended();
    this.renderShortcuts();
    this.renderMessage();
  }

  serverNow() {
    return Date.now() + this.offsetMs;
  }

  renderTicket() {
    const box = document.getElementById("in-hand");
    const t = this.held();
    if (!t) {
      box.replaceChildren(el("h2", {}, this.t.in_hand),
        el("div", { class: "ticket" }, el("div", { class: "label none", id: "ticket-label" }, this.t.no_ticket)));
      return;
    }
    const marks = [];
    if (t.channel === "green") {
      const why = t.green_category ? `（${this.t[`green_${t.green_category}`] || t.green_category}）` : "";
      marks.push(el("span", { class: "mark green" }, this.t.green + why));
    }
    if (t.appointment || t.channel === "appointment") marks.push(el("span", { class: "mark appt" }, this.t.appointment));
    const notes = t.notes && t.notes.length
      ? el("div", { class: "notes", id: "ticket-notes" }, `${this.t.transfers_notes}：`, t.notes.join(" / ")) : null;
    box.replaceChildren(el("h2", {}, this.t.in_hand),
      el("div", { class: "ticket" },
        el("div", { class: "label", id: "ticket-label" }, t.label),
        el("div", { class: "facts" },
          el("div", { class: "svc", id: "ticket-service" }, this.serviceName(t.queue_service)),
          el("div", { id: "ticket-status" }, marks,
            t.status === "serving" ? this.t.st_serving : this.t.st_called,
            t.recalls ? ` · ${fill(this.t.recalls, { n: t.recalls })}` : ""),
          el("div", { class: "times" },
            el("span", {}, `${this.t.waited} `, el("b", { id: "ticket-waited" }, this.waitedText(t))),
            el("span", {}, `${t.status === "serving" ? this.t.service_time : this.t.since_call} `,
              el("b", { id: "ticket-running", "data-since": t.started_at || t.called_at }, ""))),
          notes)));
    this.tickClock();
  }

  waitedText(t) {
    const end = Date.parse(t.called_at || "") || this.serverNow();
    const start = Date.parse(t.queue_entered_at || t.issued_at || "");
    return Number.isFinite(start) ? duration(Math.max(0, end - start) / 1000) : "–";  // called in an appointment's early window: 0
  }

  tickClock() {
    const running = document.getElementById("ticket-running");
    if (running) {
      const since = Date.parse(running.dataset.since || "");
      running.textContent = Number.isFinite(since) ? duration((this.serverNow() - since) / 1000) : "–";
    }
    for (const cell of document.querySelectorAll("td.longest[data-base]")) {
      const base = Number(cell.dataset.base);
      const grown = base > 0 ? base + (Date.now() - this.view.at) / 1000 : 0;
      cell.firstChild.textContent = base > 0 ? duration(grown) : "–";
    }
  }

  renderActions() {
    const box = document.getElementById("actions");
    const t = this.held();
    const w = this.view.window || {};
    const open = w.status === "open";
    const button = (action, label, key, enabled, cls = "") => el("button", {
      type: "button", class: cls, id: `act-${action}`, disabled: !enabled, "data-action": action,
      onclick: () => this.run(action),
    }, label, el("span", { class: "key" }, key));
    box.replaceChildren(
      button("call_next", this.t.act_call_next, "+", open && !t, "primary"),
      button("recall", this.t.act_recall, "*", Boolean(t) && t.status === "called"),
      button("start", this.t.act_start, "Enter", Boolean(t) && t.status === "called"),
      button("finish_immediate", `${this.t.act_finish}·${this.t.out_immediate}`, "1", Boolean(t), "finish"),
      button("finish", `${this.t.act_finish}…`, "/", Boolean(t), "finish"),
      button("no_show", this.t.act_no_show, "−", Boolean(t) && t.status === "called"),
      button("suspend", this.t.act_suspend, "7", Boolean(t)),
      button("resume_ticket", this.t.act_resume_ticket, "8", open && !t && this.suspended.length > 0),
      button("transfer", this.t.act_transfer, "9", Boolean(t)),
      button("missed", this.t.act_missed, "4", open && !t),
      button("pause_toggle", w.status === "paused" ? this.t.act_resume_window : this.t.act_pause, "5",
        w.status === "open" || w.status === "paused"),
      button("close_toggle", w.status === "closed" ? this.t.act_open : this.t.act_close, "6", !t));
  }

  renderQueues() {
    const box = document.getElementById("queues");
    const rows = this.view.services.map((s) => {
      const longestMin = s.longest_wait_s / 60;
      const level = s.waiting && longestMin >= s.action_wait_min ? "action"
        : s.waiting && longestMin >= s.warning_wait_min ? "warning" : "";
      return el("tr", { class: level, "data-service": s.code },
        el("td", {}, this.pick(s.name), el("span", { class: "muted" }, ` ${s.prefix}`)),
        el("td", { class: "num waiting" }, String(s.waiting)),
        el("td", { class: "num longest", "data-base": s.waiting ? s.longest_wait_s : 0 }, "–",
          level ? el("span", { class: `lvl ${level}` }, this.t[`lvl_${level}`]) : null),
        el("td", { class: "muted" }, `${fill(this.t.minutes, { n: s.warning_wait_min })} / ${fill(this.t.minutes, { n: s.action_wait_min })}`));
    });
    box.replaceChildren(el("h2", {}, this.t.queues),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, this.t.col_service), el("th", {}, this.t.col_waiting),
        el("th", {}, this.t.col_longest), el("th", {}, this.t.col_thresholds))), el("tbody", {}, rows)));
    this.tickClock();
  }

  renderToday() {
    const box = document.getElementById("today");
    if (!box) return;
    const figures = (f) => f || { served: 0, handling_mean_s: null, no_shows: 0, rated: 0, not_rated: 0 };
    const row = (name, f, id) => [el("span", { class: "h" }, name),
      el("span", { class: "v", id: `${id}-served` }, String(f.served)),
      el("span", { class: "v", id: `${id}-handling` }, f.handling_mean_s == null ? "–" : duration(f.handling_mean_s)),
      el("span", { class: "v", id: `${id}-no-shows` }, String(f.no_shows)),
      el("span", { class: "v", id: `${id}-rated` }, String(f.rated)),
      el("span", { class: "v", id: `${id}-not-rated` }, String(f.not_rated))];
    const today = this.today || {};
    const note = this.ratingNote;
    box.replaceChildren(el("h2", {}, this.t.today),
      el("div", { class: "figures" },
        el("span", {}), ...[this.t.served, this.t.avg_handling, this.t.no_shows, this.t.ratings, this.t.not_rated]
          .map((h) => el("span", { class: "h" }, h)),
        ...row(this.t.me, figures(today.staff_figures), "me"),
        ...row(this.t.this_window, figures(today.window_figures), "win")),
      note ? el("div", { class: note.arrived ? "rating-note arrived" : "rating-note", id: "rating-note" },
        fill(note.arrived ? this.t.rating_arrived : this.t.rating_wait, { label: note.label })) : null);
  }

  renderSuspended() {
    const box = document.getElementById("suspended");
    if (!box) return;
    const items = this.suspended.map((t) => el("li", { "data-ticket": t.id },
      el("span", {}, el("b", {}, t.label), " ", this.serviceName(t.queue_service)),
      el("button", { type: "button", onclick: () => this.resumeAndCall(t) }, this.t.resume_call)));
    box.replaceChildren(el("h2", {}, this.t.suspended_title),
      items.length ? el("ul", { class: "plain", id: "suspended-list" }, items) : el("div", { class: "muted" }, this.t.none_suspended));
    if (document.getElementById("act-resume_ticket")) this.renderActions();
  }

  renderShortcuts() {
    const box = document.getElementById("shortcuts");
    const names = { call_next: this.t.act_call_next, recall: this.t.act_recall, start: this.t.act_start,
      finish_immediate: `${this.t.act_finish}·${this.t.out_immediate}`, finish: this.t.act_finish,
      no_show: this.t.act_no_show, suspend: this.t.act_suspend, resume_ticket: this.t.act_resume_ticket,
      transfer: this.t.act_transfer, missed: this.t.act_missed,
      pause_toggle: `${this.t.act_pause} / ${this.t.act_resume_window}`, close_toggle: `${this.t.act_close} / ${this.t.act_open}` };
    const rows = SHORTCUTS.map((s) => el("tr", {}, el("td", {}, s.keys.flatMap((k) => [el("kbd", {}, k), " "])),
      el("td", {}, names[s.action])));
    box.replaceChildren(el("h2", {}, this.t.shortcuts), el("table", { class: "shortcut-table" }, el("tbody", {}, rows)));
  }

  say(kind, text) {
    this.message = { kind, text };
    this.renderMessage();
  }

  renderMessage() {
    const box = document.getElementById("message");
    if (!box) return;
    box.className = this.message ? `message ${this.message.kind}` : "message";
    box.textContent = this.message ? this.message.text : "";
  }

  errorText(err, extra = {}) {
    const code = (err && err.code) || "internal_error";
    const details = (err && err.details) || {};
    if (code === "too_many_attempts") return fill(this.t.err_too_many_attempts, { s: details.retry_after_s || "" });
    if (code === "already_signed_in") {
      return fill(this.t.err_already_signed_in, { staff: extra.staff || "", window: details.window || "?" });
    }
    const template = this.t[`err_${code}`];
    return fill(template || this.t.err_other, { message: (err && err.message) || code });
  }

  fatal(text) {
    document.getElementById("main").replaceChildren(el("div", { class: "panel fatal", role: "alert", id: "fatal" }, text));
  }

  setLang(lang) {
    this.lang = LANGS.includes(lang) ? lang : "zh-Hant";
    this.t = textsFor(this.lang);
    localStorage.setItem(LANG_KEY, this.lang);
    document.documentElement.lang = this.lang;
    if (this.catalog.center) document.getElementById("center-name").textContent = this.pick(this.catalog.center.name);
    this.setHeader(this.view.window);
    if (this.session) this.renderDesk();
    else if (this.device) this.showSignIn();
  }
}

function pickLang() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  const lang = fromUrl || localStorage.getItem(LANG_KEY) || "zh-Hant";
  document.documentElement.lang = LANGS.includes(lang) ? lang : "zh-Hant";
  return LANGS.includes(lang) ? lang : "zh-Hant";
}

function loadSession() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

const desk = new CounterDesk();
window.hallqCounter = desk; // for support staff in the browser console
desk.boot();
