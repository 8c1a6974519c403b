// The clerk's session on this terminal: kept in localStorage so a reload or a server restart does
// not sign the clerk out, and the sign-in form.
import { el } from "/common/hub.js";
import { fill } from "./i18n.js";

const SESSION_KEY = "hallq.counter.session";

export function loadSession() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(session) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

/** The sign-in form for window `window`; `onSubmit(staff, pin, errorBox)` does the sign-in. */
export function signInForm(t, window, errorText, onSubmit) {
  const staff = el("input", { id: "staff", name: "staff", inputmode: "numeric", autocomplete: "username", required: true });
  const pin = el("input", { id: "pin", name: "pin", type: "password", inputmode: "numeric",
    autocomplete: "current-password", required: true });
  const error = el("div", { class: errorText ? "message error" : "message", id: "signin-error", role: "alert" }, errorText);
  const form = el("form", { class: "panel signin", id: "signin" },
    el("h2", {}, t.sign_in_title, " · ", fill(t.window_n, { n: window })),
    el("label", {}, t.staff_number, staff),
    el("label", {}, t.pin, pin),
    el("button", { type: "submit", id: "signin-submit" }, t.sign_in),
    error);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    onSubmit(staff.value.trim(), pin.value, error);
  });
  return { form, focus: () => staff.focus() };
}
