// The counter terminal's keyboard: one key per action, numeric keypad first, function keys as the
// alternative (docs/counter.md). The desk calls `actionForKey` for keys pressed outside a dialog.

export const SHORTCUTS = [
  { keys: ["+", "F1"], action: "call_next" },
  { keys: ["*", "F2"], action: "recall" },
  { keys: ["Enter", "F3"], action: "start" },
  { keys: ["1"], action: "finish_immediate" },
  { keys: ["/", "F4"], action: "finish" },
  { keys: ["-", "F5"], action: "no_show" },
  { keys: ["7", "F6"], action: "suspend" },
  { keys: ["8", "F7"], action: "resume_ticket" },
  { keys: ["9", "F8"], action: "transfer" },
  { keys: ["4", "F9"], action: "missed" },
  { keys: ["5", "F10"], action: "pause_toggle" },
  { keys: ["6"], action: "close_toggle" },
  { keys: ["0"], action: "cancel_ticket" },
];

/** The action a key press asks for, or null (typing in a field, a modifier held, an unbound key). */
export function actionForKey(ev) {
  if (ev.ctrlKey || ev.altKey || ev.metaKey) return null;
  if (["INPUT", "TEXTAREA", "SELECT"].includes(ev.target.tagName)) return null;
  const shortcut = SHORTCUTS.find((s) => s.keys.includes(ev.key));
  return shortcut ? shortcut.action : null;
}
