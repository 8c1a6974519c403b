// The city dashboard: every hall live, a hall's drill-down, comparisons and the city's reports.
// One module; DOM built with textContent only (el() from /common/hub.js); token in sessionStorage.
import { el } from "/common/hub.js";

const TOKEN_KEY = "hallq.city.token";
const LANG_KEY = "hallq.city.lang";
const REFRESH_MS = 5000;

const TEXT = {
  "zh-Hant": {
    title: "全市政務服務看板", halls: "各中心即時", compare: "中心比較", report: "報表", signIn: "登入", login: "帳號",
    pin: "密碼", signOut: "登出", wrong: "帳號或密碼錯誤", hall: "中心", waiting: "等候人數", longest: "最長等候",
    windowsOpen: "開放窗口", issued: "今日取號", served: "今日辦結", sl: "服務達標率", satisfaction: "滿意率",
    avgWait: "平均等候", link: "連線", lag: "落後", lastContact: "最後聯絡", events: "筆", secondsAgo: "秒前",
    status: { up_to_date: "已同步", behind: "落後", silent: "無回應", never: "未連線", stopped: "已停止" },
    from: "起", to: "止", by: "比較", department: "部門", service: "事項", show: "查詢", download: "下載 CSV",
    daily: "日報", monthly: "月報", day: "日期", month: "月份", total: "合計", back: "返回", noData: "沒有資料",
    handling: "平均辦理", noShow: "過號率", accepted: "受理", perDay: "日均", workingDays: "工作日",
    groupBy: "分組", window: "窗口", clerk: "工作人員", hour: "時段", minutes: "分", refreshed: "更新於",
    halls_n: "個中心", issuedRange: "取號", servedRange: "辦結",
  },
  "zh-Hans": {
    title: "全市政务服务看板", halls: "各中心实时", compare: "中心比较", report: "报表", signIn: "登录", login: "账号",
    pin: "密码", signOut: "退出", wrong: "账号或密码错误", hall: "中心", waiting: "等候人数", longest: "最长等候",
    windowsOpen: "开放窗口", issued: "今日取号", served: "今日办结", sl: "服务达标率", satisfaction: "满意率",
    avgWait: "平均等候", link: "连接", lag: "落后", lastContact: "最后联络", events: "条", secondsAgo: "秒前",
    status: { up_to_date: "已同步", behind: "落后", silent: "无响应", never: "未连接", stopped: "已停止" },
    from: "起", to: "止", by: "比较", department: "部门", service: "事项", show: "查询", download: "下载 CSV",
    daily: "日报", monthly: "月报", day: "日期", month: "月份", total: "合计", back: "返回", noData: "没有数据",
    handling: "平均办理", noShow: "过号率", accepted: "受理", perDay: "日均", workingDays: "工作日",
    groupBy: "分组", window: "窗口", clerk: "工作人员", hour: "时段", minutes: "分", refreshed: "更新于",
    halls_n: "个中心", issuedRange: "取号", servedRange: "办结",
  },
  en: {
    title: "City service centers", halls: "Halls live", compare: "Compare", report: "Reports", signIn: "Sign in",
    login: "Login", pin: "PIN", signOut: "Sign out", wrong: "Wrong login or PIN", hall: "Hall", waiting: "Waiting",
    longest: "Longest wait", windowsOpen: "Windows open", issued: "Issued today", served: "Served today",
    sl: "Service level", satisfaction: "Satisfaction", avgWait: "Mean wait", link: "Link", lag: "Behind",
    lastContact: "Last contact", events: "events", secondsAgo: "s ago",
    status: { up_to_date: "up to date", behind: "behind", silent: "silent", never: "never connected", stopped: "stopped" },
    from: "From", to: "To", by: "Compare by", department: "Department", service: "Service", show: "Show",
    download: "Download CSV", daily: "Daily", monthly: "Monthly", day: "Day", month: "Month", total: "Total",
    back: "Back", noData: "No data", handling: "Mean handling", noShow: "No-show rate", accepted: "Accepted",
    perDay: "Per day", workingDays: "Working days", groupBy: "Group by", window: "Window", clerk: "Clerk",
    hour: "Hour", minutes: "min", refreshed: "Refreshed", halls_n: "halls", issuedRange: "Issued", servedRange: "Served",
  },
};

const state = { lang: localStorage.getItem(LANG_KEY) || "zh-Hant", tab: "halls", hall: null, timer: null, city: null };
const t = () => TEXT[state.lang] || TEXT["zh-Hant"];
const token = () => sessionStorage.getItem(TOKEN_KEY);
const main = () => document.getElementById("main");
const name = (names, fallback) => (names && (names[state.lang] || names["zh-Hant"])) || fallback || "";
function pct(fig) {
  const value = fig !== null && typeof fig === "object" ? fig.value : fig;
  return value === null || value === undefined ? "—" : `${(100 * value).toFixed(1)}%`;
}
const mins = (s) => (s === null || s === undefined ? "—" : `${(s / 60).toFixed(1)} ${t().minutes}`);

class SignedOut extends Error {}

async function call(path, asText = false) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (resp.status === 401) throw new SignedOut();
  if (asText) return resp.text();
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : String(resp.status));
  return body;
}

async function download(path, filename) {
  const blob = new Blob([await call(path, true)], { type: "text/csv" });
  const link = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

// --- frame: language, tabs, sign-in -----------------------------------------------------------------

function frame() {
  document.documentElement.lang = state.lang;
  document.title = t().title;
  document.getElementById("city-name").textContent = state.city ? name(state.city) : t().title;
  const select = document.getElementById("lang");
  select.replaceChildren(...Object.keys(TEXT).map((lang) => el("option", { value: lang, selected: lang === state.lang },
    { "zh-Hant": "繁體", "zh-Hans": "简体", en: "English" }[lang])));
  const tabs = document.getElementById("tabs");
  const out = document.getElementById("sign-out");
  out.hidden = !token();
  out.textContent = t().signOut;
  tabs.replaceChildren(...(token() ? ["halls", "compare", "report"] : []).map((tab) =>
    el("button", { class: tab === state.tab ? "active" : "", "data-tab": tab,
      onclick: () => { state.tab = tab; state.hall = null; show(); } }, t()[tab])));
}

function signInForm(message = "") {
  const error = el("p", { class: "error" }, message);
  const login = el("input", { name: "login", autocomplete: "username", required: true });
  const pin = el("input", { name: "pin", type: "password", autocomplete: "current-password", required: true });
  const form = el("form", { class: "signin" }, el("h2", {}, t().title), el("label", {}, t().login, login),
    el("label", {}, t().pin, pin), el("button", { type: "submit" }, t().signIn), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const resp = await fetch("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login: login.value, pin: pin.value }) });
    const body = await resp.json();
    if (!resp.ok) { error.textContent = resp.status === 401 ? t().wrong : body.error.message; return; }
    sessionStorage.setItem(TOKEN_KEY, body.token);
    show();
  });
  main().replaceChildren(form);
}

// --- every hall live ------------------------------------------------------------------------------------

function linkCell(link) {
  const tx = t();
  const parts = [el("span", { class: `badge ${link.status}` }, tx.status[link.status] || link.status)];
  if (link.behind) parts.push(" ", `${tx.lag} ${link.behind} ${tx.events}`);
  if (link.contact_age_s !== null) parts.push(el("div", { class: "muted" }, `${tx.lastContact} ${Math.round(link.contact_age_s)} ${tx.secondsAgo}`));
  if (link.error) parts.push(el("div", { class: "link-error" }, `${link.error_code}: ${link.error}`));
  return el("td", {}, ...parts);
}

function hallRow(h) {
  const level = h.level && h.level !== "ok" ? `level-${h.level}` : "";  // the hall's own service thresholds
  return el("tr", { class: "hall", "data-hall": h.hall_id, onclick: () => { state.hall = h.hall_id; show(); } },
    el("td", {}, name(h.name, h.hall_id), el("div", { class: "muted" }, h.hall_id)),
    el("td", { class: "num" }, h.waiting), el("td", { class: `num ${level}` }, mins(h.longest_wait_s)),
    el("td", { class: "num" }, h.windows_open), el("td", { class: "num" }, h.issued), el("td", { class: "num" }, h.served),
    el("td", { class: "num" }, pct(h.service_level)), el("td", { class: "num" }, pct(h.satisfaction_rate)),
    el("td", { class: "num" }, mins(h.wait_served && h.wait_served.mean_s)), linkCell(h.link));
}

async function hallsView() {
  const data = await call("/api/halls");
  state.city = data.city;
  frame();
  const tx = t();
  const sum = (k) => data.halls.reduce((a, h) => a + (h[k] || 0), 0);
  const tiles = el("div", { class: "tiles" },
    ...[[tx.hall, `${data.halls.length} ${tx.halls_n}`], [tx.waiting, sum("waiting")], [tx.windowsOpen, sum("windows_open")],
      [tx.issued, sum("issued")], [tx.served, sum("served")]].map(([label, value]) => el("div", { class: "tile" }, label, el("b", {}, value))));
  const head = el("tr", {}, ...[tx.hall, tx.waiting, tx.longest, tx.windowsOpen, tx.issued, tx.served, tx.sl,
    tx.satisfaction, tx.avgWait, tx.link].map((h, i) => el("th", { class: i && i < 9 ? "num" : "" }, h)));
  main().replaceChildren(el("section", {}, tiles),
    el("section", {}, el("h2", {}, tx.halls), el("table", { id: "halls" }, el("thead", {}, head),
      el("tbody", {}, ...data.halls.map(hallRow))),
    el("p", { class: "muted" }, `${tx.refreshed} ${new Date().toLocaleTimeString()}`)));
}

// --- a hall's drill-down: the hall's own figures --------------------------------------------------------

function figureRows(groups, keyName) {
  const tx = t();
  const head = el("tr", {}, ...[keyName, tx.issuedRange, tx.servedRange, tx.avgWait, "p90", tx.sl, tx.noShow, tx.handling, tx.satisfaction]
    .map((h, i) => el("th", { class: i ? "num" : "" }, h)));
  const rows = groups.map((g) => el("tr", {}, el("td", {}, g.key === null ? "—" : String(g.key)),
    el("td", { class: "num" }, g.counts.issued), el("td", { class: "num" }, g.counts.served),
    el("td", { class: "num" }, mins(g.wait_served.mean_s)), el("td", { class: "num" }, mins(g.wait_served.p90_s)),
    el("td", { class: "num" }, pct(g.service_level)), el("td", { class: "num" }, pct(g.no_show_rate)),
    el("td", { class: "num" }, mins(g.handling.mean_s)), el("td", { class: "num" }, pct(g.satisfaction_rate))));
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
}

async function hallView(hallId, query = {}) {
  const tx = t();
  const params = new URLSearchParams({ group_by: "service", ...query });
  const data = await call(`/api/halls/${encodeURIComponent(hallId)}/stats?${params}`);
  const serviceNames = Object.fromEntries(((data.catalogue || {}).services || []).map((s) => [s.code, s.name]));
  const groups = data.groups.map((g) => ({ ...g, key: serviceNames[g.key] ? name(serviceNames[g.key]) : g.key }));
  const from = el("input", { type: "date", value: data.from }), to = el("input", { type: "date", value: data.to });
  const group = el("select", {}, ...["service", "department", "window", "clerk", "hour", "day", "total"].map((g) =>
    el("option", { value: g, selected: g === params.get("group_by") }, tx[g] || g)));
  const controls = el("div", { class: "controls" },
    el("button", { onclick: () => { state.hall = null; show(); } }, tx.back),
    el("label", {}, tx.from, from), el("label", {}, tx.to, to), el("label", {}, tx.groupBy, group),
    el("button", { onclick: () => hallView(hallId, { from: from.value, to: to.value, group_by: group.value }).catch(failed) }, tx.show));
  main().replaceChildren(el("section", { id: "drill" }, el("h2", {}, `${name(data.name, hallId)} · ${data.from} – ${data.to}`),
    controls, groups.length ? figureRows(groups, tx[params.get("group_by")] || tx.service) : el("p", {}, tx.noData)));
}

// --- comparisons ------------------------------------------------------------------------------------------

async function compareView(query = {}) {
  const tx = t();
  const params = new URLSearchParams({ by: "department", ...query });  // no dates: the city's today
  const data = await call(`/api/compare?${params}`);
  const from = el("input", { type: "date", value: data.from }), to = el("input", { type: "date", value: data.to });
  const by = el("select", {}, ...["department", "service"].map((b) => el("option", { value: b, selected: b === data.by }, tx[b])));
  const q = () => ({ from: from.value, to: to.value, by: by.value });
  const head = el("tr", {}, ...[tx[data.by], tx.hall, tx.issuedRange, tx.servedRange, tx.avgWait, tx.sl, tx.satisfaction, tx.noShow,
    tx.handling].map((h, i) => el("th", { class: i > 1 ? "num" : "" }, h)));
  const rows = [...data.rows].sort((a, b) => String(a.key).localeCompare(String(b.key)) || a.hall_id.localeCompare(b.hall_id))
    .map((r) => el("tr", {}, el("td", {}, name(r.name, r.key)), el("td", {}, r.hall_id), el("td", { class: "num" }, r.issued),
      el("td", { class: "num" }, r.served), el("td", { class: "num" }, mins(r.mean_wait_served_s)),
      el("td", { class: "num" }, pct(r.service_level)), el("td", { class: "num" }, pct(r.satisfaction_rate)),
      el("td", { class: "num" }, pct(r.no_show_rate)), el("td", { class: "num" }, mins(r.mean_handling_s))));
  main().replaceChildren(el("section", {}, el("h2", {}, tx.compare), el("div", { class: "controls" },
    el("label", {}, tx.from, from), el("label", {}, tx.to, to), el("label", {}, tx.by, by),
    el("button", { onclick: () => compareView(q()).catch(failed) }, tx.show),
    el("button", { onclick: () => download(`/api/compare?${new URLSearchParams({ ...q(), format: "csv" })}`, "hallq-city-compare.csv") }, tx.download)),
  rows.length ? el("table", { id: "compare" }, el("thead", {}, head), el("tbody", {}, ...rows)) : el("p", {}, tx.noData)));
}

// --- reports ------------------------------------------------------------------------------------------------

async function reportView(kind = "monthly", value = "") {
  const tx = t();
  const path = kind === "daily" ? `/api/report/daily?day=${value}` : `/api/report/monthly?month=${value}`;  // empty: today
  const r = await call(path);
  const input = kind === "daily" ? el("input", { type: "date", value: r.from }) : el("input", { type: "month", value: r.from.slice(0, 7) });
  const kindSelect = el("select", {}, ...["daily", "monthly"].map((k) => el("option", { value: k, selected: k === kind }, tx[k])));
  const head = el("tr", {}, ...[tx.hall, tx.workingDays, tx.accepted, tx.perDay, tx.sl, tx.satisfaction, tx.avgWait]
    .map((h, i) => el("th", { class: i ? "num" : "" }, h)));
  const row = (label, x) => el("tr", {}, el("td", {}, label), el("td", { class: "num" }, x.working_days), el("td", { class: "num" }, x.accepted),
    el("td", { class: "num" }, x.per_day), el("td", { class: "num" }, x.service_level_pct === null ? "—" : `${x.service_level_pct}%`),
    el("td", { class: "num" }, x.satisfaction_pct === null ? "—" : `${x.satisfaction_pct}%`),
    el("td", { class: "num" }, x.mean_wait_min === null ? "—" : `${x.mean_wait_min} ${tx.minutes}`));
  main().replaceChildren(el("section", {}, el("h2", {}, `${tx[kind]} · ${r.from} – ${r.to}`), el("div", { class: "controls" },
    el("label", {}, tx.report, kindSelect), el("label", {}, kind === "daily" ? tx.day : tx.month, input),
    el("button", { onclick: () => reportView(kindSelect.value, kindSelect.value === kind ? input.value : "").catch(failed) }, tx.show),
    el("button", { onclick: () => download(`${path}&format=csv`, `hallq-city-${kind}.csv`) }, tx.download)),
  el("p", { class: "report-text", id: "report-text" }, r.text[state.lang] || r.text["zh-Hant"]),
  el("table", { id: "report" }, el("thead", {}, head), el("tbody", {}, ...r.by_hall.map((h) => row(name(h.name, h.hall_id), h)),
    row(tx.total, r)))));
}

// --- dispatch ---------------------------------------------------------------------------------------------

function failed(err) {
  if (err instanceof SignedOut) { sessionStorage.removeItem(TOKEN_KEY); frame(); signInForm(); return; }
  main().prepend(el("p", { class: "error" }, String(err.message || err)));
}

function show() {
  clearInterval(state.timer);
  frame();
  if (!token()) { signInForm(); return; }
  const views = { halls: hallsView, compare: compareView, report: reportView };
  const run = state.hall ? () => hallView(state.hall) : views[state.tab];
  run().catch(failed);
  if (state.tab === "halls" && !state.hall) state.timer = setInterval(() => hallsView().catch(failed), REFRESH_MS);
}

document.getElementById("lang").addEventListener("change", (event) => {
  state.lang = event.target.value;
  localStorage.setItem(LANG_KEY, state.lang);
  show();
});
document.getElementById("sign-out").addEventListener("click", async () => {
  await fetch("/api/sessions", { method: "DELETE", headers: { Authorization: `Bearer ${token()}` } });
  sessionStorage.removeItem(TOKEN_KEY);
  state.hall = null;
  show();
});
show();
