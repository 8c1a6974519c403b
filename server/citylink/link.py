"""The link itself: a thread with its own event loop, its own SQLite read connection and its own
PostgreSQL connection, so nothing it does (or waits for) touches the hall's event loop or writer.

It ships committed events in order, in bounded batches, from where the city says it stands (the
head in city.halls). Each batch is one transaction; rows are keyed (hall_id, seq) and inserted with
ON CONFLICT DO NOTHING, so a batch resent after a crash or a restart of the city is harmless. When
the city cannot be reached it waits with doubling back-off and catches up afterwards. It stops
(and says why, on both boards) rather than skip: a gap in the hall's seq, a city head that does not
follow on, or a hall whose history no longer matches what the city holds (restored from a backup).
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sqlite3
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from ..store.connection import connect
from .settings import CitySettings
from .source import Shipped, events_after, first_gap, hash_at, newest_seq

log = logging.getLogger("hallq.citylink")
HEARTBEAT_S = 15.0  # an idle link still tells the city it is alive this often
NETWORK_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)

INSERT_SQL = """
INSERT INTO city.events (hall_id, seq, type, at, day, data, hash)
SELECT $1, u.seq, u.type, u.at, u.day::date, u.data, u.hash
FROM unnest($2::bigint[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[])
     AS u(seq, type, at, day, data, hash)
ON CONFLICT (hall_id, seq) DO NOTHING"""


class LinkStopped(Exception):
    """The link must not go on by itself: shipping more would hide a problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class LinkState:
    """What the hall's board shows. Replaced whole (never mutated), so any thread may read it."""

    status: str = "off"  # off | connecting | up_to_date | behind | unreachable | stopped
    hall_id: str = ""
    shipped_seq: int = 0
    hall_seq: int = 0
    last_contact: float | None = None
    error_code: str | None = None
    error: str | None = None

    @property
    def behind(self) -> int:
        return max(0, self.hall_seq - self.shipped_seq)

    def to_dict(self, now: float) -> dict[str, Any]:
        age = None if self.last_contact is None else round(max(0.0, now - self.last_contact), 1)
        return {"status": self.status, "hall_id": self.hall_id, "shipped_seq": self.shipped_seq,
                "hall_seq": self.hall_seq, "behind": self.behind, "last_contact": self.last_contact,
                "last_contact_age_s": age, "error_code": self.error_code, "error": self.error}


def ssl_option(settings: CitySettings) -> bool | str | ssl.SSLContext:
    """asyncpg's ssl argument for sslmode (verify modes check the server against sslrootcert)."""
    if settings.sslmode == "disable":
        return False
    if settings.sslmode in ("prefer", "require"):
        return settings.sslmode
    context = ssl.create_default_context(cafile=settings.sslrootcert or None)
    context.check_hostname = settings.sslmode == "verify-full"
    return context


def describe(exc: BaseException) -> str:
    """One line about a network or database failure (asyncpg messages carry no password)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class CityLink:
    def __init__(self, settings: CitySettings, db_path: str | Path, catalogue: dict[str, Any],
                 now: Callable[[], float] = time.time) -> None:
        self.settings, self.db_path, self.catalogue, self.now = settings, Path(db_path), catalogue, now
        self.state = LinkState(status="connecting", hall_id=settings.hall_id)
        self.batches = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = asyncio.Event()  # replaced by the thread's own (an Event binds to its first loop)
        self._wake = asyncio.Event()
        self._reached = False
        self._ready = threading.Event()

    # --- control, from any thread ------------------------------------------------------------------

    def start(self) -> None:
        log.info("city link for hall %s to %s", self.settings.hall_id, self.settings.safe_dsn())
        self._thread = threading.Thread(target=self._thread_main, name="hallq-citylink", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is None:
            return
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        self._thread = None

    def wake(self) -> None:
        """Look for new events now instead of at the next poll (optional)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _set(self, **changes: Any) -> None:
        self.state = dataclasses.replace(self.state, **changes)

    # --- the link's thread ---------------------------------------------------------------------------

    def _thread_main(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop, self._stop, self._wake = asyncio.get_running_loop(), asyncio.Event(), asyncio.Event()
        self._ready.set()
        sqlite = connect(self.db_path)
        delay = self.settings.retry_min_s
        try:
            while not self._stop.is_set():
                self._reached = False
                try:
                    await self._session(sqlite)
                    wait = 0.0
                except LinkStopped as exc:
                    log.error("city link stopped: %s: %s", exc.code, exc.message)
                    self._set(status="stopped", error_code=exc.code, error=exc.message)
                    wait = self.settings.retry_max_s  # look again later: an operator may have fixed it
                except sqlite3.Error as exc:  # the hall's own file: retried like the network
                    log.warning("city link cannot read the hall's database: %s", exc)
                    self._set(status="unreachable" if self.state.status != "stopped" else "stopped",
                              error_code="hall_database", error=describe(exc))
                    wait, delay = delay, min(delay * 2, self.settings.retry_max_s)
                except NETWORK_ERRORS as exc:
                    if self._reached:  # it was working: start the back-off afresh
                        delay = self.settings.retry_min_s
                    self._unreachable(describe(exc), sqlite)
                    wait, delay = delay, min(delay * 2, self.settings.retry_max_s)
                await self._sleep(wait)
        finally:
            sqlite.close()

    def _unreachable(self, message: str, sqlite: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._set(hall_seq=newest_seq(sqlite))  # the board counts what waits to be shipped
        if self.state.status == "stopped":
            return  # the stop's reason stays on the board until the link works again
        if self.state.error != message:
            log.warning("city unreachable (%s); retrying with back-off", message)
        self._set(status="unreachable", error_code="city_unreachable", error=message)

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0 or self._stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _connect(self) -> asyncpg.Connection:
        s = self.settings
        return await asyncpg.connect(s.dsn, password=s.password(), ssl=ssl_option(s), timeout=s.connect_timeout_s,
                                     command_timeout=max(30.0, s.connect_timeout_s),
                                     server_settings={"application_name": f"hallq-link-{s.hall_id}"})

    async def _session(self, sqlite: sqlite3.Connection) -> None:
        conn = await self._connect()
        try:
            pos = await self._handshake(conn, sqlite)
            await self._ship_until_stopped(conn, sqlite, pos)
        except LinkStopped as exc:
            await self._report(conn, exc)
            raise
        finally:
            try:
                await asyncio.wait_for(conn.close(), 5)
            except NETWORK_ERRORS:
                conn.terminate()

    async def _handshake(self, conn: asyncpg.Connection, sqlite: sqlite3.Connection) -> int:
        """Where the city stands for this hall, checked against the hall's own record."""
        hall_id = self.settings.hall_id
        head = await conn.fetchrow("SELECT last_seq, last_hash FROM city.halls WHERE hall_id = $1", hall_id)
        if head is None:
            raise LinkStopped("unknown_hall", f"the city knows no hall {hall_id!r} for this role "
                                              "(run `hallq city add-hall` at the city)")
        pos, hall_seq = int(head["last_seq"]), newest_seq(sqlite)
        if pos > hall_seq:
            raise LinkStopped("history_diverged", f"the city holds this hall's events up to seq {pos} but the hall "
                                                  f"only up to {hall_seq}: restored from a backup? Nothing was merged.")
        if pos and hash_at(sqlite, pos) != head["last_hash"]:
            raise LinkStopped("history_diverged", f"event {pos} at the hall differs from the one the city "
                                                  "holds: the hall's history changed (restored from a backup?). "
                                                  "Nothing was merged.")
        await conn.execute("UPDATE city.halls SET catalogue = $2::jsonb, hall_seq = $3, last_contact = now(), "
                           "error_code = NULL, error = NULL, error_at = NULL "
                           "WHERE hall_id = $1",
                           hall_id, _json(self.catalogue), hall_seq)
        self._set(shipped_seq=pos, hall_seq=hall_seq, last_contact=self.now(), error_code=None, error=None,
                  status="up_to_date" if pos == hall_seq else "behind")
        self._reached = True
        log.info("city link up: %s at seq %d of %d", hall_id, pos, hall_seq)
        return pos

    async def _ship_until_stopped(self, conn: asyncpg.Connection, sqlite: sqlite3.Connection, pos: int) -> None:
        size, last_beat = self.settings.batch_size, time.monotonic()
        while not self._stop.is_set():
            batch = events_after(sqlite, pos, size)
            hall_seq = max(newest_seq(sqlite), batch[-1].seq if batch else pos)
            if batch:
                gap = first_gap(batch, pos)
                if gap:
                    before = [e for e in batch if e.seq < gap[1]]
                    if before:  # everything up to the gap goes; nothing after it
                        await self._ship(conn, before, hall_seq)
                    raise LinkStopped("seq_gap", f"the hall's events jump from seq {gap[0] - 1} to {gap[1]}: "
                                                 "a gap in the hall's own record; nothing after it was shipped")
                await self._ship(conn, batch, hall_seq)
                pos, last_beat = batch[-1].seq, time.monotonic()
            elif time.monotonic() - last_beat >= HEARTBEAT_S:
                await conn.execute("UPDATE city.halls SET hall_seq = $2, last_contact = now() WHERE hall_id = $1",
                                   self.settings.hall_id, hall_seq)
                last_beat = time.monotonic()
            else:
                self._set(hall_seq=hall_seq, status="up_to_date" if pos == hall_seq else "behind")
            if len(batch) < size:
                self._wake.clear()
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        waiters = [asyncio.ensure_future(self._stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.settings.poll_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    async def _ship(self, conn: asyncpg.Connection, batch: list[Shipped], hall_seq: int) -> None:
        columns = ([e.seq for e in batch], [e.type for e in batch], [e.at for e in batch], [e.day for e in batch],
                   [e.data for e in batch], [e.hash for e in batch])
        try:
            async with conn.transaction():
                await conn.execute(INSERT_SQL, self.settings.hall_id, *columns)
                await conn.execute("UPDATE city.halls SET hall_seq = $2, last_contact = now() WHERE hall_id = $1",
                                   self.settings.hall_id, hall_seq)
        except asyncpg.RaiseError as exc:  # the city's head trigger refused the order
            raise LinkStopped("seq_gap", f"the city refused the batch: {exc}") from None
        except asyncpg.InsufficientPrivilegeError as exc:
            raise LinkStopped("forbidden", f"the city refused this hall's rows: {exc}") from None
        self.batches += 1
        last = batch[-1].seq
        self._set(shipped_seq=last, hall_seq=hall_seq, last_contact=self.now(), error_code=None, error=None,
                  status="up_to_date" if last >= hall_seq else "behind")

    async def _report(self, conn: asyncpg.Connection, exc: LinkStopped) -> None:
        """Best effort: put the reason on the city's board too."""
        try:
            await conn.execute("UPDATE city.halls SET error_code = $2, error = $3, error_at = now(), "
                               "last_contact = now() WHERE hall_id = $1", self.settings.hall_id, exc.code, exc.message)
        except NETWORK_ERRORS:
            log.warning("could not tell the city why the link stopped")


def _json(value: Any) -> str:
    import json
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
