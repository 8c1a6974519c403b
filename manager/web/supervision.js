// Supervision cases: bad reviews (核實 → 整改 → 反饋 → 回訪, 申訴 and 複核), promised and joint cases,
// with their due dates and 電子監察 lights. A manager sees every department; a liaison only theirs
// (the server decides). Every step is sent to the server, which checks it and records who and when.
import { el, name } from "./common.js";
import { api, downloadCsv, st, supervisionHeader, whoSignedIn } from "./supervision-common.js";

const FIELDS = {
  verify: [], rectify: ["finding"], answer: ["rectification", "answer"], call_back: ["callback_result"],
  appeal: ["reason"], uphold: ["reason"], strike: ["reason"], done: [], extend: ["days", "reason"],
};
const RESULTS = ["satisfied", "dissatisfied", "unreachable", "no_contact"];

class CasesPage {
  constructor(root, me) {
    this.root = root;
    this.me = me;
    const params = new URLSearchParams(location.search);
    this.filters = { kind: params.get("kind") || "", open: params.get("open") || "", month: params.get("month") || "" };
    this.list = el("section", { id: "case-list" });
    this.panel = el("section", { id: "case", hidden: true });
    root.replaceChildren(supervisionHeader("cases", me),
      el("main", {}, this.controls(), el("div", { class: "case-layout" }, this.list, this.panel)));
  }

  controls() {
    const kind = el("select", { name: "kind" }, el("option", { value: "" }, st("all")),
      ...Object.entries(st("kinds")).map(([k, label]) => el("option", { value: k, selected: k === this.filters.kind }, label)));
    const open = el("input", { type: "checkbox", name: "open", checked: this.filters.open === "1" });
    const month = el("input", { type: "month", name: "month", value: this.filters.month });
    const show = () => {
      this.filters = { kind: kind.value, open: open.checked ? "1" : "", month: month.value };
      this.load().catch((err) => this.fail(err));
    };
    return el("section", { class: "controls" },
      el("label", {}, st("kind"), kind), el("label", {}, st("month"), month),
      el("label", {}, st("onlyOpen"), open),
      el("button", { type: "button", id: "show", onclick: show }, st("show")),
      el("button", { type: "button", id: "cases-csv", onclick: () => downloadCsv(`/api/supervision/cases.csv?${this.query()}`,
        "supervision-cases.csv") }, st("casesCsv")));
  }

  query() {
    return new URLSearchParams(Object.entries(this.filters).filter(([, v]) => v)).toString();
  }

  async load() {
    const data = await api("GET", `/api/supervision/cases?${this.query()}`);
    this.today = data.today;
    this.department = data.department; // a liaison's department view
    this.renderList(data.cases);
    document.body.dataset.loaded = String(data.cases.length);
  }

  renderList(cases) {
    const head = el("thead", {}, el("tr", {}, ...["light", "kind", "status", "department", "window", "ticket", "opened",
      "due", "level", "contact", ""].map((k) => el("th", {}, k ? st(k) : ""))));
    const rows = cases.map((c) => el("tr", { "data-case": c.id, "data-kind": c.kind, class: c.light ? `lit-${c.light}` : null },
      el("td", {}, c.light ? el("span", { class: `light ${c.light}` }, st("lights")[c.light]) : ""),
      el("td", {}, st("kinds")[c.kind] || c.kind), el("td", {}, st("statuses")[c.status] || c.status),
      el("td", {}, c.department), el("td", { class: "num" }, c.window ?? ""), el("td", {}, c.label || ""),
      el("td", {}, c.opened_day), el("td", {}, c.due_day),
      el("td", {}, c.level ? `${st("levels")[c.level] || c.level}${c.reason ? `：${c.reason}` : ""}` : (c.case_number || "")),
      el("td", {}, c.contact || ""),
      el("td", {}, el("button", { type: "button", class: "open", onclick: () => this.openCase(c.id) }, st("open")))));
    const scope = this.department ? ` · ${name(this.department.name)}` : "";
    this.list.replaceChildren(el("h1", { id: "cases-title" }, `${st("cases")}${scope} · ${this.today}`),
      cases.length ? el("table", { id: "cases" }, head, el("tbody", {}, rows)) : el("p", { class: "muted", id: "cases" }, st("noCases")));
  }

  async openCase(id) {
    const data = await api("GET", `/api/supervision/cases/${id}`);
    this.current = data;
    this.renderCase(data);
  }

  renderCase({ case: c, handler, steps, tasks, allowed }) {
    const row = (key, value) => (value === null || value === undefined || value === "" ? [] : [el("dt", {}, st(key)), el("dd", {}, value)]);
    this.panel.hidden = false;
    this.panel.replaceChildren(
      el("h2", {}, `${st("kinds")[c.kind]} #${c.id} · ${c.label || ""}`),
      el("dl", {},
        el("dt", {}, st("status")), el("dd", { class: "status" }, st("statuses")[c.status] || c.status),
        ...row("department", c.department), ...row("window", c.window), ...row("opened", c.opened_day),
        ...row("due", c.due_day), ...row("light", c.light ? st("lights")[c.light] : ""),
        ...row("level", c.level ? st("levels")[c.level] : ""), ...row("reason", c.reason),
        ...row("caseNumber", c.case_number), ...row("extensions", c.extensions || ""),
        ...row("contact", c.contact), ...row("handler", handler), ...row("finished", c.finished_day)),
      tasks.length ? el("div", {}, el("h3", {}, st("tasks")), el("ul", { id: "tasks" }, tasks.map((t) =>
        el("li", {}, `${t.department} · ${st("statuses")[t.status]} `,
          t.status === "open" ? el("button", { type: "button", onclick: () => this.send(t.id, "done", {}) }, st("actions").done) : ""))))
        : "",
      el("div", { class: "actions" }, allowed.map((action) => el("button", { type: "button", id: `act-${action}`,
        onclick: () => (FIELDS[action].length ? this.form(c.id, action) : this.send(c.id, action, {})) }, st("actions")[action]))),
      el("div", { id: "action-slot" }),
      el("div", { class: "error", id: "action-error", role: "alert" }),
      el("h3", {}, st("steps")),
      el("ol", { id: "steps" }, steps.map((s) => el("li", {},
        el("b", {}, st("actions")[s.action] || s.action), ` · ${s.staff} · ${s.at_local.slice(0, 16).replace("T", " ")}`,
        el("div", { class: "fields" }, Object.entries(s.fields).map(([k, v]) =>
          `${st("fields")[k] || k}：${k === "callback_result" ? st("results")[v] || v : v}`).join("\n"))))));
  }

  form(caseId, action) {
    const inputs = [...FIELDS[action], "note"].map((name) => {
      let input;
      if (name === "callback_result") {
        input = el("select", { id: `f-${name}` }, RESULTS.map((r) => el("option", { value: r }, st("results")[r])));
      } else if (name === "days") {
        input = el("input", { id: `f-${name}`, type: "number", min: "1", max: "60", value: "1" });
      } else {
        input = el("textarea", { id: `f-${name}`, maxlength: "1000" });
      }
      return [name, input];
    });
    const submit = () => {
      const fields = {};
      for (const [name, input] of inputs) {
        const value = name === "days" ? Number(input.value) : input.value.trim();
        if (value !== "" && !Number.isNaN(value)) fields[name] = value;
      }
      return this.send(caseId, action, fields);
    };
    document.getElementById("action-slot").replaceChildren(el("form", { id: "action-form" },
      el("b", {}, st("actions")[action]),
      inputs.map(([name, input]) => el("label", {}, st("fields")[name], input)),
      el("div", {}, el("button", { type: "button", id: "action-go", onclick: submit }, st("go")), " ",
        el("button", { type: "button", onclick: () => document.getElementById("action-slot").replaceChildren() }, st("cancel")))));
  }

  async send(caseId, action, fields) {
    const error = document.getElementById("action-error");
    try {
      await api("POST", `/api/supervision/cases/${caseId}/actions`, { action, ...fields });
    } catch (err) {
      if (error) error.textContent = `${err.code}: ${err.message}`;
      return;
    }
    await this.load();
    await this.openCase(this.current.case.kind === "joint" || caseId === this.current.case.id ? this.current.case.id : caseId);
  }

  fail(err) {
    this.list.replaceChildren(el("p", { class: "error" }, `${err.code || ""} ${err.message || err}`));
  }
}

async function start() {
  const root = document.getElementById("app");
  const me = await whoSignedIn(root);
  const page = new CasesPage(root, me);
  await page.load();
}

start().catch((err) => { document.body.append(el("p", { class: "error" }, String(err.message || err))); });
