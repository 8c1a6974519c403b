"""The hall service: runs commands through the pure engine, makes them durable through the one
writer, and only then tells the hub. The adapter between the rules and the world.

Every command is decided and applied on the event loop with no `await` in between, so commands
are strictly ordered and two clerks pressing "call next" at the same instant get two tickets.
Nothing is built on a failed commit: every batch carries the epoch of the state it was decided on
(docs/architecture.md, "The commit path").
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol
from collections.abc import Callable, Sequence

from .domain import commands as c
from .domain import engine
from .domain import events as e
from .domain.calendar import business_day, iso_local
from .domain.errors import DomainError
from .domain.hall import HallConfig
from .domain.model import HallState, Ticket
from .records import ticket_row, ticket_view
from .keyfilter import KeyFilter
from .security import RandomPool
from .store import queries
from .store.faults import REASONS, StaleBatch, StorageFault
from .store.reader import Reader
from .store.writer import Write, WriteBatch, Writer
from .store.writes import AckPrintJob, PrintJob, RememberRequest

log = logging.getLogger("hallq.service")

CALL_EVENTS = (e.TicketCalled, e.TicketRecalled)
RETRY_AFTER_S = 2  # what a refused write tells the client to wait before the same request id again


class Publisher(Protocol):
    def publish(self, events: list[dict]) -> None: ...  # committed events, in seq order
    def send_to_device(self, device_id: str, message: dict) -> None: ...


class NullPublisher:
    def publish(self, events: list[dict]) -> None:
        pass

    def send_to_device(self, device_id: str, message: dict) -> None:
        pass


@dataclass(frozen=True)
class RequestUse:
    """What a client's request id is bound to: the operation, its target (path ids) and its body.
    The same id for another operation or target is `request_id_reused`; for another body of the
    same operation `request_conflict`."""

    actor: str
    request_id: str
    operation: str
    target: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Request ids are the client's own: they are kept per actor."""
        return f"{self.actor}|{self.request_id}"

    def fingerprint(self) -> str:
        use = _operation_digest(self.operation) if not self.target else _digest([self.operation, self.target])
        return f"{use}:{_digest(self.body)}"


@lru_cache(maxsize=256)
def _operation_digest(operation: str) -> str:
    """The digest of an operation without a target (issuing a ticket): the same few, again and again."""
    return _digest([operation, {}])


def _digest(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(slots=True)
class Pending:
    """A request id's answer while its commit is under way: a retry that arrives now waits for the
    commit and gets this answer. Once the commit is on disk only the fingerprint stays in memory (a
    retry is rare; its answer is read back from the `requests` table)."""

    fingerprint: str
    response: dict
    future: asyncio.Future  # the commit


@dataclass(frozen=True)
class Answered:
    """What a command's answer function returns: the response body, and writes that belong to the
    same batch (a kiosk ticket's print job), as records from server/store/writes.py."""

    body: dict
    writes: tuple[Write, ...] = ()


Answer = Callable[[list[e.Event]], Answered]


@dataclass
class Replayed:
    """The state rebuilt from the store, and the first event that could not be applied (if any)."""

    state: HallState
    problem: dict | None = None


class HallService:
    def __init__(self, hall: HallConfig, clock, writer: Writer, reader: Reader,
                 announce: Callable[[str, int, bool], dict] | None = None):
        self.hall = hall
        self.clock = clock
        self.writer = writer
        self.reader = reader
        self.announce = announce
        self.publisher: Publisher = NullPublisher()
        self.random = RandomPool()  # tracking tokens and print job ids
        self._views: dict[int, dict] = {}  # ticket id -> its view as of the running command's last event on it
        self.state: HallState = engine.new_state(hall, self.today())
        # request ids of today, by the digest of "actor|request id": the answers still being committed,
        # and a filter of those on disk (a retry's fingerprint and answer are read back from the store)
        self.pending: dict[bytes, Pending] = {}
        self.durable = KeyFilter()
        self.tracking: dict[bytes, int] = {}  # tracking_key(tracking hash) -> ticket id, today only
        self.epoch = 0  # batches decided on this state carry it (see the module docstring)
        self.fault: StorageFault | None = None  # the storage fault not yet cleared
        self.attention: dict | None = None  # an event the replay could not apply: read-only until repaired
        self._reloaded = True
        self._recovering = asyncio.Lock()
        writer.after_commit = self._after_commit

    def today(self) -> str:
        center = self.hall.center
        return business_day(self.clock.now(), center.timezone, center.day_boundary_min)

    # --- start-up: rebuild exactly what was acknowledged -----------------------------------------

    async def load(self) -> None:
        replayed = await self.reader.run(_rebuild_state, self.hall, self.today())
        self.state, self.attention = replayed.state, replayed.problem
        self._views.clear()  # views of a state that is gone
        tracking = await self.reader.run(queries.tracking_of_day, self.state.day)
        self.tracking = {tracking_key(ticket_hash): ticket_id for ticket_hash, ticket_id in tracking.items()}
        rows = await self.reader.run(queries.requests_of_day, self.state.day)
        self._forget_request_ids()
        for row in rows:
            self.durable.add(_memory_key(_done_key(row["key"])))
        self._reloaded = True
        if self.attention:
            log.error("NEEDS ATTENTION: event seq %s could not be replayed (%s); the hall is read-only until "
                      "the database is repaired (hallq doctor --db FILE)", self.attention["seq"],
                      self.attention["reason"])
        log.info("state rebuilt: day %s, seq %d, %d tickets", self.state.day, self.state.last_seq,
                 len(self.state.tickets))

    # --- running commands ------------------------------------------------------------------------

    async def execute(self, cmd: c.Command, *, request: RequestUse | None = None, answer: Answer | None = None,
                      writes: tuple[Write, ...] = ()) -> dict:
        """Run one command; return its answer once it is durable. Raises DomainError."""
        if self.fault is not None or self.attention is not None:  # the usual case skips a coroutine
            await self.ensure_writable()
        self._turn_day_if_due()  # first: a request id of yesterday is not today's retry
        if request is None:  # no request id: nothing to remember for a retry
            batch, body = self._decide(cmd, answer, writes)
            await self._durable(self.writer.submit(batch), batch.epoch)
            return body
        key = _memory_key(request.key)
        if key not in self.pending and key in self.durable:  # maybe answered: the store says
            stored = await self._stored(request.key)
            if stored is not None:
                return self._replay_stored(request, *stored)
        if key in self.pending:  # being committed (also: arrived while the store was read)
            return await self._replay_pending(request, self.pending[key])
        batch, body = self._decide(cmd, answer, writes)
        fingerprint = self._remember(batch, request.key, request.fingerprint(), body)
        future = self.writer.submit(batch)
        self._track_commit(key, Pending(fingerprint, body, future))
        await self._durable(future, batch.epoch)
        return body

    def view_of(self, ticket: Ticket) -> dict:
        """The ticket as the API shows it, now: the view its last event of this command recorded (every
        change to a ticket comes with an event naming it), else a new one. Shared, never changed."""
        view = self._views.get(ticket.id)
        return view if view is not None else ticket_view(ticket, self.hall)

    def _decide(self, cmd: c.Command, answer: Answer | None, writes: tuple[Write, ...]) -> tuple[WriteBatch, dict]:
        batch = WriteBatch(epoch=self.epoch)
        self._views.clear()  # this command's events record afresh
        events = engine.handle(self.state, self.hall, cmd, self.clock.now(),
                               on_applied=lambda ev: self._record(batch, ev))
        answered = answer(events) if answer else Answered({"events": [ev.seq for ev in events]})
        batch.writes.extend(writes)
        batch.writes.extend(answered.writes)
        return batch, answered.body

    def _record(self, batch: WriteBatch, ev: e.Event) -> None:
        """Right after an event is applied: its wire form and the ticket row as of that moment."""
        ticket = self._ticket_of(ev)
        if ticket is None:
            batch.events.append(self.wire_event(ev, None, None))
        else:  # the ticket as of this event: its stored event, its row and the command's answer share it
            view = self._views[ticket.id] = ticket_view(ticket, self.hall)
            batch.events.append(self.wire_event(ev, ticket, view))
            tracking_hash = ev.tracking_hash if isinstance(ev, e.TicketIssued) else None
            batch.tickets.append(ticket_row(ticket, view, ev.seq, tracking_hash))
            if tracking_hash:  # kept in the ticket's row (written once) and here as a 16-byte key
                self.tracking[tracking_key(tracking_hash)] = ticket.id
        if ev.TYPE == "day_closed":
            self.tracking.clear()
            self._forget_request_ids()

    def _forget_request_ids(self) -> None:
        """Request ids are the day's: a new day (or a state read again from the disk) starts without."""
        self.pending.clear()
        self.durable.clear()

    def _ticket_of(self, ev: e.Event) -> Ticket | None:
        """The ticket an event is about, if it is about one the state still holds."""
        ticket_id = getattr(ev, "ticket_id", None)
        return None if ticket_id is None else self.state.tickets.get(ticket_id)

    def wire_event(self, ev: e.Event, ticket: Ticket | None, view: dict | None) -> dict:
        """The event as stored and sent: ids plus the ticket it is about (`view`: that ticket as the
        API shows it) and the announcement."""
        wire = ev.to_dict()
        wire["at_local"] = iso_local(ev.at, self.hall.center.timezone)
        if ticket is not None:
            wire["ticket"] = view
            wire["service"] = ticket.queue_service
        if isinstance(ev, CALL_EVENTS) and ticket is not None:
            wire["announcement"] = self._announcement(ticket.label, ev.window, isinstance(ev, e.TicketRecalled))
        if isinstance(ev, e.ClerkSignedIn):
            staff = self.hall.staff_member(ev.staff)
            wire["staff_name"] = staff.name if staff else ""
        wire.pop("tracking_hash", None)  # the tracking token's hash stays in the ticket row only
        return wire

    def _announcement(self, label: str, window: int, recall: bool) -> dict | None:
        if self.announce is None:
            return None
        try:
            return self.announce(label, window, recall)
        except Exception:  # a voice fault must never block a call; the screen still shows it
            log.exception("announcement for %s at window %s failed", label, window)
            return None

    def _remember(self, batch: WriteBatch, key: str, fingerprint: str, body: dict) -> str:
        day = self.state.day  # the stored key is scoped by day: an id re-used on a later day is a new request
        batch.writes.append(RememberRequest(f"{day}|{key}", fingerprint, body, self.clock.now(), day))
        return fingerprint

    def _track_commit(self, key: bytes, pending: Pending) -> None:
        """Keep the answer in memory until its commit is on disk, then only the key in the filter: a
        retry, which is rare, reads the fingerprint and the answer back from the `requests` table."""
        self.pending[key] = pending

        def settle(future: asyncio.Future) -> None:
            # only this very entry (the day may have turned, a reload may have replaced the map),
            # and only once the answer is on disk; a failed commit is dealt with by the reload
            if self.pending.get(key) is pending and not future.cancelled() and future.exception() is None:
                del self.pending[key]
                self.durable.add(key)

        pending.future.add_done_callback(settle)

    def is_retry(self, actor: str, request_id: str | None) -> bool:
        """Whether this request id may have been answered today (yesterday's ids are new requests).
        A rare false "yes" only spares a kiosk one count of its rate limit."""
        self._turn_day_if_due()
        if not request_id:
            return False
        key = _memory_key(f"{actor}|{request_id}")
        return key in self.pending or key in self.durable

    async def _replay_pending(self, request: RequestUse, pending: Pending) -> dict:
        _check_same_use(request, pending.fingerprint)
        await self._durable(pending.future, None)
        return pending.response

    def _replay_stored(self, request: RequestUse, fingerprint: str, response: str) -> dict:
        _check_same_use(request, fingerprint)
        return json.loads(response)

    async def _stored(self, key: str) -> tuple[str, str] | None:
        """The fingerprint and the answer (JSON text) of a durable request id, as the `requests` table
        keeps them; None if it has none (the filter's false "maybe")."""
        day = self.state.day
        return await self.reader.run(queries.request_response, day, f"{day}|{key}", key)

    def _after_commit(self, batch: WriteBatch) -> None:
        """On the loop, in commit order, once the batch is on disk: screens, then printers."""
        if batch.events:
            self.publisher.publish(batch.events)
        for write in batch.writes:
            if isinstance(write, PrintJob):
                self.publisher.send_to_device(write.device, write.message())

    async def _durable(self, future: asyncio.Future, epoch: int | None) -> Any:
        try:
            return await future
        except StorageFault as fault:
            if epoch is not None:
                self._storage_failed(fault, epoch)
                async with self._recovering:  # the refused client hears of it once memory matches the disk
                    await self._reload_if_needed()
            raise self._unavailable(fault) from fault

    def _storage_failed(self, fault: StorageFault, epoch: int) -> None:
        """The first failure of an epoch ends it: the state in memory holds what the disk refused."""
        if epoch != self.epoch:
            return  # a later batch of an epoch already ended (the writer refused it unwritten)
        self.epoch += 1
        self.fault = fault
        self._reloaded = False
        log.error("storage fault (%s): %s; the state is reloaded from the database before the next action",
                  fault.reason, fault.detail)

    def _unavailable(self, fault: StorageFault) -> DomainError:
        reason = self.fault.reason if isinstance(fault, StaleBatch) and self.fault else fault.reason
        return DomainError("unavailable", f"the action could not be saved ({REASONS.get(reason, reason)}); "
                           "nothing was changed, retry shortly", reason=reason, retry_after_s=RETRY_AFTER_S)

    # --- faults: recover by itself, tell health the truth ----------------------------------------

    async def ensure_writable(self) -> None:
        """Refuse writes while the store needs attention; after a fault, reload and probe first."""
        if self.attention is not None:
            raise DomainError("unavailable", "the stored history needs attention; the hall is read-only",
                              reason="needs_attention", retry_after_s=60)
        if self.fault is None:
            return
        async with self._recovering:
            await self._recover()
        if self.fault is not None:
            raise self._unavailable(self.fault)

    async def _reload_if_needed(self) -> None:
        if self._reloaded:
            return
        try:
            await self.load()
        except Exception as exc:  # noqa: BLE001 - the file may be gone for readers too; retried on recovery
            log.warning("reloading the state after a storage fault failed: %s", exc)

    async def _recover(self) -> None:
        if self.fault is None:
            return
        try:
            await self._reload_if_needed()
            if not self._reloaded:
                return
            await self.writer.probe(self.epoch)
        except StorageFault as fault:
            self.fault = fault
            return
        except Exception as exc:  # noqa: BLE001 - the reader may fail with the file; try again later
            log.warning("recovery attempt failed: %s", exc)
            return
        log.info("storage fault cleared (%s); the hall takes actions again", self.fault.reason)
        self.fault = None

    async def health(self) -> dict | None:
        """None when writes work; else the reason, in plain words (after one recovery attempt)."""
        if self.attention is not None:
            return {"reason": "needs_attention", "message": REASONS["needs_attention"], "seq": self.attention["seq"],
                    "type": self.attention["type"], "detail": self.attention["reason"]}
        if self.fault is not None:
            async with self._recovering:
                await self._recover()
        if self.fault is None:
            return None
        return {"reason": self.fault.reason, "message": REASONS.get(self.fault.reason, self.fault.reason)}

    # --- the day's turn and housekeeping ---------------------------------------------------------

    def _turn_day_if_due(self) -> None:
        today = self.today()
        if today <= self.state.day or self.fault is not None or self.attention is not None:
            return
        batch, _ = self._decide(c.CloseDay(new_day=today), None, ())
        self.writer.submit(batch)  # ordered before the command that noticed the turn
        log.info("business day turned to %s", today)

    def turn_day_if_due(self) -> None:
        """Reads call this so a screen never shows yesterday after midnight."""
        self._turn_day_if_due()

    async def tick(self) -> None:
        """Called periodically: recover from a storage fault, turn the day, expire ratings nobody gave."""
        if self.attention is not None:
            return
        if self.fault is not None:
            async with self._recovering:
                await self._recover()
            return
        self._turn_day_if_due()
        limit = self.clock.now() - self.hall.rules.rating_timeout_s
        if any(p.finished_at < limit for p in self.state.pending_ratings.values()):
            await self.execute(c.Tick())

    async def write_only(self, writes: Sequence[Write]) -> list:
        """Durable writes that are not hall events (sessions, print jobs, statistics), in the same order."""
        await self.ensure_writable()
        batch = WriteBatch(epoch=self.epoch, writes=list(writes))
        return await self._durable(self.writer.submit(batch), batch.epoch)

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
        [found] = await self.write_only([AckPrintJob(job_id, device, status, error, self.clock.now())])
        return found


def _memory_key(text_key: str) -> bytes:
    """A request id's key as kept in memory: a 16-byte digest of "actor|request id" (a third of
    the text's size; a collision among a day's ids is out of reach)."""
    return hashlib.blake2b(text_key.encode("utf-8"), digest_size=16).digest()


def _check_same_use(request: RequestUse, fingerprint: str) -> None:
    """A retry must be the same request: the same operation and target, and the same body."""
    use, body = request.fingerprint().split(":")
    done_use, _, done_body = fingerprint.partition(":")
    if done_use != use:
        raise DomainError("request_id_reused", "this request id was used for another action or ticket")
    if done_body != body:
        raise DomainError("request_conflict", "this request id was used for a different request")


def tracking_key(tracking_hash: str) -> bytes:
    """A tracking hash ("sha256$<64 hex>") as kept in memory: its first 16 bytes (a day's tickets
    never collide there; the full hash stays in the ticket's row)."""
    return bytes.fromhex(tracking_hash.partition("$")[2][:32])


def _done_key(stored: str) -> str:
    """The in-memory key of a stored request key ("day|actor|id"; older files: "actor|id")."""
    parts = stored.split("|", 2)
    return f"{parts[1]}|{parts[2]}" if len(parts) == 3 and len(parts[0]) == 10 and parts[0][4] == "-" else stored


def _rebuild_state(conn, hall: HallConfig, today: str) -> Replayed:
    """Replay the last business day's events (and bookings made earlier for it) into a fresh state."""
    last = queries.last_event(conn)
    if last is None:
        return Replayed(engine.new_state(hall, today))
    replayed = replay_day(conn, hall, last["day"])
    if replayed.problem is None:
        replayed.state.last_seq = last["seq"]
    return replayed


def replay_day(conn, hall: HallConfig, day: str) -> Replayed:
    """One business day's state from its events. Total: an event that cannot be applied stops the
    replay there and is reported with its seq and reason, never raised (start-up must not crash-loop)."""
    state = engine.new_state(hall, day, next_ticket_id=queries.max_ticket_id(conn) + 1)
    for data in queries.bookings_for(conn, day, day) + queries.events_of_day(conn, day):
        try:
            engine.apply(state, hall, e.Event.from_dict(data))
        except Exception as exc:  # noqa: BLE001 - reported with its seq; the server starts read-only
            return Replayed(state, {"seq": data.get("seq"), "type": data.get("type"), "reason": _plain(exc)})
    return Replayed(state)


def _plain(exc: Exception) -> str:
    """Why an event could not be applied, in words an operator can act on."""
    if isinstance(exc, KeyError):
        return f"it refers to {exc.args[0]!r}, which no earlier event created (an event before it is missing)"
    if isinstance(exc, DomainError):
        return f"the rules refuse it: {exc.message}"
    return f"{type(exc).__name__}: {exc}"
