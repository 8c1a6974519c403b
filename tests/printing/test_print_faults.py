"""The print agent, the real server and an emulated printer (network, and serial on a pty pair),
together: faults reach the board within 3 s, no job is recorded printed while a fault stands,
jobs that could not print come out when the fault clears only while young enough, a dead agent
is seen, one agent per printer."""

import asyncio
import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from emulated_printer import EmulatedPrinter, PtyFront, TcpFront
from kiosk.agent import AgentSettings, AuthRejected, KioskAgent, PrinterTaken
from kiosk.escpos_tokens import commands, text_lines, tokenize
from kiosk.printers import NetworkPrinter, PrinterConfig, SerialPrinter
from server import appkeys as K
from server.app import create_app
from wsclient import WsClient

ROOT = Path(__file__).resolve().parents[2]
BOARD_S = 3.0  # a printer's state must reach the board within this


class Bench:
    """One kiosk (kiosk-1) with its agent, an emulated network printer, and a manager's board socket."""

    def __init__(self, hall, tmp_path):
        self.hall, self.tmp_path = hall, tmp_path
        self.printer = EmulatedPrinter(encoding="gb18030")
        self.tcp = TcpFront(self.printer)
        self.stop = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.board: WsClient | None = None
        self.agent: KioskAgent | None = None
        self.labels: dict[int, str] = {}

    async def open_board(self) -> None:
        pin = self.hall.creds["staff"]["9001"]
        status, body = await self.hall.post("/api/sessions", None, {"staff": "9001", "pin": pin})
        assert status == 200, body
        self.board = await WsClient.open(self.hall, body["token"])
        assert (await self.board.request({"type": "subscribe", "scope": {}}))["success"]

    def make_agent(self) -> KioskAgent:
        settings = AgentSettings(
            server=self.hall.url("/api/ws").replace("http://", "ws://"), token=self.hall.creds["agents"]["kiosk-1"],
            printer=PrinterConfig(type="network", host="127.0.0.1", port=self.tcp.port, encoding="gb18030"),
            journal_path=str(self.tmp_path / "journal.log"), status_interval_s=0.2, backoff_initial_s=0.05,
            backoff_max_s=0.2, reply_timeout_s=5)
        printer = NetworkPrinter("127.0.0.1", self.tcp.port, timeout=1.0, status_timeout=0.3, print_timeout=1.0)
        return KioskAgent(settings, printer)

    async def start_agent(self) -> None:
        self.agent = self.make_agent()
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.agent.run(self.stop))

    async def stop_agent(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 5)

    async def board_shows(self, printer: str, **fields) -> float:
        """Seconds until the board hears kiosk-1's printer in this state (fails after BOARD_S)."""
        started = time.monotonic()
        while True:
            left = BOARD_S - (time.monotonic() - started)
            assert left > 0, f"the board did not show {printer} within {BOARD_S} s"
            try:
                message = await self.board.recv(timeout=left)
            except TimeoutError:
                continue
            if (message.get("type") == "device_status" and message.get("device") == "kiosk-1"
                    and message.get("printer") == printer and all(message.get(k) == v for k, v in fields.items())):
                return time.monotonic() - started

    def jobs(self) -> dict[int, tuple[str, str | None]]:
        """ticket id -> (status, error) as the server's database holds them."""
        with sqlite3.connect(self.tmp_path / "hallq.db") as db:  # the hall fixture's database file
            return {row[0]: (row[1], row[2]) for row in
                    db.execute("SELECT ticket_id, status, error FROM print_jobs "
                               "WHERE device = 'kiosk-1' AND reprint = 0")}

    async def job_becomes(self, ticket_id: int, status: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.jobs().get(ticket_id, (None,))[0] != status:
            assert time.monotonic() < deadline, f"job of ticket {ticket_id} is {self.jobs().get(ticket_id)}"
            await asyncio.sleep(0.02)

    async def issue(self) -> int:
        status, body = await self.hall.issue("invoice")
        assert status == 200, body
        self.labels[body["ticket"]["id"]] = body["ticket"]["label"]
        return body["ticket"]["id"]

    async def close(self) -> None:
        if self.task and not self.task.done():
            await self.stop_agent()
        if self.board:
            await self.board.close()
        if self.tcp.server:
            self.tcp.server.close()


@pytest.fixture
async def bench(hall, tmp_path):
    b = Bench(hall, tmp_path)
    await b.tcp.start()
    await b.open_board()
    yield b
    await b.close()


def assert_clean_ticket(data: bytes, label: str) -> None:
    tokens = tokenize(data, "gb18030")  # strict: any byte it does not know raises
    kinds = commands(tokens)
    assert kinds[-1] == "cut" and kinds.count("cut") == 1
    assert any(label in line for line in text_lines(tokens))


async def test_every_fault_reaches_the_board_within_3_s(bench):
    await bench.start_agent()
    await bench.board_shows("ready", agent=True)
    faults = [({"paper": "near_end"}, "paper_low"), ({"paper": "end"}, "paper_out"),
              ({"paper": "ok", "cover_open": True}, "cover_open"),
              ({"cover_open": False, "cutter_error": True}, "error"),
              ({"cutter_error": False, "stalled": True}, "offline")]
    seen = {}
    for change, word in faults:
        bench.printer.fix(**change)
        seen[word] = await bench.board_shows(word)
    bench.printer.fix(stalled=False)
    await bench.board_shows("ready")
    await bench.tcp.power_off()
    seen["power off"] = await bench.board_shows("offline")
    await bench.tcp.power_on()
    await bench.board_shows("ready")
    assert all(s < BOARD_S for s in seen.values()), seen


async def test_no_job_is_printed_while_a_fault_stands_and_it_prints_when_the_fault_clears(bench):
    bench.printer.fix(paper="end")
    await bench.start_agent()
    await bench.board_shows("paper_out")
    ticket = await bench.issue()
    await bench.job_becomes(ticket, "failed")
    assert bench.jobs()[ticket] == ("failed", "paper_out") and bench.printer.printed == []
    bench.printer.fix(paper="ok")  # a new roll: the job is young, so it prints now
    await bench.board_shows("ready")
    await bench.job_becomes(ticket, "printed")
    printed = await asyncio.to_thread(bench.printer.wait_printed, 1, 5)
    assert len(printed) == 1 and bench.printer.unknown == 0
    assert_clean_ticket(printed[0], bench.labels[ticket])
    lines = text_lines(tokenize(printed[0], "gb18030"))  # no window is open yet: the paper says so
    assert "暫無窗口辦理" in lines and any(line.endswith("號窗口附近等候") for line in lines), lines
    assert not any("分鐘" in line for line in lines)


@pytest.mark.parametrize(("fault", "word"), [({"cover_open": True}, "cover_open"), ({"cutter_error": True}, "error")])
async def test_cover_open_and_errors_refuse_the_job_too(bench, fault, word):
    bench.printer.fix(**fault)
    await bench.start_agent()
    await bench.board_shows(word)
    ticket = await bench.issue()
    await bench.job_becomes(ticket, "failed")
    assert bench.printer.printed == [] and bench.jobs()[ticket][1] == word


async def test_a_job_older_than_the_age_limit_waits_for_a_reprint(bench):
    bench.printer.fix(paper="end")
    await bench.start_agent()
    await bench.board_shows("paper_out")
    old = await bench.issue()
    await bench.job_becomes(old, "failed")
    bench.hall.clock.advance(301)  # the citizen left with the on-screen ticket five minutes ago
    bench.printer.fix(paper="ok")
    await bench.board_shows("ready")
    await bench.job_becomes(old, "expired")
    fresh = await bench.issue()
    await bench.job_becomes(fresh, "printed")
    assert len(bench.printer.printed) == 1  # only the fresh one
    status, body = await bench.hall.post(f"/api/tickets/{old}/reprint", bench.hall.device_token("kiosk-1"))
    assert status in (200, 409)  # the reprint rule (reprint_window_min) decides, not a pending job
    assert body.get("error", {}).get("code") != "print_pending"


async def test_jobs_waiting_for_a_stopped_agent_print_only_while_young(bench):
    stale = [await bench.issue(), await bench.issue()]
    bench.hall.clock.advance(200)
    young = await bench.issue()
    bench.hall.clock.advance(150)  # stale ones are 350 s old, the young one 150 s
    await bench.start_agent()
    await bench.job_becomes(young, "printed")
    assert [bench.jobs()[t][0] for t in stale] == ["expired", "expired"]
    assert len(bench.printer.printed) == 1


async def test_a_stopped_agent_is_shown_at_once_and_the_kiosk_stops_promising_paper(bench):
    await bench.start_agent()
    await bench.board_shows("ready", agent=True)
    status, me = await bench.hall.get("/api/kiosk", bench.hall.device_token("kiosk-1"))
    assert me["printer"] == "ready"
    await bench.stop_agent()
    assert await bench.board_shows("offline", agent=False) < BOARD_S
    status, me = await bench.hall.get("/api/kiosk", bench.hall.device_token("kiosk-1"))
    assert me["printer"] == "offline" and "agent" in me["printer_detail"]


async def test_a_second_agent_for_the_same_printer_is_refused(bench):
    await bench.start_agent()
    await bench.board_shows("ready", agent=True)
    second = bench.make_agent()
    with pytest.raises(PrinterTaken) as refused:
        await asyncio.wait_for(second.run(asyncio.Event()), 10)
    assert "already serves kiosk-1" in str(refused.value)
    ticket = await bench.issue()
    await bench.job_becomes(ticket, "printed")
    assert len(bench.printer.printed) == 1  # printed once, by the first agent


async def test_a_kiosk_page_token_cannot_act_as_the_print_agent(hall):
    page = await WsClient.open(hall, hall.device_token("kiosk-1"))
    reply = await page.request({"type": "printer_status", "status": "ready"})
    assert reply["error"]["code"] == "forbidden"
    reply = await page.request({"type": "print_ack", "job_id": "pj-x", "status": "printed"})
    assert reply["error"]["code"] == "forbidden"
    await page.close()
    status, body = await hall.get("/api/kiosk", hall.creds["agents"]["kiosk-1"])
    assert status == 403 and body["error"]["code"] == "forbidden"  # the agent's token opens no page


async def test_a_silent_agent_is_dropped_after_agent_timeout_s(settings, clock, tmp_path):
    settings = dataclasses.replace(settings, server=dataclasses.replace(settings.server, agent_timeout_s=1))
    app = create_app(settings, clock=clock, db_path=tmp_path / "hallq.db", tick_interval_s=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("/api/ws")).replace("http://", "ws://")
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as hung:
            await hung.send_json({"id": 1, "type": "auth", "token": settings.demo_credentials["agents"]["kiosk-1"]})
            await hung.receive_json(timeout=5)
            await hung.send_json({"id": 2, "type": "printer_status", "status": "ready"})
            await hung.receive_json(timeout=5)
            assert app[K.HUB].devices["kiosk-1"]["printer"] == "ready"
            started = time.monotonic()
            closing = await hung.receive(timeout=5)  # then the agent hangs: it sends nothing more
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert hung.close_code == 4002 or closing.data == 4002
            assert time.monotonic() - started < 3
    finally:
        await server.close()


async def test_sigterm_stops_an_agent_blocked_on_a_stalled_printer(hall, tmp_path):
    emulated = EmulatedPrinter(encoding="gb18030")
    emulated.stalls_on_next_job = True  # answers its status, then stops reading mid-job
    tcp = await TcpFront(emulated).start()
    config = tmp_path / "printer.toml"
    config.write_text(f'[printer]\ntype = "network"\nhost = "127.0.0.1"\nport = {tcp.port}\nmode = "raster"\n'
                      'timeout_s = 60\nprint_timeout_s = 60\n')
    token = tmp_path / "token"
    token.write_text(hall.creds["agents"]["kiosk-1"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ws_url = hall.url("/api/ws").replace("http", "ws", 1)
    agent = subprocess.Popen([sys.executable, "-m", "kiosk.agent", "--server", ws_url,
                              "--token-file", str(token), "--printer-config", str(config),
                              "--journal", str(tmp_path / "journal.log")],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while hall.app[K.HUB].devices["kiosk-1"].get("agent") is not True:
            assert time.monotonic() < deadline and agent.poll() is None
            await asyncio.sleep(0.05)
        await hall.issue("invoice")
        while not emulated.stalled:  # the agent is now blocked sending the job
            assert time.monotonic() < deadline and agent.poll() is None
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        started = time.monotonic()
        agent.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(asyncio.to_thread(agent.wait), 10)
        assert code == 0 and time.monotonic() - started < 5
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        tcp.server.close()


async def test_a_serial_printer_on_a_pty_pair_through_the_agent_and_the_server(hall, tmp_path):
    emulated = EmulatedPrinter(encoding="gb18030")
    emulated.fix(paper="end")
    front = PtyFront(emulated).start()
    bench = Bench(hall, tmp_path)
    await bench.open_board()
    settings = AgentSettings(
        server=hall.url("/api/ws").replace("http://", "ws://"), token=hall.creds["agents"]["kiosk-1"],
        printer=PrinterConfig(type="serial", serial_port=front.path, baudrate=115200, encoding="gb18030"),
        journal_path=str(tmp_path / "journal.log"), status_interval_s=0.2, reply_timeout_s=5)
    bench.agent = KioskAgent(settings, SerialPrinter(front.path, 115200, timeout_s=1.0, status_timeout_s=0.3,
                                                     print_timeout_s=2.0))
    bench.task = asyncio.create_task(bench.agent.run(bench.stop))
    try:
        await bench.board_shows("paper_out")
        ticket = await bench.issue()
        await bench.job_becomes(ticket, "failed")
        assert emulated.printed == []
        emulated.fix(paper="ok")
        await bench.board_shows("ready")
        await bench.job_becomes(ticket, "printed")
        assert len(emulated.printed) == 1 and emulated.unknown == 0
        assert_clean_ticket(emulated.printed[0], bench.labels[ticket])
        emulated.stalled = True  # a serial printer that stops answering is offline, not ready
        await bench.board_shows("offline")
    finally:
        await bench.close()
        front.stop()


async def test_a_print_agent_started_with_the_page_token_stops_with_a_clear_error(bench):
    settings = dataclasses.replace(bench.make_agent().settings, token=bench.hall.device_token("kiosk-1"))
    agent = KioskAgent(settings, NetworkPrinter("127.0.0.1", bench.tcp.port, timeout=1.0, status_timeout=0.3))
    with pytest.raises(AuthRejected, match="not a print agent's token"):
        await asyncio.wait_for(agent.run(asyncio.Event()), 10)


async def test_an_expired_job_is_printed_at_the_guide_desk_on_request(bench):
    bench.printer.fix(paper="end")
    await bench.start_agent()
    await bench.board_shows("paper_out")
    old = await bench.issue()
    await bench.job_becomes(old, "failed")
    bench.hall.clock.advance(301)
    bench.printer.fix(paper="ok")
    await bench.board_shows("ready")
    await bench.job_becomes(old, "expired")
    assert bench.printer.printed == []  # not by itself
    guide = {"staff": "8001", "pin": bench.hall.creds["staff"]["8001"]}  # the demo hall's guide
    status, body = await bench.hall.post("/api/sessions", None, guide)
    assert status == 200, body
    status, body = await bench.hall.post(f"/api/tickets/{old}/print-at", body["token"],
                                         {"device": "kiosk-1", "request_id": "guide-print-1"})
    assert status == 200, body  # the citizen came back to the guide desk: printed on request
    printed = await asyncio.to_thread(bench.printer.wait_printed, 1, 5)
    assert_clean_ticket(printed[0], bench.labels[old])
