// Rating pad: a citizen-facing tablet bound to one window. Idle, it shows the window and the clerk
// on duty; when a visit there finishes it offers the five official levels, asks for an optional
// reason after a bad one and, after a bad one only, an optional call-back number with a plain consent
// line; thanks the citizen and returns to idle. One rating per visit; the server
// expires a visit nobody rated (rules.rating_timeout_s) and the pad goes back to idle when it hears so.
import { HubClient, api, deviceToken, el } from "/common/hub.js";
import { LANGS, LANG_SHORT, applyLang, pickName, startLang } from "/common/lang.js";
import { fill, textsFor } from "./i18n.js";

const DEVICE_KEY = "hallq.pad.device";
const LEVELS = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"];
const BAD = new Set(["dissatisfied", "very_dissatisfied"]);
const STARS = { very_satisfied: 5, satisfied: 4, basically_satisfied: 3, dissatisfied: 2, very_dissatisfied: 1 };
const REASONS = ["rs_wait", "rs_attitude", "rs_unclear", "rs_repeat", "rs_slow", "rs_other"];
const params = new URLSearchParams(location.search);
const THANKS_MS = 1000 * Number(params.get("thanks_s") || 6); // how long "thank you" stays up
const REASON_MS = 1000 * Number(params.get("reason_s") || 45); // then the bad rating goes without a reason

// Every event a window subscription may bring, and what the pad does with it.
const EVENT_ACTIONS = {
  service_finished: "offer", visit_rated: "settled", rating_expired: "settled", day_closed: "idle",
  clerk_signed_in: "header", clerk_signed_out: "header", window_opened: "header", window_paused: "header",
  window_resumed: "header", window_closed: "header",
  ticket_issued: null, appointment_booked: null, appointment_checked_in: null, ticket_called: null,
  ticket_recalled: null, service_started: null, ticket_no_show: null, ticket_suspended: null,
  ticket_resumed: null, ticket_returned: null, ticket_transferred: null, ticket_cancelled: null, ticket_walked_out: null,
};

class RatingPad {
  constructor() {
    this.homeLang = startLang(null); // the hall's default once known; the pad returns to it when idle
    this.lang = this.homeLang;
    this.t = textsFor(this.lang);
    this.token = null;
    this.window = null; // window view: number, status, staff
    this.center = null;
    this.visit = null; // {ticketId, label, staff}: the visit that may be rated now
    this.screen = { name: "idle" };
    this.timer = null;
    this.hub = null;
    this.sending = false; // a rating is on its way: the server's visit_rated must not send the pad idle first
  }

  async boot() {
    this.token = deviceToken(DEVICE_KEY);
    this.renderLangs();
    if (!this.token) return this.fatal(this.t.no_device_token);
    let me;
    try {
      me = await api("GET", "/api/sessions/current", this.token);
    } catch (err) {
      return this.fatal(err.code === "unauthorized" ? this.t.refused : err.message);
    }
    if (me.role !== "rating_pad") return this.fatal(fill(this.t.wrong_device, { role: this.t.role_rating_pad }));
    this.homeLang = startLang(me.default_lang);
    this.setLang(this.homeLang);
    this.window = me.window_state;
    this.hub = new HubClient({
      token: this.token,
      scope: { window: me.window },
      onSnapshot: (snapshot) => this.applySnapshot(snapshot),
      onEvent: (event) => this.onEvent(event),
      onStatus: (state) => this.onStatus(state),
    });
    this.hub.start();
    this.render();
  }

  applySnapshot(snapshot) {
    this.center = snapshot.center;
    this.window = snapshot.windows[0];
    const waiting = this.window && this.window.awaiting_rating;
    // a visit finished before this pad was listening (a start, a reconnect) is still offered
    if (waiting && !this.visit && this.screen.name === "idle" && !this.sending) {
      return this.offer({ ticket_id: waiting.ticket_id, ticket: { label: waiting.label }, staff: waiting.staff });
    }
    this.render();
  }

  onStatus(state) {
    const conn = document.getElementById("conn");
    conn.textContent = state === "online" ? "" : this.t[state] || state;
    conn.className = state === "offline" ? "conn offline" : "conn";
    if (state === "refused") this.fatal(this.t.refused);
  }

  onEvent(event) {
    if (!(event.type in EVENT_ACTIONS)) throw new Error(`unknown event type ${event.type}`);
    const action = EVENT_ACTIONS[event.type];
    if (action === "offer" && event.window === this.window.number) return this.offer(event);
    if (action === "settled" && this.visit && event.ticket_id === this.visit.ticketId) return this.settled();
    if (action === "idle") return this.toIdle();
    if (action === "header") return this.refreshWindow();
  }

  async refreshWindow() {
    try {
      const hall = await api("GET", "/api/hall", this.token);
      this.applySnapshot(hall);
    } catch { /* the next event tries again */ }
  }

  // --- one visit ------------------------------------------------------------------------------

  offer(event) {
    this.visit = { ticketId: event.ticket_id, label: event.ticket.label, staff: event.staff };
    this.show({ name: "rate" });
  }

  /** The visit was rated or expired on the server: leave the thanks screen up, otherwise go idle. */
  settled() {
    this.visit = null;
    if (this.screen.name !== "thanks" && !this.sending) this.toIdle(); // our own rating's answer shows the thanks
  }

  choose(level) {
    if (!this.visit) return;
    if (BAD.has(level)) return this.show({ name: "reason", level, picked: new Set() });
    return this.send(level, "");
  }

  async send(level, reason) {
    const visit = this.visit;
    if (!visit) return this.toIdle();
    const body = { level, request_id: `pad-${visit.ticketId}-${crypto.randomUUID()}` };
    if (reason) body.reason = reason;
    this.sending = true;
    try {
      await api("POST", `/api/tickets/${visit.ticketId}/rating`, this.token, body);
      this.visit = null;
      // after a bad rating only: offer a call back (never asked for good levels)
      if (BAD.has(level)) return this.show({ name: "callback", ticketId: visit.ticketId, phone: "", consent: false });
      this.show({ name: "thanks", text: this.t.pad_thanks, small: this.t.pad_thanks_sub }, THANKS_MS);
    } catch (err) {
      this.visit = null;
      const text = { already_rated: this.t.pad_already, rating_closed: this.t.pad_closed }[err.code] || this.t.pad_failed;
      this.show({ name: "thanks", text, note: true }, THANKS_MS);
    } finally {
      this.sending = false;
    }
  }

  toIdle() {
    // the next citizen starts in the hall's language, whatever the last one chose
    if (this.lang !== this.homeLang) this.setLang(this.homeLang);
    this.show({ name: "idle" });
  }

  show(screen, backToIdleMs = 0) {
    clearTimeout(this.timer);
    this.screen = screen;
    if (backToIdleMs) this.timer = setTimeout(() => this.toIdle(), backToIdleMs);
    if (screen.name === "reason") this.timer = setTimeout(() => this.send(screen.level, this.reasonText()), REASON_MS);
    if (screen.name === "callback") this.timer = setTimeout(() => this.thank(), REASON_MS);
    this.render();
  }

  // --- rendering ------------------------------------------------------------------------------

  pick(text) {
    return pickName(text, this.lang);
  }

  setLang(lang) {
    this.lang = lang;
    this.t = textsFor(lang);
    applyLang(lang);
    document.title = `${this.t.role_rating_pad} · hallq`;
    this.renderLangs();
    this.render();
  }

  renderLangs() {
    const button = (lang) => el("button", { type: "button", class: this.lang === lang ? "on" : "", lang,
      id: `lang-${lang}`, "aria-pressed": String(this.lang === lang), onclick: () => this.setLang(lang) }, LANG_SHORT[lang]);
    document.getElementById("langs").replaceChildren(...LANGS.map(button));
  }

  render() {
    if (!this.window) return;
    document.getElementById("center-name").textContent = this.pick(this.center && this.center.name);
    document.getElementById("window-name").textContent = fill(this.t.window_n, { n: this.window.number });
    const views = { idle: () => this.idleView(), rate: () => this.rateView(), reason: () => this.reasonView(),
      callback: () => this.callbackView(), thanks: () => this.thanksView() };
    document.getElementById("main").replaceChildren(views[this.screen.name]());
  }

  idleView() {
    const w = this.window;
    const clerk = w.staff
      ? el("div", { class: "clerk-box", id: "clerk" },
        el("div", { class: "clerk-label" }, this.t.pad_clerk),
        el("div", { class: "clerk-name", id: "clerk-name", translate: "no" }, w.staff.name),
        el("div", { class: "clerk-staff", id: "clerk-staff" }, fill(this.t.pad_staff_no, { staff: w.staff.number })))
      : el("div", { class: "clerk-box", id: "clerk" }, el("div", { class: "clerk-label" }, this.t.pad_no_clerk));
    return el("div", { class: "idle", id: "idle" },
      el("div", { class: "welcome" }, this.t.pad_welcome),
      el("div", { class: "window-no" }, fill(this.t.window_n, { n: w.number })),
      clerk,
      w.status === "paused" ? el("div", { class: "paused" }, fill(this.t.pad_paused, { reason: w.pause_reason })) : null);
  }

  rateView() {
    const w = this.window;
    const who = w.staff ? `${w.staff.name} · ${fill(this.t.pad_staff_no, { staff: w.staff.number })}` : "";
    return el("div", { id: "rate" },
      el("h1", { class: "ask" }, this.t.pad_ask),
      el("div", { class: "sub" }, fill(this.t.pad_ticket, { label: this.visit.label }),
        who ? el("span", { translate: "no" }, ` · ${who}`) : ""),
      el("div", { class: "levels" }, LEVELS.map((level) => el("button", {
        type: "button", class: `lv-${level}`, "data-level": level, onclick: () => this.choose(level),
      }, el("span", { class: "face", "aria-hidden": "true" }, "★".repeat(STARS[level])),
      el("span", { class: "lv-label" }, this.t[`lv_${level}`])))));
  }

  reasonView() {
    const picked = this.screen.picked;
    const text = el("textarea", { class: "reason-text", id: "reason-text", maxlength: "300",
      placeholder: this.t.rs_other, value: this.screen.text || "" });
    text.value = this.screen.text || "";
    text.addEventListener("input", () => { this.screen.text = text.value; });
    const chips = REASONS.filter((key) => key !== "rs_other").map((key) => el("button", {
      type: "button", class: picked.has(key) ? "on" : "", "data-reason": key,
      onclick: () => { picked.has(key) ? picked.delete(key) : picked.add(key); this.render(); },
    }, this.t[key]));
    return el("div", { id: "reason" },
      el("h1", { class: "ask" }, this.t.pad_reason_ask),
      el("div", { class: "sub" }, this.t[`lv_${this.screen.level}`]),
      el("div", { class: "reasons" }, chips), text,
      el("div", { class: "row" },
        el("button", { type: "button", class: "skip", id: "reason-skip", onclick: () => this.send(this.screen.level, "") },
          this.t.pad_skip),
        el("button", { type: "button", class: "go", id: "reason-submit",
          onclick: () => this.send(this.screen.level, this.reasonText()) }, this.t.pad_submit)));
  }

  /** The reason as stored: the chosen phrases (in the pad's language) and the free text. */
  reasonText() {
    const screen = this.screen;
    if (screen.name !== "reason") return "";
    const phrases = [...screen.picked].map((key) => this.t[key]);
    if (screen.text && screen.text.trim()) phrases.push(screen.text.trim());
    return phrases.join("；").slice(0, 500);
  }

  // --- call back after a bad rating: an optional phone number with a plain consent line ----------

  thank(text = this.t.pad_thanks) {
    this.show({ name: "thanks", text, small: this.t.pad_thanks_sub }, THANKS_MS);
  }

  async sendCallback() {
    const screen = this.screen;
    const phone = screen.phone.replace(/[\s-]/g, "");
    if (!/^\+?\d{5,20}$/.test(phone)) return this.callbackError(this.t.cb_need_phone);
    if (!screen.consent) return this.callbackError(this.t.cb_need_consent);
    try {
      await api("POST", "/api/supervision/callback", this.token, { ticket_id: screen.ticketId, phone, consent: true });
      this.thank(this.t.cb_thanks);
    } catch {
      this.show({ name: "thanks", text: this.t.cb_failed, note: true }, THANKS_MS);
    }
  }

  callbackError(text) {
    this.screen.error = text;
    this.render();
  }

  callbackView() {
    const screen = this.screen;
    const key = (label, onclick, cls = "") => el("button", { type: "button", class: cls, "data-key": label, onclick }, label);
    const type = (d) => () => { if (screen.phone.length < 20) { screen.phone += d; screen.error = ""; this.render(); } };
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => key(d, type(d)));
    keys.push(key(this.t.cb_clear, () => { screen.phone = ""; this.render(); }, "clear"), key("0", type("0")),
      key("⌫", () => { screen.phone = screen.phone.slice(0, -1); this.render(); }, "back"));
    const consent = el("input", { type: "checkbox", id: "cb-consent", checked: screen.consent });
    consent.addEventListener("change", () => { screen.consent = consent.checked; screen.error = ""; this.render(); });
    return el("div", { id: "callback" },
      el("h1", { class: "ask" }, this.t.cb_ask),
      el("div", { class: "cb-grid" },
        el("div", { class: "cb-left" },
          el("label", { class: "cb-label", for: "cb-phone" }, this.t.cb_phone),
          el("output", { class: "cb-phone", id: "cb-phone" }, screen.phone || "—"),
          el("label", { class: "cb-consent" }, consent, el("span", { id: "cb-consent-text" }, this.t.cb_consent)),
          el("div", { class: "cb-error", id: "cb-error", role: "alert" }, screen.error || ""),
          el("div", { class: "row" },
            el("button", { type: "button", class: "skip", id: "cb-no", onclick: () => this.thank() }, this.t.cb_no),
            el("button", { type: "button", class: "go", id: "cb-send", disabled: !screen.consent || !screen.phone,
              onclick: () => this.sendCallback() }, this.t.cb_send))),
        el("div", { class: "cb-keys", id: "cb-keys" }, keys)));
  }

  thanksView() {
    return el("div", { class: "thanks", id: "thanks" },
      el("div", { class: this.screen.note ? "big note" : "big" }, this.screen.text),
      this.screen.small ? el("div", { class: "small" }, this.screen.small) : null);
  }

  fatal(text) {
    document.getElementById("main").replaceChildren(el("div", { class: "fatal", id: "fatal", role: "alert" }, text));
  }
}

new RatingPad().boot();
