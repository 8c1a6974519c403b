// Shared by the manager pages: sign-in (token in sessionStorage, managers only), the JSON/CSV fetch
// with the bearer token, the three UI languages (starting in the hall's default_lang) and formatting.
// The DOM builder and the duration format are the ones every page uses (/common/).
import { el } from "/common/hub.js";
import { LANG_NAMES, applyLang, duration, loadCenter, pickName, validLang } from "/common/lang.js";

export { duration, el };

const TOKEN_KEY = "hallq.manager.token";
const LANG_KEY = "hallq.manager.lang";

export const TEXT = {
  "zh-Hant": {
    unseen: (n) => `${n} 台未連線過`, immediateShare: "即辦件比重", csvTables: { visits: "辦件明細", segments: "服務段", window_time: "窗口時間", ratings: "評價", bad_ratings: "差評", services: "事項", windows: "窗口", departments: "部門", staff: "人員", stats: "統計" },
    notManager: "此工號不是管理人員，不能登入管理頁面。", alarms: "告警", alarmSound: "告警聲音", soundOn: "開", soundOff: "關",
    alarmQueue: (s, m) => `${s}：最長等候 ${m} 分鐘，已超過處置線`, alarmPrinter: (d, p) => `${d}：打印機${p}`,
    alarmOffline: (d) => `${d}：設備離線`, noAlarms: "沒有告警", allOnline: (n) => `${n} 台全部在線`,
    onlineOf: (a, n) => `${a}/${n} 在線`, connecting: "連線中", refused: "未授權", language: "語言",
    kinds: { kiosk: "取號機", display: "叫號屏", counter: "窗口終端", rating_pad: "評價器" },
    printerStates: { ready: "正常", paper_out: "缺紙", paper_low: "紙將用完", offline: "離線", error: "故障", cover_open: "機蓋打開" },
    ticketStates: { called: "已叫號", serving: "辦理中" }, perWindow: "各窗口", perClerk: "各工作人員",
    ratingsBreakdown: "好差評", rated: "評價數", good: "好評", bad: "差評", badRate: "差評率",
    signature: "審核", preparedBy: "製表人", approvedBy: "負責人", date: "日期", untilDay: (d) => `統計至 ${d}`,
    visits: "辦件量", handlingMean: "平均辦理（分）", staffNo: "工號", none: "—",
    board: "即時看板", stats: "統計分析", report: "報表", supervision: "督辦", signIn: "登入", staff: "工號", pin: "密碼",
    signOut: "登出", waiting: "等候人數", longest: "最長等候", service: "事項", window: "窗口", status: "狀態",
    ticket: "號票", since: "持續", clerk: "工作人員", clerks: "在崗人員", devices: "設備", printer: "打印機",
    online: "在線", offline: "離線", today: "今日累計", issued: "取號", served: "已辦結", noShows: "過號",
    walkOuts: "離開未辦", avgWait: "平均等候", sl: "服務達標率", satisfaction: "滿意率", open: "開放",
    paused: "暫停", closed: "關閉", from: "起", to: "止", show: "查詢", groupBy: "分組", total: "合計",
    department: "部門", hour: "時段", day: "日期", weekday: "星期", waitsByHour: "各時段等候時間（分鐘）",
    heatmap: "取號熱力圖（星期 × 時段）", trend: "每日趨勢", slByService: "各事項服務達標率",
    windowsCompared: "窗口比較（辦結量與使用率）", badRatings: "差評跟進", reason: "原因", level: "評價",
    download: "下載 CSV", daily: "日報", monthly: "月報", print: "列印", utilisation: "使用率",
    strictSl: "嚴格達標率", p50: "中位數", p90: "90百分位", walking: "步行", handling: "辦理",
    mean: "平均", rate: "比率", outcomes: "辦件類型", live: "即時", wrong: "工號或密碼錯誤",
    weekdays: ["一", "二", "三", "四", "五", "六", "日"], served_label: "辦結", arrivals: "取號",
    minutes: "分", noData: "沒有資料", target: "目標", throughput: "每小時辦結",
    levels: { very_satisfied: "非常滿意", satisfied: "滿意", basically_satisfied: "基本滿意", dissatisfied: "不滿意",
      very_dissatisfied: "非常不滿意" },
  },
  "zh-Hans": {
    unseen: (n) => `${n} 台未连接过`, immediateShare: "即办件比重", csvTables: { visits: "办件明细", segments: "服务段", window_time: "窗口时间", ratings: "评价", bad_ratings: "差评", services: "事项", windows: "窗口", departments: "部门", staff: "人员", stats: "统计" },
    notManager: "此工号不是管理人员，不能登录管理页面。", alarms: "告警", alarmSound: "告警声音", soundOn: "开", soundOff: "关",
    alarmQueue: (s, m) => `${s}：最长等候 ${m} 分钟，已超过处置线`, alarmPrinter: (d, p) => `${d}：打印机${p}`,
    alarmOffline: (d) => `${d}：设备离线`, noAlarms: "没有告警", allOnline: (n) => `${n} 台全部在线`,
    onlineOf: (a, n) => `${a}/${n} 在线`, connecting: "连接中", refused: "未授权", language: "语言",
    kinds: { kiosk: "取号机", display: "叫号屏", counter: "窗口终端", rating_pad: "评价器" },
    printerStates: { ready: "正常", paper_out: "缺纸", paper_low: "纸将用完", offline: "离线", error: "故障", cover_open: "机盖打开" },
    ticketStates: { called: "已叫号", serving: "办理中" }, perWindow: "各窗口", perClerk: "各工作人员",
    ratingsBreakdown: "好差评", rated: "评价数", good: "好评", bad: "差评", badRate: "差评率",
    signature: "审核", preparedBy: "制表人", approvedBy: "负责人", date: "日期", untilDay: (d) => `统计至 ${d}`,
    visits: "办件量", handlingMean: "平均办理（分）", staffNo: "工号", none: "—",
    board: "实时看板", stats: "统计分析", report: "报表", supervision: "督办", signIn: "登录", staff: "工号", pin: "密码",
    signOut: "退出", waiting: "等候人数", longest: "最长等候", service: "事项", window: "窗口", status: "状态",
    ticket: "号票", since: "持续", clerk: "工作人员", clerks: "在岗人员", devices: "设备", printer: "打印机",
    online: "在线", offline: "离线", today: "今日累计", issued: "取号", served: "已办结", noShows: "过号",
    walkOuts: "离开未办", avgWait: "平均等候", sl: "服务达标率", satisfaction: "满意率", open: "开放",
    paused: "暂停", closed: "关闭", from: "起", to: "止", show: "查询", groupBy: "分组", total: "合计",
    department: "部门", hour: "时段", day: "日期", weekday: "星期", waitsByHour: "各时段等候时间（分钟）",
    heatmap: "取号热力图（星期 × 时段）", trend: "每日趋势", slByService: "各事项服务达标率",
    windowsCompared: "窗口比较（办结量与使用率）", badRatings: "差评跟进", reason: "原因", level: "评价",
    download: "下载 CSV", daily: "日报", monthly: "月报", print: "打印", utilisation: "使用率",
    strictSl: "严格达标率", p50: "中位数", p90: "90百分位", walking: "步行", handling: "办理",
    mean: "平均", rate: "比率", outcomes: "办件类型", live: "实时", wrong: "工号或密码错误",
    weekdays: ["一", "二", "三", "四", "五", "六", "日"], served_label: "办结", arrivals: "取号",
    minutes: "分", noData: "没有数据", target: "目标", throughput: "每小时办结",
    levels: { very_satisfied: "非常满意", satisfied: "满意", basically_satisfied: "基本满意", dissatisfied: "不满意",
      very_dissatisfied: "非常不满意" },
  },
  en: {
    unseen: (n) => `${n} never connected`, immediateShare: "Immediate share", csvTables: { visits: "Visits", segments: "Segments", window_time: "Window time", ratings: "Ratings", bad_ratings: "Bad ratings", services: "Services", windows: "Windows", departments: "Departments", staff: "Staff", stats: "Figures" },
    notManager: "This staff number is not a manager; it cannot sign in here.", alarms: "Alarms", alarmSound: "Alarm sound",
    soundOn: "on", soundOff: "off",
    alarmQueue: (s, m) => `${s}: longest wait ${m} min, past the action threshold`, alarmPrinter: (d, p) => `${d}: printer ${p}`,
    alarmOffline: (d) => `${d}: device offline`, noAlarms: "No alarms", allOnline: (n) => `all ${n} online`,
    onlineOf: (a, n) => `${a}/${n} online`, connecting: "connecting", refused: "not authorised", language: "Language",
    kinds: { kiosk: "Kiosks", display: "Displays", counter: "Counter terminals", rating_pad: "Rating pads" },
    printerStates: { ready: "ready", paper_out: "out of paper", paper_low: "paper low", offline: "offline", error: "fault", cover_open: "cover open" },
    ticketStates: { called: "called", serving: "serving" }, perWindow: "Per window", perClerk: "Per clerk",
    ratingsBreakdown: "Ratings", rated: "Rated", good: "Good", bad: "Bad", badRate: "Bad rate",
    signature: "Sign-off", preparedBy: "Prepared by", approvedBy: "Approved by", date: "Date", untilDay: (d) => `up to ${d}`,
    visits: "Visits", handlingMean: "Mean handling (min)", staffNo: "Staff no.", none: "—",
    board: "Live board", stats: "Statistics", report: "Reports", supervision: "Supervision", signIn: "Sign in", staff: "Staff number",
    pin: "PIN", signOut: "Sign out", waiting: "Waiting", longest: "Longest wait", service: "Service",
    window: "Window", status: "Status", ticket: "Ticket", since: "For", clerk: "Clerk", clerks: "Clerks on duty",
    devices: "Devices", printer: "Printer", online: "online", offline: "offline", today: "Today so far",
    issued: "Issued", served: "Served", noShows: "No-shows", walkOuts: "Walk-outs", avgWait: "Mean wait",
    sl: "Service level", satisfaction: "Satisfaction", open: "open", paused: "paused", closed: "closed",
    from: "From", to: "To", show: "Show", groupBy: "Group by", total: "Total", department: "Department",
    hour: "Hour", day: "Day", weekday: "Weekday", waitsByHour: "Waits by hour of day (minutes)",
    heatmap: "Arrivals: weekday × hour", trend: "Trend over days", slByService: "Service level per service",
    windowsCompared: "Windows compared (served and utilisation)", badRatings: "Bad ratings to follow up",
    reason: "Reason", level: "Rating", download: "Download CSV", daily: "Daily", monthly: "Monthly",
    print: "Print", utilisation: "Utilisation", strictSl: "Strict service level", p50: "p50", p90: "p90",
    walking: "Walking", handling: "Handling", mean: "mean", rate: "rate", outcomes: "Outcomes", live: "live",
    wrong: "Wrong staff number or PIN", weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    served_label: "served", arrivals: "arrivals", minutes: "min", noData: "No data", target: "target",
    throughput: "Served per hour",
    levels: { very_satisfied: "very satisfied", satisfied: "satisfied", basically_satisfied: "basically satisfied",
      dissatisfied: "dissatisfied", very_dissatisfied: "very dissatisfied" },
  },
};

/** The page's language: ?lang=, else the one chosen in this browser tab, else the hall's default. */
export function lang() {
  const chosen = new URLSearchParams(location.search).get("lang") || sessionStorage.getItem(LANG_KEY);
  return validLang(chosen) || validLang(document.documentElement.dataset.hallLang) || "zh-Hans";
}

/** Read the hall's default language once (public GET /api/center) before anything is drawn. */
export async function initLang() {
  try {
    const center = await loadCenter();
    document.documentElement.dataset.hallLang = center.center.default_lang;
  } catch { /* the sign-in form still works in the fallback language */ }
  applyLang(lang());
}

/** A text; entries that are functions are called with `args`. */
export function t(key, ...args) {
  const value = TEXT[lang()][key] ?? key;
  return typeof value === "function" ? value(...args) : value;
}

export function setLang(value) {
  sessionStorage.setItem(LANG_KEY, value);
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export async function api(path) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (resp.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  }
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : resp.statusText);
  return body;
}

export async function downloadCsv(path, filename) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (!resp.ok) throw new Error(`download failed: ${resp.status}`);
  const url = URL.createObjectURL(await resp.blob());
  const link = el("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Resolves once a manager token is in sessionStorage (shows the sign-in form if needed). */
export async function signedIn(root) {
  await initLang();
  if (token()) return token();
  return new Promise((resolve) => {
    const staff = el("input", { name: "staff", id: "staff", autocomplete: "username", required: true });
    const pin = el("input", { name: "pin", id: "pin", type: "password", autocomplete: "current-password", required: true });
    const error = el("p", { class: "error", role: "alert", id: "signin-error" });
    const form = el("form", { class: "signin" }, el("h1", {}, t("signIn")),
      el("label", {}, t("staff"), staff), el("label", {}, t("pin"), pin), error,
      el("button", { type: "submit" }, t("signIn")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const resp = await fetch("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ staff: staff.value.trim(), pin: pin.value }) });
      const body = await resp.json();
      if (resp.ok && body.role !== "manager") {
        // a guide's PIN was right, but this is not their page: end the session at once
        await fetch("/api/sessions/current", { method: "DELETE", headers: { Authorization: `Bearer ${body.token}` } });
      }
      if (!resp.ok || body.role !== "manager") {
        const code = body.error && body.error.code;
        error.textContent = resp.ok || code === "forbidden" ? t("notManager") : t("wrong");
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, body.token);
      form.remove();
      resolve(body.token);
    });
    root.replaceChildren(form);
  });
}

export function header(active) {
  const pages = [["board", "board.html"], ["stats", "stats.html"], ["report", "report.html"],
    ["supervision", "supervision.html"]];
  const links = pages.map(([key, href]) =>
    el("a", { href, class: key === active ? "active" : null }, t(key)));
  const select = el("select", { "aria-label": t("language"), id: "lang" },
    ...Object.keys(TEXT).map((code) => el("option", { value: code, selected: code === lang(), lang: code }, LANG_NAMES[code])));
  select.addEventListener("change", () => { setLang(select.value); location.search = ""; });
  return el("header", { class: "top" }, el("nav", {}, links), select);
}

export function minutes(seconds) {
  return seconds === null || seconds === undefined ? "—" : (seconds / 60).toFixed(1);
}

export function percent(fig) {
  return !fig || fig.value === null || fig.value === undefined ? "—" : `${(fig.value * 100).toFixed(1)}%`;
}

export function name(names) {
  return pickName(names, lang());
}
