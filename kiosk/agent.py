"""`hallq kiosk-agent`: prints the tickets a kiosk issues (docs/printing.md, docs/protocol.md §5).

Connects to the server as the kiosk (websockets client), authenticates, subscribes to `{}`,
reports `printer_status` on connect and on every change, receives `print_job`s, renders and
prints each one off the event loop, and acknowledges it with `print_ack`. A journal of job ids
makes a job resent after a lost ack come out only once. Reconnects by itself with capped
exponential back-off and jitter.
"""

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import sys
import tomllib
from dataclasses import dataclass
from typing import Awaitable, Callable

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from kiosk.escpos_render import paper_px, render_preview_png, render_ticket
from kiosk.journal import PrintJournal
from kiosk.layout import LayoutError, TicketLayout
from kiosk.printers import Printer, PrinterConfig, PrinterError, printer_from_config
from kiosk.raster import FontBook, FontNotFoundError

log = logging.getLogger("hallq.kiosk.agent")
Sleep = Callable[[float], Awaitable[None]]
FAULTS = ("paper_out", "offline", "error")


class AuthRejected(Exception):
    """The server refused the kiosk token: retrying will not help."""


@dataclass(frozen=True)
class AgentSettings:
    server: str
    token: str
    printer: PrinterConfig
    journal_path: str = "var/kiosk-agent/journal.log"
    status_interval_s: float = 5.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    reply_timeout_s: float = 10.0


@dataclass(frozen=True)
class Outcome:
    """What became of one job: `printed`, or `failed` with an error word for the ack."""

    status: str
    error: str = ""
    printer_status: str = ""
    detail: str = ""


def backoff_delay(attempt: int, initial: float, cap: float, rng: Callable[[], float]) -> float:
    """1 s, 2 s, 4 s ... capped, each within ±20 % so a hall of kiosks does not reconnect in step."""
    base = min(cap, initial * 2 ** min(attempt, 16))
    return min(cap, base * (0.8 + 0.4 * rng()))


class _Connection:
    """One authenticated socket: message ids, replies awaited by id, the status last reported."""

    def __init__(self, ws, reply_timeout_s: float) -> None:
        self.ws = ws
        self.reply_timeout_s = reply_timeout_s
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.reported_status: str | None = None

    async def send(self, message: dict) -> int:
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, **message}, ensure_ascii=False))
        return self.next_id

    async def request(self, message: dict) -> dict:
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id + 1] = future
        await self.send(message)
        return await asyncio.wait_for(future, self.reply_timeout_s)

    def fail_pending(self) -> None:
        """The socket is gone: nobody will answer, so stop waiting now rather than at the timeout."""
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError("connection closed before the reply"))
        self.pending.clear()

    def resolve(self, reply: dict) -> None:
        future = self.pending.pop(reply.get("id"), None)
        if future is not None and not future.done():
            future.set_result(reply)
        elif not reply.get("success", True):
            log.warning("server refused message %s: %s", reply.get("id"), reply.get("error"))


class KioskAgent:
    """Long-lived across reconnects: the printer, the journal, jobs still printing."""

    def __init__(self, settings: AgentSettings, printer: Printer | None = None, *,
                 backoff_sleep: Sleep = asyncio.sleep, poll_sleep: Sleep = asyncio.sleep,
                 rng: Callable[[], float] = random.random) -> None:
        self.settings = settings
        self.printer = printer if printer is not None else printer_from_config(settings.printer)
        self.journal = PrintJournal(settings.journal_path)
        self.backoff_sleep, self.poll_sleep, self.rng = backoff_sleep, poll_sleep, rng
        self.sessions = 0  # authenticated connections so far (for logs and tests)
        self._printer_lock = asyncio.Lock()
        self._inflight: dict[str, asyncio.Future] = {}
        self._fonts: FontBook | None = None

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Connect, serve, reconnect, until `stop` is set. Raises AuthRejected on a bad token."""
        stop = stop or asyncio.Event()
        failures = 0  # connection attempts in a row that never got authenticated
        while not stop.is_set():
            sessions_before = self.sessions
            try:
                await self._session(stop)
            except (OSError, ConnectionClosed, InvalidHandshake, asyncio.TimeoutError) as exc:
                log.warning("connection to %s lost: %s", self.settings.server, exc)
            if self.sessions > sessions_before:
                failures = 0
            if not stop.is_set():
                s = self.settings
                await self._pause(backoff_delay(failures, s.backoff_initial_s, s.backoff_max_s, self.rng), stop)
                failures += 1

    async def _pause(self, seconds: float, stop: asyncio.Event) -> None:
        """The back-off sleep, cut short by `stop` so a service stop never waits 30 s."""
        waits = [asyncio.ensure_future(self.backoff_sleep(seconds)), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _session(self, stop: asyncio.Event) -> None:
        async with connect(self.settings.server, open_timeout=self.settings.reply_timeout_s,
                           max_size=2 ** 20) as ws:
            conn = _Connection(ws, self.settings.reply_timeout_s)
            jobs: asyncio.Queue = asyncio.Queue()
            reader = asyncio.create_task(self._read(conn, jobs))
            try:
                await self._start(conn)
                await self._serve(conn, jobs, reader, stop)
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)  # its error was seen or is moot

    async def _start(self, conn: _Connection) -> None:
        try:
            reply = await conn.request({"type": "auth", "token": self.settings.token})
        except ConnectionError:
            if conn.ws.close_code == 4001:  # closed as unauthorized without a reply
                raise AuthRejected("closed with 4001") from None
            raise
        if not reply.get("success"):
            raise AuthRejected(str(reply.get("error")))
        self.sessions += 1
        log.info("authenticated as %s", reply.get("result", {}).get("device"))
        reply = await conn.request({"type": "subscribe", "scope": {}})
        if not reply.get("success"):
            raise ConnectionError(f"subscribe refused: {reply.get('error')}")
        await self._report(conn, await self._query_status())

    async def _serve(self, conn: _Connection, jobs: asyncio.Queue, reader: asyncio.Task,
                     stop: asyncio.Event) -> None:
        tasks = [reader, asyncio.create_task(self._work(conn, jobs)),
                 asyncio.create_task(self._poll(conn)), asyncio.create_task(stop.wait())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()

    async def _read(self, conn: _Connection, jobs: asyncio.Queue) -> None:
        try:
            await self._dispatch(conn, jobs)
        finally:
            conn.fail_pending()

    async def _dispatch(self, conn: _Connection, jobs: asyncio.Queue) -> None:
        async for raw in conn.ws:
            message = _parse(raw)
            kind = message.get("type")
            if kind == "result":
                conn.resolve(message)
            elif kind == "print_job":
                jobs.put_nowait(message)
            elif kind == "resync":
                log.info("server asked to resync: %s", message.get("reason"))
                return
            # events, notices and device_status are for screens, not for the printer agent

    async def _work(self, conn: _Connection, jobs: asyncio.Queue) -> None:
        while True:
            message = await jobs.get()
            job_id = message.get("job_id")
            if not isinstance(job_id, str) or not job_id or any(ch.isspace() for ch in job_id):
                log.error("print_job without a usable job_id ignored")
                continue
            outcome = await self._print_once(job_id, message)
            await self._acknowledge(conn, job_id, outcome)

    async def _acknowledge(self, conn: _Connection, job_id: str, outcome: Outcome) -> None:
        if outcome.printer_status:
            await self._report(conn, outcome.printer_status, outcome.detail)
        ack = {"type": "print_ack", "job_id": job_id, "status": outcome.status}
        if outcome.status == "failed":
            ack["error"] = outcome.error
        await conn.send(ack)

    async def _poll(self, conn: _Connection) -> None:
        while True:
            await self.poll_sleep(self.settings.status_interval_s)
            await self._report(conn, await self._query_status())

    async def _report(self, conn: _Connection, status: str, detail: str = "") -> None:
        if status != conn.reported_status:
            conn.reported_status = status
            await conn.send({"type": "printer_status", "status": status, "detail": detail})

    async def _query_status(self) -> str:
        async with self._printer_lock:
            try:
                return await asyncio.to_thread(self.printer.status)
            except Exception as exc:  # noqa: BLE001  (a driver failing is a printer error, not ours)
                log.warning("printer status failed: %s", exc)
                return "error"

    async def _print_once(self, job_id: str, message: dict) -> Outcome:
        """One print per job id, even when the same job arrives again while it is printing.

        The printing task is not tied to the connection: a drop mid-print does not interrupt it,
        and the journal is written when the printer is done.
        """
        task = self._inflight.get(job_id)
        if task is None:
            task = asyncio.ensure_future(self._print_job(job_id, message))
            self._inflight[job_id] = task
            task.add_done_callback(lambda _task: self._inflight.pop(job_id, None))
        return await asyncio.shield(task)

    async def _print_job(self, job_id: str, message: dict) -> Outcome:
        async with self._printer_lock:
            state = self.journal.state(job_id)
            if state == "done":
                return Outcome("printed")
            if state == "start":
                return Outcome("failed", "interrupted", detail="agent stopped while printing")
            try:
                layout = TicketLayout.from_payload(message.get("payload"))
                data, preview = await asyncio.to_thread(self._render, layout)
            except (LayoutError, FontNotFoundError, ValueError) as exc:
                log.error("job %s cannot be rendered: %s", job_id, exc)
                return Outcome("failed", "invalid_layout" if isinstance(exc, LayoutError) else "render_failed")
            return await self._send(job_id, data, preview)

    async def _send(self, job_id: str, data: bytes, preview: bytes | None) -> Outcome:
        await asyncio.to_thread(self.journal.record, job_id, "start")
        try:
            await asyncio.to_thread(self.printer.send, data, job_id=job_id, preview_png=preview)
        except PrinterError as exc:
            await asyncio.to_thread(self.journal.record, job_id, "fail")
            log.warning("job %s not printed: %s", job_id, exc)
            return Outcome("failed", exc.status, exc.status, exc.detail)
        except Exception as exc:  # noqa: BLE001  (any driver error fails this job, not the agent)
            await asyncio.to_thread(self.journal.record, job_id, "fail")
            log.exception("job %s not printed", job_id)
            return Outcome("failed", "error", "error", str(exc))
        await asyncio.to_thread(self.journal.record, job_id, "done")
        return Outcome("printed", printer_status="ready")

    def _render(self, layout: TicketLayout) -> tuple[bytes, bytes | None]:
        """Runs in a worker thread (under the printer lock, so one render at a time)."""
        config = self.settings.printer
        needs_fonts = config.mode == "raster" or getattr(self.printer, "wants_preview", False)
        fonts = self._font_book() if needs_fonts else None
        data = render_ticket(layout, config.mode, config.encoding, config.paper_width_mm, fonts)
        preview = None
        if fonts is not None and getattr(self.printer, "wants_preview", False):
            preview = render_preview_png(layout, paper_px(config.paper_width_mm), fonts)
        return data, preview

    def _font_book(self) -> FontBook | None:
        if self._fonts is None:
            try:
                self._fonts = FontBook.find()
            except FontNotFoundError:
                if self.settings.printer.mode == "raster":
                    raise
                log.warning("no CJK font: dummy printer previews are skipped")
                return None
        return self._fonts


def _parse(raw: str | bytes) -> dict:
    try:
        message = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return message if isinstance(message, dict) else {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallq kiosk-agent", description="Print the tickets of one kiosk.")
    parser.add_argument("--server", required=True, help="WebSocket URL, e.g. ws://hall.local:8080/api/ws")
    parser.add_argument("--token", help="kiosk device token (or --token-file, or HALLQ_KIOSK_TOKEN)")
    parser.add_argument("--token-file", help="file holding the kiosk token (keeps it out of `ps`)")
    printer = parser.add_mutually_exclusive_group()
    printer.add_argument("--printer-config", help="TOML file with the printer keys (docs/printing.md)")
    printer.add_argument("--printer", choices=["dummy"], help="dummy: write tickets to --out-dir")
    parser.add_argument("--out-dir", default="var/printer-dummy", help="dummy printer output folder")
    parser.add_argument("--journal", default="var/kiosk-agent/journal.log", help="print journal file")
    parser.add_argument("--status-interval", type=float, default=5.0, help="printer status poll, seconds")
    return parser


def load_printer_config(path: str) -> PrinterConfig:
    """Keys at the top level of the TOML file or under a [printer] table."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return PrinterConfig.from_dict(data.get("printer", data))


def settings_from_args(args: argparse.Namespace) -> AgentSettings:
    token = args.token or os.environ.get("HALLQ_KIOSK_TOKEN", "")
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    if not token:
        raise ValueError("a kiosk token is needed: --token, --token-file or HALLQ_KIOSK_TOKEN")
    if args.printer_config:
        printer = load_printer_config(args.printer_config)
    else:
        printer = PrinterConfig(type="dummy", out_dir=args.out_dir)
    return AgentSettings(server=args.server, token=token, printer=printer,
                         journal_path=args.journal, status_interval_s=args.status_interval)


async def _run_until_signalled(agent: KioskAgent) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await agent.run(stop)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `hallq kiosk-agent`. Exit 0 when stopped, 2 on bad settings or token."""
    args = build_parser().parse_args(argv)
    # force: importing python-escpos already called basicConfig() with its own format
    logging.basicConfig(level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        agent = KioskAgent(settings_from_args(args))
        asyncio.run(_run_until_signalled(agent))
    except (ValueError, OSError, tomllib.TOMLDecodeError, InvalidURI) as exc:
        print(f"hallq kiosk-agent: {exc}", file=sys.stderr)
        return 2
    except AuthRejected as exc:
        print(f"hallq kiosk-agent: the server refused the kiosk token ({exc})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
