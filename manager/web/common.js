// Shared by the manager pages: sign-in (token in sessionStorage), the JSON/CSV fetch with the
// bearer token, the three UI languages, formatting, and a tiny DOM builder (textContent only).

const TOKEN_KEY = "hallq.manager.token";
const LANG_KEY = "hallq.manager.lang";

export const TEXT = {
  "zh-Hant": {
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

export function lang() {
  const chosen = new URLSearchParams(location.search).get("lang") || sessionStorage.getItem(LANG_KEY);
  return TEXT[chosen] ? chosen : "zh-Hant";
}

export function t(key) {
  return TEXT[lang()][key] ?? key;
}

export function setLang(value) {
  sessionStorage.setItem(LANG_KEY, value);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
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
export function signedIn(root) {
  if (token()) return Promise.resolve(token());
  return new Promise((resolve) => {
    const staff = el("input", { name: "staff", autocomplete: "username", required: true });
    const pin = el("input", { name: "pin", type: "password", autocomplete: "current-password", required: true });
    const error = el("p", { class: "error", role: "alert" });
    const form = el("form", { class: "signin" }, el("h1", {}, t("signIn")),
      el("label", {}, t("staff"), staff), el("label", {}, t("pin"), pin), error,
      el("button", { type: "submit" }, t("signIn")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const resp = await fetch("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ staff: staff.value.trim(), pin: pin.value }) });
      const body = await resp.json();
      if (!resp.ok || body.role !== "manager") {
        error.textContent = t("wrong");
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
  const select = el("select", { "aria-label": "language" },
    ...Object.keys(TEXT).map((code) => el("option", { value: code, selected: code === lang() }, code)));
  select.addEventListener("change", () => { setLang(select.value); location.search = ""; });
  return el("header", { class: "top" }, el("nav", {}, links), select);
}

export function minutes(seconds) {
  return seconds === null || seconds === undefined ? "—" : (seconds / 60).toFixed(1);
}

export function percent(fig) {
  return !fig || fig.value === null || fig.value === undefined ? "—" : `${(fig.value * 100).toFixed(1)}%`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function name(names) {
  return names ? (names[lang()] || names["zh-Hant"]) : "";
}
