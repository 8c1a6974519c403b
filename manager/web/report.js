// Daily and monthly reports in the seed document's wording, printable from the browser.
import { api, el, header, lang, name, signedIn, t } from "./common.js";

const OUTCOMES = {
  "zh-Hant": { immediate: "即辦件", promised: "承諾件", joint: "聯辦件", reply: "答復件", supplement: "補辦件" },
  "zh-Hans": { immediate: "即办件", promised: "承诺件", joint: "联办件", reply: "答复件", supplement: "补办件" },
  en: { immediate: "immediate", promised: "promised", joint: "joint", reply: "reply", supplement: "supplement" },
};

class ReportPage {
  constructor(root) {
    const params = new URLSearchParams(location.search);
    const today = new Date().toISOString().slice(0, 10);
    this.kind = el("select", { name: "kind" }, ["daily", "monthly"].map((k) =>
      el("option", { value: k, selected: k === (params.get("kind") || "daily") }, t(k))));
    this.day = el("input", { type: "date", name: "day", value: params.get("day") || today });
    this.month = el("input", { type: "month", name: "month", value: params.get("month") || today.slice(0, 7) });
    this.body = el("section", { id: "report" });
    root.replaceChildren(header("report"), el("main", {},
      el("section", { class: "controls" }, el("label", {}, t("report"), this.kind), el("label", {}, t("day"), this.day),
        el("label", {}, "YYYY-MM", this.month), el("button", { type: "button", id: "show", onclick: () => this.load() }, t("show")),
        el("button", { type: "button", onclick: () => window.print() }, t("print"))),
      this.body));
  }

  async load() {
    const r = this.kind.value === "daily" ? await api(`/api/reports/daily?day=${this.day.value}`)
      : await api(`/api/reports/monthly?month=${this.month.value}`);
    const hall = await api("/api/hall");
    const depts = Object.fromEntries(hall.departments.map((d) => [d.code, name(d.name)]));
    const names = OUTCOMES[lang()];
    this.body.replaceChildren(
      el("h1", {}, `${name(hall.center.name)} · ${t(r.kind === "daily" ? "daily" : "monthly")} ${r.from} – ${r.to}`),
      el("p", { class: "report-text", id: "report-text" }, r.text[lang()]),
      el("table", {}, el("tr", {}, Object.values(names).map((n) => el("th", { class: "num" }, n)), el("th", { class: "num" }, t("served"))),
        el("tr", {}, Object.keys(names).map((o) => el("td", { class: "num" }, r.outcomes[o])), el("td", { class: "num" }, r.accepted))),
      el("h2", {}, t("department")),
      el("table", {}, r.departments.map((d) => el("tr", {}, el("td", {}, depts[d.code] || d.code || "—"), el("td", { class: "num" }, d.accepted)))),
      el("p", { class: "muted" }, `${t("avgWait")}: ${r.mean_wait_min ?? "—"} ${t("minutes")} · ${t("sl")}: ${r.service_level_pct ?? "—"}%`));
    document.body.dataset.loaded = r.kind;
  }
}

async function start() {
  const root = document.getElementById("app");
  await signedIn(root);
  await new ReportPage(root).load();
}

start().catch((err) => { document.body.append(el("p", { class: "error" }, String(err))); });
