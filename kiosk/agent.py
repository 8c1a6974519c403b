"""`hallq kiosk-agent`: prints the tickets a kiosk issues (docs/printing.md, docs/protocol.md §5).

Connects to the server with the kiosk's agent token (server/hubclient.py), reports
`printer_status` on connect and then every `status_interval_s` (the report is also the agent's
heartbeat), receives `print_job`s, renders and prints each one off the event loop, and
acknowledges it with `print_ack`: `printed` only when the printer said, after the job, that no
fault stands. A journal of job ids makes a job resent after a lost ack come out only once.

Printer I/O runs in daemon threads: every transport has timeouts, and if a driver still blocks,
SIGTERM stops the agent anyway (the journal then says the job was interrupted, never printed).
"""

import argparse
import asyncio
import contextlib
import logging
import os
import random
import signal
import sys
import threading
import tomllib
from dataclasses import dataclass
from collections.abc import Awaitable, Callable

from websockets.exceptions import InvalidURI

from kiosk.escpos_render import paper_px, render_preview_png, render_ticket
from kiosk.journal import PrintJournal
from kiosk.layout import LayoutError, TicketLayout
from kiosk.printers import Printer, PrinterConfig, PrinterError, PrinterState, printer_from_config
from kiosk.raster import FontBook, FontNotFoundError
from server.hubclient import HubClient, HubConnection, Refused, RequestRefused, backoff_delay

log = logging.getLogger("hallq.kiosk.agent")
Sleep = Callable[[float], Awaitable[None]]
AuthRejected = Refused  # the server refused the agent token: retrying will not help
__all__ = ["AgentSettings", "AuthRejected", "KioskAgent", "Outcome", "PrinterTaken", "backoff_delay", "main"]


class PrinterTaken(Exception):
    """Another print agent already serves this kiosk's printer (agent_already_connected)."""


@dataclass(frozen=True)
class AgentSettings:
    server: str
    token: str
    printer: PrinterConfig
    journal_path: str = "var/kiosk-agent/journal.log"
    status_interval_s: float = 2.0
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


async def in_daemon_thread(function, *args, **kwargs):
    """Like asyncio.to_thread, but in a daemon thread: a driver blocked in a write can never keep
    the process from exiting on SIGTERM (to_thread's pool threads are joined at exit)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error) -> None:
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(result)

    def run() -> None:
        try:
            result, error = function(*args, **kwargs), None
        except BaseException as exc:  # noqa: BLE001  (handed to the awaiting task)
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: the agent stopped meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="printer-io", daemon=True).start()
    return await future


class KioskAgent:
    """Long-lived across reconnects: the printer, the journal, jobs still printing."""

    def __init__(self, settings: AgentSettings, printer: Printer | None = None, *,
                 backoff_sleep: Sleep = asyncio.sleep, poll_sleep: Sleep = asyncio.sleep,
                 rng: Callable[[], float] = random.random) -> None:
        self.settings = settings
        self.printer = printer if printer is not None else printer_from_config(settings.printer)
        self.journal = PrintJournal(settings.journal_path)
        self.poll_sleep = poll_sleep
        self.client = HubClient(settings.server, settings.token, subscribe=False,
                                backoff_start_s=settings.backoff_initial_s, backoff_max_s=settings.backoff_max_s,
                                reply_timeout_s=settings.reply_timeout_s, sleep=backoff_sleep, rng=rng)
        self._printer_lock = asyncio.Lock()
        self._inflight: dict[str, asyncio.Future] = {}
        self._fonts: FontBook | None = None
        self._reported: tuple[str, str] | None = None

    @property
    def sessions(self) -> int:
        """Authenticated connections so far (for logs and tests)."""
        return self.client.sessions

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Connect, serve, reconnect, until `stop` is set. Raises AuthRejected on a bad token and
        PrinterTaken when another agent serves the printer."""
        await self.client.run(self._serve, stop)

    async def _serve(self, conn: HubConnection, _subscribed: dict) -> None:
        await self._report(conn, await self._query_status(), first=True)
        tasks = [asyncio.create_task(self._work(conn)), asyncio.create_task(self._poll(conn))]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()

    async def _work(self, conn: HubConnection) -> None:
        while True:
            message = await conn.inbox.get()
            if message.get("type") != "print_job":
                continue  # notices and device_status are for screens, not for the printer agent
            job_id = message.get("job_id")
            if not isinstance(job_id, str) or not job_id or any(ch.isspace() for ch in job_id):
                log.error("print_job without a usable job_id ignored")
                continue
            outcome = await self._print_once(job_id, message)
            await self._acknowledge(conn, job_id, outcome)

    async def _acknowledge(self, conn: HubConnection, job_id: str, outcome: Outcome) -> None:
        if outcome.printer_status:
            await self._report(conn, PrinterState(outcome.printer_status, outcome.detail))
        ack = {"type": "print_ack", "job_id": job_id, "status": outcome.status}
        if outcome.status == "failed":
            ack["error"] = outcome.error
        await conn.send(ack)

    async def _poll(self, conn: HubConnection) -> None:
        """The printer's state every status_interval_s, sent every time: it is the heartbeat. While
        a job is printing (a raster ticket on a slow line may take a minute) the printer is busy:
        the last state goes out again, so the server never takes a printing agent for a dead one."""
        while True:
            await self.poll_sleep(self.settings.status_interval_s)
            if self._printer_lock.locked() and self._reported is not None:
                await self._report(conn, PrinterState(*self._reported), heartbeat=True)
            else:
                await self._report(conn, await self._query_status(), heartbeat=True)

    async def _report(self, conn: HubConnection, state: PrinterState, first: bool = False,
                      heartbeat: bool = False) -> None:
        changed = (state.status, state.detail) != self._reported
        if not (first or heartbeat or changed):
            return
        if changed:
            log.info("printer %s%s", state.status, f" ({state.detail})" if state.detail else "")
        self._reported = (state.status, state.detail)
        message = {"type": "printer_status", "status": state.status, "detail": state.detail}
        if not first:
            await conn.send(message)
            return
        try:
            await conn.request(message)
        except RequestRefused as exc:
            if exc.code == "agent_already_connected":
                raise PrinterTaken(exc.error.get("message", str(exc))) from None
            if exc.code == "forbidden":  # a page's token: retrying will not make it an agent's
                raise AuthRejected(f"not a print agent's token ({exc})") from None
            raise ConnectionError(f"printer_status refused: {exc}") from None

    async def _query_status(self) -> PrinterState:
        async with self._printer_lock:
            try:
                return await in_daemon_thread(self.printer.status)
            except Exception as exc:  # noqa: BLE001  (a driver failing is a printer error, not ours)
                log.warning("printer status failed: %s", exc)
                return PrinterState("error", str(exc)[:200])

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
            after = await in_daemon_thread(self.printer.send, data, job_id=job_id, preview_png=preview)
        except PrinterError as exc:
            await asyncio.to_thread(self.journal.record, job_id, "fail")
            log.warning("job %s not printed: %s", job_id, exc)
            return Outcome("failed", exc.status, exc.status, exc.detail)
        except Exception as exc:  # noqa: BLE001  (any driver error fails this job, not the agent)
            await asyncio.to_thread(self.journal.record, job_id, "fail")
            log.exception("job %s not printed", job_id)
            return Outcome("failed", "error", "error", str(exc)[:200])
        await asyncio.to_thread(self.journal.record, job_id, "done")
        return Outcome("printed", printer_status=after.status, detail=after.detail)

    def _render(self, layout: TicketLayout) -> tuple[bytes, bytes | None]:
        """Runs in a worker thread (under the printer lock, so one render at a time)."""
        config = self.settings.printer
        needs_fonts = config.mode == "raster" or getattr(self.printer, "wants_preview", False)
        fonts = self._font_book() if needs_fonts else None
        data = render_ticket(layout, config.mode, config.encoding, config.paper_width_mm, fonts, config.cut)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallq kiosk-agent", description="Print the tickets of one kiosk.")
    parser.add_argument("--server", required=True, help="WebSocket URL, e.g. ws://hall.local:8080/api/ws")
    parser.add_argument("--token", help="the kiosk's agent token (or --token-file, or HALLQ_AGENT_TOKEN)")
    parser.add_argument("--token-file", help="file holding the agent token (keeps it out of `ps`)")
    printer = parser.add_mutually_exclusive_group()
    printer.add_argument("--printer-config", help="TOML file with the printer keys (docs/printing.md)")
    printer.add_argument("--printer", choices=["dummy"], help="dummy: write tickets to --out-dir")
    parser.add_argument("--out-dir", default="var/printer-dummy", help="dummy printer output folder")
    parser.add_argument("--journal", default="var/kiosk-agent/journal.log", help="print journal file")
    parser.add_argument("--status-interval", type=float, default=2.0,
                        help="printer status poll and heartbeat, seconds (default 2)")
    return parser


def load_printer_config(path: str) -> PrinterConfig:
    """Keys at the top level of the TOML file or under a [printer] table."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return PrinterConfig.from_dict(data.get("printer", data))


def settings_from_args(args: argparse.Namespace) -> AgentSettings:
    token = args.token or os.environ.get("HALLQ_AGENT_TOKEN", "")
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    if not token:
        raise ValueError("the kiosk's agent token is needed: --token, --token-file or HALLQ_AGENT_TOKEN")
    if args.printer_config:
        printer = load_printer_config(args.printer_config)
    else:
        printer = PrinterConfig(type="dummy", out_dir=args.out_dir)
    return AgentSettings(server=args.server, token=token, printer=printer,
                         journal_path=args.journal, status_interval_s=args.status_interval)


async def _run_until_signalled(agent: KioskAgent) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop_now(sig: signal.Signals) -> None:
        log.info("%s: stopping", sig.name)
        stop.set()
        loop.remove_signal_handler(sig)  # a second signal ends the process at once

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_now, sig)
    await agent.run(stop)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `hallq kiosk-agent`. Exit 0 when stopped, 2 on bad settings or token, 3 when
    another agent already serves the printer."""
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
        print(f"hallq kiosk-agent: the server refused the agent token ({exc}); use the kiosk's agent "
              "token (agent_token_hash in the hall file), not the kiosk page's token", file=sys.stderr)
        return 2
    except PrinterTaken as exc:
        print(f"hallq kiosk-agent: not started: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
