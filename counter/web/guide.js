// Guide desk (導辦台 / 服务台, docs/counter.md): a guide signs in with a staff number and PIN, then
// issues green-channel tickets, books appointments on a slot picker that shows what is left, looks a
// ticket up by its number and cancels one on request. Every change goes through the hall's API with
// the guide's session and a request id, so it is recorded with the guide's staff number.
// Keys: F2 look up, F3 green channel, F4 appointment; Enter submits the focused form.
import { api, el } from "/common/hub.js";
import { applyLang, loadCenter, pickName, startLang, validLang } from "/common/lang.js";
import { fill, textsFor } from "./i18n.js";

const SESSION_KEY = "hallq.guide.session";
const LANG_KEY = "hallq.guide.lang";
const DESK_ROLES = ["guide", "manager"];
const CANCELLABLE = ["waiting", "called", "serving", "suspended", "no_show"];
const CODE_CHARS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"; // no 0/O, 1/I: read out over the desk
const BOOK_DAYS = 14;

class GuideDesk {
  constructor() {
    this.lang = startLang(null, LANG_KEY);
    this.t = textsFor(this.lang);
    this.center = null; // GET /api/center
    this.session = null; // {token, staff, name}
    this.slotPick = null; // {service, day, slot}
  }

  async boot() {
    document.getElementById("lang").addEventListener("change", (ev) => this.setLang(ev.target.value, true));
    document.addEventListener("keydown", (ev) => this.onKey(ev));
    try {
      this.center = await loadCenter();
    } catch {
      this.center = null;
    }
    this.setLang(startLang(this.center && this.center.center.default_lang, LANG_KEY));
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    if (saved && (await this.alive(saved.token))) {
      this.session = saved;
      return this.render();
    }
    sessionStorage.removeItem(SESSION_KEY);
    return this.render();
  }

  async alive(token) {
    try {
      return DESK_ROLES.includes((await api("GET", "/api/sessions/current", token)).role);
    } catch {
      return false;
    }
  }

  setLang(lang, remember = false) {
    this.lang = validLang(lang) || this.lang;
    this.t = textsFor(this.lang);
    if (remember) localStorage.setItem(LANG_KEY, this.lang);
    applyLang(this.lang);
    document.getElementById("lang").value = this.lang;
    document.getElementById("lang").setAttribute("aria-label", this.t.language);
    document.title = `${this.t.role_guide} · hallq`;
    this.render();
  }

  pick(names) {
    return pickName(names, this.lang);
  }

  render() {
    document.getElementById("center-name").textContent = this.center ? this.pick(this.center.center.name) : "hallq";
    document.getElementById("role").textContent = this.t.role_guide;
    const out = document.getElementById("sign-out");
    out.hidden = !this.session;
    out.textContent = this.t.sign_out;
    out.onclick = () => this.signOut();
    document.getElementById("who").textContent = this.session
      ? fill(this.t.signed_in_as, { name: this.session.name, staff: this.session.staff }) : "";
    const main = document.getElementById("main");
    if (!this.session) return main.replaceChildren(this.signInForm());
    main.replaceChildren(el("div", { class: "desk" },
      el("div", {}, this.lookupPanel(), this.greenPanel()), this.bookPanel()));
    return undefined;
  }

  // --- sign-in -----------------------------------------------------------------------------------

  signInForm() {
    const staff = el("input", { id: "staff", name: "staff", autocomplete: "username", inputmode: "numeric", required: true });
    const pin = el("input", { id: "pin", name: "pin", type: "password", autocomplete: "current-password", required: true });
    const error = el("p", { class: "message error", id: "signin-error", role: "alert" });
    const form = el("form", { class: "panel signin", id: "signin" }, el("h2", {}, this.t.guide_sign_in),
      el("label", {}, this.t.staff_number, staff), el("label", {}, this.t.pin, pin), error,
      el("button", { type: "submit", class: "go", id: "signin-submit" }, this.t.sign_in));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.textContent = await this.signIn(staff.value.trim(), pin.value);
    });
    setTimeout(() => staff.focus(), 0);
    return form;
  }

  /** "" when signed in, else what went wrong; a clerk is told this is not their desk. */
  async signIn(staff, pin) {
    let answer;
    try {
      answer = await api("POST", "/api/sessions", null, { staff, pin });
    } catch (err) {
      if (err.code === "forbidden") return this.t.not_guide;
      return this.errorText(err);
    }
    if (!DESK_ROLES.includes(answer.role)) {
      await api("DELETE", "/api/sessions/current", answer.token).catch(() => {});
      return this.t.not_guide;
    }
    this.session = { token: answer.token, staff: answer.staff.number, name: answer.staff.name };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(this.session));
    this.render();
    document.getElementById("lookup-label").focus();
    return "";
  }

  async signOut() {
    await api("DELETE", "/api/sessions/current", this.session.token).catch(() => {});
    sessionStorage.removeItem(SESSION_KEY);
    this.session = null;
    this.render();
  }

  errorText(err) {
    const code = (err && err.code) || "internal_error";
    return fill(this.t[`err_${code}`] || this.t.err_other, { message: (err && err.message) || code });
  }

  /** POST with the guide's session and a fresh request id (the request is recorded under the staff number). */
  post(path, body) {
    return api("POST", path, this.session.token, { ...body, request_id: `guide-${crypto.randomUUID()}` });
  }

  // --- look up a ticket ----------------------------------------------------------------------------

  lookupPanel() {
    const input = el("input", { id: "lookup-label", maxlength: "6", autocomplete: "off", "aria-label": this.t.g_lookup_hint,
      placeholder: "A012" });
    const result = el("div", { id: "lookup-result", role: "status", "aria-live": "polite" });
    const form = el("form", { class: "row", id: "lookup" }, el("label", { class: "field" }, this.t.g_lookup_hint, input),
      el("button", { type: "submit", class: "go" }, this.t.g_find));
    form.addEventListener("submit", (ev) => { ev.preventDefault(); this.lookup(input.value.trim().toUpperCase(), result); });
    return el("section", { class: "panel", id: "lookup-panel" }, el("h2", {}, this.t.g_lookup), form, result);
  }

  async lookup(label, box) {
    if (!label) return;
    try {
      const answer = await api("GET", `/api/tickets/by-label/${encodeURIComponent(label)}`, this.session.token);
      box.replaceChildren(this.ticketCard(answer, box));
    } catch (err) {
      box.replaceChildren(el("div", { class: "result error" }, this.errorText(err)));
    }
  }

  ticketCard(answer, box) {
    const ticket = answer.ticket;
    const service = this.service(ticket.queue_service);
    const windows = this.windowsFor(ticket.queue_service);
    const hhmm = (iso) => (iso ? iso.slice(11, 16) : this.t.g_none);
    const facts = [
      [this.t.g_service, service ? this.pick(service.name) : ticket.queue_service],
      [this.t.g_status, (this.t[`tst_${ticket.status}`] || "") + (answer.ahead !== null ? ` · ${fill(this.t.g_ahead, { n: answer.ahead })}` : "")],
      [this.t.g_window, ticket.window ? fill(this.t.window_n, { n: ticket.window }) : this.t.g_none],
      [this.t.g_issued_at, hhmm(ticket.issued_at)],
    ];
    const notes = [];
    if (answer.may_return) notes.push(fill(this.t.g_may_return, { time: hhmm(ticket.return_until), windows: windows.join("、") }));
    else if (ticket.status === "no_show") notes.push(this.t.g_return_over);
    const cancel = CANCELLABLE.includes(ticket.status) ? el("button", { type: "button", class: "danger", id: "lookup-cancel",
      onclick: () => this.cancel(ticket, box) }, `${this.t.act_cancel}…`) : null;
    return el("div", { class: "result", "data-ticket": ticket.id, "data-status": ticket.status },
      el("div", { class: "label" }, ticket.label),
      el("dl", { class: "facts" }, facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      notes.map((n) => el("p", { class: "note", "data-note": "return" }, n)),
      el("div", { class: "row" }, this.printForm(ticket, answer.printers || [], box), cancel));
  }

  /** Print (again) on a kiosk's printer: the desk has none of its own. */
  printForm(ticket, printers, box) {
    if (!printers.length || !CANCELLABLE.includes(ticket.status)) return null;
    const select = el("select", { id: "print-device", "aria-label": this.t.g_print_at },
      printers.map((id) => el("option", { value: id, translate: "no" }, id)));
    const form = el("form", { class: "row", id: "print-form" }, select,
      el("button", { type: "submit", id: "print-ticket" }, this.t.g_print));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const answer = await this.post(`/api/tickets/${ticket.id}/print-at`, { device: select.value });
        box.append(el("div", { class: "result ok", "data-printed": answer.device }, fill(this.t.g_printed, { device: answer.device })));
      } catch (err) {
        box.append(el("div", { class: "result error" }, this.errorText(err)));
      }
    });
    return form;
  }

  cancel(ticket, box) {
    const reasons = ["cr_request", "cr_wrong_service", "cr_duplicate", "cr_not_here"];
    const select = el("select", { id: "cancel-reason", "aria-label": this.t.cancel_reason },
      reasons.map((key) => el("option", { value: key }, this.t[key])));
    const form = el("form", { class: "row", id: "cancel-form" },
      el("label", { class: "field" }, fill(this.t.g_cancel_confirm, { label: ticket.label }), select),
      el("button", { type: "submit", class: "danger" }, this.t.act_cancel));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await this.post(`/api/tickets/${ticket.id}/cancel`, { reason: this.t[select.value] });
        box.replaceChildren(el("div", { class: "result ok" }, fill(this.t.g_cancel_done, { label: ticket.label })));
      } catch (err) {
        box.append(el("div", { class: "result error" }, this.errorText(err)));
      }
    });
    // Enter on the reason confirms (a select would otherwise swallow it): the desk works by keyboard
    select.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); form.requestSubmit(); } });
    box.append(form);
    select.focus();
  }

  // --- green channel -------------------------------------------------------------------------------

  greenPanel() {
    const categories = this.center ? this.center.green_channel_categories : [];
    const services = el("select", { id: "green-service" }, this.services().map((s) =>
      el("option", { value: s.code }, `${s.prefix} · ${this.pick(s.name)}`)));
    const langs = el("select", { id: "green-lang" }, ["zh-Hans", "zh-Hant", "en"].map((lang) =>
      el("option", { value: lang, lang, selected: lang === (this.center ? this.center.center.default_lang : "zh-Hans") },
        { "zh-Hans": "简体中文", "zh-Hant": "繁體中文", en: "English" }[lang])));
    const radios = categories.map((cat, i) => el("label", {},
      el("input", { type: "radio", name: "green-category", value: cat, checked: i === 0 }), this.t[`green_${cat}`] || ""));
    const result = el("div", { id: "green-result", role: "status", "aria-live": "polite" });
    const form = el("form", { id: "green" },
      el("fieldset", {}, el("legend", {}, this.t.g_category), radios),
      el("label", { class: "field" }, this.t.g_service, services),
      el("label", { class: "field" }, this.t.g_ticket_lang, langs),
      el("button", { type: "submit", class: "go", id: "green-submit" }, this.t.g_issue), result);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const category = form.querySelector("input[name=green-category]:checked");
      try {
        const answer = await this.post("/api/tickets", { service: services.value, channel: "green",
          green_category: category ? category.value : undefined, lang: langs.value });
        const windows = this.windowsFor(services.value).join("、");
        result.replaceChildren(el("div", { class: "result ok", "data-issued": answer.ticket.label },
          el("div", { class: "label" }, answer.ticket.label),
          el("p", {}, fill(this.t.g_issued, { label: answer.ticket.label }), " · ", fill(this.t.g_wait_near, { windows }))));
        // the new ticket in the look-up panel, ready to print at a kiosk or to cancel
        await this.lookup(answer.ticket.label, document.getElementById("lookup-result"));
      } catch (err) {
        result.replaceChildren(el("div", { class: "result error" }, this.errorText(err)));
      }
    });
    return el("section", { class: "panel", id: "green-panel" }, el("h2", {}, this.t.g_green),
      el("p", { class: "hint" }, this.t.g_green_hint), form);
  }

  // --- appointments --------------------------------------------------------------------------------

  bookPanel() {
    const bookable = this.services();
    const services = el("select", { id: "book-service" }, bookable.map((s) =>
      el("option", { value: s.code }, `${s.prefix} · ${this.pick(s.name)}`)));
    const days = el("select", { id: "book-day" }); // filled from the hall's today (the server's clock)
    const slots = el("div", { class: "slots", id: "slots", role: "group", "aria-label": this.t.g_slots });
    const code = el("input", { id: "book-code", value: newCode(), maxlength: "12", "aria-label": this.t.g_code });
    const result = el("div", { id: "book-result", role: "status", "aria-live": "polite" });
    const load = () => this.loadSlots(services.value, days.value, slots);
    services.addEventListener("change", load);
    days.addEventListener("change", load);
    const form = el("form", { id: "book" },
      el("div", { class: "row" }, el("label", { class: "field" }, this.t.g_service, services),
        el("label", { class: "field" }, this.t.g_day, days)),
      el("div", {}, this.t.g_slots), slots,
      el("label", { class: "field" }, this.t.g_code, code),
      el("button", { type: "submit", class: "go", id: "book-submit" }, this.t.g_book), result);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const pick = this.slotPick;
      if (!pick) return result.replaceChildren(el("div", { class: "result error" }, this.t.g_pick_slot));
      try {
        await this.post("/api/appointments", { code: code.value.trim().toUpperCase(), service: pick.service,
          slot_start: pick.slot.start, slot_end: pick.slot.end });
        result.replaceChildren(el("div", { class: "result ok", "data-booked": code.value },
          el("div", { class: "label" }, code.value),
          el("p", {}, fill(this.t.g_booked, { slot: `${pick.day} ${pick.slot.label}`, code: code.value }))));
        code.value = newCode();
        await load();
      } catch (err) {
        result.replaceChildren(el("div", { class: "result error" }, this.errorText(err)));
      }
      return undefined;
    });
    setTimeout(async () => {
      const today = await this.loadSlots(services.value, "", slots);
      if (today) days.replaceChildren(...nextDays(today).map((d) => el("option", { value: d }, d)));
    }, 0);
    return el("section", { class: "panel", id: "book-panel" }, el("h2", {}, this.t.g_book),
      el("p", { class: "hint" }, this.t.g_book_hint), form);
  }

  /** Show the slots of `service` on `day` ("" = the hall's today); returns the day shown. */
  async loadSlots(service, day, box) {
    this.slotPick = null;
    let answer;
    try {
      const query = `service=${encodeURIComponent(service)}${day ? `&day=${day}` : ""}`;
      answer = await api("GET", `/api/appointments/slots?${query}`, this.session.token);
    } catch (err) {
      box.replaceChildren(el("p", { class: "message error" }, this.errorText(err)));
      return null;
    }
    if (!answer.slots.length) {
      box.replaceChildren(el("p", { class: "hint" }, this.t.g_no_slots));
      return answer.day;
    }
    const buttons = answer.slots.map((slot) => {
      const state = slot.past ? this.t.g_past : slot.remaining ? fill(this.t.g_left, { n: slot.remaining }) : this.t.g_full;
      const button = el("button", { type: "button", "data-slot": slot.label, "data-remaining": slot.remaining,
        disabled: slot.past || !slot.remaining, "aria-pressed": "false",
        onclick: () => {
          for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
          this.slotPick = { service, day, slot };
        } }, el("span", {}, slot.label), el("span", { class: "left" }, state));
      return button;
    });
    box.replaceChildren(...buttons);
    return answer.day;
  }

  // --- hall facts ----------------------------------------------------------------------------------

  services() {
    return this.center ? this.center.services : [];
  }

  service(code) {
    return this.services().find((s) => s.code === code);
  }

  windowsFor(code) {
    const service = this.service(code);
    return service ? service.windows : [];
  }

  onKey(ev) {
    if (!this.session) return;
    const target = { F2: "lookup-label", F3: "green-service", F4: "book-service" }[ev.key];
    if (!target) return;
    ev.preventDefault();
    document.getElementById(target).focus();
  }
}

/** `today` and the BOOK_DAYS - 1 days after it, as YYYY-MM-DD (calendar arithmetic, no clock). */
function nextDays(today) {
  const start = Date.UTC(...today.split("-").map((part, i) => Number(part) - (i === 1 ? 1 : 0)));
  return Array.from({ length: BOOK_DAYS }, (_, i) => new Date(start + i * 86400000).toISOString().slice(0, 10));
}

function newCode() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => CODE_CHARS[b % CODE_CHARS.length]).join("");
}

new GuideDesk().boot();
