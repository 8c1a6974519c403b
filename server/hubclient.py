"""The hub client for Python device agents: the twin of server/web/hub.js (docs/protocol.md).

auth, subscribe (a snapshot, or a replay with `since` after a reconnect), replies matched by id,
events in seq order with repeats dropped, and reconnect with capped exponential back-off and
jitter. `hallq kiosk-agent` (kiosk/agent.py) and `hallq speaker` (display/speaker.py) both use it.

It lives in `server/`, beside hub.js, because it speaks the protocol the server defines and
changes with it; both agent packages already depend on the server package (the speaker on
server.voice), so no new direction of import appears.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import datetime
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

log = logging.getLogger("hallq.hubclient")

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
REPLY_TIMEOUT_S = 10.0
CLOSE_UNAUTHORIZED = 4001
LOST = (OSError, ConnectionClosed, InvalidHandshake, asyncio.TimeoutError, ConnectionError)

Sleep = Callable[[float], Awaitable[None]]


class Refused(Exception):
    """The server refused the credentials: retrying will not help (a wrong or revoked token)."""


class RequestRefused(Exception):
    """The server answered a request with success: false."""

    def __init__(self, error: dict | None) -> None:
        self.error = error or {}
        self.code = self.error.get("code", "")
        super().__init__(f"{self.code}: {self.error.get('message', '')}")


def backoff_delay(attempt: int, start_s: float, max_s: float, rng: Callable[[], float]) -> float:
    """As hub.js: start, 2 x start, 4 x start ... capped at max_s, then scaled by 0.8-1.2 (jitter,
    so a hall of devices does not reconnect in step)."""
    return min(max_s, start_s * 2 ** min(attempt, 30)) * (0.8 + 0.4 * rng())


class HubConnection:
    """One authenticated socket: message ids, replies awaited by id, everything else in `inbox`."""

    def __init__(self, ws, reply_timeout_s: float) -> None:
        self.ws = ws
        self.reply_timeout_s = reply_timeout_s
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.inbox: asyncio.Queue[dict] = asyncio.Queue()
        self.auth: dict = {}
        self.clock_offset_s = 0.0  # server clock minus ours, from the auth reply

    async def send(self, message: dict) -> int:
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, **message}, ensure_ascii=False))
        return self.next_id

    async def request(self, message: dict) -> dict:
        """Send and wait for the reply's result; RequestRefused if the server said no."""
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id + 1] = future
        await self.send(message)
        reply = await asyncio.wait_for(future, self.reply_timeout_s)
        if not reply.get("success"):
            raise RequestRefused(reply.get("error"))
        return reply.get("result") or {}

    def resolve(self, reply: dict) -> None:
        future = self.pending.pop(reply.get("id"), None)
        if future is not None and not future.done():
            future.set_result(reply)
        elif not reply.get("success", True):
            log.warning("server refused message %s: %s", reply.get("id"), reply.get("error"))

    def fail_pending(self) -> None:
        """The socket is gone: nobody will answer, so stop waiting now rather than at the timeout."""
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError("connection closed before the reply"))
        self.pending.clear()


Serve = Callable[[HubConnection, dict], Awaitable[None]]


class HubClient:
    """Connect, authenticate, subscribe, hand the connection to `serve`, reconnect; until stopped.

    `serve(conn, subscribed)` reads `conn.inbox` (events already filtered by seq, notices,
    print jobs...) and returns or raises when it is done with this connection.
    """

    def __init__(self, url: str, token: str, scope: dict | None = None, *, subscribe: bool = True,
                 backoff_start_s: float = BACKOFF_START_S, backoff_max_s: float = BACKOFF_MAX_S,
                 reply_timeout_s: float = REPLY_TIMEOUT_S, sleep: Sleep = asyncio.sleep,
                 rng: Callable[[], float] = random.random, clock: Callable[[], float] | None = None,
                 heartbeat_s: float | None = None) -> None:
        self.url, self.token, self.scope, self.subscribe = url, token, scope or {}, subscribe
        self.backoff_start_s, self.backoff_max_s = backoff_start_s, backoff_max_s
        self.reply_timeout_s, self.sleep, self.rng = reply_timeout_s, sleep, rng
        self.clock = clock
        self.heartbeat_s = heartbeat_s  # a ping this often tells the server the agent is alive
        self.last_seq: int | None = None
        self.sessions = 0  # authenticated connections so far
        self.attempts = 0  # connections tried (for logs and tests)

    async def run(self, serve: Serve, stop: asyncio.Event | None = None) -> None:
        """Serve connection after connection until `stop` is set. Raises Refused on a bad token."""
        stop = stop or asyncio.Event()
        failures = 0  # attempts in a row that never got authenticated
        while not stop.is_set():
            sessions_before = self.sessions
            try:
                await self._session(serve, stop)
            except LOST as exc:
                log.warning("connection to %s lost: %s", self.url, exc or type(exc).__name__)
            if self.sessions > sessions_before:
                failures = 0
            if not stop.is_set():
                await self._pause(backoff_delay(failures, self.backoff_start_s, self.backoff_max_s, self.rng), stop)
                failures += 1

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        """The back-off sleep, cut short by `stop` so a service stop never waits 30 s."""
        waits = [asyncio.ensure_future(self.sleep(seconds)), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _session(self, serve: Serve, stop: asyncio.Event) -> None:
        self.attempts += 1
        async with connect(self.url, open_timeout=self.reply_timeout_s, max_size=2 ** 20) as ws:
            conn = HubConnection(ws, self.reply_timeout_s)
            reader = asyncio.create_task(self._read(conn))
            try:
                subscribed = await self._start(conn)
                extra = [self._heartbeat(conn)] if self.heartbeat_s else []
                await _until_first(serve(conn, subscribed), reader, stop.wait(), *extra)
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)  # its error was seen or is moot

    async def _start(self, conn: HubConnection) -> dict:
        try:
            conn.auth = await conn.request({"type": "auth", "token": self.token})
        except RequestRefused as exc:
            raise Refused(str(exc)) from None
        except ConnectionError:
            if conn.ws.close_code == CLOSE_UNAUTHORIZED:  # closed as unauthorized without a reply
                raise Refused("closed with 4001 (unauthorized)") from None
            raise
        self.sessions += 1
        conn.clock_offset_s = self._offset(conn.auth.get("server_time"))
        log.info("authenticated as %s", conn.auth.get("device"))
        if not self.subscribe:
            return {}
        message = {"type": "subscribe", "scope": self.scope}
        if self.last_seq is not None:
            message["since"] = self.last_seq
        try:
            subscribed = await conn.request(message)
        except RequestRefused as exc:
            raise ConnectionError(f"subscribe refused: {exc}") from None
        if subscribed.get("mode") == "snapshot":
            # max: the reader may already have taken events that follow the snapshot (seq only grows)
            self.last_seq = max(self.last_seq or 0, int(subscribed.get("seq", 0)))
        return subscribed

    async def _heartbeat(self, conn: HubConnection) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            await conn.send({"type": "ping"})

    def _offset(self, server_time) -> float:
        if self.clock is None or not isinstance(server_time, str):
            return 0.0
        try:
            return datetime.fromisoformat(server_time).timestamp() - self.clock()
        except ValueError:
            return 0.0

    async def _read(self, conn: HubConnection) -> None:
        try:
            async for raw in conn.ws:
                message = _parse(raw)
                kind = message.get("type")
                if kind == "result":
                    conn.resolve(message)
                elif kind == "event":
                    self._event(conn, message)
                elif kind == "resync":
                    log.info("server asked to resync: %s", message.get("reason"))
                    return
                elif kind:
                    conn.inbox.put_nowait(message)
        finally:
            conn.fail_pending()

    def _event(self, conn: HubConnection, message: dict) -> None:
        seq = message.get("seq")
        if not isinstance(seq, int) or (self.last_seq is not None and seq <= self.last_seq):
            return  # already seen
        self.last_seq = seq
        conn.inbox.put_nowait(message)


async def _until_first(*awaitables) -> None:
    """Run all; when the first ends, cancel the rest and re-raise its error, if any."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()


def _parse(raw: str | bytes) -> dict:
    try:
        message = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return message if isinstance(message, dict) else {}
