// Plays call announcements in the browser (docs/voice.md): one queue in seq order, one
// announcement at a time, clips fetched as /sounds/<clip>.wav and played back to back with
// WebAudio. Announcements are for now, with the same policy as `hallq speaker`: before each one,
// calls older than maxAgeS (server clock) are dropped, so is a window's call once that window has
// called again, and while shortFrom or more wait, each is spoken in its short form (chime and the
// first language). Dropped calls stay on the screen. A missing clip is skipped, the rest plays.
// If the browser blocks audio, each announcement is recorded as "blocked" and the screen goes on.

const GAP_S = 0.08; // between clips of one language (voice.gap_ms)
const GAP_LANG_S = 0.3; // after the chime and between languages
const LEAD_S = 0.05;
const RESUME_WAIT_MS = 500;
const WATCHDOG_EXTRA_MS = 2000; // an audio clock that does not run must not stall the queue

const MAX_AGE_S = 30;
const SHORT_FROM = 3;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const language = (clip) => (clip.includes("/") ? clip.split("/")[0] : clip);

export class Announcer {
  /**
   * @param {object} options
   * @param {"on"|"off"} options.voice   off: the chime only
   * @param {"on"|"off"} options.sound   off: nothing is played (calls are still recorded)
   * @param {(state: string) => void} options.onState  ok | muted | voice_off | blocked | partial
   * @param {() => number} [options.nowS]   the server's clock, epoch seconds
   * @param {number} [options.maxAgeS]      a call older than this is not spoken (default 30)
   * @param {number} [options.shortFrom]    this many waiting: short forms (default 3)
   */
  constructor(options) {
    this.options = options;
    this.maxAgeS = options.maxAgeS ?? MAX_AGE_S;
    this.shortFrom = options.shortFrom ?? SHORT_FROM;
    this.nowS = options.nowS || (() => Date.now() / 1000);
    this.queue = [];
    this.played = [];
    this.skipped = []; // {seq, label, window, age_s, why: "stale" | "superseded"}
    this.lastSeq = 0;
    this.busy = false;
    this.buffers = new Map();
    this.context = options.sound === "off" ? null : new AudioContext();
    this.state(options.sound === "off" ? "muted" : options.voice === "off" ? "voice_off" : "ok");
  }

  state(value) {
    this.current = value;
    if (this.options.onState) this.options.onState(value);
  }

  /** Queue a call's announcement; an seq already queued (a replay overlap) is ignored.
   *  `call`: {window, epoch (when the clerk called, server clock), label}. */
  enqueue(seq, announcement, call = {}) {
    if (seq <= this.lastSeq || !announcement) return false;
    this.lastSeq = seq;
    const clips = this.options.voice === "off" ? announcement.clips.filter((c) => c === "chime") : announcement.clips;
    this.queue.push({ seq, clips, text: announcement.text, window: call.window, epoch: call.epoch, label: call.label });
    if (this.context) clips.forEach((clip) => this.load(clip)); // decode ahead while another call plays
    this.drain();
    return true;
  }

  /** The policy: drop stale and superseded calls; the oldest left, short when many wait. */
  next() {
    const now = this.nowS();
    const fresh = [];
    for (const item of this.queue) {
      const ageS = item.epoch === undefined ? 0 : now - item.epoch;
      if (ageS > this.maxAgeS) this.skip(item, "stale", ageS);
      else fresh.push(item);
    }
    const latest = new Map(fresh.map((item) => [item.window, item.seq]));
    this.queue = fresh.filter((item) => latest.get(item.window) === item.seq || !this.skip(item, "superseded", now - item.epoch));
    if (!this.queue.length) return null;
    const short = this.queue.length >= this.shortFrom;
    const item = this.queue.shift();
    return { ...item, short, clips: short ? shortForm(item.clips) : item.clips };
  }

  skip(item, why, ageS) {
    this.skipped.push({ seq: item.seq, label: item.label, window: item.window, age_s: Math.round(ageS), why });
    return true;
  }

  /** Let a click on the page enable sound that the browser's autoplay policy held back. */
  unlock() {
    if (this.context && this.context.state !== "running") this.context.resume();
  }

  async drain() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let item = this.next(); item; item = this.next()) await this.playOne(item);
    } finally {
      this.busy = false;
    }
  }

  async playOne(item) {
    const record = { seq: item.seq, clips: item.clips, short: item.short, missing: [], status: "played",
      started: performance.now(), ended: null };
    this.played.push(record);
    try {
      record.status = await this.sound(item, record);
    } catch (err) {
      console.warn("announcement", item.seq, "failed:", err);
      record.status = "failed";
    }
    record.ended = performance.now();
  }

  async sound(item, record) {
    if (!this.context) return "muted";
    if (!(await this.running())) {
      this.state("blocked");
      return "blocked";
    }
    const buffers = await Promise.all(item.clips.map((clip) => this.load(clip)));
    record.missing = item.clips.filter((_, i) => buffers[i] === null);
    this.state(record.missing.length ? "partial" : this.options.voice === "off" ? "voice_off" : "ok");
    const endAt = this.schedule(item.clips, buffers);
    await this.until(endAt);
    return "played";
  }

  async running() {
    if (this.context.state === "running") return true;
    this.context.resume().catch(() => {});
    await sleep(RESUME_WAIT_MS);
    return this.context.state === "running";
  }

  /** Start every clip on the audio clock, back to back; returns when (audio time) the last ends. */
  schedule(clips, buffers) {
    let at = this.context.currentTime + LEAD_S;
    let previous = null;
    clips.forEach((clip, i) => {
      const buffer = buffers[i];
      if (!buffer) return;
      if (previous !== null) at += language(previous) === language(clip) ? GAP_S : GAP_LANG_S;
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      source.connect(this.context.destination);
      source.start(at);
      at += buffer.duration;
      previous = clip;
    });
    return at;
  }

  /** Wait until the audio clock passes `endAt`, with a wall-clock watchdog. */
  async until(endAt) {
    const deadline = performance.now() + (endAt - this.context.currentTime) * 1000 + WATCHDOG_EXTRA_MS;
    while (this.context.currentTime < endAt && performance.now() < deadline) {
      await sleep(Math.max(20, Math.min(250, (endAt - this.context.currentTime) * 1000)));
    }
  }

  /** The decoded clip, fetched once; null when it is missing or unreadable. */
  load(clip) {
    if (!this.buffers.has(clip)) this.buffers.set(clip, this.fetchClip(clip));
    return this.buffers.get(clip);
  }

  async fetchClip(clip) {
    try {
      const response = await fetch(`/sounds/${clip}.wav`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await this.context.decodeAudioData(await response.arrayBuffer());
    } catch (err) {
      console.warn("clip", clip, "unavailable:", err.message || err);
      this.buffers.delete(clip); // try again next time: the clip may be built meanwhile
      return null;
    }
  }
}

/** The chime and the first language's clips ("cmn/..." of a cmn + en announcement). */
export function shortForm(clips) {
  const spoken = clips.filter((clip) => clip.includes("/"));
  if (!spoken.length) return clips;
  const first = language(spoken[0]);
  return clips.filter((clip) => !clip.includes("/") || language(clip) === first);
}
