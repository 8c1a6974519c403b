// The counter terminal's dialogs: finish with an outcome, suspend, take back a suspended ticket,
// transfer, call back a missed ticket, pause, cancel, and the printable one-time notice (一次性告知).
// Keys inside a dialog: digits pick, Enter confirms, Esc cancels.
import { api, el } from "/common/hub.js";
import { fill, textsFor } from "./i18n.js";

const OUTCOMES = ["immediate", "promised", "joint", "reply", "supplement"];
const NEEDS_FIELDS = new Set(["promised", "joint", "supplement"]);
const REFUSALS = ["not_accepted", "not_permitted"];
const MATERIAL_PRESETS = ["mat_id", "mat_license", "mat_form", "mat_authorization", "mat_property"];
const PAUSE_PRESETS = ["pr_lunch", "pr_break", "pr_meeting", "pr_system"];
const CANCEL_PRESETS = ["cr_request", "cr_wrong_service", "cr_duplicate", "cr_not_here"];

export class Dialogs {
  constructor(desk) {
    this.desk = desk;
    this.open = null; // {onConfirm, keys, error}
    this.preview = null; // the one-time notice shown over the finish dialog, closed first by Esc
  }

  get t() {
    return this.desk.t;
  }

  /** Show a dialog. keys: {"1": fn, ...}; onConfirm returns false to stay open. */
  show({ id, title, body, onConfirm = null, keys = {}, confirmText = null }) {
    this.close();
    const error = el("div", { class: "error", role: "alert" });
    const buttons = el("div", { class: "buttons" },
      el("button", { type: "button", class: "cancel", onclick: () => this.close() }, this.t.cancel),
      onConfirm ? el("button", { type: "button", class: "go", onclick: () => this.confirm() },
        confirmText || this.t.confirm) : null);
    const overlay = el("div", { class: "overlay", id: "dialog-overlay" },
      el("div", { class: "dialog", id, role: "dialog", "aria-modal": "true" }, el("h3", {}, title), body, error, buttons));
    document.body.append(overlay);
    this.open = { overlay, onConfirm, keys, error };
    // Take focus from the page behind, so Enter confirms here instead of pressing a button there.
    const first = overlay.querySelector("input, textarea, select");
    const dialog = overlay.querySelector(".dialog");
    dialog.tabIndex = -1;
    if (first && !Object.keys(keys).length) first.focus();
    else dialog.focus();
  }

  close() {
    this.closePreview();
    if (this.open) this.open.overlay.remove();
    this.open = null;
  }

  /** Close the notice preview and give the finish dialog (with what was typed) back. */
  closePreview() {
    if (!this.preview) return false;
    this.preview.remove();
    this.preview = null;
    if (this.open) {
      this.open.overlay.hidden = false;
      this.open.overlay.querySelector(".dialog").focus();
    }
    return true;
  }

  async confirm() {
    const current = this.open;
    if (!current || !current.onConfirm) return;
    const stay = (await current.onConfirm()) === false;
    if (!stay && this.open === current) this.close();
  }

  fail(text) {
    if (this.open) this.open.error.textContent = text;
    return false;
  }

  onKey(ev) {
    if (ev.key === "Escape") {
      ev.preventDefault();
      return this.closePreview() || this.close();
    }
    if (this.preview) return undefined; // the preview only has its own buttons
    const tag = ev.target.tagName;
    if (ev.key === "Enter" && tag !== "TEXTAREA" && tag !== "BUTTON") {
      ev.preventDefault();
      return this.confirm();
    }
    const typing = tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
    const handler = this.open && this.open.keys[ev.key];
    if (handler && !typing) {
      ev.preventDefault();
      handler();
    }
  }

  // --- finish with an outcome ------------------------------------------------------------------

  finish(ticket) {
    const t = this.t;
    let selected = "immediate";
    const days = el("input", { type: "number", min: "1", max: "365", id: "promised-days", value: "5" });
    const materials = el("textarea", { id: "materials", placeholder: t.other_materials, rows: "2" });
    const caseNumber = el("input", { id: "case-number", maxlength: "60" });
    const checklist = this.checklist(ticket);
    const extra = this.supervisionFields();
    const presets = checklist ? null : el("div", { class: "presets" }, MATERIAL_PRESETS.map((key) => el("button", {
      type: "button", onclick: () => addLine(materials, t[key]) }, `+ ${t[key]}`)));
    const missing = () => [...(checklist ? checklist.checked() : []), ...lines(materials.value)];
    const daysField = el("label", { class: "field", hidden: true }, t.promised_days, days);
    const materialsField = el("div", { class: "field", hidden: true },
      checklist ? [el("span", {}, t.guide_materials), checklist.node] : null,
      el("label", { for: "materials" }, checklist ? t.other_materials : t.materials), materials,
      presets ? [el("span", { class: "muted" }, t.material_presets), presets] : null,
      el("div", {}, el("button", { type: "button", id: "preview-notice",
        onclick: () => this.notice(ticket, missing(), false) }, t.show_notice)));
    const choices = OUTCOMES.map((code, i) => el("button", {
      type: "button", class: "choice", "data-outcome": code, onclick: () => choose(code, true),
    }, el("span", { class: "digit" }, String(i + 1)), el("b", {}, t[`out_${code}`]),
    el("span", { class: "muted" }, t[`out_${code}_hint`])));
    const choose = (code, submitSimple) => {
      selected = code;
      for (const c of choices) c.classList.toggle("selected", c.dataset.outcome === code);
      daysField.hidden = code !== "promised" && code !== "joint";
      extra.joint.hidden = code !== "joint";
      materialsField.hidden = code !== "supplement";
      if (code === "promised") days.focus();
      if (code === "supplement") (materialsField.querySelector("input") || materials).focus();
      if (submitSimple && !NEEDS_FIELDS.has(code)) this.confirm();
    };
    const submit = async () => {
      const body = { outcome: selected };
      if (selected === "promised" || selected === "joint") {
        const n = Number(days.value);
        if (!Number.isInteger(n) || n < 1) return this.fail(t.need_days);
        body.promised_days = n;
      }
      if (selected === "supplement") {
        body.materials = missing();
        if (!body.materials.length) return this.fail(t.need_materials);
      }
      if (caseNumber.value.trim()) body.case_number = caseNumber.value.trim();
      const problem = extra.fill(body, selected);
      if (problem) return this.fail(t[problem]);
      this.close();
      await this.desk.finish(ticket, body);
      return true;
    };
    const keys = Object.fromEntries(OUTCOMES.map((code, i) => [String(i + 1), () => choose(code, true)]));
    this.show({ id: "finish-dialog", title: fill(t.finish_title, { label: ticket.label }),
      body: el("div", {}, el("div", { class: "choices compact" }, choices), daysField, materialsField,
        el("label", { class: "field" }, t.case_number, caseNumber), extra.joint, extra.more),
      onConfirm: submit, keys });
    choose("immediate", false);
  }

  /** The finish's supervision fields: joint departments, a refusal with its legal basis, a return visit's link. */
  supervisionFields() {
    const t = this.t;
    const boxes = [...this.desk.catalog.departments.values()].map((d) =>
      el("label", { class: "chip" }, el("input", { type: "checkbox", value: d.code, "data-department": d.code }), this.desk.pick(d.name)));
    const joint = el("div", { class: "field", id: "joint-departments", hidden: true }, el("span", {}, t.joint_departments), boxes);
    const linked = el("input", { id: "linked-to", maxlength: "60" });
    const refusal = el("select", { id: "refusal" }, el("option", { value: "" }, t.refusal_none),
      REFUSALS.map((code) => el("option", { value: code }, t[`refusal_${code}`])));
    const basis = el("input", { id: "legal-basis", maxlength: "500" });
    const more = el("div", {}, el("label", { class: "field" }, t.linked_to, linked),
      el("label", { class: "field" }, t.refusal, refusal), el("label", { class: "field" }, t.legal_basis, basis));
    const fill = (body, outcome) => {
      if (outcome === "joint") {
        body.joint_departments = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
        if (!body.joint_departments.length) return "need_departments";
      }
      if (refusal.value && outcome === "reply") {
        if (!basis.value.trim()) return "need_legal_basis";
        body.refusal = refusal.value;
        body.legal_basis = basis.value.trim();
      }
      if (linked.value.trim()) body.linked_to = linked.value.trim();
      return null;
    };
    return { joint, more, fill };
  }

  /**
   * The service's materials (its guide in the hall configuration) as checkboxes: labelled in the
   * clerk's language, sent in the citizen's, since the one-time notice is printed for the citizen.
   */
  checklist(ticket) {
    const guide = this.desk.catalog.guides.get(ticket.queue_service);
    if (!guide || !guide.materials || !guide.materials.length) return null;
    const citizenLang = ticket.lang || this.desk.lang;
    const boxes = guide.materials.map((m, i) => {
      const box = el("input", { type: "checkbox", "data-material": String(i), value: m[citizenLang] || this.desk.pick(m) });
      return { box, label: el("label", {}, box, el("span", {}, this.desk.pick(m))) };
    });
    return { node: el("div", { class: "checklist", id: "materials-checklist" }, boxes.map((b) => b.label)),
      checked: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value) };
  }

  /** The service's promised time and phone number under the one-time notice, when configured. */
  guideFacts(serviceCode, nt) {
    const guide = this.desk.catalog.guides.get(serviceCode);
    if (!guide || !(guide.time_limit_days || guide.consult_phone)) return null;
    return el("p", { class: "muted", id: "notice-guide" },
      guide.time_limit_days ? fill(nt.time_limit, { n: guide.time_limit_days }) : "",
      guide.time_limit_days && guide.consult_phone ? " · " : "",
      guide.consult_phone ? fill(nt.consult_phone, { phone: guide.consult_phone }) : "");
  }

  // --- cancel on the citizen's request -------------------------------------------------------------

  cancel(ticket) {
    const t = this.t;
    let chosen = null;
    const other = el("input", { id: "cancel-other", maxlength: "200" });
    const items = CANCEL_PRESETS.map((key, i) => el("button", { type: "button", class: "choice", "data-reason": key,
      onclick: () => pick(key) }, el("span", { class: "digit" }, String(i + 1)), el("b", {}, t[key])));
    const pick = (key) => {
      chosen = key;
      for (const item of items) item.classList.toggle("selected", item.dataset.reason === key);
    };
    this.show({ id: "cancel-dialog", title: fill(t.cancel_title, { label: ticket.label }),
      body: el("div", {}, el("p", { class: "muted" }, t.cancel_warn), el("div", { class: "choices compact" }, items),
        el("label", { class: "field" }, t.pause_other, other)),
      keys: Object.fromEntries(CANCEL_PRESETS.map((key, i) => [String(i + 1), () => pick(key)])),
      confirmText: t.act_cancel,
      onConfirm: async () => {
        const reason = other.value.trim() || (chosen ? t[chosen] : "");
        if (!reason) return this.fail(t.need_reason);
        this.close();
        await this.desk.act(`cancel:${ticket.id}`, `/api/tickets/${ticket.id}/cancel`, { reason }, "ok_cancelled");
        return true;
      } });
  }

  // --- suspend / take back -------------------------------------------------------------------------

  suspend(ticket) {
    const reason = el("input", { id: "suspend-reason", maxlength: "200", placeholder: this.t.suspend_reason });
    this.show({ id: "suspend-dialog", title: fill(this.t.suspend_title, { label: ticket.label }),
      body: el("label", { class: "field" }, this.t.suspend_reason, reason),
      onConfirm: async () => {
        this.close();
        await this.desk.act(`suspend:${ticket.id}`, `/api/tickets/${ticket.id}/suspend`,
          reason.value.trim() ? { reason: reason.value.trim() } : {}, "ok_suspended");
        this.desk.loadSuspended();
      } });
  }

  resumeSuspended() {
    const tickets = this.desk.suspended.slice(0, 9);
    const pickOne = (ticket) => {
      this.close();
      this.desk.resumeAndCall(ticket);
    };
    const items = tickets.map((ticket, i) => el("button", { type: "button", class: "choice", "data-ticket": ticket.id,
      onclick: () => pickOne(ticket) }, el("span", { class: "digit" }, String(i + 1)), el("b", {}, ticket.label),
    el("span", { class: "muted" }, this.desk.serviceName(ticket.queue_service))));
    this.show({ id: "resume-dialog", title: this.t.suspended_title,
      body: items.length ? el("div", { class: "choices" }, items) : el("p", { class: "muted" }, this.t.none_suspended),
      keys: Object.fromEntries(tickets.map((ticket, i) => [String(i + 1), () => pickOne(ticket)])) });
  }

  // --- transfer ------------------------------------------------------------------------------------

  transfer(ticket) {
    const t = this.t;
    const desk = this.desk;
    const services = el("select", { id: "to-service" }, el("option", { value: "" }, t.same_service),
      [...desk.catalog.services.values()].map((s) => el("option", { value: s.code }, `${s.prefix} · ${desk.pick(s.name)}`)));
    const windows = el("select", { id: "to-window" }, el("option", { value: "" }, t.any_window),
      [...desk.catalog.windows.values()].filter((w) => w.number !== desk.session.window)
        .map((w) => el("option", { value: String(w.number) }, desk.windowName(w))));
    const front = el("input", { type: "radio", name: "position", value: "front", id: "to-front" });
    const back = el("input", { type: "radio", name: "position", value: "back", id: "to-back", checked: true });
    const note = el("textarea", { id: "transfer-note", maxlength: "500" });
    const submit = async () => {
      if (!services.value && !windows.value) return this.fail(t.need_target);
      const body = { front: front.checked };
      if (services.value) body.to_service = services.value;
      if (windows.value) body.to_window = Number(windows.value);
      if (note.value.trim()) body.note = note.value.trim();
      this.close();
      await desk.act(`transfer:${ticket.id}`, `/api/tickets/${ticket.id}/transfer`, body, "ok_transferred");
      return true;
    };
    this.show({ id: "transfer-dialog", title: fill(t.transfer_title, { label: ticket.label }),
      body: el("div", {},
        el("label", { class: "field" }, t.to_service, services),
        el("label", { class: "field" }, t.to_window, windows),
        el("div", { class: "field" }, el("label", {}, front, " ", t.front_queue), el("label", {}, back, " ", t.back_queue)),
        el("label", { class: "field" }, t.note, note)),
      onConfirm: submit });
  }

  // --- call back a missed ticket ------------------------------------------------------------------

  async missed() {
    const desk = this.desk;
    let tickets = [];
    try {
      tickets = (await api("GET", desk.windowPath("missed"), desk.session.token)).tickets.slice(0, 9);
    } catch (err) {
      return desk.say("error", desk.errorText(err));
    }
    const call = (body) => {
      this.close();
      return desk.act(`call:${body.ticket_id || body.label}`, desk.windowPath("call"), body, "ok_called");
    };
    const items = tickets.map((ticket, i) => el("button", { type: "button", class: "choice", "data-ticket": ticket.id,
      onclick: () => call({ ticket_id: ticket.id }) }, el("span", { class: "digit" }, String(i + 1)), el("b", {}, ticket.label),
    el("span", { class: "muted" }, desk.serviceName(ticket.queue_service), " · ",
      fill(this.t.until, { time: (ticket.return_until || "").slice(11, 16) }))));
    const number = el("input", { id: "missed-number", maxlength: "10", autocomplete: "off" });
    this.show({ id: "missed-dialog", title: this.t.missed_title,
      body: el("div", {},
        items.length ? el("div", { class: "choices" }, items) : el("p", { class: "muted" }, this.t.none_missed),
        el("label", { class: "field" }, this.t.by_number, number)),
      keys: Object.fromEntries(tickets.map((ticket, i) => [String(i + 1), () => call({ ticket_id: ticket.id })])),
      onConfirm: async () => {
        const label = number.value.trim().toUpperCase();
        if (!label) return this.fail(this.t.err_unknown_ticket);
        await call({ label });
        return true;
      },
      confirmText: this.t.call_this });
  }

  // --- pause ---------------------------------------------------------------------------------------

  pause() {
    const t = this.t;
    const pauseWith = (reason) => {
      this.close();
      return this.desk.act("pause_window", this.desk.windowPath("pause"), { reason }, "ok_paused");
    };
    const other = el("input", { id: "pause-other", maxlength: "100" });
    const items = PAUSE_PRESETS.map((key, i) => el("button", { type: "button", class: "choice", "data-reason": key,
      onclick: () => pauseWith(t[key]) }, el("span", { class: "digit" }, String(i + 1)), el("b", {}, t[key])));
    this.show({ id: "pause-dialog", title: t.pause_title,
      body: el("div", {}, el("div", { class: "choices" }, items), el("label", { class: "field" }, t.pause_other, other)),
      keys: Object.fromEntries(PAUSE_PRESETS.map((key, i) => [String(i + 1), () => pauseWith(t[key])])),
      onConfirm: async () => {
        if (!other.value.trim()) return this.fail(t.pause_other);
        await pauseWith(other.value.trim());
        return true;
      } });
  }

  // --- the one-time notice (一次性告知), in the citizen's language ------------------------------------

  notice(ticket, materials, afterFinish = true) {
    const desk = this.desk;
    const nt = textsFor(ticket.lang || desk.lang);
    const pick = (text) => (text ? text[ticket.lang] || desk.pick(text) : "");
    const service = desk.catalog.services.get(ticket.queue_service);
    const today = new Date(desk.serverNow()).toISOString().slice(0, 10);
    const body = el("div", { class: "notice", id: "notice" },
      el("div", { class: "muted" }, pick(desk.catalog.center && desk.catalog.center.name)),
      el("h3", {}, nt.notice_title),
      el("dl", {},
        el("dt", {}, nt.notice_ticket), el("dd", {}, ticket.label),
        el("dt", {}, nt.notice_service), el("dd", {}, service ? pick(service.name) : ticket.queue_service),
        el("dt", {}, nt.notice_window), el("dd", {}, fill(nt.window_n, { n: desk.session.window })),
        el("dt", {}, nt.notice_clerk), el("dd", {}, `${desk.session.staffName || ""} (${desk.session.staff})`),
        el("dt", {}, nt.notice_date), el("dd", {}, today),
        // the number a return visit is linked by (最多跑一次): business day and ticket
        el("dt", {}, nt.notice_number), el("dd", { id: "notice-number" }, `${(ticket.day || today).replaceAll("-", "")}-${ticket.label}`)),
      el("p", {}, nt.notice_intro),
      el("ol", { id: "notice-materials" }, materials.map((m) => el("li", {}, m))),
      this.guideFacts(ticket.queue_service, nt),
      el("div", { class: "buttons" },
        el("button", { type: "button", class: "go", id: "print-notice", onclick: () => window.print() }, this.t.print_notice)));
    const previous = afterFinish ? null : this.open;
    if (previous) {
      // A preview from inside the finish dialog: show it on top, keep the dialog (and what was typed) underneath.
      const overlay = el("div", { class: "overlay", id: "notice-overlay" }, el("div", { class: "dialog", tabindex: "-1" }, body,
        el("div", { class: "buttons" }, el("button", { type: "button", id: "close-notice",
          onclick: () => this.closePreview() }, this.t.notice_close))));
      previous.overlay.hidden = true;
      document.body.append(overlay);
      this.preview = overlay;
      overlay.querySelector(".dialog").focus();
      return;
    }
    this.show({ id: "notice-dialog", title: nt.notice_title, body });
  }
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

function addLine(textarea, line) {
  const current = lines(textarea.value);
  if (!current.includes(line)) current.push(line);
  textarea.value = current.join("\n");
  textarea.focus();
}
