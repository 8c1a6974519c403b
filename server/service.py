"""The hall service: runs commands through the pure engine, makes them durable through the one
writer, and only then tells the hub. The adapter between the rules and the world.

Every command is decided and applied on the event loop with no `await` in between, so commands
are strictly ordered and two clerks pressing "call next" at the same instant get two tickets.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Callable, Protocol

from .domain import commands as c
from .domain import engine
from .domain import events as e
from .domain.calendar import business_day, iso_local
from .domain.errors import DomainError
from .domain.hall import HallConfig
from .domain.model import HallState
from .store import queries
from .store.reader import Reader
from .store.writer import WriteBatch, Writer
from .views import ticket_row, ticket_view

log = logging.getLogger("hallq.service")

CALL_EVENTS = ("ticket_called", "ticket_recalled")


class Publisher(Protocol):
    def publish(self, events: list[dict]) -> None: ...  # committed events, in seq order
    def send_to_device(self, device_id: str, message: dict) -> None: ...


class NullPublisher:
    def publish(self, events: list[dict]) -> None:
        pass

    def send_to_device(self, device_id: str, message: dict) -> None:
        pass


@dataclass
class Done:
    """A command's outcome, kept for the day so a retried request id gets the same answer."""

    fingerprint: str
    response: dict
    future: object  # the commit future; awaited by a retry that arrives before the commit


def fingerprint_of(name: str, args: dict) -> str:
    canonical = json.dumps([name, args], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class HallService:
    def __init__(self, hall: HallConfig, clock, writer: Writer, reader: Reader,
                 announce: Callable[[str, int, bool], dict] | None = None):
        self.hall = hall
        self.clock = clock
        self.writer = writer
        self.reader = reader
        self.announce = announce
        self.publisher: Publisher = NullPublisher()
        self.state: HallState = engine.new_state(hall, self.today())
        self.done: dict[str, Done] = {}
        self.tracking: dict[str, int] = {}  # tracking hash -> ticket id, today only
        self.on_events: list[Callable[[list[dict]], None]] = []  # e.g. the auth module's session upkeep
        self.broken = False

    def today(self) -> str:
        center = self.hall.center
        return business_day(self.clock.now(), center.timezone, center.day_boundary_min)

    # --- start-up: rebuild exactly what was acknowledged -----------------------------------------

    async def load(self) -> None:
        self.state = await self.reader.run(_rebuild_state, self.hall, self.today())
        self.tracking = {t.tracking_hash: t.id for t in self.state.tickets.values() if t.tracking_hash}
        rows = await self.reader.run(queries.requests_of_day, self.state.day)
        self.done = {r["key"]: Done(r["fingerprint"], json.loads(r["response"]), None) for r in rows}
        self.broken = False
        log.info("state rebuilt: day %s, seq %d, %d tickets", self.state.day, self.state.last_seq,
                 len(self.state.tickets))

    # --- running commands ------------------------------------------------------------------------

    async def execute(self, cmd: c.Command, *, actor: str = "", request_id: str | None = None,
                      args: dict | None = None, respond: Callable[[list[e.Event]], dict] | None = None,
                      statements: list[tuple[str, tuple]] | None = None,
                      on_commit: Callable[[], None] | None = None) -> dict:
        """Run one command; return its response once it is durable. Raises DomainError."""
        if self.broken:
            raise DomainError("unavailable", "the server is recovering from a storage error; retry shortly")
        key = f"{actor}|{request_id}" if request_id else None
        fingerprint = fingerprint_of(cmd.NAME, args or {}) if key else ""
        if key and key in self.done:
            return await self._replay(self.done[key], fingerprint)
        self._turn_day_if_due()
        batch = self._decide(cmd, respond, statements if statements is not None else [])
        if key:
            self._remember(batch, key, fingerprint)
        batch.on_commit = self._committed(on_commit)
        future = self.writer.submit(batch)
        if key:
            self.done[key].future = future
        await self._durable(future)
        return batch.response

    def _decide(self, cmd, respond, statements) -> WriteBatch:
        batch = WriteBatch()
        events = engine.handle(self.state, self.hall, cmd, self.clock.now(),
                               on_applied=lambda ev: self._record(batch, ev))
        batch.response = respond(events) if respond else {"events": [ev.seq for ev in events]}
        batch.statements.extend(statements)  # after respond(), which may add some (a print job)
        return batch

    def _record(self, batch: WriteBatch, ev: e.Event) -> None:
        """Right after an event is applied: its wire form and the ticket row as of that moment."""
        wire = self.wire_event(ev)
        batch.events.append(wire)
        ticket = self.state.tickets.get(getattr(ev, "ticket_id", None))
        if ticket is not None:
            batch.tickets.append(ticket_row(ticket, self.hall, ev.seq))
            if ev.TYPE == "ticket_issued" and ticket.tracking_hash:
                self.tracking[ticket.tracking_hash] = ticket.id
        if ev.TYPE == "day_closed":
            self.tracking.clear()
            self.done.clear()

    def wire_event(self, ev: e.Event) -> dict:
        """The event as stored and sent: ids plus the ticket object and the announcement."""
        wire = ev.to_dict()
        wire["at_local"] = iso_local(ev.at, self.hall.center.timezone)
        ticket = self.state.tickets.get(getattr(ev, "ticket_id", None))
        if ticket is not None:
            wire["ticket"] = ticket_view(ticket, self.hall)
            wire["service"] = ticket.queue_service
        if ev.TYPE in CALL_EVENTS and ticket is not None:
            wire["announcement"] = self._announcement(ticket.label, ev.window, ev.TYPE == "ticket_recalled")
        if ev.TYPE == "clerk_signed_in":
            staff = self.hall.staff_member(ev.staff)
            wire["staff_name"] = staff.name if staff else ""
        wire.pop("tracking_hash", None)  # the tracking token's hash stays in the ticket row only
        return wire

    def _announcement(self, label: str, window: int, recall: bool) -> dict | None:
        if self.announce is None:
            return None
        try:
            return self.announce(label, window, recall)
        except Exception:  # noqa: BLE001 - a voice fault must never block a call; the screen still shows it
            log.exception("announcement for %s at window %s failed", label, window)
            return None

    def _remember(self, batch: WriteBatch, key: str, fingerprint: str) -> None:
        self.done[key] = Done(fingerprint, batch.response, None)
        batch.statements.append((
            "INSERT INTO requests (key, fingerprint, status, response, at, day) VALUES (?, ?, ?, ?, ?, ?)",
            (key, fingerprint, 200, json.dumps(batch.response, ensure_ascii=False, default=str),
             self.clock.now(), self.state.day)))

    def is_retry(self, actor: str, request_id: str | None) -> bool:
        return bool(request_id) and f"{actor}|{request_id}" in self.done

    async def _replay(self, done: Done, fingerprint: str) -> dict:
        if done.fingerprint != fingerprint:
            raise DomainError("request_conflict", "this request id was used for a different request")
        if done.future is not None:
            await self._durable(done.future)
        return done.response

    def _committed(self, extra: Callable[[], None] | None) -> Callable[[WriteBatch], None]:
        def after_commit(batch: WriteBatch) -> None:
            if extra is not None:
                extra()
            if batch.events:
                for listener in self.on_events:
                    listener(batch.events)
                self.publisher.publish(batch.events)
        return after_commit

    async def _durable(self, future) -> None:
        try:
            await future
        except Exception as exc:
            log.error("storage failed (%s); rebuilding state from the database", exc)
            self.broken = True
            await self.load()
            raise DomainError("internal_error", "the action could not be saved; nothing was changed") from exc

    # --- the day's turn and housekeeping ---------------------------------------------------------

    def _turn_day_if_due(self) -> None:
        today = self.today()
        if today <= self.state.day:
            return
        batch = self._decide(c.CloseDay(new_day=today), None, [])
        batch.on_commit = self._committed(None)
        self.writer.submit(batch)  # ordered before the command that noticed the turn
        log.info("business day turned to %s", today)

    async def tick(self) -> None:
        """Called periodically: turn the day, expire ratings nobody gave."""
        if self.broken:
            return
        self._turn_day_if_due()
        limit = self.clock.now() - self.hall.rules.rating_timeout_s
        if any(p.finished_at < limit for p in self.state.pending_ratings.values()):
            await self.execute(c.Tick())

    async def write_only(self, statements: list[tuple[str, tuple]]) -> None:
        """Durable writes that are not hall events (sessions, print-job acks), in the same order."""
        await self._durable(self.writer.submit(WriteBatch(statements=statements)))

    # --- reads ----------------------------------------------------------------------------------

    async def ticket(self, ticket_id: int) -> dict | None:
        live = self.state.tickets.get(ticket_id)
        if live is not None:
            return ticket_view(live, self.hall)
        row = await self.reader.run(queries.ticket_row, ticket_id)
        if row is None:
            return None
        return {k: v for k, v in row.items() if k not in ("tracking_hash", "times", "seq")} | {
            "issued_at": iso_local(row["issued_at"], self.hall.center.timezone)}

    async def events_since(self, seq: int, limit: int) -> list[dict]:
        return await self.reader.run(queries.events_since, seq, limit)

    # --- print jobs -----------------------------------------------------------------------------

    async def pending_print_jobs(self, device: str) -> list[dict]:
        rows = await self.reader.run(queries.pending_print_jobs_of, device)
        return [{"type": "print_job", "job_id": r["job_id"], "ticket_id": r["ticket_id"],
                 "reprint": bool(r["reprint"]), "payload": json.loads(r["payload"])} for r in rows]

    async def ack_print_job(self, device: str, job_id: str, status: str, error: str) -> bool:
        if await self.reader.run(queries.print_job_device, job_id) != device:
            return False
        await self.write_only([("UPDATE print_jobs SET status = ?, error = ?, acked_at = ? "
                                "WHERE job_id = ? AND device = ?",
                                (status, error or None, self.clock.now(), job_id, device))])
        return True


def _rebuild_state(conn, hall: HallConfig, today: str) -> HallState:
    """Replay the last business day's events (and bookings made earlier for it) into a fresh state."""
    last = queries.last_event(conn)
    if last is None:
        return engine.new_state(hall, today)
    day = last["day"]
    state = engine.new_state(hall, day, next_ticket_id=queries.max_ticket_id(conn) + 1)
    for data in queries.bookings_for(conn, day, day) + queries.events_of_day(conn, day):
        engine.apply(state, hall, e.Event.from_dict(data))
    state.last_seq = last["seq"]
    return state
