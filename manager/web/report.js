// Daily and monthly reports in the seed document's wording, printable from the browser: the text,
// outcomes, every department, per-window and per-clerk tables with names, the 好差評 breakdown and
// a signature block. Only the picker of the chosen kind is shown.
import { api, el, header, lang, name, signedIn, t } from "./common.js";

const OUTCOMES = {
  "zh-Hant": { immediate: "即辦件", promised: "承諾件", joint: "聯辦件", reply: "答復件", supplement: "補辦件" },
  "zh-Hans": { immediate: "即办件", promised: "承诺件", joint: "联办件", reply: "答复件", supplement: "补办件" },
  en: { immediate: "Immediate", promised: "Promised", joint: "Joint", reply: "Reply", supplement: "Supplement" },
};
const LEVELS = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"];
const dash = (v, unit = "") => (v === null || v === undefined ? "—" : `${v}${unit}`);

class ReportPage {
  constructor(root) {
    const params = new URLSearchParams(location.search);
    this.kind = el("select", { name: "kind", id: "kind" }, ["daily", "monthly"].map((k) =>
      el("option", { value: k, selected: k === (params.get("kind") || "daily") }, t(k))));
    this.day = el("input", { type: "date", name: "day", id: "day", value: params.get("day") || "" });
    this.month = el("input", { type: "month", name: "month", id: "month", value: params.get("month") || "" });
    this.dayField = el("label", {}, t("day"), this.day);
    this.monthField = el("label", {}, t("monthly"), this.month);
    this.kind.addEventListener("change", () => this.showPicker());
    this.body = el("section", { id: "report" });
    root.replaceChildren(header("report"), el("main", {},
      el("section", { class: "controls" }, el("label", {}, t("report"), this.kind), this.dayField, this.monthField,
        el("button", { type: "button", id: "show", onclick: () => this.load() }, t("show")),
        el("button", { type: "button", onclick: () => window.print() }, t("print"))),
      this.body));
    this.showPicker();
  }

  showPicker() {
    const daily = this.kind.value === "daily";
    this.dayField.hidden = !daily;
    this.monthField.hidden = daily;
  }

  async load() {
    const daily = this.kind.value === "daily";
    const query = daily ? (this.day.value ? `?day=${this.day.value}` : "") : (this.month.value ? `?month=${this.month.value}` : "");
    const r = await api(`/api/reports/${daily ? "daily" : "monthly"}${query}`);
    if (!this.day.value) this.day.value = r.to;
    if (!this.month.value) this.month.value = r.from.slice(0, 7);
    const hall = await api("/api/hall");
    this.depts = Object.fromEntries(hall.departments.map((d) => [d.code, name(d.name)]));
    const range = r.kind === "daily" ? r.from : `${r.from} – ${r.to} · ${t("untilDay", r.through)}`;
    this.body.replaceChildren(
      el("h1", {}, `${name(hall.center.name)} · ${t(r.kind === "daily" ? "daily" : "monthly")} · ${range}`),
      el("p", { class: "report-text", id: "report-text" }, r.text[lang()]),
      this.outcomes(r), el("div", { class: "grid2" }, this.departments(r), this.ratings(r)),
      this.windows(r), this.clerks(r),
      el("p", { class: "muted" }, `${t("avgWait")}: ${dash(r.mean_wait_min)} ${t("minutes")} · ${t("sl")}: ${dash(r.service_level_pct, "%")}`),
      this.signature());
    document.body.dataset.loaded = r.kind;
  }

  outcomes(r) {
    const names = OUTCOMES[lang()];
    return el("table", { id: "outcomes" },
      el("tr", {}, Object.values(names).map((n) => el("th", { class: "num" }, n)), el("th", { class: "num" }, t("served"))),
      el("tr", {}, Object.keys(names).map((o) => el("td", { class: "num" }, r.outcomes[o])), el("td", { class: "num" }, r.accepted)));
  }

  departments(r) {
    return el("section", {}, el("h2", {}, t("department")),
      el("table", { id: "departments" }, r.departments.map((d) => el("tr", { "data-department": d.code },
        el("td", {}, this.depts[d.code] || t("none")), el("td", { class: "num" }, d.accepted)))));
  }

  ratings(r) {
    const levels = t("levels");
    const rated = LEVELS.reduce((sum, lv) => sum + (r.ratings_by_level[lv] || 0), 0);
    return el("section", {}, el("h2", {}, t("ratingsBreakdown")),
      el("table", { id: "ratings" },
        LEVELS.map((lv) => el("tr", { "data-level": lv }, el("td", {}, levels[lv]), el("td", { class: "num" }, r.ratings_by_level[lv] || 0))),
        el("tr", {}, el("th", {}, t("rated")), el("th", { class: "num" }, rated)),
        el("tr", {}, el("td", {}, t("satisfaction")), el("td", { class: "num" }, dash(r.satisfaction_pct, "%"))),
        el("tr", {}, el("td", {}, t("badRate")), el("td", { class: "num" }, dash(r.bad_rate_pct, "%")))));
  }

  table(id, title, rows, first) {
    const names = OUTCOMES[lang()];
    const head = el("tr", {}, first.map(([h]) => el("th", {}, h)), el("th", { class: "num" }, t("visits")),
      Object.values(names).map((n) => el("th", { class: "num" }, n)), el("th", { class: "num" }, t("noShows")),
      el("th", { class: "num" }, `${t("avgWait")} (${t("minutes")})`), el("th", { class: "num" }, t("handlingMean")),
      el("th", { class: "num" }, t("rated")), el("th", { class: "num" }, t("satisfaction")));
    const body = rows.map((row) => el("tr", {}, first.map(([, cell]) => el("td", {}, cell(row))),
      el("td", { class: "num" }, row.accepted), Object.keys(names).map((o) => el("td", { class: "num" }, row.outcomes[o])),
      el("td", { class: "num" }, row.no_shows), el("td", { class: "num" }, dash(row.mean_wait_min)),
      el("td", { class: "num" }, dash(row.mean_handling_min)), el("td", { class: "num" }, row.rated),
      el("td", { class: "num" }, dash(row.satisfaction_pct, "%"))));
    return el("section", {}, el("h2", {}, title),
      rows.length ? el("table", { id }, head, body) : el("p", { class: "muted" }, t("noData")));
  }

  windows(r) {
    return this.table("per-window", t("perWindow"), r.windows,
      [[t("window"), (w) => {
        const own = w.name ? name(w.name) : "";
        return own.includes(String(w.window)) ? own : own ? `${w.window} · ${own}` : String(w.window);
      }]]);
  }

  clerks(r) {
    return this.table("per-clerk", t("perClerk"), r.clerks,
      [[t("clerk"), (c) => el("span", { translate: "no" }, c.staff_name || t("none"))], [t("staffNo"), (c) => c.clerk]]);
  }

  signature() {
    const colon = lang() === "en" ? ": " : "：";
    const line = (label) => el("div", {}, label + colon, el("span", { class: "sign-line" }, " "));
    return el("section", { class: "signature", id: "signature" }, el("h2", {}, t("signature")),
      el("div", { class: "sign-grid" }, line(t("preparedBy")), line(t("approvedBy")), line(t("date"))));
  }
}

async function start() {
  const root = document.getElementById("app");
  await signedIn(root);
  await new ReportPage(root).load();
}

start().catch((err) => { document.body.append(el("p", { class: "error" }, String(err))); });
