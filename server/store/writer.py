"""The one writer: a thread that owns the write connection and commits batches in groups.

Commands are decided on the event loop one at a time; their writes queue here in that order. The
thread takes everything queued, writes it in one BEGIN IMMEDIATE ... COMMIT (one fsync for the
group), then hands the committed batches back to the loop in order. Nobody is told about an action
before its batch is committed; a failed commit fails every batch in the group.
"""
from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .connection import open_database

log = logging.getLogger("hallq.store")

Projector = Callable[[sqlite3.Connection, list[dict]], None]


@dataclass
class WriteBatch:
    """Everything one accepted action writes."""

    events: list[dict] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)
    statements: list[tuple[str, tuple]] = field(default_factory=list)
    on_commit: Callable[["WriteBatch"], None] | None = None
    future: asyncio.Future | None = None
    response: dict | None = None  # what the caller answers once the batch is durable


_STOP = object()


class Writer:
    def __init__(self, path: str | Path, projectors: tuple[Projector, ...] = (), max_group: int = 500):
        self.path = Path(path)
        self.projectors = projectors
        self.max_group = max_group
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.commits = 0  # group commits (one fsync each)
        self.batches = 0  # batches in those commits: batches / commits = the average group size

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="hallq-writer", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=60) or not self._thread.is_alive():
            raise RuntimeError(f"the writer could not open {self.path}")

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join, 30)
        self._thread = None
        log.info("writer stopped: %d batches in %d group commits", self.batches, self.commits)

    def submit(self, batch: WriteBatch) -> asyncio.Future:
        batch.future = self._loop.create_future()
        self._queue.put(batch)
        return batch.future

    # --- the writer thread ---------------------------------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        db = open_database(self.path)
        for project in self.projectors:
            warm = getattr(project, "warm", None)
            try:
                if warm is not None:
                    warm(db.conn)  # before the first write, so no action waits for it
            except Exception:  # noqa: BLE001 - a projection catches up on its next batch; the hall must start
                log.exception("warm-up of %r failed", project)
        ready.set()
        try:
            while (group := self._take_group()) is not None:
                self._commit_group(db.conn, group)
        finally:
            db.conn.close()

    def _take_group(self) -> list[WriteBatch] | None:
        first = self._queue.get()
        if first is _STOP:
            return None
        group = [first]
        while len(group) < self.max_group:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.put(_STOP)  # finish this group, then stop
                break
            group.append(item)
        return group

    def _commit_group(self, conn: sqlite3.Connection, group: list[WriteBatch]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for batch in group:
                write_batch(conn, batch, self.projectors)
            conn.execute("COMMIT")
            self.commits += 1
            self.batches += len(group)
            error = None
        except Exception as exc:  # noqa: BLE001 - every batch of the group learns of the failure
            log.exception("commit of %d batches failed", len(group))
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            error = exc
        self._loop.call_soon_threadsafe(_finish_group, group, error)


def _finish_group(group: list[WriteBatch], error: Exception | None) -> None:
    """On the loop, in commit order: resolve each batch's future, then run its on_commit.

    Both happen in this one callback, so a waiter still resumes only after every on_commit ran. The
    future goes first so the waiter's wake-up is queued ahead of what on_commit wakes: the clerk's
    answer leaves before the hub's writer tasks send the event to hundreds of screens (measured in
    docs/benchmarks-core.md), not after them."""
    for batch in group:
        if batch.future is not None and not batch.future.done():
            if error is None:
                batch.future.set_result(None)
            else:
                batch.future.set_exception(error)
        if error is None and batch.on_commit is not None:
            try:
                batch.on_commit(batch)
            except Exception:  # noqa: BLE001 - the action is durable; the later batches must still be answered
                log.exception("after-commit work failed for seq %s", [e["seq"] for e in batch.events][:3])


def write_batch(conn: sqlite3.Connection, batch: WriteBatch, projectors: tuple[Projector, ...] = ()) -> None:
    if batch.events:
        conn.executemany(
            "INSERT INTO events (seq, type, at, day, ticket_id, window, staff, service, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_event_row(ev) for ev in batch.events],
        )
    if batch.tickets:
        conn.executemany(
            "INSERT OR REPLACE INTO tickets (id, day, label, service, status, channel, issued_at, "
            "tracking_hash, data, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_ticket_row(t) for t in batch.tickets],
        )
    for sql, params in batch.statements:
        conn.execute(sql, params)
    for project in projectors:
        if batch.events:
            project(conn, batch.events)


def _event_row(ev: dict) -> tuple:
    return (ev["seq"], ev["type"], ev["at"], ev["day"], ev.get("ticket_id"), ev.get("window"),
            ev.get("staff"), ev.get("service"), json.dumps(ev, ensure_ascii=False, separators=(",", ":")))


def _ticket_row(t: dict) -> tuple:
    return (t["id"], t["day"], t["label"], t["service"], t["status"], t["channel"], t["issued_at"],
            t.get("tracking_hash") or None, json.dumps(t, ensure_ascii=False, separators=(",", ":")), t["seq"])
