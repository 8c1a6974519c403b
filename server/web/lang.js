// Languages shared by every page: the three UI languages, the hall's configured default
// (`[center] default_lang`, read from the public GET /api/center), names in a language,
// and the one duration format. Text tables stay with each page; this module holds no state.

export const LANGS = ["zh-Hans", "zh-Hant", "en"];
export const LANG_NAMES = { "zh-Hans": "简体中文", "zh-Hant": "繁體中文", en: "English" };
export const LANG_SHORT = { "zh-Hans": "简体", "zh-Hant": "繁體", en: "EN" };
export const FALLBACK_LANG = "zh-Hans";

/** The public hall description: {center: {name, default_lang, notice, ...}, departments, services (with guide)}. */
export async function loadCenter() {
  const response = await fetch("/api/center", { headers: { Accept: "application/json" } });
  if (!response.ok) throw { code: "unavailable", message: `HTTP ${response.status}` };
  return response.json();
}

/** A valid language or null. */
export function validLang(value) {
  return LANGS.includes(value) ? value : null;
}

/**
 * The language a page starts in: ?lang= in the URL, else the one chosen on this device
 * (localStorage `storageKey`, when given), else the hall's default.
 */
export function startLang(hallDefault, storageKey = null) {
  const fromUrl = validLang(new URLSearchParams(location.search).get("lang"));
  const stored = storageKey ? validLang(localStorage.getItem(storageKey)) : null;
  return fromUrl || stored || validLang(hallDefault) || FALLBACK_LANG;
}

/** Sets <html lang> so fonts and screen readers follow the language. */
export function applyLang(lang) {
  document.documentElement.lang = lang;
}

/** A {zh-Hans, zh-Hant, en} text in `lang` (falling back to any language that has it). */
export function pickName(names, lang) {
  if (!names) return "";
  return names[lang] || names[FALLBACK_LANG] || names["zh-Hant"] || names.en || "";
}

/** Seconds as a clock-like duration: 75 -> "1:15", 3725 -> "1:02:05"; null/undefined -> "—". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return "—";
  const s = Math.max(0, Math.round(Number(seconds)));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
