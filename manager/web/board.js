// Live board: alarms first (a queue past its action threshold, a printer fault, a device offline),
// then today's totals, queues against their thresholds, every window, and devices grouped by kind
// with faults first. Fits one 1440x900 screen and grows with a wall screen. Live over the hub:
// every event or device status triggers one refresh of GET /api/stats/live (debounced); between
// refreshes a one-second timer ages the clocks. Alarms can sound (a toggle, since browsers allow
// sound only after a click).
import { HubClient } from "/common/hub.js";
import { api, duration, el, header, lang, minutes, name, percent, signedIn, t, token } from "./common.js";

const REFRESH_DEBOUNCE_MS = 150;
const KIND_ORDER = ["kiosk", "display", "counter", "rating_pad"];
const PRINTER_FAULTS = ["paper_out", "offline", "error", "cover_open"];

class Board {
  constructor(root) {
    this.root = root;
    this.data = null;
    this.fetchedAt = 0;
    this.timer = null;
    this.audio = null; // AudioContext once the manager turned alarm sound on
    this.heard = new Set(); // alarms already sounded
    this.status = el("span", { class: "muted", id: "hub-status" });
    this.body = el("main", { id: "board", class: "board" });
    root.replaceChildren(header("board"), this.body);
  }

  async refresh() {
    this.data = await api("/api/stats/live");
    this.supervision = await api("/api/supervision/board").catch(() => null); // overdue cases stand out
    this.link = await api("/api/city/link").catch(() => null);  // the city link's state (docs/city.md)
    this.fetchedAt = performance.now();
    this.render();
    this.sound(this.alarms(this.data));
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
    // replaceChildren would print a null child (no supervision lights) as the text "null"
    this.body.replaceChildren(...[
      this.alarmBar(this.alarms(d)),
      el("section", { class: "head" }, el("h1", {}, `${t("board")} · ${d.day} `, this.status), this.totals(d.totals),
        cityLink(this.link)),
      this.lights(this.supervision),
      el("div", { class: "grid3" }, this.queues(d.queues), this.windows(d.windows), this.devices(d.devices)),
    ].filter(Boolean));
    this.body.dataset.seq = d.seq;
  }

  // --- alarms ------------------------------------------------------------------------------------

  /** [{key, text}] for everything that needs a manager now. */
  alarms(d) {
    const out = [];
    for (const q of d.queues) {
      if (q.level === "action" && q.waiting) {
        out.push({ key: `queue:${q.service}`, text: t("alarmQueue", `${q.prefix} ${name(q.name)}`, Math.floor(q.longest_wait_s / 60)) });
      }
    }
    for (const dev of d.devices) {
      const label = `${this.kindName(dev.kind)} ${dev.device}`;
      if (!dev.online && dev.at) { // was connected, then lost: an agent or screen down (its printer state is stale)
        out.push({ key: `offline:${dev.device}`, text: t("alarmOffline", label) });
      } else if (dev.printer && PRINTER_FAULTS.includes(dev.printer)) {
        out.push({ key: `printer:${dev.device}:${dev.printer}`, text: t("alarmPrinter", label, this.printerName(dev.printer)) });
      }
    }
    return out;
  }

  alarmBar(alarms) {
    const toggle = el("button", { type: "button", id: "alarm-sound", "aria-pressed": String(Boolean(this.audio)),
      onclick: () => this.toggleSound() }, `${t("alarmSound")}: ${this.audio ? t("soundOn") : t("soundOff")}`);
    return el("section", { class: alarms.length ? "alarms on" : "alarms", id: "alarms", role: "alert",
      "data-count": alarms.length },
    el("h2", {}, `${t("alarms")} (${alarms.length})`),
    alarms.length ? el("ul", {}, alarms.map((a) => el("li", { "data-alarm": a.key }, a.text))) : el("span", {}, t("noAlarms")),
    toggle);
  }

  toggleSound() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (this.audio) {
      this.audio.close();
      this.audio = null;
    } else if (Ctx) {
      this.audio = new Ctx();
      this.audio.resume();
    }
    this.render();
  }

  /** A short double tone for each alarm not heard before (if the manager turned sound on). */
  sound(alarms) {
    const fresh = alarms.filter((a) => !this.heard.has(a.key));
    for (const a of alarms) this.heard.add(a.key);
    document.body.dataset.alarmsHeard = String(this.heard.size);
    if (!fresh.length || !this.audio || this.audio.state !== "running") return;
    for (const at of [0, 0.4]) {
      const osc = this.audio.createOscillator();
      const gain = this.audio.createGain();
      osc.frequency.value = 660;
      gain.gain.setValueAtTime(0.25, this.audio.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, this.audio.currentTime + at + 0.3);
      osc.connect(gain).connect(this.audio.destination);
      osc.start(this.audio.currentTime + at);
      osc.stop(this.audio.currentTime + at + 0.3);
    }
  }

  // --- panels ------------------------------------------------------------------------------------

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
    const shown = queues.filter((q) => q.issued > 0 || q.waiting > 0);
    const rows = shown.map((q) =>
      el("tr", { class: `level-${q.level}`, "data-service": q.service },
        el("td", {}, `${q.prefix} ${name(q.name)}`), el("td", { class: "num" }, q.waiting),
        el("td", { class: "num", "data-age": q.waiting ? q.longest_wait_s : "" }, q.waiting ? duration(this.aged(q.longest_wait_s)) : "—"),
        el("td", { class: "num muted" }, `${q.warning_wait_min}/${q.action_wait_min}`)));
    return el("section", {}, el("h2", {}, t("waiting")),
      el("table", { id: "queues" }, el("tr", {}, el("th", {}, t("service")), el("th", { class: "num" }, t("waiting")),
        el("th", { class: "num" }, t("longest")), el("th", { class: "num" }, `${t("minutes")} ⚠/⛔`)), rows),
      shown.length ? null : el("p", { class: "muted" }, t("noData")));
  }

  windows(windows) {
    const rows = windows.map((w) => el("tr", { "data-window": w.number },
      el("td", {}, w.number), el("td", {}, el("span", { class: `badge ${w.status}` }, t(w.status)), " ", w.pause_reason || ""),
      el("td", { translate: "no" }, w.staff ? w.staff.name : ""),
      el("td", { class: "ticket" }, w.ticket ? `${w.ticket.label} ${t("ticketStates")[w.ticket.status] || ""}` : ""),
      el("td", { class: "num" }, duration(this.aged(w.ticket ? w.ticket.since_s : w.status_for_s)))));
    const clerks = windows.filter((w) => w.staff);
    return el("section", {}, el("h2", {}, t("window")),
      el("table", { id: "windows" }, el("tr", {}, el("th", {}, t("window")), el("th", {}, t("status")),
        el("th", {}, t("clerk")), el("th", {}, t("ticket")), el("th", { class: "num" }, t("since"))), rows),
      el("p", { class: "muted", id: "clerks" }, `${t("clerks")} (${clerks.length})`,
        clerks.length ? (lang() === "en" ? ": " : "：") : "",
        el("span", { translate: "no" }, clerks.map((w) => `${w.staff.name} · ${w.number}`).join(lang() === "en" ? ", " : "、"))));
  }

  kindName(kind) {
    return t("kinds")[kind] || "";
  }

  printerName(state) {
    return t("printerStates")[state] || state;
  }

  /**
   * One line per kind ("叫号屏 8/10 在线"); under it, in colour and first, devices with a fault (lost
   * after being connected, or a printer fault); devices never connected since the server started
   * are only counted (opened on demand), so a quiet hall does not fill the screen with red.
   */
  devices(devices) {
    const groups = KIND_ORDER.map((kind) => {
      const list = devices.filter((d) => d.kind === kind);
      const faulty = list.filter((d) => (!d.online && d.at) || (d.online && d.printer && d.printer !== "ready"));
      const unseen = list.filter((d) => !d.online && !d.at);
      const online = list.filter((d) => d.online).length;
      const summary = online === list.length ? t("allOnline", list.length) : t("onlineOf", online, list.length);
      return { kind, list, faulty, unseen, summary };
    }).filter((g) => g.list.length);
    groups.sort((a, b) => Number(b.faulty.length > 0) - Number(a.faulty.length > 0));
    const line = (g) => el("li", { "data-kind": g.kind, class: g.faulty.length ? "fault" : "" },
      el("b", {}, this.kindName(g.kind)), " ", el("span", { class: "muted" }, g.summary),
      g.faulty.length ? el("ul", {}, g.faulty.map((d) => el("li", { "data-device": d.device, class: "bad" },
        el("span", { translate: "no" }, d.device), " · ",
        !d.online ? t("offline") : `${t("printer")} ${this.printerName(d.printer)}`))) : null,
      g.unseen.length ? el("details", { class: "unseen" }, el("summary", {}, t("unseen", g.unseen.length)),
        el("span", { translate: "no" }, g.unseen.map((d) => d.device).join(", "))) : null);
    return el("section", {}, el("h2", {}, t("devices")), el("ul", { class: "devices", id: "devices" }, groups.map(line)));
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
    onStatus: (state) => { board.status.textContent = `● ${t(state)}`; document.body.dataset.hub = state; },
  });
  hub.start();
  setInterval(() => board.tick(), 1000);
  setInterval(() => board.refreshLink(), 5000);
}

start().catch((err) => { document.body.append(el("p", { class: "error" }, String(err))); });
