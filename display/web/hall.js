// Hall display (docs/operations.md "Hall displays and speakers"): every window's current ticket,
// the call being made now in big type, the last calls, the missed numbers (過號), waiting per
// service, paused/closed windows, date and clock, the notice line; plays the announcements.
// Sized to be read across a hall (docs/operations.md "Reading distance"): window tiles never get
// smaller than MIN_TILE_VH of the screen; windows that do not fit are shown in pages.
// Follows the hub (docs/protocol.md) and reconnects by itself.
// Options: ?zone= ?lang= ?langs= ?rotate_s= ?page_s= ?voice=off ?sound=off ?max_age_s= ?backoff_ms=
//
// Unknown event or message types are logged and counted (window.__hallq.unknown), not thrown: a
// screen on a wall has nobody to read an exception, and a newer server adding an event type must
// not stop an older cached page from showing calls. The browser tests assert the count stays 0.

import { HubClient, api, deviceToken, el } from "/common/hub.js";
import { Announcer } from "./announcer.js";
import { HallModel } from "./model.js";
import {
  LABELS, ServerClock, bannerState, fill, formatDate, formatTime, keepInTouch, pageOptions, pick, renderBanner,
  renderTicker, rotateLanguages, trimToFit, windowName,
} from "./screen.js";

const FLASH_MS = 8000;
const RECENT_SHOWN = 6;
const QUEUES_SHOWN = 9; // three rows of three below the tiles: a big hall shows its longest queues
const RECOUNT_DELAY_MS = 500;
const MISSED_REFRESH_MS = 15000; // missed numbers leave the list when their return time has passed
const TILE_ASPECT = 1.5;
const MIN_TILE_VH = 10.5; // ≥ 110 px on a 1080-line panel: readable at about 12 m on a 55-inch screen
const MIN_TILE_VW = 8;
const PAGE_MS = 12000;
const PORTRAIT = matchMedia("(orientation: portrait)");

const $ = (id) => document.getElementById(id);

class HallDisplay {
  constructor(options, token) {
    this.options = options;
    this.token = token;
    this.lang = options.langs[0];
    this.clock = new ServerClock();
    this.model = null;
    this.tiles = new Map();
    this.page = 0;
    this.pages = 1;
    this.pageSize = 1;
    this.pageTimer = null;
    this.missedAt = 0;
    this.flashing = null;
    this.recountTimer = null;
    // a call older than maxAgeS (server clock) is shown but not announced: after a reconnect the
    // replay brings the calls missed while offline, and reading out a number called minutes ago
    // would send citizens to windows that have moved on (docs/voice.md "Stale calls and backlogs")
    this.announcer = new Announcer({
      voice: options.voice, sound: options.sound, onState: (s) => this.renderSound(s),
      nowS: () => this.clock.nowMs() / 1000, maxAgeS: options.maxAgeS ?? undefined,
    });
    this.record = { played: this.announcer.played, skipped: this.announcer.skipped, unknown: [], status: "connecting",
      seq: null, attempts: 0 };
    Object.defineProperty(this.record, "queueLength", { get: () => this.announcer.queue.length });
    window.__hallq = this.record;
    this.client = new HubClient({
      token, scope: options.zone ? { zone: options.zone } : {},
      backoffStartMs: options.backoffStartMs, backoffMaxMs: options.backoffMaxMs,
      onAuth: (auth) => this.onAuth(auth), onSnapshot: (snapshot) => this.onSnapshot(snapshot),
      onEvent: (event, seq) => this.onEvent(event, seq), onMessage: (message) => this.onMessage(message),
      onStatus: (state) => this.onStatus(state),
    });
  }

  start() {
    document.addEventListener("click", () => this.announcer.unlock());
    // the tiles' room changes with the window and with the waiting list below them
    new ResizeObserver(() => this.fitGrid()).observe(document.querySelector(".tiles-wrap"));
    rotateLanguages(this.options.langs, this.options.rotateMs, (lang) => this.setLanguage(lang));
    setInterval(() => this.renderClock(), 1000);
    keepInTouch(this.client, this.clock);
    this.client.start();
  }

  // --- hub callbacks ----------------------------------------------------------------------------

  onAuth(auth) {
    this.clock.heard(auth.server_time);
    if (!this.options.zone && auth.zone) this.client.options.scope = { zone: auth.zone };
  }

  onSnapshot(snapshot) {
    this.model = new HallModel(snapshot);
    this.clock.heard(snapshot.server_time);
    this.buildTiles();
    this.renderAll();
  }

  onEvent(event, seq) {
    this.record.seq = seq;
    if (!this.model) return;
    const changed = this.model.apply(event, seq);
    if (changed === null) return this.unknown("event", event.type);
    if (changed.reload) return this.client.resubscribe();
    changed.windows.forEach((number) => this.renderTile(number));
    if (changed.services) this.renderQueues();
    if (changed.calls) this.renderRecent();
    if (changed.missed) this.renderMissed();
    if (changed.call) this.newCall(changed.call);
    if (changed.recount) this.scheduleRecount();
  }

  onMessage(message) {
    if (message.type === "notice") {
      if (this.model) this.model.notice = message.text;
      return this.renderTicker();
    }
    if (message.type === "device_status") return; // for the manager board
    this.unknown("message", message.type);
  }

  onStatus(state) {
    this.record.status = state;
    if (state === "connecting") this.record.attempts += 1; // counted: a state this brief can be missed
    this.wasOnline = this.wasOnline || state === "online";
    this.connection = bannerState(state, this.wasOnline);
    renderBanner($("banner"), this.connection, this.lang);
  }

  unknown(kind, type) {
    this.record.unknown.push(`${kind}:${type}`);
    console.warn(`hall display: ignoring unknown ${kind} type`, type);
  }

  /** A cancel or a walk-out may or may not have left a queue: ask the server for the counts. */
  scheduleRecount() {
    clearTimeout(this.recountTimer);
    this.recountTimer = setTimeout(() => this.recount(), RECOUNT_DELAY_MS);
  }

  async recount() {
    const zone = this.client.options.scope.zone;
    try {
      const hall = await api("GET", zone ? `/api/hall?zone=${encodeURIComponent(zone)}` : "/api/hall", this.token);
      for (const fresh of hall.services) {
        const service = this.model.services.get(fresh.code);
        if (service) service.waiting = fresh.waiting;
      }
      this.renderQueues();
    } catch (err) {
      console.warn("recount failed", err);
    }
  }

  // --- calls -------------------------------------------------------------------------------------

  newCall(call) {
    this.showPageOf(call.window);
    this.flash(call);
    this.announcer.enqueue(call.seq, call.announcement, { window: call.window, epoch: call.epoch, label: call.label });
  }

  flash(call) {
    if (this.flashing) this.stopFlash();
    const tile = this.tiles.get(call.window);
    this.flashing = { seq: call.seq, window: call.window, timer: setTimeout(() => this.stopFlash(), FLASH_MS) };
    for (const node of [tile && tile.root, $("hero")]) {
      if (!node) continue;
      node.classList.remove("flash");
      void node.offsetWidth; // restart the animation
      node.classList.add("flash");
    }
  }

  stopFlash() {
    clearTimeout(this.flashing.timer);
    const tile = this.tiles.get(this.flashing.window);
    if (tile) tile.root.classList.remove("flash");
    $("hero").classList.remove("flash");
    this.flashing = null;
  }

  // --- rendering ---------------------------------------------------------------------------------

  setLanguage(lang) {
    this.lang = lang;
    document.documentElement.lang = lang;
    if (this.model) this.renderAll();
    renderBanner($("banner"), this.connection || "connecting", lang);
    this.renderSound(this.announcer.current);
  }

  renderAll() {
    const t = LABELS[this.lang];
    fill($("center-name"), pick(this.model.center.name, this.lang));
    const zone = this.model.scope.zone;
    $("zone").hidden = !zone;
    fill($("zone"), zone || "");
    fill($("hero-title"), t.nowCalling);
    fill($("recent-title"), t.lastCalls);
    fill($("queues-title"), t.waiting);
    fill($("missed-title"), t.missed);
    this.model.windows.forEach((_, number) => this.renderTile(number));
    this.renderRecent();
    this.renderMissed();
    this.renderQueues();
    this.renderTicker();
    this.renderClock();
    this.renderPageNo();
  }

  buildTiles() {
    this.tiles.clear();
    const nodes = [...this.model.windows.keys()].sort((a, b) => a - b).map((number) => {
      const tile = {
        number: el("span", { class: "tile-no" }, String(number)), name: el("span", { class: "tile-name" }),
        ticket: el("div", { class: "tile-ticket" }), foot: el("div", { class: "tile-foot" }),
      };
      tile.root = el("div", { class: "tile", "data-window": number },
        el("div", { class: "tile-head" }, tile.number, tile.name), tile.ticket, tile.foot);
      this.tiles.set(number, tile);
      return tile.root;
    });
    fill($("tiles"), nodes);
    this.fitGrid();
  }

  /** Columns and rows for the biggest tiles of about TILE_ASPECT, never below MIN_TILE_VH high
   *  and MIN_TILE_VW wide: the windows that do not fit go on further pages, shown in turn. */
  fitGrid() {
    const area = $("tiles");
    if (!this.tiles.size) return;
    const count = this.tiles.size;
    const gap = parseFloat(getComputedStyle(area).rowGap) || 0;
    const width = area.clientWidth;
    const height = area.clientHeight;
    const maxRows = Math.max(1, Math.floor((height + gap) / ((innerHeight * MIN_TILE_VH) / 100 + gap)));
    const maxCols = Math.max(1, Math.floor((width + gap) / ((innerWidth * MIN_TILE_VW) / 100 + gap)));
    const perPage = Math.min(count, maxRows * maxCols);
    let best = { cols: maxCols, rows: maxRows, scale: 0 };
    for (let cols = 1; cols <= maxCols; cols += 1) {
      const rows = Math.ceil(perPage / cols);
      if (rows > maxRows) continue;
      const scale = Math.min((width - gap * (cols - 1)) / cols / TILE_ASPECT, (height - gap * (rows - 1)) / rows);
      if (scale > best.scale) best = { cols, rows, scale };
    }
    area.style.setProperty("--cols", best.cols);
    area.style.setProperty("--rows", best.rows);
    this.pageSize = best.cols * best.rows;
    this.pages = Math.ceil(count / this.pageSize);
    this.showPage(Math.min(this.page, this.pages - 1));
  }

  showPage(page) {
    this.page = page;
    [...this.tiles.values()].forEach((tile, index) => {
      tile.root.hidden = Math.floor(index / this.pageSize) !== page;
    });
    this.renderPageNo();
    clearTimeout(this.pageTimer);
    if (this.pages > 1) {
      this.pageTimer = setTimeout(() => this.showPage((this.page + 1) % this.pages), this.options.pageMs || PAGE_MS);
    }
  }

  /** A call at a window on another page brings that page up (and holds it for a full turn). */
  showPageOf(number) {
    const index = [...this.tiles.keys()].indexOf(number);
    if (index >= 0 && this.pages > 1) this.showPage(Math.floor(index / this.pageSize));
  }

  renderPageNo() {
    const node = $("page-no");
    node.hidden = this.pages < 2;
    if (this.pages > 1) fill(node, LABELS[this.lang].page(this.page + 1, this.pages));
  }

  renderTile(number) {
    const tile = this.tiles.get(number);
    const win = this.model.windows.get(number);
    if (!tile || !win) return;
    const t = LABELS[this.lang];
    const ticket = win.ticket;
    const recalled = ticket && ticket.status === "called" && ticket.recalls > 0;
    tile.root.dataset.status = win.status;
    tile.root.dataset.ticket = ticket ? ticket.status : "none";
    tile.root.classList.toggle("recall", Boolean(recalled));
    fill(tile.name, windowName(this.model, win, this.lang));
    fill(tile.ticket, this.tileMain(win, t));
    fill(tile.foot, this.tileFoot(win, t, recalled));
  }

  tileMain(win, t) {
    if (win.status === "paused") return el("span", { class: "paused-text" }, t.paused);
    if (win.ticket) return el("span", { class: "label" }, win.ticket.label);
    return el("span", { class: "idle" }, "—");
  }

  tileFoot(win, t, recalled) {
    if (win.status === "paused") return win.pause_reason || "";
    if (win.status === "closed") return t.closed;
    if (!win.ticket) return t.ready;
    if (recalled) return el("span", { class: "tag recall-tag" }, `${t.recall} ×${win.ticket.recalls}`);
    return win.ticket.status === "called" ? t.calledTo(win.number) : t.serving;
  }

  renderRecent() {
    const t = LABELS[this.lang];
    const [newest, ...older] = this.model.recent; // the newest is the big "now calling"
    fill($("hero-body"), newest ? this.heroCall(newest, t) : el("div", { class: "hero-empty" }, "—"));
    fill($("recent"), older.slice(0, RECENT_SHOWN).map((call) => el("li", { class: call.recalls > 0 ? "recalled" : null },
      el("span", { class: "recent-label" }, call.label),
      el("span", { class: "recent-window" }, t.window(call.window)),
      call.recalls > 0 ? el("span", { class: "tag recall-tag" }, t.recall) : null)));
    if (!PORTRAIT.matches) trimToFit($("recent")); // portrait: the row grows to hold all six
  }

  heroCall(call, t) {
    return [
      el("div", { class: "hero-label" }, call.label),
      el("div", { class: "hero-window" }, "→ ", t.window(call.window)),
      call.recalls > 0 ? el("div", { class: "tag recall-tag" }, t.recall) : null,
    ];
  }

  /** 過號: numbers called but missed that may still come back (until their return time). */
  renderMissed() {
    if (!this.model) return;
    const t = LABELS[this.lang];
    const now = this.clock.nowMs();
    const missed = [...this.model.missed.values()].filter((m) => !m.return_until || Date.parse(m.return_until) >= now);
    this.missedAt = now;
    fill($("missed"), missed.length
      ? missed.map((m) => el("li", { "data-ticket": m.ticket_id }, el("span", { class: "missed-label" }, m.label),
        m.window ? el("span", { class: "missed-window" }, t.window(m.window)) : null))
      : el("li", { class: "none" }, t.noMissed));
    trimToFit($("missed"));
  }

  renderQueues() {
    const t = LABELS[this.lang];
    const services = [...this.model.services.values()]
      .sort((a, b) => b.waiting - a.waiting).slice(0, QUEUES_SHOWN)
      .sort((a, b) => a.prefix.localeCompare(b.prefix));
    fill($("queues"), services.map((s) => el("li", { class: s.waiting > 0 ? "busy" : "empty", "data-service": s.code },
      el("span", { class: "prefix" }, s.prefix),
      el("span", { class: "service-name" }, pick(s.name, this.lang)),
      el("span", { class: "count" }, String(s.waiting), t.people ? el("small", {}, t.people) : null))));
  }

  renderTicker() {
    if (this.model) renderTicker($("ticker"), pick(this.model.notice, this.lang));
  }

  renderClock() {
    if (!this.model) return;
    const now = this.clock.nowMs();
    if (now - this.missedAt > MISSED_REFRESH_MS) this.renderMissed();
    fill($("date"), formatDate(now, this.lang, this.model.center.timezone));
    fill($("clock"), formatTime(now, this.model.center.timezone));
  }

  renderSound(state) {
    const t = LABELS[this.lang];
    const text = { blocked: t.soundBlocked, voice_off: t.soundOff, muted: t.soundOff, partial: t.soundPartial }[state];
    const node = $("sound");
    node.hidden = !text;
    node.dataset.state = state;
    fill(node, text || "");
  }
}

function main() {
  const options = pageOptions();
  const token = deviceToken();
  if (!token) {
    renderBanner($("banner"), "notoken", options.langs[0]);
    return;
  }
  new HallDisplay(options, token).start();
}

main();
