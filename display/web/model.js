// The display's picture of its part of the hall: the snapshot (GET /api/hall shape, docs/api.md)
// kept current by applying events in seq order (docs/protocol.md §3). No DOM here.

const RECENT_LIMIT = 12;

/** What one event changed, so a page re-renders only that. */
function changes() {
  return { windows: new Set(), services: false, calls: false, call: null, recount: false, reload: false, missed: false };
}

export class HallModel {
  constructor(snapshot) {
    this.load(snapshot);
  }

  load(snapshot) {
    this.center = snapshot.center;
    this.day = snapshot.day;
    this.scope = snapshot.scope || {};
    this.notice = snapshot.center.notice;
    this.departments = new Map(snapshot.departments.map((d) => [d.code, d]));
    this.services = new Map(snapshot.services.map((s) => [s.code, { ...s }]));
    this.windows = new Map(snapshot.windows.map((w) => [w.number, { ...w }]));
    this.recent = snapshot.recent_calls.map((c) => ({ ...c, seq: 0 }));
    this.missed = new Map((snapshot.missed || []).map((m) => [m.ticket_id, { ...m }])); // 過號, oldest first
  }

  /** A no-show joins the missed list; a call-back, a cancel or a walk-out takes it off. */
  miss(event, changed) {
    if (!this.windows.has(event.window)) return;
    this.missed.set(event.ticket_id, { ticket_id: event.ticket_id, label: event.ticket.label, window: event.window,
      return_until: event.ticket.return_until });
    changed.missed = true;
  }

  unmiss(ticketId, changed) {
    if (this.missed.delete(ticketId)) changed.missed = true;
  }

  /** Apply one event; returns what changed. Unknown types return null (the caller decides). */
  apply(event, seq) {
    const handler = EVENT_HANDLERS[event.type];
    if (handler === undefined) return null;
    const changed = changes();
    handler(this, event, changed, seq);
    return changed;
  }

  queueDelta(ticket, delta, changed) {
    const service = ticket && this.services.get(ticket.queue_service);
    if (!service) return; // a queue this display does not show
    service.waiting = Math.max(0, service.waiting + delta);
    changed.services = true;
  }

  hold(number, ticket, changed) {
    const window = this.windows.get(number);
    if (!window) return;
    window.ticket = ticket;
    changed.windows.add(number);
  }

  release(number, ticketId, changed) {
    const window = this.windows.get(number);
    if (!window || !window.ticket || window.ticket.id !== ticketId) return;
    window.ticket = null;
    changed.windows.add(number);
  }

  setWindow(number, fields, changed) {
    const window = this.windows.get(number);
    if (!window) return;
    Object.assign(window, fields);
    changed.windows.add(number);
  }

  called(event, recall, changed, seq) {
    if (!this.windows.has(event.window)) return; // another zone's window serving one of our queues
    const entry = {
      ticket_id: event.ticket_id, label: event.ticket.label, window: event.window,
      recalls: event.ticket.recalls, at: event.at_local, seq, recall,
    };
    this.recent = [entry, ...this.recent.filter((c) => c.ticket_id !== event.ticket_id)].slice(0, RECENT_LIMIT);
    changed.calls = true;
    changed.call = { ...entry, announcement: event.announcement, epoch: event.at };
  }
}

const release = (m, e, c) => m.release(e.window, e.ticket_id, c);
const ignore = () => {};

// Waiting counts follow the lifecycle table (server/domain/lifecycle.py): a ticket enters a queue
// when issued, checked in, transferred or resumed, and leaves it when called (a call-back of a
// no-show was not waiting). A cancel may or may not have been waiting: that asks for a recount.
const EVENT_HANDLERS = {
  ticket_issued: (m, e, c) => m.queueDelta(e.ticket, +1, c),
  appointment_checked_in: (m, e, c) => e.ticket && e.ticket.status === "waiting" && m.queueDelta(e.ticket, +1, c),
  appointment_booked: ignore,
  ticket_called: (m, e, c, seq) => {
    if (!e.callback) m.queueDelta(e.ticket, -1, c);
    m.unmiss(e.ticket_id, c);
    m.hold(e.window, e.ticket, c);
    m.called(e, false, c, seq);
  },
  ticket_recalled: (m, e, c, seq) => {
    m.hold(e.window, e.ticket, c);
    m.called(e, true, c, seq);
  },
  service_started: (m, e, c) => m.hold(e.window, e.ticket, c),
  service_finished: release,
  ticket_no_show: (m, e, c) => {
    m.release(e.window, e.ticket_id, c);
    m.miss(e, c);
  },
  ticket_suspended: release,
  ticket_resumed: (m, e, c) => m.queueDelta(e.ticket, +1, c),
  ticket_transferred: (m, e, c) => {
    m.release(e.window, e.ticket_id, c);
    m.queueDelta(e.ticket, +1, c);
  },
  ticket_cancelled: (m, e, c) => {
    if (e.window !== null && e.window !== undefined) m.release(e.window, e.ticket_id, c);
    m.unmiss(e.ticket_id, c);
    c.recount = true;
  },
  ticket_walked_out: (m, e, c) => {
    m.unmiss(e.ticket_id, c);
    c.recount = true;
  },
  window_opened: (m, e, c) => m.setWindow(e.window, { status: "open", pause_reason: null, status_since: e.at_local }, c),
  window_paused: (m, e, c) => m.setWindow(e.window, { status: "paused", pause_reason: e.reason, status_since: e.at_local }, c),
  window_resumed: (m, e, c) => m.setWindow(e.window, { status: "open", pause_reason: null, status_since: e.at_local }, c),
  window_closed: (m, e, c) => m.setWindow(e.window, { status: "closed", pause_reason: null, ticket: null, status_since: e.at_local }, c),
  clerk_signed_in: (m, e, c) => m.setWindow(e.window, { staff: { number: e.staff, name: e.staff_name } }, c),
  clerk_signed_out: (m, e, c) => m.setWindow(e.window, { staff: null }, c),
  visit_rated: ignore,
  rating_expired: ignore,
  day_closed: (m, e, c) => { c.reload = true; },
};

export const KNOWN_EVENTS = Object.keys(EVENT_HANDLERS);
