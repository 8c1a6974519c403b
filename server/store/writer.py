"""The one writer: a thread that owns the write connection and commits batches in groups.

Commands are decided on the event loop one at a time; their writes queue here in that order. The
thread takes everything queued, writes it in one BEGIN IMMEDIATE ... COMMIT (one fsync for the
group), then hands the committed batches back to the loop in order. Nobody is told about an action
before its batch is committed.

Nothing is built on a failed commit (docs/architecture.md, "The commit path"): every batch carries
the epoch of the state it was decided on. When a group fails, its epoch is marked failed and every
later batch of that epoch or an older one is refused unwritten, because it was decided on top of
the failed one. The service starts a new epoch only after reloading its state from the disk.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from collections.abc import Callable

from .connection import open_database
from .faults import FileIdentity, StaleBatch, StorageFault, classify
from .writes import Probe, append_events, save_tickets

log = logging.getLogger("hallq.store")

Projector = Callable[[sqlite3.Connection, list[dict]], None]


class Write(Protocol):
    """A named write from server/store/writes.py."""

    def run(self, conn: sqlite3.Connection) -> Any: ...


@dataclass
class WriteBatch:
    """Everything one accepted action writes, and the epoch of the state it was decided on."""

    epoch: int = 0
    events: list[dict] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    future: asyncio.Future | None = None  # resolves to the writes' results, in order


_STOP = object()
PROBE_BUSY_MS = 200  # a probe after a fault must not wait the full busy timeout


class Writer:
    def __init__(self, path: str | Path, projectors: tuple[Projector, ...] = (), max_group: int = 500,
                 busy_timeout_s: float = 10.0):
        self.path = Path(path)
        self.projectors = projectors
        self.max_group = max_group
        self.busy_timeout_ms = int(busy_timeout_s * 1000)
        self.after_commit: Callable[[WriteBatch], None] = lambda batch: None  # on the loop, in commit order
        self._queue: queue.SimpleQueue = queue.SimpleQueue()  # in C: a put costs the loop little
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failed_epoch = -1  # written and read on the writer thread only
        self.commits = 0  # group commits (one fsync each)
        self.batches = 0  # batches in those commits: batches / commits = the average group size
        self.failed_commits = 0

    def start(self) -> None:
        """Open (and migrate) the database on the writer thread; raise StorageFault at once if it cannot."""
        self._loop = asyncio.get_running_loop()
        ready = threading.Event()
        opened: dict = {}
        self._thread = threading.Thread(target=self._run, args=(ready, opened), name="hallq-writer", daemon=True)
        self._thread.start()
        ready.wait()  # the thread always sets it: opened, or failed with the reason
        if "fault" in opened:
            self._thread.join()
            self._thread = None
            raise opened["fault"]

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join, 30)
        self._thread = None
        log.info("writer stopped: %d batches in %d group commits", self.batches, self.commits)

    def _started_loop(self) -> asyncio.AbstractEventLoop:
        """The loop that started the writer: futures are made and settled there."""
        if self._loop is None:
            raise RuntimeError("the writer is not started")
        return self._loop

    def submit(self, batch: WriteBatch) -> asyncio.Future:
        batch.future = self._started_loop().create_future()
        self._queue.put(batch)
        return batch.future

    def probe(self, epoch: int) -> asyncio.Future:
        """Try a real write (after a fault): resolves when the file takes writes again, else fails."""
        return self.submit(WriteBatch(epoch=epoch, writes=[Probe()]))

    # --- the writer thread ---------------------------------------------------------------------

    def _run(self, ready: threading.Event, opened: dict) -> None:
        try:
            db = open_database(self.path, busy_timeout_ms=self.busy_timeout_ms)
            identity = FileIdentity.of(self.path)
        except Exception as exc:  # noqa: BLE001 - reported to start(), which says why at once
            opened["fault"] = classify(exc, self.path)
            ready.set()
            return
        self._warm(db.conn)
        ready.set()
        try:
            while (group := self._take_group()) is not None:
                self._commit_group(db.conn, identity, group)
        finally:
            db.conn.close()

    def _warm(self, conn: sqlite3.Connection) -> None:
        for project in self.projectors:
            warm = getattr(project, "warm", None)
            try:
                if warm is not None:
                    warm(conn)  # before the first write, so no action waits for it
            except Exception:  # a projection catches up on its next batch; the hall must start
                log.exception("warm-up of %r failed", project)

    def _take_group(self) -> list[WriteBatch] | None:
        first = self._queue.get()
        if first is _STOP:
            return None
        group = [first]
        while len(group) < self.max_group:
            try:
                item = self._queue.get(block=False)
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.put(_STOP)  # finish this group, then stop
                break
            group.append(item)
        return group

    def _commit_group(self, conn: sqlite3.Connection, identity: FileIdentity, group: list[WriteBatch]) -> None:
        live = [b for b in group if b.epoch > self._failed_epoch]
        committed = dict(zip(map(id, live), self._commit(conn, identity, live), strict=True)) if live else {}
        outcomes = [(b, committed[id(b)] if id(b) in committed else StaleBatch(b.epoch)) for b in group]  # in order
        self._started_loop().call_soon_threadsafe(_finish_group, outcomes, self.after_commit)

    def _commit(self, conn: sqlite3.Connection, identity: FileIdentity, group: list[WriteBatch]) -> list:
        """One transaction for the group: each batch's results, or the fault for every batch."""
        probing = all(isinstance(w, Probe) for b in group for w in b.writes) and not any(b.events for b in group)
        try:
            identity.check()
            if probing:
                conn.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
            conn.execute("BEGIN IMMEDIATE")
            results = write_group(conn, group, self.projectors)
            conn.execute("COMMIT")
        except Exception as exc:  # noqa: BLE001 - every batch of the group, and every later one of its epoch, fails
            fault = classify(exc, self.path)
            log.error("commit of %d batches failed (%s)", len(group), fault)
            _rollback(conn)
            if not probing:  # a probe decided nothing: no later batch depends on it
                self._failed_epoch = max(self._failed_epoch, max(b.epoch for b in group))
            self.failed_commits += 1
            return [fault for _ in group]
        finally:
            if probing:
                conn.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        self.commits += 1
        self.batches += len(group)
        return results


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.exception("rollback failed")


def _finish_group(outcomes: list[tuple[WriteBatch, Any]], after_commit: Callable[[WriteBatch], None]) -> None:
    """On the loop, in commit order: resolve each batch's future, then run the after-commit work.

    Both happen in this one callback, so a waiter still resumes only after every after-commit ran.
    The future goes first so the waiter's wake-up is queued ahead of what after-commit wakes: the
    clerk's answer leaves before the hub's writer tasks send the event to hundreds of screens
    (measured in docs/benchmarks-core.md), not after them."""
    for batch, outcome in outcomes:
        failed = isinstance(outcome, StorageFault)
        if batch.future is not None and not batch.future.done():
            if failed:
                batch.future.set_exception(outcome)
            else:
                batch.future.set_result(outcome)
        if not failed:
            try:
                after_commit(batch)
            except Exception:  # the action is durable; the later batches must still be answered
                log.exception("after-commit work failed for seq %s", [e["seq"] for e in batch.events][:3])


def write_batch(conn: sqlite3.Connection, batch: WriteBatch, projectors: tuple[Projector, ...] = ()) -> list:
    return write_group(conn, [batch], projectors)[0]


def write_group(conn: sqlite3.Connection, group: list[WriteBatch], projectors: tuple[Projector, ...] = ()) -> list:
    """A group's batches in one go: its events and ticket rows each in one statement run over all
    rows (in order: a ticket's later row wins), then every batch's own writes in order (none reads
    events or tickets), then the projections over all the events. Returns each batch's results."""
    events = [ev for batch in group for ev in batch.events]
    tickets = [row for batch in group for row in batch.tickets]
    if events:
        append_events(conn, events)
    if tickets:
        save_tickets(conn, tickets)
    results = [[w.run(conn) for w in batch.writes] for batch in group]
    if events:
        for project in projectors:
            project(conn, events)
    return results
