// hallq hub client (docs/protocol.md): auth, subscribe (snapshot or replay with `since`),
// ordered events, commands, and reconnect with capped exponential back-off and jitter.
// Shared by every screen; each screen's own module imports it.

const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const REPLY_TIMEOUT_MS = 10000;

export class HubClient {
  /**
   * @param {object} options
   * @param {string} options.token          device token or session token
   * @param {object} [options.scope]        {} | {zone} | {window}
   * @param {(snapshot: object, seq: number) => void} [options.onSnapshot]
   * @param {(event: object, seq: number) => void} [options.onEvent]
   * @param {(message: object) => void} [options.onMessage]  notice, device_status, print_job...
   * @param {(message: object) => void} [options.onConfigChanged]  after the fresh snapshot a
   *        `config_changed` brings (the hub client subscribes again by itself; docs/protocol.md)
   * @param {(state: string, detail?: string) => void} [options.onStatus]  connecting|online|offline|refused
   * @param {(auth: object) => void} [options.onAuth]
   * @param {number} [options.backoffStartMs]  first reconnect delay (default 1 s; tests use less)
   * @param {number} [options.backoffMaxMs]    cap of the reconnect delay (default 30 s)
   */
  constructor(options) {
    this.options = options;
    this.lastSeq = null;
    this.nextId = 1;
    this.pending = new Map();
    this.attempt = 0;
    this.ws = null;
    this.stopped = false;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "bye");
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return this.options.url || `${scheme}//${location.host}/api/ws`;
  }

  status(state, detail) {
    if (this.options.onStatus) this.options.onStatus(state, detail);
  }

  connect() {
    this.status("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => this.handshake().catch((err) => this.fail(err)));
    ws.addEventListener("message", (msg) => this.receive(msg.data));
    ws.addEventListener("close", (ev) => this.closed(ev));
  }

  async handshake() {
    const auth = await this.request({ type: "auth", token: this.options.token });
    if (this.options.onAuth) this.options.onAuth(auth);
    const subscribe = { type: "subscribe", scope: this.options.scope || {} };
    if (this.lastSeq !== null) subscribe.since = this.lastSeq;
    const result = await this.request(subscribe);
    if (result.mode === "snapshot") {
      this.lastSeq = result.seq;
      if (this.options.onSnapshot) this.options.onSnapshot(result.snapshot, result.seq);
    }
    this.attempt = 0;
    this.status("online");
  }

  request(message) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error("no reply"));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ id, ...message }));
    });
  }

  /** Start again from a fresh snapshot on the same connection (e.g. after the business day
   *  turned); if that fails, reconnect, which ends in a snapshot too. */
  async resubscribe() {
    try {
      const result = await this.request({ type: "subscribe", scope: this.options.scope || {} });
      this.lastSeq = result.seq;
      if (this.options.onSnapshot) this.options.onSnapshot(result.snapshot, result.seq);
    } catch (err) {
      console.warn("resubscribe failed; reconnecting", err);
      this.lastSeq = null;
      if (this.ws) this.ws.close();
    }
  }

  /** Run a queue command over the socket; rejects with {code, message} on refusal. */
  command(name, args = {}) {
    return this.request({ type: "command", name, args });
  }

  receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (message.type === "result") return this.settle(message);
    if (message.type === "event") return this.event(message);
    if (message.type === "resync") return; // the server closes next; we reconnect with `since`
    if (message.type === "config_changed") return this.configChanged(message);
    if (this.options.onMessage) this.options.onMessage(message);
  }

  /** The hall's setup changed (docs/administration.md): a fresh snapshot on the same socket, then
   *  `onConfigChanged` for pages that keep more (a counter's guides). Pages need not know the type. */
  async configChanged(message) {
    await this.resubscribe();
    if (this.options.onConfigChanged) this.options.onConfigChanged(message);
  }

  settle(message) {
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.success) waiter.resolve(message.result);
    else waiter.reject(message.error);
  }

  event(message) {
    if (this.lastSeq !== null && message.seq <= this.lastSeq) return; // already seen
    this.lastSeq = message.seq;
    if (this.options.onEvent) this.options.onEvent(message.event, message.seq);
  }

  fail(err) {
    if (err && err.code === "unauthorized") {
      this.stopped = true;
      this.status("refused", err.message);
    }
    if (this.ws) this.ws.close();
  }

  closed(ev) {
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject({ code: "unavailable", message: "connection lost" });
    }
    this.pending.clear();
    if (ev.code === 4001 || ev.code === 4003) { // refused, or the session ended (signed out, expired, revoked)
      this.stopped = true;
      this.status("refused", ev.code === 4003 ? "session_ended" : "unauthorized");
      return;
    }
    if (this.stopped) return;
    this.status("offline");
    const start = this.options.backoffStartMs || BACKOFF_START_MS;
    const delay = Math.min(this.options.backoffMaxMs || BACKOFF_MAX_MS, start * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay * (0.8 + Math.random() * 0.4));
  }
}

/** HTTP JSON call with the same error shape: rejects with {code, message}. */
export async function api(method, path, token, body) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw { code: "unavailable", message: "network error" };
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw data.error || { code: "internal_error", message: `HTTP ${response.status}` };
  return data;
}

/** The device token: from ?token= once (then kept in localStorage and removed from the URL). */
export function deviceToken(storageKey = "hallq.deviceToken") {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    localStorage.setItem(storageKey, fromUrl);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : ""));
    return fromUrl;
  }
  return localStorage.getItem(storageKey);
}

/** Build an element: el("div", {class: "x"}, "text", child...). Text only, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
