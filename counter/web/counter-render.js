// What the counter terminal shows: the ticket in hand, the action buttons, the window's queues,
// today's figures, suspended tickets, the shortcut table and the message line. It reads the desk's
// state and never changes it; clicks go back to `desk.run(action)`.
import { el } from "/common/hub.js";
import { duration } from "/common/lang.js";
import { SHORTCUTS } from "./counter-keys.js";
import { fill } from "./i18n.js";

export class DeskView {
  constructor(desk) {
    this.desk = desk;
  }

  get t() {
    return this.desk.t;
  }

  layout() {
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

  all() {
    if (!this.desk.session || !document.getElementById("in-hand")) return;
    this.ticket();
    this.actions();
    this.queues();
    this.today();
    this.suspended();
    this.shortcuts();
    this.message();
  }

  header(w) {
    if (!w) return;
    document.getElementById("window-name").textContent = this.desk.windowName(w);
    const badge = document.getElementById("window-status");
    badge.hidden = false;
    badge.className = `badge ${w.status}`;
    badge.textContent = this.t[`status_${w.status}`] + (w.status === "paused" && w.pause_reason ? `：${w.pause_reason}` : "");
  }

  ticket() {
    const box = document.getElementById("in-hand");
    const t = this.desk.held();
    if (!t) {
      box.replaceChildren(el("h2", {}, this.t.in_hand),
        el("div", { class: "ticket" }, el("div", { class: "label none", id: "ticket-label" }, this.t.no_ticket)));
      return;
    }
    const marks = [];
    if (t.channel === "green") {
      const why = t.green_category ? `（${this.t[`green_${t.green_category}`] || ""}）` : "";
      marks.push(el("span", { class: "mark green" }, this.t.green + why));
    }
    if (t.appointment || t.channel === "appointment") marks.push(el("span", { class: "mark appt" }, this.t.appointment));
    const notes = t.notes && t.notes.length
      ? el("div", { class: "notes", id: "ticket-notes" }, `${this.t.transfers_notes}：`, t.notes.join(" / ")) : null;
    box.replaceChildren(el("h2", {}, this.t.in_hand),
      el("div", { class: "ticket" },
        el("div", { class: "label", id: "ticket-label" }, t.label),
        el("div", { class: "facts" },
          el("div", { class: "svc", id: "ticket-service" }, this.desk.serviceName(t.queue_service)),
          el("div", { id: "ticket-status" }, marks,
            t.status === "serving" ? this.t.st_serving : this.t.st_called,
            t.recalls ? ` · ${fill(this.t.recalls, { n: t.recalls })}` : ""),
          el("div", { class: "times" },
            el("span", {}, `${this.t.waited} `, el("b", { id: "ticket-waited" }, this.waited(t))),
            el("span", {}, `${t.status === "serving" ? this.t.service_time : this.t.since_call} `,
              el("b", { id: "ticket-running", "data-since": t.started_at || t.called_at }, ""))),
          notes)));
    this.tick();
  }

  waited(t) {
    const end = Date.parse(t.called_at || "") || this.desk.serverNow();
    const start = Date.parse(t.queue_entered_at || t.issued_at || "");
    // never negative: an appointment may be called in its early window, before it "entered" the queue
    return Number.isFinite(start) ? duration(Math.max(0, end - start) / 1000) : "–";
  }

  /** Once a second: the running clocks (since call / service time, longest waits). */
  tick() {
    const running = document.getElementById("ticket-running");
    if (running) {
      const since = Date.parse(running.dataset.since || "");
      running.textContent = Number.isFinite(since) ? duration((this.desk.serverNow() - since) / 1000) : "–";
    }
    for (const cell of document.querySelectorAll("td.longest[data-base]")) {
      const base = Number(cell.dataset.base);
      const grown = base > 0 ? base + (Date.now() - this.desk.view.at) / 1000 : 0;
      cell.firstChild.textContent = base > 0 ? duration(grown) : "–";
    }
  }

  actions() {
    const box = document.getElementById("actions");
    const t = this.desk.held();
    const w = this.desk.view.window || {};
    const open = w.status === "open";
    const button = (action, label, key, enabled, cls = "") => el("button", {
      type: "button", class: cls, id: `act-${action}`, disabled: !enabled, "data-action": action,
      onclick: () => this.desk.run(action),
    }, label, el("span", { class: "key" }, key));
    box.replaceChildren(
      button("call_next", this.t.act_call_next, "+", open && !t, "primary"),
      button("recall", this.t.act_recall, "*", Boolean(t) && t.status === "called"),
      button("start", this.t.act_start, "Enter", Boolean(t) && t.status === "called"),
      button("finish_immediate", `${this.t.act_finish}·${this.t.out_immediate}`, "1", Boolean(t), "finish"),
      button("finish", `${this.t.act_finish}…`, "/", Boolean(t), "finish"),
      button("no_show", this.t.act_no_show, "−", Boolean(t) && t.status === "called"),
      button("suspend", this.t.act_suspend, "7", Boolean(t)),
      button("resume_ticket", this.t.act_resume_ticket, "8", open && !t && this.desk.suspended.length > 0),
      button("transfer", this.t.act_transfer, "9", Boolean(t)),
      button("missed", this.t.act_missed, "4", open && !t),
      button("pause_toggle", w.status === "paused" ? this.t.act_resume_window : this.t.act_pause, "5",
        w.status === "open" || w.status === "paused"),
      button("close_toggle", w.status === "closed" ? this.t.act_open : this.t.act_close, "6", !t),
      button("cancel_ticket", `${this.t.act_cancel}…`, "0", Boolean(t), "danger"));
  }

  queues() {
    const box = document.getElementById("queues");
    const rows = this.desk.view.services.map((s) => {
      const longestMin = s.longest_wait_s / 60;
      const level = s.waiting && longestMin >= s.action_wait_min ? "action"
        : s.waiting && longestMin >= s.warning_wait_min ? "warning" : "";
      return el("tr", { class: level, "data-service": s.code },
        el("td", {}, this.desk.pick(s.name), el("span", { class: "muted" }, ` ${s.prefix}`)),
        el("td", { class: "num waiting" }, String(s.waiting)),
        el("td", { class: "num longest", "data-base": s.waiting ? s.longest_wait_s : 0 }, "–",
          level ? el("span", { class: `lvl ${level}` }, this.t[`lvl_${level}`]) : null),
        el("td", { class: "muted" }, `${fill(this.t.minutes, { n: s.warning_wait_min })} / ${fill(this.t.minutes, { n: s.action_wait_min })}`));
    });
    box.replaceChildren(el("h2", {}, this.t.queues),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, this.t.col_service), el("th", {}, this.t.col_waiting),
        el("th", {}, this.t.col_longest), el("th", {}, this.t.col_thresholds))), el("tbody", {}, rows)));
    this.tick();
  }

  today() {
    const box = document.getElementById("today");
    if (!box) return;
    const figures = (f) => ({ served: 0, handling_mean_s: null, no_shows: 0, rated: 0, not_rated: 0, ...(f || {}) });
    const count = (v) => String(v ?? 0); // a figure never shows as "null"
    const row = (name, f, id) => [el("span", { class: "h" }, name),
      el("span", { class: "v", id: `${id}-served` }, count(f.served)),
      el("span", { class: "v", id: `${id}-handling` }, f.handling_mean_s == null ? "–" : duration(f.handling_mean_s)),
      el("span", { class: "v", id: `${id}-no-shows` }, count(f.no_shows)),
      el("span", { class: "v", id: `${id}-rated` }, count(f.rated)),
      el("span", { class: "v", id: `${id}-not-rated` }, count(f.not_rated))];
    const today = this.desk.today || {};
    const note = this.desk.ratingNote;
    // replaceChildren would print a null child as the text "null": every child here is a node
    box.replaceChildren(...[el("h2", {}, this.t.today),
      el("div", { class: "figures" },
        el("span", {}), ...[this.t.served, this.t.avg_handling, this.t.no_shows, this.t.ratings, this.t.not_rated]
          .map((h) => el("span", { class: "h" }, h)),
        ...row(this.t.me, figures(today.staff_figures), "me"),
        ...row(this.t.this_window, figures(today.window_figures), "win")),
      note && note.label ? el("div", { class: note.arrived ? "rating-note arrived" : "rating-note", id: "rating-note" },
        fill(note.arrived ? this.t.rating_arrived : this.t.rating_wait, { label: note.label })) : null].filter(Boolean));
  }

  suspended() {
    const box = document.getElementById("suspended");
    if (!box) return;
    const items = this.desk.suspended.map((t) => el("li", { "data-ticket": t.id },
      el("span", {}, el("b", {}, t.label), " ", this.desk.serviceName(t.queue_service)),
      el("button", { type: "button", onclick: () => this.desk.resumeAndCall(t) }, this.t.resume_call)));
    box.replaceChildren(el("h2", {}, this.t.suspended_title),
      items.length ? el("ul", { class: "plain", id: "suspended-list" }, items) : el("div", { class: "muted" }, this.t.none_suspended));
    if (document.getElementById("act-resume_ticket")) this.actions();
  }

  shortcuts() {
    const box = document.getElementById("shortcuts");
    const t = this.t;
    const names = { call_next: t.act_call_next, recall: t.act_recall, start: t.act_start,
      finish_immediate: `${t.act_finish}·${t.out_immediate}`, finish: t.act_finish,
      no_show: t.act_no_show, suspend: t.act_suspend, resume_ticket: t.act_resume_ticket,
      transfer: t.act_transfer, missed: t.act_missed,
      pause_toggle: `${t.act_pause} / ${t.act_resume_window}`, close_toggle: `${t.act_close} / ${t.act_open}`,
      cancel_ticket: t.act_cancel };
    const rows = SHORTCUTS.map((s) => el("tr", {}, el("td", {}, s.keys.flatMap((k) => [el("kbd", {}, k), " "])),
      el("td", {}, names[s.action])));
    box.replaceChildren(el("h2", {}, t.shortcuts), el("table", { class: "shortcut-table" }, el("tbody", {}, rows)));
  }

  message() {
    const box = document.getElementById("message");
    if (!box) return;
    const message = this.desk.message;
    box.className = message ? `message ${message.kind}` : "message";
    box.textContent = message ? message.text : "";
  }
}
