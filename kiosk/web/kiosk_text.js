// Kiosk and tracking page wording, zh-Hans / zh-Hant / en, and error messages per code.
export const LANGS = ["zh-Hans", "zh-Hant", "en"];
export const LANG_NAMES = { "zh-Hans": "简体中文", "zh-Hant": "繁體中文", en: "English" };

const list = (items, sep) => items.join(sep);

export const TEXT = {
  "zh-Hans": {
    welcome: "欢迎，请选择办理的部门", pick_service: "请选择业务", waiting: "等候", about: "约",
    n_services: (n) => `${n} 项业务`, no_window_open: "暂无窗口办理", no_wait: "无需等候",
    range: (a, b) => `${a}–${b} 分钟`, back: "返回", back_start: "回到首页", done: "完成",
    checkin: "预约签到", checkin_hint: "输入预约码取号", checkin_type: "请输入预约码", delete: "删除", clear: "清空",
    confirm: "确认签到", working: "处理中…",
    green: "绿色通道", green_hint: "老年人、残疾人、孕妇、军人", green_who: "请选择适用情形（工作人员将核实）",
    green_pick_service: "绿色通道：请选择业务", green_confirm: "请出示相关证件",
    green_desk: "绿色通道（老年人、残疾人、孕妇、军人）请到服务台办理",
    cat_elderly: "老年人", cat_disabled: "残疾人", cat_pregnant: "孕妇", cat_military: "军人",
    appointment: "预约", ahead: "前面还有", people: "人", estimate: "预计等候",
    where: (ws) => ws.length ? `请到 ${list(ws, "、")} 号窗口附近等候` : "请在大厅等候",
    listen: "请留意屏幕显示和语音叫号", qr_caption: "手机扫码，随时查看排队进度",
    printing: "号票正在打印，请取票", reprinting: "正在重新打印…", reprint: "重新打印",
    print_fault: "打印机暂时无法出票：请用手机扫描二维码，或拍下本画面。",
    printer_paper_out: "打印机缺纸：号票只显示在屏幕上，请扫码或拍照", printer_offline: "打印机离线：号票只显示在屏幕上，请扫码或拍照",
    printer_error: "打印机故障：号票只显示在屏幕上，请扫码或拍照",
    off_outside_issuing_hours: "现在不发号", off_daily_cap_reached: "今日号票已发完", off_hall_closed: "非办公时间",
    link_offline: "网络连接中断，正在重新连接…", link_connecting: "正在连接…", link_refused: "取号机未授权，请联系管理员",
    retry: "再试一次",
  },
  "zh-Hant": {
    welcome: "歡迎，請選擇辦理的部門", pick_service: "請選擇業務", waiting: "等候", about: "約",
    n_services: (n) => `${n} 項業務`, no_window_open: "暫無窗口辦理", no_wait: "無需等候",
    range: (a, b) => `${a}–${b} 分鐘`, back: "返回", back_start: "回到首頁", done: "完成",
    checkin: "預約簽到", checkin_hint: "輸入預約碼取號", checkin_type: "請輸入預約碼", delete: "刪除", clear: "清空",
    confirm: "確認簽到", working: "處理中…",
    green: "綠色通道", green_hint: "長者、殘疾人士、孕婦、軍人", green_who: "請選擇適用情形（工作人員將核實）",
    green_pick_service: "綠色通道：請選擇業務", green_confirm: "請出示相關證件",
    green_desk: "綠色通道（長者、殘疾人士、孕婦、軍人）請到服務台辦理",
    cat_elderly: "長者", cat_disabled: "殘疾人士", cat_pregnant: "孕婦", cat_military: "軍人",
    appointment: "預約", ahead: "前面還有", people: "人", estimate: "預計等候",
    where: (ws) => ws.length ? `請到 ${list(ws, "、")} 號窗口附近等候` : "請在大廳等候",
    listen: "請留意螢幕顯示及語音叫號", qr_caption: "手機掃碼，隨時查看排隊進度",
    printing: "號票正在打印，請取票", reprinting: "正在重新打印…", reprint: "重新打印",
    print_fault: "打印機暫時無法出票：請用手機掃描二維碼，或拍下本畫面。",
    printer_paper_out: "打印機缺紙：號票只顯示在螢幕上，請掃碼或拍照", printer_offline: "打印機離線：號票只顯示在螢幕上，請掃碼或拍照",
    printer_error: "打印機故障：號票只顯示在螢幕上，請掃碼或拍照",
    off_outside_issuing_hours: "現在不發號", off_daily_cap_reached: "今日號票已發完", off_hall_closed: "非辦公時間",
    link_offline: "網絡連線中斷，正在重新連線…", link_connecting: "正在連線…", link_refused: "取號機未授權，請聯絡管理員",
    retry: "再試一次",
  },
  en: {
    welcome: "Welcome. Please choose a department", pick_service: "Please choose a service", waiting: "Waiting", about: "about",
    n_services: (n) => `${n} service${n === 1 ? "" : "s"}`, no_window_open: "no window open now", no_wait: "no wait",
    range: (a, b) => `${a}–${b} min`, back: "Back", back_start: "Start again", done: "Done",
    checkin: "Appointment check-in", checkin_hint: "Enter your booking code", checkin_type: "Please enter your booking code",
    delete: "Delete", clear: "Clear", confirm: "Check in", working: "Working…",
    green: "Green channel", green_hint: "Elderly, disabled, pregnant, military", green_who: "Please choose (staff will verify)",
    green_pick_service: "Green channel: choose a service", green_confirm: "Please show your document",
    green_desk: "Green channel (elderly, disabled, pregnant, military): please ask at the service desk",
    cat_elderly: "Elderly", cat_disabled: "Disabled", cat_pregnant: "Pregnant", cat_military: "Military",
    appointment: "Appointment", ahead: "People ahead:", people: "", estimate: "Estimated wait:",
    where: (ws) => ws.length ? `Please wait near window${ws.length > 1 ? "s" : ""} ${list(ws, ", ")}` : "Please wait in the hall",
    listen: "Please watch the screens and listen for your number", qr_caption: "Scan to follow the queue on your phone",
    printing: "Your ticket is printing. Please take it.", reprinting: "Printing again…", reprint: "Print again",
    print_fault: "The printer cannot print right now: scan the QR code with your phone, or take a photo of this screen.",
    printer_paper_out: "Printer out of paper: tickets show on screen only. Scan the code or take a photo.",
    printer_offline: "Printer offline: tickets show on screen only. Scan the code or take a photo.",
    printer_error: "Printer fault: tickets show on screen only. Scan the code or take a photo.",
    off_outside_issuing_hours: "Not issuing now", off_daily_cap_reached: "All today's tickets issued", off_hall_closed: "Closed now",
    link_offline: "Connection lost, reconnecting…", link_connecting: "Connecting…", link_refused: "This kiosk is not authorised; please call staff",
    retry: "Try again",
  },
};

const ERRORS = {
  "zh-Hans": {
    daily_cap_reached: (d) => ["今日号票已发完", `该业务每日限号 ${d.daily_cap ?? ""} 个，请改日再来或预约办理。`],
    outside_issuing_hours: (d) => ["该业务现在不发号", `发号时间：${(d.issuing_hours || []).join("、")}`],
    hall_closed: (d) => ["现在不是办公时间", `办公时间：${(d.opening_hours || []).join("、")}`],
    rate_limited: () => ["取号太频繁", "请稍候再试。"],
    unknown_appointment: () => ["找不到这个预约码", "请核对后重新输入，或到服务台咨询。"],
    appointment_used: () => ["这个预约已经签到", "如需帮助请到服务台。"],
    appointment_other_day: (d) => ["预约不是今天", `预约日期：${d.slot_day || ""}`],
    forbidden: () => ["此处不能办理", "请到服务台办理。"],
    unavailable: () => ["网络暂时中断", "请再试一次；不会重复取号。"],
    reprint_expired: () => ["不能再重新打印", "请扫描二维码，或到服务台。"],
    print_pending: () => ["号票等待打印", "打印机恢复后会自动打印。"],
    other: () => ["暂时无法取号", "请到服务台咨询。"],
  },
  "zh-Hant": {
    daily_cap_reached: (d) => ["今日號票已發完", `此業務每日限號 ${d.daily_cap ?? ""} 個，請改日再來或預約辦理。`],
    outside_issuing_hours: (d) => ["此業務現在不發號", `發號時間：${(d.issuing_hours || []).join("、")}`],
    hall_closed: (d) => ["現在不是辦公時間", `辦公時間：${(d.opening_hours || []).join("、")}`],
    rate_limited: () => ["取號太頻繁", "請稍候再試。"],
    unknown_appointment: () => ["找不到這個預約碼", "請核對後重新輸入，或到服務台查詢。"],
    appointment_used: () => ["這個預約已經簽到", "如需協助請到服務台。"],
    appointment_other_day: (d) => ["預約不是今天", `預約日期：${d.slot_day || ""}`],
    forbidden: () => ["此處不能辦理", "請到服務台辦理。"],
    unavailable: () => ["網絡暫時中斷", "請再試一次；不會重複取號。"],
    reprint_expired: () => ["不能再重新打印", "請掃描二維碼，或到服務台。"],
    print_pending: () => ["號票等待打印", "打印機恢復後會自動打印。"],
    other: () => ["暫時無法取號", "請到服務台查詢。"],
  },
  en: {
    daily_cap_reached: (d) => ["All of today's tickets are issued", `This service issues ${d.daily_cap ?? ""} tickets a day. Please come back another day or book an appointment.`],
    outside_issuing_hours: (d) => ["This service is not issuing tickets now", `Tickets are issued ${(d.issuing_hours || []).join(", ")}.`],
    hall_closed: (d) => ["The hall is closed now", `Opening hours: ${(d.opening_hours || []).join(", ")}.`],
    rate_limited: () => ["Too many tickets at once", "Please wait a moment and try again."],
    unknown_appointment: () => ["Booking code not found", "Please check the code, or ask at the service desk."],
    appointment_used: () => ["This booking is already checked in", "Please ask at the service desk if you need help."],
    appointment_other_day: (d) => ["This booking is not for today", `Booked for ${d.slot_day || ""}.`],
    forbidden: () => ["Not available here", "Please ask at the service desk."],
    unavailable: () => ["Connection lost", "Please try again; you will not get two tickets."],
    reprint_expired: () => ["It can no longer be printed again", "Please scan the QR code, or ask at the service desk."],
    print_pending: () => ["The ticket is waiting for the printer", "It prints as soon as the printer is back."],
    other: () => ["No ticket right now", "Please ask at the service desk."],
  },
};

/** [title, line...] for an API error {code, details}. */
export function errorText(lang, err) {
  const table = ERRORS[lang] || ERRORS.en;
  const make = table[err && err.code] || table.other;
  return make((err && err.details) || {});
}
