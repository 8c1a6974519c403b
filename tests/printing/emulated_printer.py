"""An emulated 80 mm ESC/POS printer for tests: real bytes over a real TCP socket or a pty pair.

It behaves as the ESC/POS command reference describes a receipt printer (Epson TM-T82/T88 class):
- DLE EOT n (n = 1-4) is a real-time command: answered at once, even while the printer is
  offline (cover open, paper end, error) and holds the data it received;
- GS r 1 is answered only when the printer gets to it, after every byte before it: never while
  it is offline;
- everything else is decoded with the strict tokenizer (kiosk/escpos_tokens.py): a job is the
  bytes from one cut to the next, and bytes it cannot decode are counted as `unknown`.

Faults are switched by the test: `paper = "near_end" | "end"`, `cover_open`, `cutter_error`,
`power_off()` (nobody listens any more) and `stalled` (it stops reading and answering).
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
import tty

from kiosk.escpos_tokens import Token, TokenizeError, _next

_ALWAYS = 0x12  # bits 1 and 4 of every DLE EOT answer


class EmulatedPrinter:
    """The printer itself, whatever the cable. Thread-safe: fronts may run in threads."""

    def __init__(self, encoding: str = "big5") -> None:
        self.encoding = encoding
        self.paper = "ok"  # ok | near_end | end
        self.cover_open = False
        self.cutter_error = False
        self.stalled = False
        self.runs_out_after_next_cut = False  # the roll ends right as a ticket is cut
        self.stalls_on_next_job = False  # answers status, then stops reading once a job starts
        self.printed: list[bytes] = []  # finished tickets, each ending with its cut
        self.unknown = 0  # bytes the tokenizer could not read
        self.status_queries = 0
        self._current = bytearray()  # the ticket being printed
        self._held: list[Token] = []  # received while offline, printed when back online
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)

    # --- what the printer says ------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        return self.paper == "end" or self.cover_open or self.cutter_error

    def realtime_status(self, n: int) -> int:
        """The answer to DLE EOT n, bit by bit as the command reference lists them."""
        if n == 1:
            return _ALWAYS | (0x08 if self.offline else 0)
        if n == 2:
            return _ALWAYS | (0x04 if self.cover_open else 0) | (0x20 if self.paper == "end" else 0) | (
                0x40 if self.cutter_error else 0)
        if n == 3:
            return _ALWAYS | (0x08 if self.cutter_error else 0)
        if n == 4:
            return _ALWAYS | {"ok": 0, "near_end": 0x0C, "end": 0x6C}[self.paper]
        return _ALWAYS

    def transmit_status(self) -> int:
        """The answer to GS r 1 (paper sensor): bits 0-1 near end, bits 2-3 end."""
        return {"ok": 0x00, "near_end": 0x03, "end": 0x0F}[self.paper]

    # --- what the printer does with bytes --------------------------------------------------------

    def feed(self, buffer: bytearray) -> bytes:
        """Consume what can be decoded from `buffer` (left with an incomplete tail); the answer."""
        answer = bytearray()
        with self._lock:
            while buffer:
                try:
                    token, end = _next(bytes(buffer), 0, self.encoding)
                except TokenizeError:
                    break  # cut short (or unknown): wait for more; see `close_input`
                del buffer[:end]
                answer += self._take(token)
            self.changed.notify_all()
        return bytes(answer)

    def close_input(self, buffer: bytearray) -> None:
        """The connection ended: whatever is left could not be decoded."""
        with self._lock:
            self.unknown += len(buffer)
            buffer.clear()

    def _take(self, token: Token) -> bytes:
        if token.kind == "status_query":
            self.status_queries += 1
            return bytes([self.realtime_status(token.value)])
        if self.stalls_on_next_job:
            self.stalls_on_next_job = False
            self.stalled = True
        if self.offline or self._held:
            self._held.append(token)
            return b""
        return self._process(token)

    def _process(self, token: Token) -> bytes:
        if token.kind == "transmit_status":
            return bytes([self.transmit_status()])
        self._current += token.raw
        if token.kind == "cut":
            self.printed.append(bytes(self._current))
            self._current.clear()
            if self.runs_out_after_next_cut:
                self.runs_out_after_next_cut = False
                self.paper = "end"
        return b""

    def fix(self, **state) -> bytes:
        """Change the state (e.g. paper="ok", cover_open=False); held data prints if back online.
        Returns the answers the held data produced (GS r replies), for the front to send."""
        answer = bytearray()
        with self._lock:
            for key, value in state.items():
                setattr(self, key, value)
            while self._held and not self.offline:
                answer += self._process(self._held.pop(0))
            self.changed.notify_all()
        return bytes(answer)

    def wait_printed(self, count: int, timeout_s: float = 10.0) -> list[bytes]:
        with self._lock:
            if not self.changed.wait_for(lambda: len(self.printed) >= count, timeout_s):
                raise TimeoutError(f"{len(self.printed)} tickets printed, expected {count}")
            return list(self.printed)


class TcpFront:
    """The printer on 127.0.0.1:<port>, raw TCP like port 9100 (one job per connection)."""

    def __init__(self, printer: EmulatedPrinter) -> None:
        self.printer = printer
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpFront:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def power_off(self) -> None:
        """The printer is switched off: open connections die, nobody listens any more."""
        self.server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self.server.wait_closed()

    async def power_on(self) -> None:
        await self.start()  # same port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        buffer = bytearray()
        try:
            while True:
                if self.printer.stalled:  # stops reading: the sender's buffers fill up
                    await asyncio.sleep(0.05)
                    continue
                chunk = await reader.read(4096)
                if not chunk:
                    break
                buffer += chunk
                answer = self.printer.feed(buffer)
                if answer:
                    writer.write(answer)
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.printer.close_input(buffer)
            self._writers.discard(writer)
            writer.close()


class PtyFront:
    """The printer at the far end of a pty pair: the agent opens `path` as a serial port."""

    def __init__(self, printer: EmulatedPrinter) -> None:
        self.printer = printer
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # a serial line: no echo, no line editing, bytes as they are
        self.path = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-printer", daemon=True)

    def start(self) -> PtyFront:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self.master)
        os.close(self.slave)

    def _run(self) -> None:
        buffer = bytearray()
        while not self._stop.is_set():
            if self.printer.stalled:
                self._stop.wait(0.05)
                continue
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(self.master, 4096)
            except OSError:  # no one has the port open right now
                self._stop.wait(0.05)
                continue
            answer = self.printer.feed(buffer)
            if answer:
                os.write(self.master, answer)
