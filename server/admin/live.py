"""The live configuration: the stored versions, the one path every change takes, and the switch of
the running hall to a new HallConfig between two commands.

A change is validated (the check-config rules), refused if it would strand a ticket, switched to on
the event loop with no await in between (so no command runs half under the old and half under the
new configuration), written through the one writer (commands decided after the switch commit after
the version, so nothing that depends on it is durable before it), and only then told to the screens.
"""
from __future__ import annotations

import asyncio
import copy
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..domain.calendar import local_time
from ..domain.errors import DomainError
from ..domain.hall import HallConfig
from ..domain.rota import hall_now
from ..store.connection import open_database
from ..store.audit import AuditEntry
from .document import canonical, hall_document
from .store import SaveVersion, latest_version
from .rules import Change, diff, refuse_stranding, strand_problems, summary, validate

log = logging.getLogger("hallq.admin")

@dataclass(frozen=True)
class Author:
    """Who makes a change: a staff number (or `file`, `cli`), from which device, by which path."""

    actor: str
    source: str  # file | admin | import | pin
    device: str | None = None
    action: str = "config_change"  # the audit log's action: config_change, pin_reset, token_rotated, ...
    target: str | None = None  # what it acted on: "staff:1001", "device:kiosk-1", "services:invoice"


def first_version_or_latest(path, file_doc: dict | None, now: float) -> dict | None:
    """At start (before the writer runs): the newest stored version; an empty database stores the
    file's document as version 1 first."""
    db = open_database(path)
    try:
        latest = latest_version(db.conn)
        if latest is None and file_doc is not None:
            SaveVersion(1, now, "file", None, "file", "first start from the file", canonical(file_doc)).run(db.conn)
            latest = latest_version(db.conn)
        return latest
    finally:
        db.conn.close()


def stored_latest(path) -> dict | None:
    """The newest stored version, read without writing anything (None if there is none or no table)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return latest_version(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return None


class ConfigKeeper:
    """Owns the live configuration document and its version; the only way the hall's setup changes."""

    def __init__(self, service, hub, auth, clock, file_doc: dict | None):
        self.service, self.hub, self.auth, self.clock = service, hub, auth, clock
        self.file_doc = file_doc
        self.version = 0
        self.document: dict = copy.deepcopy(file_doc) if file_doc is not None else {}
        self.base: HallConfig = service.hall  # as configured; service.hall is it with the rota applied
        self.listeners: list[Callable[[HallConfig, HallConfig], None]] = []
        self._lock: asyncio.Lock | None = None
        self._held_back: list[dict] = []  # the rota change waiting for tickets to be served first

    # --- start-up ------------------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            latest = await asyncio.to_thread(first_version_or_latest, self.service.writer.path, self.file_doc,
                                             self.clock.now())
        except sqlite3.Error as exc:  # a read-only or damaged file: the storage start-up says why, in its words
            log.warning("cannot store the configuration as a version (%s); reading the stored ones only", exc)
            latest = await asyncio.to_thread(stored_latest, self.service.writer.path)
        if latest is not None:
            self.version, self.document = latest["version"], json.loads(latest["document"])
            if self.file_doc is not None and canonical(self.file_doc) != canonical(self.document):
                log.warning("the configuration file differs from stored version %d, which is used (the newest "
                            "stored version wins); to apply the file run `hallq config import FILE`", self.version)
                stored = validate(self.document, source=f"stored version {self.version}")
                self.base = stored.hall
                self._follow_calendar(stored)
        self.switch(self.hall_now(self.base))

    def _follow_calendar(self, settings) -> None:
        """Deadlines counted in working days (supervision's projection) use the stored calendar."""
        for projector in self.service.writer.projectors:
            if hasattr(projector, "calendar"):
                projector.calendar = settings.calendar

    def hall_now(self, base: HallConfig) -> HallConfig:
        """`base` with the rota's turns and the notice of this minute applied."""
        local = local_time(self.clock.now(), base.center.timezone)
        return hall_now(base, local.date().isoformat(), local.hour * 60 + local.minute)

    async def tick(self) -> None:
        """Periodic: a rota turn or a notice whose time has come is applied like any change."""
        current = self.hall_now(self.base)
        if current == self.service.hall:
            return
        problems = strand_problems(self.service.hall, current, self.service.state)
        if problems:
            if problems != self._held_back:
                log.warning("rota change held back until it strands nothing: %s", problems[0]["message"])
            self._held_back = problems
            return
        self._held_back = []
        old = self.service.hall
        self.switch(current)
        self._tell_screens(old, current, self.version, [Change("rota", None, None)])

    # --- changes -------------------------------------------------------------------------------------

    async def change(self, edit: Callable[[dict], dict | None], expected_version: int | None,
                     author: Author) -> dict:
        """Apply `edit` (document -> new document, or changed in place) to the live configuration.
        `expected_version` None: on whatever is current (a person's own PIN, the rota's tick)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if expected_version is not None and expected_version != self.version:
                raise DomainError("version_conflict", f"the configuration is at version {self.version}, your "
                                  f"copy is version {expected_version}; reload and redo the change",
                                  current_version=self.version)
            draft = copy.deepcopy(self.document)
            new_doc = edit(draft)
            new_doc = draft if new_doc is None else new_doc
            return await self._apply(new_doc, author)

    def preview(self, new_doc: dict) -> dict:
        """A dry run: what would change, and why it would be refused (nothing is stored)."""
        changes = diff(self.document, new_doc)
        try:
            hall = self.hall_now(validate(new_doc).hall)
            refuse_stranding(self.service.hall, hall, self.service.state)
            problem = None
        except DomainError as exc:
            problem = exc.to_dict()
        return {"version": self.version, "changes": [c.line() for c in changes], "problem": problem}

    async def _apply(self, new_doc: dict, author: Author) -> dict:
        settings = validate(new_doc)
        changes = diff(self.document, new_doc)
        if not changes:
            return {"version": self.version, "changes": []}
        await self.service.ensure_writable()  # before the checks: nothing may run between them and the switch
        old_hall, new_hall = self.service.hall, self.hall_now(settings.hall)
        refuse_stranding(old_hall, new_hall, self.service.state)
        version, now = self.version + 1, self.clock.now()
        self.switch(new_hall)  # no await since the checks: atomic between two commands
        writes = [SaveVersion(version, now, author.actor, author.device, author.source, summary(changes),
                              canonical(new_doc)),
                  AuditEntry(now, author.actor, author.action, author.device, author.target,
                             before={"version": self.version},
                             after={"version": version, "changes": [c.line() for c in changes]})]
        try:
            await self.service.write_only(writes)
        except DomainError:
            self.switch(old_hall)
            raise
        self.version, self.document, self.base = version, new_doc, settings.hall
        self._follow_calendar(settings)
        self._tell_screens(old_hall, new_hall, version, changes)
        log.info("configuration version %d by %s (%s): %s", version, author.actor, author.source, summary(changes))
        return {"version": version, "changes": [c.line() for c in changes]}

    def switch(self, hall: HallConfig) -> None:
        """Every holder of the configuration moves to `hall` at once (no await: between two commands)."""
        old = self.service.hall
        self.service.hall = hall
        for window in hall.windows:
            self.service.state.window(window.number)  # a new window starts closed
        self.hub.hall = hall
        self.auth.use_hall(hall)
        for projector in self.service.writer.projectors:  # projections that read the hall (supervision's
            if hasattr(projector, "hall"):  # case departments) follow it too: same writer, same order
                projector.hall = hall
        self._drop_revoked_devices(old, hall)
        for listener in self.listeners:
            listener(old, hall)

    def _drop_revoked_devices(self, old: HallConfig, new: HallConfig) -> None:
        """A device whose token was rotated or revoked loses its open sockets (and cannot reconnect)."""
        current = {d.id: d.token_hash for d in new.devices}
        revoked = {d.id for d in old.devices if current.get(d.id) != d.token_hash}
        for conn in list(self.hub.connections):
            p = conn.principal
            if p is not None and not p.is_session and p.id in revoked:
                conn.drop("token_revoked")

    def _tell_screens(self, old: HallConfig, new: HallConfig, version: int, changes) -> None:
        tables = sorted({c.path.split("[")[0].split(".")[0].split(" ")[0] for c in changes})
        self.hub.broadcast({"type": "config_changed", "version": version, "tables": tables})
        if old.center.notice != new.center.notice:
            self.hub.broadcast({"type": "notice", "text": new.center.notice.to_dict()})


def file_document(config) -> dict | None:
    """The stored part of the configuration the server was started with (None: built in code)."""
    return hall_document(json.loads(json.dumps(config.raw))) if config.raw is not None else None
