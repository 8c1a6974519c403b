// Live board: queues against their thresholds, every window, clerks, devices and today's totals.
// Live over the hub (/common/hub.js): every event or device status triggers one refresh of
// GET /api/stats/live (debounced); between refreshes a local one-second timer ages the clocks.
// No polling of the server.
import { HubClient } from "/common/hub.js";
import { api, duration, el, header, lang, minutes, name, percent, signedIn, t, token } from "./common.js";

const REFRESH_DEBOUNCE_MS = 150;

class Board {
  constructor(root) {
    this.root = root;
    this.data = null;
    this.fetchedAt = 0;
    this.timer = null;
    this.status = el("span", { class: "muted", id: "hub-status" });
    this.body = el("main", { id: "board" });
    root.replaceChildren(header("board"), this.body);
  }

  async refresh() {
    this.data = await api("/api/stats/live");
    this.supervision = await api("/api/supervision/board").catch(() => null); // overdue cases stand out
    this.link = await api("/api/city/link").catch(() => null);  // the city link's state (docs/city.md)
    this.fetchedAt = performance.now();
    this.render();
  }

  async refreshLink() {  // the link moves without hall events (catching up, the city going away)
    this.link = await api("/api/city/link").catch(() => null);
    if (this.data) this.render();
  }

  soon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh().catch(console.error), REFRESH_DEBOUNCE_MS);
  }

  aged(seconds) {
    return seconds === null || seconds === undefined ? null : seconds + (performance.now() - this.fetchedAt) / 1000;
  }

  render() {
    const d = this.data;
    this.body.replaceChildren(
      el("section", {}, el("h1", {}, `${t("board")} · ${d.day} `, this.status), this.totals(d.totals),
        cityLink(this.link)),
      this.lights(this.supervision),
      el("div", { class: "grid2" }, this.queues(d.queues), this.windows(d.windows)),
      el("div", { class: "grid2" }, this.clerks(d.clerks), this.devices(d.devices)),
    );
    this.body.dataset.seq = d.seq;
  }

  totals(f) {
    if (!f) return el("p", { class: "muted" }, t("noData"));
    const tile = (label, value) => el("div", { class: "tile" }, label, el("b", {}, value));
    return el("div", { class: "tiles", id: "totals" },
      tile(t("issued"), f.counts.issued), tile(t("served"), f.counts.served),
      tile(t("noShows"), f.counts.no_shows), tile(t("walkOuts"), f.counts.walk_outs),
      tile(`${t("avgWait")} (${t("minutes")})`, minutes(f.wait_served.mean_s)),
      tile(t("sl"), percent(f.service_level)), tile(t("satisfaction"), percent(f.satisfaction_rate)));
  }

  /** Supervision cases due today (yellow) and overdue (red), the 電子監察 lights; details on supervision.html. */
  lights(sv) {
    if (!sv || !(sv.overdue || sv.due_today)) return null;
    const words = { "zh-Hant": ["督辦：已超期", "今日到期"], "zh-Hans": ["督办：已超期", "今日到期"], en: ["Cases overdue", "due today"] };
    const [overdue, dueToday] = words[lang()];
    return el("section", { id: "supervision-lights", class: sv.overdue ? "level-action" : "level-warning" },
      el("a", { href: "supervision.html?open=1" }, `${overdue} ${sv.overdue} · ${dueToday} ${sv.due_today}`));
  }

  queues(queues) {
    const rows = queues.filter((q) => q.issued > 0 || q.waiting > 0).map((q) =>
      el("tr", { class: `level-${q.level}`, "data-service": q.service },
        el("td", {}, `${q.prefix} ${name(q.name)}`), el("td", { class: "num" }, q.waiting),
        el("td", { class: "num", "data-age": q.waiting ? q.longest_wait_s : "" }, q.waiting ? duration(this.aged(q.longest_wait_s)) : "—"),
        el("td", { class: "num muted" }, `${q.warning_wait_min}/${q.action_wait_min}`)));
    return el("section", {}, el("h2", {}, t("waiting")),
      el("table", { id: "queues" }, el("tr", {}, el("th", {}, t("service")), el("th", { class: "num" }, t("waiting")),
        el("th", { class: "num" }, t("longest")), el("th", { class: "num" }, `${t("minutes")} ⚠/⛔`)), rows));
  }

  windows(windows) {
    const rows = windows.map((w) => el("tr", { "data-window": w.number },
      el("td", {}, w.number), el("td", {}, el("span", { class: `badge ${w.status}` }, t(w.status)), " ", w.pause_reason || ""),
      el("td", {}, w.staff ? w.staff.name : ""),
      el("td", { class: "ticket" }, w.ticket ? `${w.ticket.label} (${w.ticket.status})` : ""),
      el("td", { class: "num" }, duration(this.aged(w.ticket ? w.ticket.since_s : w.status_for_s)))));
    return el("section", {}, el("h2", {}, t("window")),
      el("table", { id: "windows" }, el("tr", {}, el("th", {}, t("window")), el("th", {}, t("status")),
        el("th", {}, t("clerk")), el("th", {}, t("ticket")), el("th", { class: "num" }, t("since"))), rows));
  }

  clerks(clerks) {
    return el("section", {}, el("h2", {}, `${t("clerks")} (${clerks.length})`),
      el("ul", { id: "clerks" }, clerks.map((c) => el("li", {}, `${c.name} · ${t("window")} ${c.window}`))));
  }

  devices(devices) {
    const rows = devices.map((d) => {
      const printer = d.printer && d.printer !== "ready" ? "problem" : "";
      return el("tr", { "data-device": d.device }, el("td", {}, d.device), el("td", {}, d.kind),
        el("td", {}, el("span", { class: `badge ${d.online ? "online" : "offline"}` }, d.online ? t("online") : t("offline"))),
        el("td", {}, d.printer ? el("span", { class: `badge ${printer || "online"}` }, d.printer) : ""));
    });
    return el("section", {}, el("h2", {}, t("devices")),
      el("table", { id: "devices" }, el("tr", {}, el("th", {}, t("devices")), el("th", {}, ""),
        el("th", {}, t("status")), el("th", {}, t("printer"))), rows));
  }

  tick() {
    if (this.data) this.render();
  }
}

// The city link, one line under the totals: up to date, N events behind, last contact, or why it stopped.
const CITY_TEXT = {
  "zh-Hant": { city: "市中心連線", up_to_date: "已同步", behind: "落後", connecting: "連線中", unreachable: "無法連線",
    stopped: "已停止", events: "筆事件", contact: "最後聯絡", ago: "秒前" },
  "zh-Hans": { city: "市中心连接", up_to_date: "已同步", behind: "落后", connecting: "连接中", unreachable: "无法连接",
    stopped: "已停止", events: "条事件", contact: "最后联络", ago: "秒前" },
  en: { city: "City link", up_to_date: "up to date", behind: "behind", connecting: "connecting", unreachable: "unreachable",
    stopped: "stopped", events: "events", contact: "last contact", ago: "s ago" },
};

function cityLink(link) {
  if (!link || link.status === "off") return null;
  const tx = CITY_TEXT[lang()] || CITY_TEXT["zh-Hant"];
  const badge = { up_to_date: "online", behind: "paused", connecting: "offline" }[link.status] || "problem";
  const parts = [`${tx.city}: `, el("span", { class: `badge ${badge}` }, tx[link.status] || link.status)];
  if (link.behind) parts.push(` ${tx.behind} ${link.behind} ${tx.events}`);
  if (link.last_contact_age_s !== null) parts.push(` · ${tx.contact} ${Math.round(link.last_contact_age_s)} ${tx.ago}`);
  if (link.error && link.status !== "up_to_date") parts.push(el("div", { class: "error" }, `${link.error_code}: ${link.error}`));
  return el("p", { id: "city-link", "data-status": link.status }, ...parts);
}

async function start() {
  const root = document.getElementById("app");
  await signedIn(root);
  const board = new Board(root);
  await board.refresh();
  const hub = new HubClient({
    token: token(), scope: {},
    onSnapshot: () => board.soon(),
    onEvent: () => board.soon(),
    onMessage: (m) => { if (m.type === "device_status") board.soon(); },
    onStatus: (state) => { board.status.textContent = `● ${state}`; document.body.dataset.hub = state; },
  });
  hub.start();
  setInterval(() => board.tick(), 1000);
  setInterval(() => board.refreshLink(), 5000);
}

start().catch((err) => { document.body.append(el("p", { class: "error" }, String(err))); });
