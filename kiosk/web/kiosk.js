// Kiosk page (docs/kiosk.md): departments → services → the service's guide → ticket on screen with
// QR, then it prints. Live counts and this kiosk's printer state come over the hub; the ticket and
// the guides (GET /api/center) come from HTTP. The hall's default language is where it starts and
// returns to when idle; 大字版 (large text) is a switch on the start screen.
import { HubClient, api, deviceToken, el } from "/common/hub.js";
import { LANGS, LANG_NAMES, applyLang, loadCenter, pickName, startLang } from "/common/lang.js";
import { TEXT, errorText } from "/kiosk/kiosk_text.js";

const params = new URLSearchParams(location.search);
const IDLE_S = Number(params.get("idle_s")) || 60;
const CLOCK_MS = 10000;
const ONE_LEVEL_MAX = 8; // halls with this many services or fewer skip the department screen
const PRINTER_FAULTS = ["paper_out", "cover_open", "offline", "error"]; // as server/printjobs.py

const token = deviceToken("hallq.kioskToken");
const $ = (id) => document.getElementById(id);

const state = {
  home: startLang(null), // the hall's default language once /api/center answers (or ?lang=)
  lang: startLang(null), hall: null, me: null, printer: null, screen: { name: "start" },
  guides: new Map(), large: false, offsetMs: 0,
  inflight: null, // {key, requestId} while an issue/check-in request is out
  retry: null, // {key, requestId} kept after a network failure, so the retry is the same request
  refreshTimer: null, idleTimer: null,
};

const t = (key, ...args) => {
  const value = TEXT[state.lang][key];
  return typeof value === "function" ? value(...args) : value;
};
const nameOf = (names) => pickName(names, state.lang);

function newRequestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "k-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// --- screens -----------------------------------------------------------------------------------

function show(screen) {
  state.screen = screen;
  render();
  armIdle();
}

function render() {
  applyLang(state.lang);
  document.body.classList.toggle("large", state.large);
  $("center-name").textContent = state.hall ? nameOf(state.hall.center.name) : "";
  renderNotice();
  renderClock();
  renderLangs();
  renderPrinterBanner();
  const app = $("app");
  app.replaceChildren(...(SCREENS[state.screen.name] || startScreen)(state.screen));
  app.dataset.screen = state.screen.name;
}

function renderLangs() {
  $("langs").replaceChildren(...LANGS.map((lang) => el("button", {
    "aria-pressed": String(lang === state.lang), "data-lang": lang, lang,
    onclick: () => { state.lang = lang; render(); armIdle(); },
  }, LANG_NAMES[lang])));
}

function renderNotice() {
  const center = state.hall && state.hall.center;
  const notice = center ? nameOf(center.notice) : "";
  $("notice").hidden = !notice;
  $("notice").textContent = notice;
  $("missed-rule").textContent = center ? nameOf(center.missed_rule) : "";
}

/** The hall's time (server clock, hall time zone), so a kiosk with a wrong clock still shows the truth. */
function renderClock() {
  if (!state.hall) return;
  const now = new Date(Date.now() + state.offsetMs);
  const zone = state.hall.center.timezone;
  const locale = state.lang === "en" ? "en-GB" : state.lang;
  $("clock-time").textContent = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "2-digit", minute: "2-digit",
    hourCycle: "h23" }).format(now);
  $("clock-date").textContent = new Intl.DateTimeFormat(locale, { timeZone: zone, month: "long", day: "numeric",
    weekday: "long" }).format(now);
}

function renderPrinterBanner() {
  const banner = $("printer-banner");
  const fault = PRINTER_FAULTS.includes(state.printer);
  banner.hidden = !fault;
  banner.dataset.status = state.printer || "";
  banner.textContent = fault ? t("printer_" + state.printer) : "";
}

function services() {
  return state.hall ? state.hall.services : [];
}

function startScreen() {
  const title = el("h1", {}, state.screen.green ? t("green_pick_service") : t("welcome"));
  const nodes = [state.screen.green ? title : el("div", { class: "title-row" }, title, largeToggle())];
  const oneLevel = services().length <= ONE_LEVEL_MAX;
  const tiles = oneLevel ? services().map(serviceTile) : departments().map(departmentTile);
  if (!state.screen.green) {
    tiles.push(el("button", { class: "tile special", "data-action": "checkin", onclick: () => show({ name: "checkin", code: "" }) },
      el("div", { class: "name" }, t("checkin")), el("div", { class: "meta" }, t("checkin_hint"))));
    if (state.me && state.me.green_channel) {
      tiles.push(el("button", { class: "tile greenc", "data-action": "green", onclick: () => show({ name: "green" }) },
        el("div", { class: "name" }, t("green")), el("div", { class: "meta" }, t("green_hint"))));
    }
  }
  nodes.push(el("div", { class: "grid" }, tiles));
  if (state.screen.green) nodes.push(backRow());
  else if (state.me && !state.me.green_channel) nodes.push(el("div", { class: "note", "data-note": "green" }, t("green_desk")));
  return nodes;
}

function largeToggle() {
  return el("button", {
    class: "btn", "data-action": "large", "aria-pressed": String(state.large),
    onclick: () => { state.large = !state.large; render(); armIdle(); },
  }, state.large ? t("large_off") : t("large_on"));
}

function departments() {
  const used = new Set(services().map((s) => s.department));
  return state.hall ? state.hall.departments.filter((d) => used.has(d.code)) : [];
}

function departmentTile(dept) {
  const list = services().filter((s) => s.department === dept.code);
  const waiting = list.reduce((sum, s) => sum + s.waiting, 0);
  return el("button", {
    class: "tile", "data-department": dept.code,
    onclick: () => show({ name: "services", department: dept.code, green: state.screen.green }),
  }, el("div", { class: "name" }, nameOf(dept.name)),
  el("div", { class: "meta" }, t("n_services", list.length), " · ", t("waiting"), " ", el("b", {}, String(waiting))));
}

function servicesScreen(screen) {
  const dept = state.hall && state.hall.departments.find((d) => d.code === screen.department);
  return [
    el("h1", {}, dept ? nameOf(dept.name) : ""),
    el("div", { class: "sub" }, screen.green ? t("green_pick_service") : t("pick_service")),
    el("div", { class: "grid" }, services().filter((s) => s.department === screen.department).map(serviceTile)),
    backRow(),
  ];
}

function serviceTile(service) {
  const busy = state.inflight && state.inflight.key === "svc:" + service.code;
  const est = service.estimate;
  const meta = [t("waiting"), " ", el("b", {}, String(service.waiting)), " · "];
  if (!service.open_windows.length || !est) meta.push(t("no_window_open"));
  else meta.push(t("about"), " ", el("b", {}, estimateText(est, service.waiting)));
  const children = [el("div", { class: "name" }, nameOf(service.name)), el("div", { class: "meta" }, meta)];
  if (service.not_issuing) children.push(el("div", { class: "warn" }, t("off_" + service.not_issuing)));
  return el("button", {
    class: "tile" + (service.not_issuing ? " off" : "") + (busy ? " busy" : ""),
    "data-service": service.code, disabled: busy,
    onclick: () => (hasGuide(service) && !service.not_issuing ? show({ name: "guide", service: service.code,
      green: state.screen.green, department: state.screen.department }) : issue(service)),
  }, children);
}

function estimateText(est, ahead) {
  if (est.open_windows === 0) return t("no_window_open"); // no honest number until a window opens
  if (!ahead && est.high_min <= 1) return t("no_wait");
  return t("range", est.low_min, est.high_min);
}

function backRow() {
  return el("div", { class: "row" },
    el("button", { class: "btn", "data-action": "back", onclick: () => show({ name: "start" }) }, t("back")));
}

function greenScreen() {
  const cats = (state.me && state.me.green_categories) || [];
  return [
    el("h1", {}, t("green")), el("div", { class: "sub" }, t("green_who")),
    el("div", { class: "grid" }, cats.map((cat) => el("button", {
      class: "tile greenc", "data-category": cat, onclick: () => show({ name: "start", green: cat }),
    }, el("div", { class: "name" }, t("cat_" + cat)), el("div", { class: "meta" }, t("green_confirm"))))),
    backRow(),
  ];
}

function hasGuide(service) {
  const guide = state.guides.get(service.code);
  return Boolean(guide && (guide.materials.length || guide.steps.length || guide.time_limit_days || guide.fees
    || guide.legal_basis || guide.consult_phone));
}

/** What the service needs, from its guide in the hall configuration, before the ticket is taken. */
function guideScreen(screen) {
  const service = services().find((s) => s.code === screen.service);
  const guide = state.guides.get(screen.service);
  if (!service || !guide) return startScreen();
  const list = (items) => el("ol", {}, items.map((item) => el("li", {}, nameOf(item))));
  const facts = [
    guide.time_limit_days && [t("guide_time_limit"), t("guide_days", guide.time_limit_days)],
    guide.fees && [t("guide_fees"), nameOf(guide.fees)],
    guide.legal_basis && [t("guide_legal"), nameOf(guide.legal_basis)],
    guide.consult_phone && [t("guide_phone"), guide.consult_phone],
  ].filter(Boolean);
  const busy = state.inflight && state.inflight.key === "svc:" + service.code;
  const back = screen.department ? { name: "services", department: screen.department, green: screen.green }
    : { name: "start", green: screen.green };
  return [
    el("h1", {}, nameOf(service.name)),
    el("div", { class: "sub" }, t("guide_title")),
    el("div", { class: "guide", "data-guide": service.code },
      guide.materials.length ? el("section", { "data-part": "materials" }, el("h2", {}, t("guide_materials")), list(guide.materials)) : null,
      guide.steps.length ? el("section", { "data-part": "steps" }, el("h2", {}, t("guide_steps")), list(guide.steps)) : null,
      facts.length ? el("section", { class: "facts-box", "data-part": "facts" },
        el("dl", {}, facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]))) : null),
    el("div", { class: "row" },
      el("button", { class: "btn primary", "data-action": "take", disabled: busy, onclick: () => issue(service) },
        busy ? t("working") : t("guide_take")),
      el("button", { class: "btn", "data-action": "back", onclick: () => show(back) }, t("back"))),
  ];
}

const KEYS = "1234567890ABCDEFGHJKLMNPQRSTUVWXYZ".split("");

function checkinScreen(screen) {
  const type = (key) => { if (screen.code.length < 20) show({ ...screen, code: screen.code + key }); };
  const busy = state.inflight && state.inflight.key === "checkin";
  return [
    el("h1", {}, t("checkin")), el("div", { class: "sub" }, t("checkin_type")),
    el("div", { class: "code", "data-code": screen.code }, screen.code || "\u00a0"),
    el("div", { class: "keypad" },
      KEYS.map((key) => el("button", { "data-key": key, onclick: () => type(key) }, key)),
      el("button", { class: "wide", "data-key": "del", onclick: () => show({ ...screen, code: screen.code.slice(0, -1) }) }, t("delete")),
      el("button", { class: "wide", "data-key": "clear", onclick: () => show({ ...screen, code: "" }) }, t("clear"))),
    el("div", { class: "row" },
      el("button", { class: "btn primary", "data-action": "checkin-submit", disabled: !screen.code || busy,
        onclick: () => checkIn(screen.code) }, busy ? t("working") : t("confirm")),
      el("button", { class: "btn", "data-action": "back", onclick: () => show({ name: "start" }) }, t("back"))),
  ];
}

function ticketScreen(screen) {
  const answer = screen.answer;
  const ticket = answer.ticket;
  const service = services().find((s) => s.code === ticket.queue_service);
  const est = answer.estimate;
  const trackToken = new URL(answer.tracking_url).pathname.split("/").pop();
  const windows = windowsFor(ticket.queue_service);
  const fault = PRINTER_FAULTS.includes(state.printer);
  const mark = ticket.channel === "green" ? t("green") : ticket.channel === "appointment" ? t("appointment") : null;
  const card = el("div", { class: "card" },
    el("div", { class: "svc" }, service ? nameOf(service.name) : ticket.queue_service),
    mark && el("div", { class: "mark" }, mark),
    el("div", { class: "label", "data-label": ticket.label }, ticket.label),
    el("div", { class: "facts" },
      el("div", { "data-ahead": answer.ahead }, t("ahead"), " ", el("b", {}, String(answer.ahead)), " ", t("people")),
      el("div", {}, t("estimate"), " ", el("b", {}, estimateText(est, answer.ahead)))),
    el("div", { class: "where" }, t("where", windows)),
    el("div", { class: "where" }, t("listen")),
    ticket.channel === "green" ? el("div", { class: "id-reminder", "data-reminder": "id" }, t("green_show_id")) : null);
  const print = el("div", { class: "print" + (fault ? " bad" : ""), "data-print": fault ? "fault" : "ok" },
    fault ? t("print_fault") : screen.reprinted ? t("reprinting") : t("printing"));
  const buttons = el("div", { class: "row" },
    el("button", { class: "btn primary", "data-action": "done", onclick: () => show({ name: "start" }) }, t("done")),
    el("button", { class: "btn", "data-action": "reprint", onclick: () => reprint(screen) }, t("reprint")));
  const qr = el("div", { class: "qr" },
    el("img", { src: `/api/track/${encodeURIComponent(trackToken)}/qr.svg`, alt: t("qr_caption") }),
    el("div", { class: "cap" }, t("qr_caption")));
  const notice = screen.notice ? el("div", { class: "print", "data-notice": "1" }, screen.notice) : null;
  return [el("div", { class: "ticket", "data-ticket-id": ticket.id }, el("div", {}, card, print, notice, buttons), qr)];
}

function windowsFor(serviceCode) {
  if (!state.hall) return [];
  return state.hall.windows.filter((w) => w.services.includes(serviceCode)).map((w) => w.number);
}

function messageScreen(screen) {
  const [title, ...lines] = screen.lines;
  const row = el("div", { class: "row" },
    screen.retry && el("button", { class: "btn primary", "data-action": "retry", onclick: screen.retry }, t("retry")),
    el("button", { class: screen.retry ? "btn" : "btn primary", "data-action": "back", onclick: () => show({ name: "start" }) }, t("back_start")));
  return [el("div", { class: "message", "data-error": screen.code || "" }, el("h1", {}, title),
    lines.map((line) => el("p", {}, line))), row];
}

const SCREENS = { start: startScreen, services: servicesScreen, guide: guideScreen, green: greenScreen, checkin: checkinScreen,
  ticket: ticketScreen, message: messageScreen };

// --- actions -----------------------------------------------------------------------------------

/** One request per tap intent: a second tap while it is out is ignored; a retry reuses its id. */
async function submit(key, path, body) {
  if (state.inflight) return;
  const requestId = state.retry && state.retry.key === key ? state.retry.requestId : newRequestId();
  state.inflight = { key, requestId };
  state.retry = null;
  render();
  try {
    const answer = await api("POST", path, token, { ...body, request_id: requestId });
    state.inflight = null;
    show({ name: "ticket", answer });
    scheduleRefresh();
  } catch (err) {
    state.inflight = null;
    if (err.code === "unavailable" || err.code === "internal_error") {
      state.retry = { key, requestId };
      show({ name: "message", code: err.code, lines: errorText(state.lang, err),
        retry: () => { show({ name: "start" }); submit(key, path, body); } });
    } else {
      show({ name: "message", code: err.code, lines: errorText(state.lang, err) });
    }
  }
}

function issue(service) {
  if (service.not_issuing) {
    const details = service.not_issuing === "outside_issuing_hours" ? { issuing_hours: service.issuing_hours }
      : service.not_issuing === "hall_closed" ? { opening_hours: state.hall.center.opening_hours } : {};
    show({ name: "message", code: service.not_issuing, lines: errorText(state.lang, { code: service.not_issuing, details }) });
    return;
  }
  const green = state.screen.green;
  const body = { service: service.code, lang: state.lang };
  if (green) Object.assign(body, { channel: "green", green_category: green });
  submit("svc:" + service.code, "/api/tickets", body);
}

function checkIn(code) {
  submit("checkin", "/api/appointments/check-in", { code, lang: state.lang });
}

async function reprint(screen) {
  try {
    await api("POST", `/api/tickets/${screen.answer.ticket.id}/reprint`, token, {});
    show({ ...screen, reprinted: true, notice: null });
  } catch (err) {
    show({ ...screen, notice: errorText(state.lang, err).join(" ") });
  }
}

// --- idle reset --------------------------------------------------------------------------------

function armIdle() {
  clearTimeout(state.idleTimer);
  const atStart = state.screen.name === "start" && !state.screen.green;
  if (atStart && state.lang === state.home && !state.large) return;
  // a ticket that did not print stays up longer: the citizen may photograph it or scan the QR code
  const keep = state.screen.name === "ticket" && PRINTER_FAULTS.includes(state.printer) ? 2 : 1;
  state.idleTimer = setTimeout(() => {
    state.lang = state.home;
    state.large = false; // the next citizen starts with the standard screen
    show({ name: "start" });
  }, IDLE_S * 1000 * keep);
}

for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, () => armIdle(), { passive: true });

// --- live data ---------------------------------------------------------------------------------

async function refreshHall() {
  state.refreshTimer = null;
  try {
    state.hall = await api("GET", "/api/hall", token);
  } catch {
    return;
  }
  state.offsetMs = Date.parse(state.hall.server_time) - Date.now();
  if (["start", "services"].includes(state.screen.name) && !state.inflight) render();
}

function scheduleRefresh() {
  if (state.refreshTimer === null) state.refreshTimer = setTimeout(refreshHall, 700);
}

function onMessage(message) {
  if (message.type === "device_status") {
    if (state.me && message.device === state.me.device) {
      state.printer = message.printer;
      render();
    }
  } else if (message.type === "notice" || message.type === "print_job") {
    // nothing to show on the kiosk page
  } else {
    throw new Error(`unknown message type ${message.type}`);
  }
}

function onStatus(status) {
  const banner = $("link-banner");
  banner.hidden = status === "online";
  banner.textContent = status === "online" ? "" : t("link_" + status) || t("link_offline");
}

async function main() {
  const center = await loadCenter().catch(() => null);
  if (center) {
    state.home = startLang(center.center.default_lang);
    state.lang = state.home;
    for (const s of center.services) state.guides.set(s.code, s.guide);
  }
  applyLang(state.lang);
  if (!token) {
    $("app").replaceChildren(el("div", { class: "message" }, el("h1", {}, t("no_token")), el("p", {}, t("no_token_how"))));
    return;
  }
  try {
    [state.me, state.hall] = await Promise.all([api("GET", "/api/kiosk", token), api("GET", "/api/hall", token)]);
    state.offsetMs = Date.parse(state.hall.server_time) - Date.now();
  } catch (err) {
    show({ name: "message", code: err.code, lines: errorText(state.lang, err) });
    setTimeout(() => location.reload(), 15000);
    return;
  }
  state.printer = state.me.printer;
  show({ name: "start" });
  setInterval(renderClock, CLOCK_MS);
  new HubClient({
    token, scope: {},
    onSnapshot: (snapshot) => {
      state.hall = snapshot;
      state.offsetMs = Date.parse(snapshot.server_time) - Date.now();
      if (["start", "services"].includes(state.screen.name)) render();
    },
    onEvent: () => scheduleRefresh(),
    onMessage, onStatus,
  }).start();
}

main();
