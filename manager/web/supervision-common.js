// Shared by the supervision pages: their texts in three languages, sign-in for managers and
// department liaisons, JSON calls with the session token, and the page header.
import { api as call } from "/common/hub.js";
import { downloadCsv, el, lang, setLang, token } from "./common.js";

const TOKEN_KEY = "hallq.manager.token"; // the manager pages' session: one sign-in serves them all

const ROLES = new Set(["manager", "liaison"]);

const TEXT = {
  "zh-Hant": {
    cases: "督辦案件", report: "督辦報表", board: "即時看板", signIn: "登入", signOut: "登出", staff: "工號", pin: "密碼",
    wrong: "工號或密碼錯誤，或此帳號不能使用督辦頁面", manager: "管理人員", liaison: "部門聯絡員",
    kind: "類型", status: "狀態", department: "部門", window: "窗口", ticket: "號票", opened: "受理日", due: "到期日",
    level: "評價", reason: "原因", contact: "回訪電話", open: "查看", onlyOpen: "只看未結", month: "月份", all: "全部",
    show: "查詢", steps: "處理記錄", tasks: "各部門任務", go: "提交", cancel: "取消", noCases: "沒有案件",
    light: "監察燈", handler: "承辦人", caseNumber: "辦件編號", extensions: "延期次數", finished: "結案日",
    kinds: { bad_review: "差評", promised: "承諾件", joint: "聯辦件", joint_task: "聯辦任務" },
    statuses: { pending: "待核實", verifying: "核實中", rectifying: "整改中", answered: "已反饋", closed: "已回訪",
      appealed: "申訴中", struck: "已撤銷", open: "辦理中", done: "已辦結" },
    actions: { verify: "開始核實", rectify: "核實完成，進入整改", answer: "整改並反饋市民", call_back: "回訪",
      appeal: "申訴", uphold: "複核：維持差評", strike: "複核：撤銷差評", done: "辦結", extend: "延期" },
    fields: { finding: "核實情況", rectification: "整改措施", answer: "反饋內容", callback_result: "回訪結果",
      reason: "理由", days: "延長工作日", note: "備註" },
    results: { satisfied: "滿意", dissatisfied: "不滿意", unreachable: "聯繫不上", no_contact: "未留電話" },
    lights: { due_today: "今日到期", overdue: "已超期" },
    levels: { dissatisfied: "不滿意", very_dissatisfied: "非常不滿意" },
    ratesDept: "各部門差評整改與承諾件", ratesWindow: "各窗口差評整改", badReviews: "差評數", rectRate: "差評整改率",
    onTimeRect: "按期整改率", callbackRate: "實名差評回訪率", appeals: "申訴（維持/撤銷）", promisedDue: "到期承諾件",
    onTimeDone: "按期辦結率", overdue: "超期件", trips: "最多跑一次", matters: "辦結事項", oneTrip: "一次辦結",
    twoOrMore: "跑兩次及以上", refusals: "否定報備", refusalKinds: { not_accepted: "不予受理", not_permitted: "不予許可" },
    legalBasis: "法律依據", appraisal: "月度考核", windows: "窗口", clerks: "工作人員", visits: "辦件量", sl: "服務達標率",
    satisfaction: "滿意率", badRate: "差評率", promisedRate: "承諾件按期率", attendance: "出勤率", late: "遲到",
    pauses: "暫停（原因）", score: "得分", redFlag: "紅旗窗口候選", star: "服務明星候選", csv: "下載 CSV", print: "列印",
    casesCsv: "案件 CSV", none: "—", day: "日期",
  },
  "zh-Hans": {
    cases: "督办案件", report: "督办报表", board: "实时看板", signIn: "登录", signOut: "退出", staff: "工号", pin: "密码",
    wrong: "工号或密码错误，或此账号不能使用督办页面", manager: "管理人员", liaison: "部门联络员",
    kind: "类型", status: "状态", department: "部门", window: "窗口", ticket: "号票", opened: "受理日", due: "到期日",
    level: "评价", reason: "原因", contact: "回访电话", open: "查看", onlyOpen: "只看未结", month: "月份", all: "全部",
    show: "查询", steps: "处理记录", tasks: "各部门任务", go: "提交", cancel: "取消", noCases: "没有案件",
    light: "监察灯", handler: "承办人", caseNumber: "办件编号", extensions: "延期次数", finished: "结案日",
    kinds: { bad_review: "差评", promised: "承诺件", joint: "联办件", joint_task: "联办任务" },
    statuses: { pending: "待核实", verifying: "核实中", rectifying: "整改中", answered: "已反馈", closed: "已回访",
      appealed: "申诉中", struck: "已撤销", open: "办理中", done: "已办结" },
    actions: { verify: "开始核实", rectify: "核实完成，进入整改", answer: "整改并反馈群众", call_back: "回访",
      appeal: "申诉", uphold: "复核：维持差评", strike: "复核：撤销差评", done: "办结", extend: "延期" },
    fields: { finding: "核实情况", rectification: "整改措施", answer: "反馈内容", callback_result: "回访结果",
      reason: "理由", days: "延长工作日", note: "备注" },
    results: { satisfied: "满意", dissatisfied: "不满意", unreachable: "联系不上", no_contact: "未留电话" },
    lights: { due_today: "今日到期", overdue: "已超期" },
    levels: { dissatisfied: "不满意", very_dissatisfied: "非常不满意" },
    ratesDept: "各部门差评整改与承诺件", ratesWindow: "各窗口差评整改", badReviews: "差评数", rectRate: "差评整改率",
    onTimeRect: "按期整改率", callbackRate: "实名差评回访率", appeals: "申诉（维持/撤销）", promisedDue: "到期承诺件",
    onTimeDone: "按期办结率", overdue: "超期件", trips: "最多跑一次", matters: "办结事项", oneTrip: "一次办结",
    twoOrMore: "跑两次及以上", refusals: "否定报备", refusalKinds: { not_accepted: "不予受理", not_permitted: "不予许可" },
    legalBasis: "法律依据", appraisal: "月度考核", windows: "窗口", clerks: "工作人员", visits: "办件量", sl: "服务达标率",
    satisfaction: "满意率", badRate: "差评率", promisedRate: "承诺件按期率", attendance: "出勤率", late: "迟到",
    pauses: "暂停（原因）", score: "得分", redFlag: "红旗窗口候选", star: "服务明星候选", csv: "下载 CSV", print: "打印",
    casesCsv: "案件 CSV", none: "—", day: "日期",
  },
  en: {
    cases: "Supervision cases", report: "Supervision report", board: "Live board", signIn: "Sign in", signOut: "Sign out",
    staff: "Staff number", pin: "PIN", wrong: "Wrong staff number or PIN, or this account may not use supervision",
    manager: "manager", liaison: "department liaison",
    kind: "Kind", status: "Status", department: "Department", window: "Window", ticket: "Ticket", opened: "Opened",
    due: "Due", level: "Rating", reason: "Reason", contact: "Call-back number", open: "Open", onlyOpen: "Open only",
    month: "Month", all: "All", show: "Show", steps: "Steps", tasks: "Departments' tasks", go: "Submit",
    cancel: "Cancel", noCases: "No cases", light: "Light", handler: "Handled by", caseNumber: "Case number",
    extensions: "Extensions", finished: "Finished",
    kinds: { bad_review: "Bad review", promised: "Promised", joint: "Joint", joint_task: "Joint task" },
    statuses: { pending: "To verify", verifying: "Verifying", rectifying: "Rectifying", answered: "Answered",
      closed: "Called back", appealed: "Appealed", struck: "Struck out", open: "Open", done: "Done" },
    actions: { verify: "Start verifying", rectify: "Verified: rectify", answer: "Rectified: answer the citizen",
      call_back: "Call back", appeal: "Appeal", uphold: "Review: the rating stands", strike: "Review: strike it out",
      done: "Done", extend: "Extend" },
    fields: { finding: "What verification found", rectification: "What was put right", answer: "What the citizen was told",
      callback_result: "Call-back result", reason: "Reason", days: "More working days", note: "Note" },
    results: { satisfied: "satisfied", dissatisfied: "dissatisfied", unreachable: "unreachable", no_contact: "no number left" },
    lights: { due_today: "due today", overdue: "overdue" },
    levels: { dissatisfied: "dissatisfied", very_dissatisfied: "very dissatisfied" },
    ratesDept: "Bad reviews and promised cases per department", ratesWindow: "Bad reviews per window",
    badReviews: "Bad reviews", rectRate: "Rectified", onTimeRect: "Rectified on time", callbackRate: "Called back",
    appeals: "Appeals (upheld/struck)", promisedDue: "Promised due", onTimeDone: "Done on time", overdue: "Overdue",
    trips: "At most one trip", matters: "Matters done", oneTrip: "One trip", twoOrMore: "Two or more trips",
    refusals: "Refusals", refusalKinds: { not_accepted: "not accepted", not_permitted: "not permitted" },
    legalBasis: "Legal basis", appraisal: "Monthly appraisal", windows: "Windows", clerks: "Clerks", visits: "Visits",
    sl: "Service level", satisfaction: "Satisfaction", badRate: "Bad-review rate", promisedRate: "Promised on time",
    attendance: "Attendance", late: "Late", pauses: "Pauses (reason)", score: "Score", redFlag: "Red-flag window candidates",
    star: "Service star candidates", csv: "Download CSV", print: "Print", casesCsv: "Cases CSV", none: "—", day: "Day",
  },
};

export function st(key) {
  return TEXT[lang()][key] ?? key;
}

/** JSON call with the session; a lost session signs in again. Rejects with {code, message}. */
export async function call_(method, path, body) {
  try {
    return await call(method, path, token(), body);
  } catch (err) {
    if (err.code === "unauthorized") {
      sessionStorage.removeItem(TOKEN_KEY);
      location.reload();
    }
    throw err;
  }
}
export { call_ as api };

/** Resolves with {role, staff, staff_name} once a manager or liaison is signed in. */
export async function whoSignedIn(root) {
  if (token()) {
    try {
      const me = await call("GET", "/api/sessions/current", token());
      if (ROLES.has(me.role)) return me;
    } catch { /* sign in again */ }
    sessionStorage.removeItem(TOKEN_KEY);
  }
  return new Promise((resolve) => {
    const staff = el("input", { name: "staff", autocomplete: "username", required: true });
    const pin = el("input", { name: "pin", type: "password", autocomplete: "current-password", required: true });
    const error = el("p", { class: "error", role: "alert" });
    const form = el("form", { class: "signin" }, el("h1", {}, st("signIn")),
      el("label", {}, st("staff"), staff), el("label", {}, st("pin"), pin), error,
      el("button", { type: "submit" }, st("signIn")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const body = await call("POST", "/api/sessions", null, { staff: staff.value.trim(), pin: pin.value });
        if (!ROLES.has(body.role)) throw new Error("role");
        sessionStorage.setItem(TOKEN_KEY, body.token);
        resolve(await call("GET", "/api/sessions/current", body.token));
      } catch {
        error.textContent = st("wrong");
      }
    });
    root.replaceChildren(form);
  });
}

export function supervisionHeader(active, me) {
  const pages = [["cases", "supervision.html"], ["report", "supervision-report.html"]];
  if (me.role === "manager") pages.unshift(["board", "board.html"]);
  const links = pages.map(([key, href]) => el("a", { href, class: key === active ? "active" : null }, st(key)));
  const select = el("select", { "aria-label": "language" },
    ...Object.keys(TEXT).map((code) => el("option", { value: code, selected: code === lang() }, code)));
  select.addEventListener("change", () => { setLang(select.value); location.search = ""; });
  const out = el("button", { type: "button", id: "sign-out", onclick: async () => {
    await call("DELETE", "/api/sessions/current", token()).catch(() => null);
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  } }, st("signOut"));
  const who = el("span", { id: "who", class: "who" }, `${me.staff_name} · ${st(me.role)}`);
  return el("header", { class: "top" }, el("nav", {}, links), el("span", {}, who, " ", select, " ", out));
}

export function pct(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

// The manager pages' session (one sign-in serves them all) and CSV downloads, from the shared module.
export { downloadCsv, token };
