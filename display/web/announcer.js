// Plays call announcements in the browser (docs/voice.md): one FIFO queue in seq order, one
// announcement at a time, clips fetched as /sounds/<clip>.wav and played back to back with
// WebAudio. Nothing is dropped while sound works; a missing clip is skipped, the rest still plays.
// If the browser blocks audio, each announcement is recorded as "blocked" and the screen goes on:
// holding calls until someone clicks would later play a backlog of stale numbers.

const GAP_S = 0.08; // between clips of one language (voice.gap_ms)
const GAP_LANG_S = 0.3; // after the chime and between languages
const LEAD_S = 0.05;
const RESUME_WAIT_MS = 500;
const WATCHDOG_EXTRA_MS = 2000; // an audio clock that does not run must not stall the queue

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const language = (clip) => (clip.includes("/") ? clip.split("/")[0] : clip);

export class Announcer {
  /**
   * @param {object} options
   * @param {"on"|"off"} options.voice   off: the chime only
   * @param {"on"|"off"} options.sound   off: nothing is played (calls are still recorded)
   * @param {(state: string) => void} options.onState  ok | muted | voice_off | blocked | partial
   */
  constructor(options) {
    this.options = options;
    this.queue = [];
    this.played = [];
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

  /** Queue an announcement; an seq already queued (a replay overlap) is ignored. */
  enqueue(seq, announcement) {
    if (seq <= this.lastSeq || !announcement) return false;
    this.lastSeq = seq;
    const clips = this.options.voice === "off" ? announcement.clips.filter((c) => c === "chime") : announcement.clips;
    this.queue.push({ seq, clips, text: announcement.text });
    if (this.context) clips.forEach((clip) => this.load(clip)); // decode ahead while another call plays
    this.drain();
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
      while (this.queue.length) {
        await this.playOne(this.queue[0]);
        this.queue.shift();
      }
    } finally {
      this.busy = false;
    }
  }

  async playOne(item) {
    const record = { seq: item.seq, clips: item.clips, missing: [], status: "played", started: performance.now(), ended: null };
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
