// Statistics for a date range: charts (waits by hour, weekday × hour arrivals, trend over days,
// service level per service, windows compared), the figures table for one grouping, bad ratings,
// and CSV downloads. Every number comes from GET /api/stats (docs/stats.md defines them).
import { barChart, heatmap, lineChart } from "./charts.js";
import { api, downloadCsv, el, header, lang, minutes, name, percent, signedIn, t } from "./common.js";
import { textsFor } from "/counter/i18n.js";

const GROUPS = ["service", "window", "department", "clerk", "hour", "day", "weekday"];
const BAD_SHOWN = 50;
const CSV_TABLES = ["visits", "segments", "window_time", "ratings", "bad_ratings", "services", "windows",
  "departments", "staff"];

function isoDay(date) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function defaults() {
  const params = new URLSearchParams(location.search);
  const to = params.get("to") || isoDay(new Date());
  const from = params.get("from") || isoDay(new Date(Date.parse(to) - 29 * 86400000));
  return { from, to, group: params.get("group_by") || "service" };
}

const m = (s) => (s === null || s === undefined ? null : s / 60);

class StatsPage {
  constructor(root) {
    const d = defaults();
    this.from = el("input", { type: "date", name: "from", value: d.from });
    this.to = el("input", { type: "date", name: "to", value: d.to });
    this.group = el("select", { name: "group_by" }, GROUPS.map((g) => el("option", { value: g, selected: g === d.group }, t(g) || g)));
    this.table = el("select", { name: "table" }, [...CSV_TABLES, `stats_${d.group}`].map((x) =>
      el("option", { value: x }, t("csvTables")[x] || `${t("csvTables").stats} · ${t(d.group)}`)));
    const show = el("button", { type: "button", id: "show", onclick: () => this.load() }, t("show"));
    const csv = el("button", { type: "button", id: "csv", onclick: () => this.download() }, t("download"));
    this.body = el("div", { id: "results" });
    root.replaceChildren(header("stats"), el("main", {},
      el("section", { class: "controls" }, el("label", {}, t("from"), this.from), el("label", {}, t("to"), this.to),
        el("label", {}, t("groupBy"), this.group), show, el("label", {}, "CSV", this.table), csv),
      this.body));
  }

  range() {
    return `from=${this.from.value}&to=${this.to.value}`;
  }

  async load() {
    const r = this.range();
    const [total, hour, day, service, window, wh, chosen, bad] = await Promise.all([
      api(`/api/stats?${r}`), api(`/api/stats?${r}&group_by=hour`), api(`/api/stats?${r}&group_by=day`),
      api(`/api/stats?${r}&group_by=service`), api(`/api/stats?${r}&group_by=window`),
      api(`/api/stats?${r}&group_by=weekday_hour`), api(`/api/stats?${r}&group_by=${this.group.value}`),
      api(`/api/ratings/bad?${r}`)]);
    this.services = this.services || Object.fromEntries((await api("/api/hall")).services.map((x) => [x.code, x]));
    this.staff = this.staff || Object.fromEntries((await api("/api/staff")).staff.map((x) => [x.number, x.name]));
    this.body.replaceChildren(
      this.summary(total.groups[0]),
      el("div", { class: "grid2", id: "charts" },
        el("section", {}, el("h2", {}, t("waitsByHour")), this.waitsByHour(hour.groups)),
        el("section", {}, el("h2", {}, t("heatmap")), this.heat(wh.groups)),
        el("section", {}, el("h2", {}, t("trend")), this.trend(day.groups)),
        el("section", {}, el("h2", {}, t("slByService")), this.serviceLevels(service.groups)),
        el("section", {}, el("h2", {}, t("windowsCompared")), this.windowsCompared(window.groups))),
      el("section", {}, el("h2", {}, `${t("groupBy")}: ${t(this.group.value)}`), this.figures(chosen.groups)),
      el("section", {}, el("h2", {}, t("badRatings")), this.badList(bad.ratings)));
    document.body.dataset.loaded = `${this.from.value}/${this.to.value}`;
  }

  async download() {
    const table = this.table.value;
    await downloadCsv(`/api/export/${table}.csv?${this.range()}`, `hallq-${table}-${this.from.value}-${this.to.value}.csv`);
  }

  summary(f) {
    if (!f) return el("section", {}, t("noData"));
    const tile = (label, value, title) => el("div", { class: "tile", title }, label, el("b", {}, value));
    const rateTitle = (fig) => `${fig.numerator} / ${fig.denominator}`;
    return el("section", { id: "summary" }, el("div", { class: "tiles" },
      tile(t("issued"), f.counts.issued), tile(t("served"), f.counts.served),
      tile(`${t("avgWait")} (${t("minutes")})`, minutes(f.wait_served.mean_s), `p50 ${minutes(f.wait_served.p50_s)} · p90 ${minutes(f.wait_served.p90_s)}`),
      tile(t("sl"), percent(f.service_level), rateTitle(f.service_level)),
      tile(t("strictSl"), percent(f.strict_service_level), rateTitle(f.strict_service_level)),
      tile(t("satisfaction"), percent(f.satisfaction_rate), rateTitle(f.satisfaction_rate)),
      tile(t("immediateShare"), percent(f.outcomes.immediate), rateTitle(f.outcomes.immediate))));
  }

  waitsByHour(groups) {
    const rows = groups.map((g) => ({ label: `${g.key}`, values: [m(g.wait_served.mean_s), m(g.wait_served.p90_s)] }));
    return barChart({ title: t("waitsByHour"), rows, series: [`${t("mean")}`, "p90"], format: (v) => v.toFixed(0) });
  }

  heat(groups) {
    const seen = groups.map((g) => g.key % 100);
    const first = Math.min(8, ...seen), last = Math.max(18, ...seen);
    const hours = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const cells = [0, 1, 2, 3, 4, 5, 6].map((wd) => hours.map((h) => {
      const g = groups.find((x) => x.key === wd * 100 + h);
      return g ? g.counts.issued : 0;
    }));
    return heatmap({ title: t("heatmap"), cells, rowLabels: t("weekdays"), colLabels: hours.map(String) });
  }

  trend(groups) {
    const rows = groups.map((g) => ({ label: g.key.slice(5), values: [g.counts.issued, g.counts.served] }));
    return lineChart({ title: t("trend"), rows, series: [t("arrivals"), t("served_label")] });
  }

  serviceLevels(groups) {
    const rows = groups.map((g) => ({ label: this.serviceLabel(g.key, true), values: [g.service_level.value === null ? null : g.service_level.value * 100,
      g.strict_service_level.value === null ? null : g.strict_service_level.value * 100] }));
    return barChart({ title: t("slByService"), rows, series: [t("sl"), t("strictSl")], max: 100, format: (v) => `${v.toFixed(0)}%` });
  }

  windowsCompared(groups) {
    const rows = groups.filter((g) => g.key !== null).slice(0, 40).map((g) => ({ label: String(g.key),
      values: [g.counts.served, g.utilisation && g.utilisation.value !== null ? g.utilisation.value * 100 : null] }));
    // counts on the left axis, utilisation % on its own right axis (0-100 %): never one scale for both
    return barChart({ title: t("windowsCompared"), rows, series: [t("served"), `${t("utilisation")} %`],
      secondary: { series: 1, max: 100, format: (v) => `${v.toFixed(0)}%` } });
  }

  serviceLabel(code, short) {
    const s = this.services[code];
    if (!s) return String(code ?? "—");
    return short ? s.prefix : `${s.prefix} ${name(s.name)}`;
  }

  figures(groups) {
    const keyText = (g) => (this.group.value === "service" ? this.serviceLabel(g.key, false)
      : this.group.value === "clerk" ? this.clerkName(g.key) : g.key ?? "—");
    const cols = [
      [t(this.group.value), keyText],
      [t("issued"), (g) => g.counts.issued], [t("served"), (g) => g.counts.served],
      [`${t("avgWait")} ${t("mean")}/p50/p90`, (g) => `${minutes(g.wait_served.mean_s)} / ${minutes(g.wait_served.p50_s)} / ${minutes(g.wait_served.p90_s)}`],
      [`${t("walking")} (${t("minutes")})`, (g) => minutes(g.walking.mean_s)],
      [`${t("handling")} ${t("mean")}/p90`, (g) => `${minutes(g.handling.mean_s)} / ${minutes(g.handling.p90_s)}`],
      [t("sl"), (g) => percent(g.service_level)], [t("strictSl"), (g) => percent(g.strict_service_level)],
      [t("noShows"), (g) => percent(g.no_show_rate)], [t("walkOuts"), (g) => percent(g.walk_out_rate)],
      [t("utilisation"), (g) => percent(g.utilisation)],
      [t("throughput"), (g) => (g.throughput_per_hour === null ? "—" : g.throughput_per_hour.toFixed(1))],
      [t("satisfaction"), (g) => percent(g.satisfaction_rate)],
    ];
    return el("table", { id: "figures" }, el("tr", {}, cols.map(([h]) => el("th", {}, h))),
      groups.map((g) => el("tr", {}, cols.map(([, f], i) => el("td", { translate: i === 0 && this.group.value === "clerk" ? "no" : null }, f(g) ?? "—")))));
  }

  badList(all) {
    if (!all.length) return el("p", { class: "muted" }, t("noData"));
    const ratings = all.slice(0, BAD_SHOWN);  // the full list: CSV bad_ratings
    return el("table", { id: "bad" }, el("tr", {}, [t("day"), t("ticket"), t("service"), t("window"), t("clerk"), t("level"), t("reason")].map((h) => el("th", {}, h))),
      ratings.map((r) => el("tr", {}, [r.day, r.label, this.serviceLabel(r.service, false), r.window, this.clerkName(r.staff),
        t("levels")[r.rating] || "", translateReason(r.rating_reason || "")].map((v, i) =>
        el("td", { translate: i === 4 || i === 6 ? "no" : null }, v)))));
  }

  clerkName(number) {
    if (number === null || number === undefined) return "—";
    return this.staff[number] ? `${this.staff[number]} (${number})` : String(number);
  }
}

// The pad's preset reasons in all three languages -> the same phrase in the manager's language; a
// citizen's own words stay as written. Reasons are stored as the phrases joined with "；".
const REASON_KEYS = ["rs_wait", "rs_attitude", "rs_unclear", "rs_repeat", "rs_slow"];

function translateReason(text) {
  const mine = textsFor(lang());
  const known = new Map();
  for (const l of ["zh-Hans", "zh-Hant", "en"]) for (const key of REASON_KEYS) known.set(textsFor(l)[key], mine[key]);
  return text.split("；").map((part) => known.get(part.trim()) || part).join("；");
}

async function start() {
  const root = document.getElementById("app");
  await signedIn(root);
  const page = new StatsPage(root);
  await page.load();
}

start().catch((err) => { document.body.append(el("p", { class: "error" }, String(err))); });
