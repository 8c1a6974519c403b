// Administration (managers): departments, services, windows, staff, devices, the center and its
// notice, and the version history. The forms are built from GET /api/admin/schema, so every key the
// hall file knows can be edited; the server checks a change with the rules of `hallq check-config`
// and answers which field is wrong. Every save carries the version the page read: if another
// manager saved first, the page says so instead of overwriting (docs/administration.md).
import { downloadCsv, el, lang, setLang, signedIn, token } from "./common.js";

const TEXT = {
  "zh-Hant": {
    title: "大廳設定", departments: "部門", services: "事項", windows: "窗口", staff: "人員", devices: "設備",
    center: "中心與公告", versions: "修改紀錄", add: "新增", save: "保存", remove: "刪除", version: "版本",
    saved: "已保存，畫面已更新", invalidField: "欄位有誤", conflict: "另一位管理員剛修改了設定，請重新載入後再改。",
    reload: "重新載入", strand: "不能這樣修改", resetPin: "重設密碼", rotate: "更換令牌", revoke: "吊銷令牌",
    oneTimePin: "一次性密碼（只顯示這一次，首次登入須改密碼）：", newToken: "新令牌（只顯示這一次）：",
    revoked: "令牌已吊銷", online: "在線", offline: "離線", lastSeen: "最後在線", servedAt: "辦理窗口",
    when: "時間", who: "修改人", source: "來源", what: "內容", signOut: "登出", confirmRemove: "確定刪除？",
    badJson: "不是有效的 JSON", rules: "規則", choose: "請在左側選擇一項，或新增。", kind: "類型",
    rota: "窗口輪值", notices: "定時公告", calendar: "工作日曆", audit: "審計紀錄", from: "起", to: "止",
    action: "操作", actor: "操作人", device: "設備", target: "對象", before: "之前", after: "之後", show: "查詢",
    csv: "下載 CSV", all: "全部", choosePin: "請設定您自己的密碼", oneTime: "一次性密碼", newPin: "新密碼（4-12 位數字）",
    newPinAgain: "再輸入一次", pinsDiffer: "兩次輸入的密碼不同", pinWrong: "一次性密碼錯誤",
  },
  "zh-Hans": {
    title: "大厅设置", departments: "部门", services: "事项", windows: "窗口", staff: "人员", devices: "设备",
    center: "中心与公告", versions: "修改记录", add: "新增", save: "保存", remove: "删除", version: "版本",
    saved: "已保存，屏幕已更新", invalidField: "字段有误", conflict: "另一位管理员刚修改了设置，请重新加载后再改。",
    reload: "重新加载", strand: "不能这样修改", resetPin: "重置密码", rotate: "更换令牌", revoke: "吊销令牌",
    oneTimePin: "一次性密码（只显示这一次，首次登录须改密码）：", newToken: "新令牌（只显示这一次）：",
    revoked: "令牌已吊销", online: "在线", offline: "离线", lastSeen: "最后在线", servedAt: "办理窗口",
    when: "时间", who: "修改人", source: "来源", what: "内容", signOut: "退出", confirmRemove: "确定删除？",
    badJson: "不是有效的 JSON", rules: "规则", choose: "请在左侧选择一项，或新增。", kind: "类型",
    rota: "窗口轮值", notices: "定时公告", calendar: "工作日历", audit: "审计记录", from: "起", to: "止",
    action: "操作", actor: "操作人", device: "设备", target: "对象", before: "之前", after: "之后", show: "查询",
    csv: "下载 CSV", all: "全部", choosePin: "请设置您自己的密码", oneTime: "一次性密码", newPin: "新密码（4-12 位数字）",
    newPinAgain: "再输入一次", pinsDiffer: "两次输入的密码不同", pinWrong: "一次性密码错误",
  },
  en: {
    title: "Administration", departments: "Departments", services: "Services", windows: "Windows", staff: "Staff",
    devices: "Devices", center: "Center and notice", versions: "History", add: "Add", save: "Save",
    remove: "Remove", version: "version", saved: "Saved; the screens are updated", invalidField: "Wrong field",
    conflict: "Another manager has just changed the configuration; reload and make your change again.",
    reload: "Reload", strand: "This change is not possible now", resetPin: "Reset PIN", rotate: "Rotate token",
    revoke: "Revoke token", oneTimePin: "One-time PIN (shown only now; a new PIN is chosen at the first sign-in):",
    newToken: "New token (shown only now):", revoked: "Token revoked", online: "online", offline: "offline",
    lastSeen: "Last seen", servedAt: "Windows that call it", when: "When", who: "Who", source: "Source",
    what: "What", signOut: "Sign out", confirmRemove: "Remove it?", badJson: "not valid JSON", rules: "Rules",
    choose: "Choose an entry on the left, or add one.", kind: "Kind",
    rota: "Window rota", notices: "Timed notices", calendar: "Working calendar", audit: "Audit log", from: "From",
    to: "To", action: "Action", actor: "Who", device: "Device", target: "Target", before: "Before", after: "After",
    show: "Show", csv: "Download CSV", all: "all", choosePin: "Choose your own PIN", oneTime: "One-time PIN",
    newPin: "New PIN (4 to 12 digits)", newPinAgain: "New PIN again", pinsDiffer: "The two PINs differ",
    pinWrong: "The one-time PIN is wrong",
  },
};

// Labels of the configuration keys: [zh-Hans, zh-Hant, en]; the key itself is shown for the rest.
const KEYS = {
  code: ["代码", "代碼", "Code"], name: ["名称", "名稱", "Name"], prefix: ["号票字头", "號票字頭", "Prefix"],
  department: ["部门", "部門", "Department"], target_wait_min: ["目标等候（分）", "目標等候（分）", "Target wait (min)"],
  warning_wait_min: ["预警等候（分）", "預警等候（分）", "Warning wait (min)"],
  action_wait_min: ["处置等候（分）", "處置等候（分）", "Action wait (min)"], daily_cap: ["每日限号", "每日限號", "Daily cap"],
  issuing_hours: ["取号时段", "取號時段", "Issuing hours"], typical_handling_min: ["一般办理时长（分）", "一般辦理時長（分）", "Typical handling (min)"],
  guide: ["办事指南", "辦事指南", "Citizen guide"], number: ["编号", "編號", "Number"], kind: ["类型", "類型", "Kind"],
  zone: ["区域", "區域", "Zone"], services: ["事项（按顺序）", "事項（按順序）", "Services (in order)"],
  policy: ["叫号策略", "叫號策略", "Routing policy"], role: ["角色", "角色", "Role"], windows: ["窗口", "窗口", "Windows"],
  disabled: ["停用", "停用", "Disabled"], pin_change_required: ["须改密码", "須改密碼", "Must change PIN"],
  id: ["设备编号", "設備編號", "Device id"], window: ["窗口", "窗口", "Window"], green_channel: ["绿色通道", "綠色通道", "Green channel"],
  printer: ["打印机", "打印機", "Printer"], timezone: ["时区", "時區", "Time zone"], day_boundary: ["换日时间", "換日時間", "Day boundary"],
  opening_hours: ["开放时间", "開放時間", "Opening hours"], missed_rule: ["过号规则", "過號規則", "Missed-number rule"],
  notice: ["公告", "公告", "Notice"], materials: ["所需材料", "所需材料", "Materials"], steps: ["办理步骤", "辦理步驟", "Steps"],
  time_limit_days: ["承诺时限（工作日）", "承諾時限（工作日）", "Time limit (working days)"], fees: ["收费", "收費", "Fees"],
  legal_basis: ["法律依据", "法律依據", "Legal basis"], consult_phone: ["咨询电话", "諮詢電話", "Consulting phone"],
  weekdays: ["星期（1-7）", "星期（1-7）", "Weekdays (1-7)"], dates: ["日期", "日期", "Dates"], hours: ["时段", "時段", "Hours"],
  note: ["备注", "備註", "Note"], text: ["内容", "內容", "Text"], starts: ["开始", "開始", "Starts"], ends: ["结束", "結束", "Ends"],
  weekend: ["周末（星期几）", "週末（星期幾）", "Weekend days"], holidays: ["节假日", "節假日", "Holidays"],
  workdays: ["调休上班日", "調休上班日", "Make-up working days"],
  mode: ["方式", "方式", "Mode"], normal_per_priority: ["优先后普通数", "優先後普通數", "Normal calls per priority"],
  promote_past_action: ["超时优先", "超時優先", "Promote past action"], default_lang: ["默认语言", "預設語言", "Default language"],
};
const LANG_INDEX = { "zh-Hans": 0, "zh-Hant": 1, en: 2 };
const TABLES = ["services", "departments", "windows", "staff", "devices", "rota", "notices"];
const SECRETS = ["pin_hash", "token_hash"];
const LIST_KINDS = ["hours", "strings", "integers"];

function tr(key) {
  return TEXT[lang()][key] ?? TEXT.en[key] ?? key;
}

function keyLabel(key) {
  return KEYS[key] ? KEYS[key][LANG_INDEX[lang()]] : key;
}

function named(names) {
  return names ? names[lang()] || names["zh-Hant"] || "" : "";
}

async function call(method, path, body) {
  const resp = await fetch(path, {
    method, headers: { Authorization: `Bearer ${token()}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await resp.json();
  if (resp.status === 401) {
    sessionStorage.clear();
    location.reload();
  }
  if (!resp.ok) throw data.error || { code: "internal_error", message: `HTTP ${resp.status}` };
  return data;
}

/** One input per schema key; `read()` gives the value to send (undefined: leave the key out).
 *  `tables` is the whole schema: a "table" key with its own sub-schema (a service's guide, a
 *  window's policy) gets a nested form instead of a JSON box. */
function fieldFor(key, spec, value, tables = {}, path = key) {
  if (spec.kind === "table" && tables[path]) return subForm(key, tables[path], value || {}, tables, path);
  if (spec.kind === "names_list") return namesList(key, value || []);
  if (spec.kind === "names") {
    const inputs = ["zh-Hans", "zh-Hant", "en"].map((code) =>
      el("input", { type: "text", name: `${key}.${code}`, placeholder: code, value: value ? value[code] ?? "" : "" }));
    const read = () => {
      const out = Object.fromEntries(inputs.map((i) => [i.name.split(".")[1], i.value.trim()]));
      return !spec.required && Object.values(out).every((v) => v === "") ? undefined : out;
    };
    return { node: el("div", { class: "names", "data-key": key }, inputs), read };
  }
  if (spec.kind === "boolean") {
    const input = el("input", { type: "checkbox", name: key, "data-key": key });
    input.checked = value === undefined ? Boolean(spec.default) : Boolean(value);
    return { node: input, read: () => input.checked };
  }
  if (spec.kind === "table") {
    const input = el("textarea", { name: key, "data-key": key, rows: 2 });
    input.value = value === undefined ? "" : JSON.stringify(value);
    const read = () => {
      if (input.value.trim() === "") return undefined;
      try {
        return JSON.parse(input.value);
      } catch {
        throw { code: "invalid_config", message: tr("badJson"), details: { field: `.${key}` } };
      }
    };
    return { node: input, read };
  }
  const text = value === undefined || value === null ? "" : LIST_KINDS.includes(spec.kind) ? value.join(", ") : String(value);
  const numeric = spec.kind === "integer" || spec.kind === "number";
  const shown = spec.default === null || spec.default === undefined ? null
    : Array.isArray(spec.default) ? spec.default.join(", ") : String(spec.default);
  const input = el("input", { type: numeric ? "number" : "text", step: spec.kind === "number" ? "any" : null,
    name: key, "data-key": key, value: text, placeholder: shown });
  const read = () => {
    const raw = input.value.trim();
    if (LIST_KINDS.includes(spec.kind)) {
      const parts = raw === "" ? [] : raw.split(",").map((p) => p.trim()).filter((p) => p !== "");
      return spec.kind === "integers" ? parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : parts;
    }
    if (raw === "") return spec.required ? "" : undefined;
    return numeric && raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  };
  return { node: input, read };
}

function subForm(key, schema, value, tables, path) {
  const fields = Object.entries(schema).map(([sub, spec]) => [sub, fieldFor(sub, spec, value[sub], tables, `${path}.${sub}`)]);
  const node = el("fieldset", { class: "entry sub", "data-key": key },
    fields.map(([sub, field]) => el("label", { title: schema[sub].doc }, keyLabel(sub), field.node)));
  const read = () => {
    const out = {};
    for (const [sub, field] of fields) {
      const v = field.read();
      if (v !== undefined && !(Array.isArray(v) && v.length === 0 && value[sub] === undefined)) out[sub] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  return { node, read };
}

/** A list of texts in the three languages (a guide's materials or steps): one row each. */
function namesList(key, value) {
  const rows = el("div", { class: "rows" });
  const addRow = (names = {}) => {
    const inputs = ["zh-Hans", "zh-Hant", "en"].map((code) =>
      el("input", { type: "text", placeholder: code, "data-lang": code, value: names[code] ?? "" }));
    const row = el("div", { class: "names" }, inputs,
      el("button", { type: "button", class: "drop", "aria-label": "remove", onclick: () => row.remove() }, "✕"));
    rows.append(row);
  };
  value.forEach(addRow);
  const node = el("div", { class: "names-list", "data-key": key }, rows,
    el("button", { type: "button", class: "add-line", onclick: () => addRow() }, "+"));
  const read = () => [...rows.children].map((row) =>
    Object.fromEntries([...row.querySelectorAll("input")].map((i) => [i.dataset.lang, i.value.trim()])))
    .filter((names) => Object.values(names).some((v) => v !== ""));
  return { node, read };
}

class Admin {
  constructor(root) {
    this.root = root;
    this.tab = "services";
    this.selected = null; // identity of the entry in the form, or "" for a new one
    this.message = el("div", { id: "message", role: "status" });
    this.secret = el("div", { id: "secret" });
  }

  async load() {
    const [schema, config, devices] = await Promise.all([call("GET", "/api/admin/schema"),
      call("GET", "/api/admin/config"), call("GET", "/api/admin/devices")]);
    this.schema = schema;
    this.version = config.version;
    this.doc = config.document;
    this.devices = Object.fromEntries(devices.devices.map((d) => [d.device, d]));
    this.history = this.tab === "versions" ? (await call("GET", "/api/admin/versions")).versions : [];
    this.render();
  }

  render() {
    const select = el("select", { "aria-label": "language", id: "lang" },
      ...Object.keys(TEXT).map((code) => el("option", { value: code, selected: code === lang() }, code)));
    select.addEventListener("change", () => { setLang(select.value); location.search = ""; });
    const top = el("header", { class: "top" },
      el("nav", {}, el("a", { href: "board.html" }, "⟵"), el("a", { class: "active", href: "admin.html" }, tr("title"))),
      el("span", {}, el("span", { id: "version", class: "version" },
        `${tr("version")} ${this.version}`), select));
    const tabs = el("nav", { class: "tabs" }, [...TABLES, "center", "versions", "audit"].map((name) =>
      el("button", { type: "button", "data-tab": name, class: name === this.tab ? "active" : null,
        onclick: () => this.open(name) }, tr(name))));
    let body;
    if (TABLES.includes(this.tab)) body = el("div", { class: "admin-grid" }, this.list(), this.editor());
    else if (this.tab === "center") {
      body = el("div", { class: "admin-grid" }, this.sectionForm("center"),
        el("div", {}, this.sectionForm("calendar"), this.sectionForm("rules")));
    }
    else if (this.tab === "audit") body = this.auditView();
    else body = this.historyTable();
    this.root.replaceChildren(top, el("main", {}, tabs, this.message, this.secret, body));
  }

  async open(tab) {
    this.tab = tab;
    this.selected = null;
    this.say(null);
    await this.load();
  }

  say(kind, text) {
    this.message.className = kind ? `message ${kind}` : "";
    this.message.replaceChildren(...(text ? [text] : []));
    if (kind === "error" && text === tr("conflict")) {
      this.message.append(" ", el("button", { type: "button", id: "reload", onclick: () => this.open(this.tab) }, tr("reload")));
    }
  }

  identity(table) {
    return this.schema.identity[table];
  }

  list() {
    const table = this.tab;
    const ident = this.identity(table);
    const rows = (this.doc[table] || []).map((entry, index) => {
      const id = ident ? String(entry[ident]) : String(index);
      const device = table === "devices" ? this.devices[id] : null;
      return el("tr", { "data-id": id, class: id === this.selected ? "selected" : null,
        onclick: () => { this.selected = id; this.say(null); this.secret.replaceChildren(); this.render(); } },
        el("td", {}, ident ? id : entry.window ?? `${entry.starts} – ${entry.ends}`),
        el("td", {}, entry.prefix || entry.kind || entry.role || (entry.weekdays || entry.dates || []).join(", ")),
        el("td", {}, typeof entry.name === "string" ? entry.name : named(entry.name || entry.text)
          || [entry.department, (entry.hours || []).join(", "), (entry.services || []).join(", ")].filter(Boolean).join(" · ")),
        el("td", {}, device ? el("span", { class: `badge ${device.online ? "online" : "offline"}` },
          device.online ? tr("online") : tr("offline")) : entry.disabled ? keyLabel("disabled") : ""),
        el("td", { class: "muted" }, device && device.printer ? `${keyLabel("printer")}: ${device.printer}` : "",
          device && device.last_seen ? ` ${tr("lastSeen")} ${device.last_seen.slice(0, 16).replace("T", " ")}` : ""));
    });
    const add = el("button", { type: "button", id: "add", onclick: () => { this.selected = ""; this.render(); } }, tr("add"));
    return el("section", { class: "entries" }, el("h2", {}, tr(table), " ", add),
      el("table", { id: "entries" }, el("tbody", {}, rows)));
  }

  editor() {
    const table = this.tab;
    if (this.selected === null) return el("section", {}, el("p", { class: "muted" }, tr("choose")));
    const ident = this.identity(table);
    const rows = this.doc[table] || [];
    const entry = (ident ? rows.find((e) => String(e[ident]) === this.selected) : rows[Number(this.selected)]) || {};
    const isNew = this.selected === "";
    const fields = [];
    const form = el("form", { class: "entry", id: "entry-form", "data-table": table });
    for (const [key, spec] of Object.entries(this.schema.tables[table])) {
      if (SECRETS.includes(key)) continue;
      const field = fieldFor(key, spec, entry[key], this.schema.tables, `${table}.${key}`);
      if (key === ident && !isNew) field.node.setAttribute("readonly", "");
      fields.push([key, field]);
      form.append(el("label", { title: spec.doc }, keyLabel(key), spec.required ? " *" : ""), field.node,
        el("div", { class: "help" }, spec.doc));
    }
    const servedAt = table === "services" ? this.windowChecks(entry[ident]) : null;
    if (servedAt) form.append(el("label", {}, tr("servedAt")), servedAt.node);
    const actions = el("div", { class: "actions" }, el("button", { type: "submit", id: "save" }, tr("save")));
    if (!isNew) actions.append(el("button", { type: "button", id: "remove", onclick: () => this.remove(table, ident ? entry[ident] : this.selected) }, tr("remove")));
    if (!isNew && table === "staff") actions.append(el("button", { type: "button", id: "reset-pin", onclick: () => this.resetPin(entry.number) }, tr("resetPin")));
    if (!isNew && table === "devices") {
      actions.append(el("button", { type: "button", id: "rotate", onclick: () => this.token(entry.id, "rotate-token") }, tr("rotate")),
        el("button", { type: "button", id: "revoke", onclick: () => this.token(entry.id, "revoke-token") }, tr("revoke")));
    }
    form.append(actions);
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.save(table, form, fields, servedAt);
    });
    return el("section", {}, el("h2", {}, isNew ? `${tr("add")} · ${tr(table)}` : `${tr(table)} · ${this.selected}`), form);
  }

  windowChecks(code) {
    const boxes = (this.doc.windows || []).map((w) => {
      const box = el("input", { type: "checkbox", value: String(w.number), name: "served_at" });
      box.checked = code !== undefined && (w.services || []).includes(code);
      return el("label", {}, box, ` ${w.number}`);
    });
    const node = el("div", { class: "checks", "data-key": "windows" }, boxes);
    return { node, read: () => [...node.querySelectorAll("input:checked")].map((b) => b.value) };
  }

  async save(table, form, fields, servedAt) {
    form.querySelectorAll("[data-invalid]").forEach((n) => n.removeAttribute("data-invalid"));
    try {
      const entry = {};
      for (const [key, field] of fields) {
        const value = field.read();
        if (value !== undefined) entry[key] = value;
      }
      const ident = this.identity(table);
      const key = ident ? entry[ident] : this.selected === "" ? (this.doc[table] || []).length : Number(this.selected);
      const body = { version: this.version, entry };
      if (servedAt) body.windows = servedAt.read();
      const answer = await call("PUT", `/api/admin/entries/${table}/${encodeURIComponent(String(key ?? ""))}`, body);
      this.selected = String(key);
      await this.load();
      this.say("ok", `${tr("saved")} (${tr("version")} ${answer.version})`);
      if (answer.pin) this.showSecret(tr("oneTimePin"), answer.pin);
      if (answer.token) this.showSecret(tr("newToken"), answer.token);
    } catch (err) {
      this.fail(err, form);
    }
  }

  fail(err, form) {
    if (err.code === "version_conflict") return this.say("error", tr("conflict"));
    if (err.code === "would_strand_tickets") return this.say("error", `${tr("strand")}: ${err.message}`);
    const path = err.details && err.details.field ? err.details.field : "";
    const key = (path.match(/\]\.([a-z_]+)/) || path.match(/^\.?([a-z_]+)/) || [])[1];
    if (key && form) {
      const node = form.querySelector(`[data-key="${key}"]`);
      if (node) node.setAttribute("data-invalid", "");
    }
    this.say("error", key ? `${tr("invalidField")}「${keyLabel(key)}」: ${err.message}` : `${err.code}: ${err.message}`);
    return undefined;
  }

  showSecret(label, value) {
    this.secret.replaceChildren(el("p", {}, label, " ", el("span", { class: "secret", id: "secret-value" }, value)));
  }

  async remove(table, key) {
    if (!window.confirm(tr("confirmRemove"))) return;
    try {
      const answer = await call("DELETE", `/api/admin/entries/${table}/${encodeURIComponent(String(key))}?version=${this.version}`);
      this.selected = null;
      await this.load();
      this.say("ok", `${tr("saved")} (${tr("version")} ${answer.version})`);
    } catch (err) {
      this.fail(err, null);
    }
  }

  async resetPin(number) {
    try {
      const answer = await call("POST", `/api/admin/staff/${encodeURIComponent(number)}/reset-pin`, { version: this.version });
      await this.load();
      this.showSecret(tr("oneTimePin"), answer.pin);
    } catch (err) {
      this.fail(err, null);
    }
  }

  async token(device, action) {
    try {
      const answer = await call("POST", `/api/admin/devices/${encodeURIComponent(device)}/${action}`, { version: this.version });
      await this.load();
      if (answer.token) this.showSecret(tr("newToken"), answer.token);
      else this.say("ok", tr("revoked"));
    } catch (err) {
      this.fail(err, null);
    }
  }

  sectionForm(section) {
    const fields = [];
    const form = el("form", { class: "entry", id: `${section}-form`, "data-table": section });
    for (const [key, spec] of Object.entries(this.schema.tables[section])) {
      const field = fieldFor(key, spec, (this.doc[section] || {})[key], this.schema.tables, `${section}.${key}`);
      fields.push([key, field]);
      form.append(el("label", { title: spec.doc }, keyLabel(key)), field.node, el("div", { class: "help" }, spec.doc));
    }
    form.append(el("div", { class: "actions" }, el("button", { type: "submit", id: `save-${section}` }, tr("save"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      form.querySelectorAll("[data-invalid]").forEach((n) => n.removeAttribute("data-invalid"));
      try {
        const value = {};
        for (const [key, field] of fields) {
          const v = field.read();
          if (v !== undefined) value[key] = v;
        }
        const answer = await call("PUT", `/api/admin/sections/${section}`, { version: this.version, value });
        await this.load();
        this.say("ok", `${tr("saved")} (${tr("version")} ${answer.version})`);
      } catch (err) {
        this.fail(err, form);
      }
    });
    return el("section", {}, el("h2", {}, tr(section)), form);
  }

  auditQuery(format) {
    const f = this.auditFilter || {};
    const params = new URLSearchParams({ format });
    for (const key of ["from", "to", "action", "actor"]) if (f[key]) params.set(key, f[key]);
    return `/api/admin/audit?${params}`;
  }

  auditView() {
    const f = this.auditFilter || {};
    const input = (name, type = "text") => el("input", { type, name, value: f[name] || "" });
    const actions = ["", "config_change", "pin_reset", "pin_changed", "token_rotated", "token_revoked", "sign_in",
      "sign_in_failed", "sign_out", "cancel", "reprint"];
    const action = el("select", { name: "action" }, actions.map((a) => el("option", { value: a, selected: a === (f.action || "") }, a || tr("all"))));
    const form = el("form", { class: "controls", id: "audit-filter" },
      el("label", {}, tr("from"), input("from", "date")), el("label", {}, tr("to"), input("to", "date")),
      el("label", {}, tr("action"), action), el("label", {}, tr("actor"), input("actor")),
      el("button", { type: "submit" }, tr("show")),
      el("button", { type: "button", id: "audit-csv", onclick: () => downloadCsv(this.auditQuery("csv"), "audit.csv") }, tr("csv")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.auditFilter = Object.fromEntries(new FormData(form).entries());
      this.loadAudit().catch((err) => this.fail(err, null));
    });
    this.auditBody = el("tbody", {});
    const head = ["when", "actor", "device", "action", "target", "before", "after"].map((k) => el("th", {}, tr(k)));
    this.loadAudit().catch((err) => this.fail(err, null));
    return el("section", {}, form, el("table", { id: "audit" }, el("thead", {}, el("tr", {}, head)), this.auditBody));
  }

  async loadAudit() {
    const data = await call("GET", this.auditQuery("json"));
    const show = (v) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
    this.auditBody.replaceChildren(...data.rows.map((r) => el("tr", { "data-action": r.action },
      el("td", {}, r.at_local.slice(0, 19).replace("T", " ")), el("td", {}, show(r.actor)), el("td", {}, show(r.device)),
      el("td", {}, r.action), el("td", {}, show(r.target)), el("td", { class: "wrap" }, show(r.before)),
      el("td", { class: "wrap" }, show(r.after)))));
  }

  historyTable() {
    const rows = this.history.map((v) => el("tr", { "data-version": v.version },
      el("td", { class: "num" }, v.version), el("td", {}, new Date(v.at * 1000).toLocaleString(lang())),
      el("td", {}, v.actor), el("td", {}, v.source), el("td", { class: "wrap" }, v.summary)));
    return el("section", {}, el("table", { id: "history" },
      el("thead", {}, el("tr", {}, ["version", "when", "who", "source", "what"].map((k) => el("th", {}, tr(k))))),
      el("tbody", {}, rows)));
  }
}

/** Signed in with a one-time PIN (new, or reset): choose one's own before anything else. */
function ownPin(root) {
  return new Promise((resolve) => {
    const input = (name) => el("input", { type: "password", name, inputmode: "numeric", autocomplete: "new-password", required: true });
    const current = input("current_pin");
    const fresh = input("new_pin");
    const again = input("new_pin_again");
    const error = el("p", { class: "error", role: "alert" });
    const form = el("form", { class: "signin", id: "own-pin" }, el("h1", {}, tr("choosePin")),
      el("label", {}, tr("oneTime"), current), el("label", {}, tr("newPin"), fresh), el("label", {}, tr("newPinAgain"), again),
      error, el("button", { type: "submit" }, tr("save")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (fresh.value !== again.value) {
        error.textContent = tr("pinsDiffer");
        return;
      }
      try {
        await call("POST", "/api/sessions/current/pin", { current_pin: current.value, new_pin: fresh.value });
        resolve();
      } catch (err) {
        error.textContent = err.code === "unauthorized" ? tr("pinWrong") : err.message;
      }
    });
    root.replaceChildren(form);
  });
}

async function main() {
  const root = document.getElementById("app");
  await signedIn(root);
  const me = await call("GET", "/api/sessions/current");
  if (me.pin_change_required) await ownPin(root);
  await new Admin(root).load();
}

main().catch((err) => {
  document.getElementById("app").replaceChildren(el("p", { class: "message error" }, `${err.code || ""} ${err.message || err}`));
});
