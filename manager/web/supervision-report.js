// Supervision report for a month: bad-review rectification and call-back rates, promised cases on
// time and overdue, 最多跑一次 trips, refusals (否定報備) per department, and the monthly appraisal
// of windows and clerks with 紅旗窗口 / 服務明星 candidates. Printable; CSV downloads.
import { el } from "./common.js";
import { api, downloadCsv, pct, st, supervisionHeader, whoSignedIn } from "./supervision-common.js";

const table = (id, headers, rows) => el("table", { id },
  el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))), el("tbody", {}, rows));

class ReportPage {
  constructor(root, me) {
    this.me = me;
    this.month = new URLSearchParams(location.search).get("month") || "";
    this.body = el("main", { id: "report" });
    root.replaceChildren(supervisionHeader("report", me), this.body);
  }

  async load() {
    const query = this.month ? `?month=${this.month}` : "";
    const [rates, refusals] = await Promise.all([api("GET", `/api/supervision/rates${query}`),
      api("GET", `/api/supervision/refusals${query}`)]);
    this.month = rates.month;
    const appraisal = this.me.role === "manager" ? await api("GET", `/api/supervision/appraisal?month=${this.month}`) : null;
    this.body.replaceChildren(this.controls(), this.rates(rates), this.trips(rates.trips), this.refusals(refusals.refusals),
      appraisal ? this.appraisal(appraisal) : "");
    document.body.dataset.loaded = this.month;
  }

  controls() {
    const month = el("input", { type: "month", name: "month", value: this.month });
    return el("section", { class: "controls" }, el("label", {}, st("month"), month),
      el("button", { type: "button", id: "show", onclick: () => { this.month = month.value; this.load(); } }, st("show")),
      el("button", { type: "button", id: "print", onclick: () => window.print() }, st("print")),
      this.me.role === "manager" ? el("button", { type: "button", id: "appraisal-csv", onclick: () =>
        downloadCsv(`/api/supervision/appraisal.csv?month=${this.month}`, `appraisal-${this.month}.csv`) }, st("csv")) : "");
  }

  rates(r) {
    const bad = (g) => [el("td", { class: "num" }, g.bad_reviews), el("td", { class: "num" }, pct(g.rectification_rate)),
      el("td", { class: "num" }, pct(g.on_time_rectification_rate)),
      el("td", { class: "num" }, `${pct(g.callback_rate)} (${g.called_back}/${g.with_contact})`),
      el("td", { class: "num" }, `${g.appeals_upheld}/${g.appeals_struck}`)];
    const promised = (p) => [el("td", { class: "num" }, p.due), el("td", { class: "num" }, pct(p.on_time_rate)),
      el("td", { class: "num" + (p.overdue ? " level-action" : "") }, p.overdue)];
    const badHead = [st("badReviews"), st("rectRate"), st("onTimeRect"), st("callbackRate"), st("appeals")];
    const promisedHead = [st("promisedDue"), st("onTimeDone"), st("overdue")];
    const total = r.total;
    return el("div", { class: "rates" },
      el("section", {}, el("h1", {}, `${st("report")} · ${r.month}`),
        el("h2", {}, st("ratesDept")),
        table("rates-department", [st("department"), ...badHead, ...promisedHead],
          r.by_department.map((d) => el("tr", { "data-department": d.department }, el("td", {}, d.department),
            ...bad(d), ...promised(d.promised)))),
        el("p", { id: "rates-total" }, `${st("badReviews")} ${total.bad_reviews} · ${st("rectRate")} ${pct(total.rectification_rate)} · `
          + `${st("onTimeRect")} ${pct(total.on_time_rectification_rate)} · ${st("callbackRate")} ${pct(total.callback_rate)} · `
          + `${st("onTimeDone")} ${pct(total.promised.on_time_rate)} · ${st("overdue")} ${total.promised.overdue}`)),
      el("section", {}, el("h2", {}, st("ratesWindow")),
        table("rates-window", [st("window"), ...badHead],
          r.by_window.map((w) => el("tr", { "data-window": w.window }, el("td", {}, w.window), ...bad(w))))));
  }

  trips(t) {
    return el("section", { id: "trips" }, el("h2", {}, st("trips")),
      el("div", { class: "cards" },
        el("div", { class: "card" }, st("matters"), " ", el("b", {}, t.matters)),
        el("div", { class: "card" }, st("oneTrip"), " ", el("b", { id: "one-trip" }, `${t.one_trip} (${pct(t.one_trip_rate)})`)),
        el("div", { class: "card" }, st("twoOrMore"), " ", el("b", { id: "two-or-more" }, t.two_or_more))));
  }

  refusals(rows) {
    return el("section", {}, el("h2", {}, st("refusals")),
      table("refusals", [st("department"), st("day"), st("ticket"), st("window"), st("kind"), st("legalBasis"), st("caseNumber")],
        rows.map((r) => el("tr", {}, el("td", {}, r.department), el("td", {}, r.day), el("td", {}, r.label || ""),
          el("td", {}, r.window ?? ""), el("td", {}, st("refusalKinds")[r.kind] || r.kind), el("td", {}, r.legal_basis),
          el("td", {}, r.case_number || "")))));
  }

  appraisal(a) {
    const head = [st("visits"), st("sl"), st("satisfaction"), st("badRate"), st("onTimeRect"), st("promisedRate"),
      st("attendance"), st("late"), st("pauses"), st("score")];
    const cells = (r) => [el("td", { class: "num" }, r.visits), el("td", { class: "num" }, pct(r.service_level)),
      el("td", { class: "num" }, pct(r.satisfaction_rate)), el("td", { class: "num" }, pct(r.bad_review_rate)),
      el("td", { class: "num" }, pct(r.on_time_rectification_rate)), el("td", { class: "num" }, pct(r.promised_on_time_rate)),
      el("td", { class: "num" }, pct(r.attendance)), el("td", { class: "num" }, r.late_signins),
      el("td", {}, Object.entries(r.pauses).map(([reason, p]) => `${reason || "—"} ${p.count}×${Math.round(p.seconds / 60)}′`).join("; ")),
      el("td", { class: "num" }, el("b", {}, r.score))];
    const badge = (on, cls, text) => (on ? el("span", { class: `badge ${cls}` }, text) : "");
    return el("section", { id: "appraisal" }, el("h2", {}, `${st("appraisal")} · ${a.month} (${a.counted_to}) · ${st("score")} / ${a.max_score}`),
      el("div", { class: "cards" },
        el("div", { class: "card red", id: "red-flags" }, `${st("redFlag")}：${a.red_flag_windows.join(", ") || "—"}`),
        el("div", { class: "card yellow", id: "stars" }, `${st("star")}：${a.service_stars.map((s) =>
          (a.clerks.find((c) => c.staff === s) || {}).name || s).join(", ") || "—"}`)),
      el("h3", {}, st("windows")),
      table("appraisal-windows", [st("window"), ...head], a.windows.map((w) => el("tr", { "data-window": w.window },
        el("td", {}, `${w.window} `, badge(a.red_flag_windows.includes(w.window), "flag", "★")), ...cells(w)))),
      el("h3", {}, st("clerks")),
      table("appraisal-clerks", [st("staff"), ...head], a.clerks.map((c) => el("tr", { "data-staff": c.staff },
        el("td", {}, `${c.name} (${c.staff}) `, badge(a.service_stars.includes(c.staff), "star", "★")), ...cells(c)))));
  }
}

async function start() {
  const root = document.getElementById("app");
  const me = await whoSignedIn(root);
  await new ReportPage(root, me).load();
}

start().catch((err) => { document.body.append(el("p", { class: "error" }, String(err.message || err))); });
