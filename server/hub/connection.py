"""One client connection: a bounded outbound queue and its own writer task, so a stalled screen
never delays anyone else; a client that falls too far behind is dropped and resyncs."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from aiohttp import web

from ..auth import Principal
from .scope import Scope

log = logging.getLogger("hallq.hub")

CLOSE_TOO_SLOW = 4008
CLOSE_SESSION_ENDED = 4003  # signed out, session expired, device revoked (docs/protocol.md)


def encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Connection:
    def __init__(self, ws: web.WebSocketResponse, queue_size: int, remote: str):
        self.ws = ws
        self.remote = remote
        self.principal: Principal | None = None
        self.scope: Scope | None = None  # None until subscribed
        self.min_seq = 0  # events at or below this are already in the client's snapshot
        self.buffer: list[dict] | None = None  # live events held back while a replay is read
        self.printer_agent = False  # the print agent of its kiosk (one per printer, see Hub.claim_printer)
        self.printer_state: str | None = None
        self.printer_detail = ""
        self.dropped = False
        self.token_hash: str | None = None  # what the socket authenticated with, checked again later
        self.expires_at: float | None = None  # a staff session's end; devices have none
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=queue_size)
        self._writer = asyncio.create_task(self._write_loop())

    def offer(self, frame: str) -> bool:
        """Queue a frame without waiting. A full queue drops the client (it resyncs with `since`)."""
        if self.dropped:
            return False
        try:
            self._queue.put_nowait(frame)
            return True
        except asyncio.QueueFull:
            self.drop("too_slow")
            return False

    async def put(self, frame: str, timeout: float = 30.0) -> bool:
        """Queue a frame, waiting while the queue is full (replays): back-pressure instead of a drop.
        A client that reads nothing for `timeout` seconds is dropped."""
        if self.dropped:
            return False
        try:
            await asyncio.wait_for(self._queue.put(frame), timeout)
            return True
        except asyncio.TimeoutError:
            self.drop("too_slow")
            return False

    def send(self, message: dict) -> bool:
        return self.offer(encode(message))

    def drop(self, reason: str) -> None:
        self.dropped = True
        log.warning("dropping %s (%s): %s", self.remote, self.principal.id if self.principal else "-", reason)
        asyncio.create_task(self._close_slow(reason))

    def end(self, reason: str) -> None:
        """The session or device behind this socket is no longer valid: close it with 4003, sending
        nothing more (not even frames already queued)."""
        if self.dropped:
            return
        self.dropped = True
        self._writer.cancel()
        log.info("closing %s (%s): %s", self.remote, self.principal.id if self.principal else "-", reason)
        asyncio.create_task(self._close_now(reason))

    async def _close_now(self, reason: str) -> None:
        with contextlib.suppress(Exception):  # best effort: the peer may be gone already
            await asyncio.wait_for(self.ws.close(code=CLOSE_SESSION_ENDED, message=reason.encode()), 1.0)

    async def _close_slow(self, reason: str) -> None:
        self._writer.cancel()
        try:
            await asyncio.wait_for(self.ws.send_str(encode({"type": "resync", "reason": reason})), 0.5)
        except Exception:  # noqa: BLE001 - best effort: the peer is slow or gone
            pass
        try:
            await asyncio.wait_for(self.ws.close(code=CLOSE_TOO_SLOW, message=reason.encode()), 1.0)
        except Exception:  # noqa: BLE001
            pass

    async def _write_loop(self) -> None:
        try:
            while True:
                frame = await self._queue.get()
                await self.ws.send_str(frame)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        except Exception as exc:  # noqa: BLE001 - a broken socket ends this client only
            log.info("writer for %s stopped: %s", self.remote, exc)

    async def close(self) -> None:
        self._writer.cancel()
        await asyncio.gather(self._writer, return_exceptions=True)
