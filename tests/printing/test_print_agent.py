"""The kiosk agent against a small fake server speaking protocol.md section 5 over real sockets."""

import asyncio
import json

import pytest
from websockets.asyncio.server import serve

from kiosk.agent import (AgentSettings, AuthRejected, KioskAgent, backoff_delay, build_parser, main,
                         settings_from_args)
from kiosk.escpos_tokens import qr_payloads, tokenize
from kiosk.printers import DummyPrinter, PrinterConfig
from print_samples import TRACKING_URL, payload, payload_hans

WAIT = 10  # seconds: every wait in these tests is bounded by this


def job(job_id: str, **changes) -> dict:
    return {"type": "print_job", "job_id": job_id, "ticket_id": 42, "reprint": False,
            "payload": payload(**changes)}


class FakeHall:
    """Per connection: answers auth, then pushes that connection's scripted jobs after the agent's
    first printer_status (as the server does)."""

    def __init__(self, jobs_per_connection: list[list[dict]], token: str = "kiosk-secret") -> None:
        self.jobs_per_connection = jobs_per_connection
        self.token = token
        self.connections = 0
        self.received: asyncio.Queue[dict] = asyncio.Queue()
        self.close_after_ack: dict[int, str] = {}  # connection number -> job id whose ack is "lost"
        self.before_close = lambda: None  # runs when an ack is "lost", before the socket closes
        self.reported: set[int] = set()  # connections that sent their first printer_status

    async def handler(self, ws) -> None:
        self.connections += 1
        number = self.connections
        async for raw in ws:
            message = json.loads(raw)
            await self.received.put({**message, "connection": number})
            await self._answer(ws, message, number)
            if message["type"] == "auth" and message["token"] != self.token:
                return  # refused and closed
            if message["type"] == "print_ack" and self.close_after_ack.get(number) == message["job_id"]:
                self.before_close()
                await ws.close()  # the ack never reaches the database: the job will be resent
                return

    async def _answer(self, ws, message: dict, number: int) -> None:
        kind, ok = message["type"], {"id": message["id"], "type": "result", "success": True}
        if kind == "auth" and message["token"] == "silently-refused":
            await ws.close(4001)  # a hub may close without a reply
        elif kind == "auth" and message["token"] != self.token:
            await ws.send(json.dumps({**ok, "success": False,
                                      "error": {"code": "unauthorized", "message": "bad token"}}))
            await ws.close(4001)
        elif kind == "auth":
            await ws.send(json.dumps({**ok, "result": {"role": "kiosk", "device": "kiosk-1", "last_seq": 0}}))
        elif kind == "printer_status" and number not in self.reported:
            self.reported.add(number)
            await ws.send(json.dumps({**ok, "result": {"printer": message["status"]}}))
            await ws.send(json.dumps({"type": "notice", "text": "not for printers"}))
            for pushed in self.jobs_per_connection[min(number, len(self.jobs_per_connection)) - 1]:
                await ws.send(json.dumps(pushed, ensure_ascii=False))
        else:
            await ws.send(json.dumps({**ok, "result": {}}))

    async def expect(self, kind: str, **fields) -> dict:
        """The next message of `kind` matching `fields` (others of that kind are skipped)."""
        async def wait() -> dict:
            while True:
                message = await self.received.get()
                if message["type"] == kind and all(message.get(k) == v for k, v in fields.items()):
                    return message
        return await asyncio.wait_for(wait(), WAIT)


class Ticker:
    """Injected poll sleep: the status poll runs only when the test ticks."""

    def __init__(self) -> None:
        self.ticks: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, _seconds: float) -> None:
        await self.ticks.get()


class Harness:
    def __init__(self, tmp_path, hall: FakeHall, token: str = "kiosk-secret", mode: str = "text",
                 encoding: str = "big5") -> None:
        self.tmp_path, self.hall, self.token = tmp_path, hall, token
        self.config = PrinterConfig(type="dummy", out_dir=str(tmp_path / "out"), mode=mode, encoding=encoding)
        self.printer = DummyPrinter(tmp_path / "out")
        self.ticker = Ticker()
        self.backoffs: list[float] = []
        self.stop = asyncio.Event()

    async def no_wait(self, seconds: float) -> None:
        self.backoffs.append(seconds)
        await asyncio.sleep(0)

    def agent(self, port: int) -> KioskAgent:
        settings = AgentSettings(server=f"ws://127.0.0.1:{port}/api/ws", token=self.token, printer=self.config,
                                 journal_path=str(self.tmp_path / "journal.log"), reply_timeout_s=WAIT)
        return KioskAgent(settings, self.printer, backoff_sleep=self.no_wait, poll_sleep=self.ticker.sleep,
                          rng=lambda: 0.5)

    async def __aenter__(self):
        self.server = await serve(self.hall.handler, "127.0.0.1", 0).__aenter__()
        port = self.server.sockets[0].getsockname()[1]
        self.task = asyncio.create_task(self.agent(port).run(self.stop))
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        try:
            await asyncio.wait_for(self.task, WAIT)
        finally:
            await self.server.__aexit__(None, None, None)


async def test_two_jobs_are_printed_and_acknowledged(tmp_path):
    hall = FakeHall([[job("pj-1"), job("pj-2", label="A013")]])
    async with Harness(tmp_path, hall) as h:
        assert (await hall.expect("auth"))["token"] == "kiosk-secret"
        assert (await hall.expect("printer_status"))["status"] == "ready"
        assert (await hall.expect("print_ack", job_id="pj-1"))["status"] == "printed"
        assert (await hall.expect("print_ack", job_id="pj-2"))["status"] == "printed"
    assert h.printer.sent == ["pj-1", "pj-2"]
    printed = (tmp_path / "out" / "pj-2.bin").read_bytes()
    assert "A013" in printed.decode("big5", "ignore") and qr_payloads(tokenize(printed, "big5")) == [TRACKING_URL]
    assert (tmp_path / "out" / "pj-2.png").read_bytes().startswith(b"\x89PNG")


async def test_message_ids_increase_per_connection(tmp_path):
    hall = FakeHall([[job("pj-1")]])
    async with Harness(tmp_path, hall):
        ids = [(await hall.expect(kind))["id"] for kind in ("auth", "printer_status", "print_ack")]
    assert ids == [1, 2, 3]


async def test_resent_job_after_a_lost_ack_is_acknowledged_again_but_printed_once(tmp_path):
    hall = FakeHall([[job("pj-1")], [job("pj-1"), job("pj-2")]])
    hall.close_after_ack[1] = "pj-1"
    async with Harness(tmp_path, hall) as h:
        first = await hall.expect("print_ack", job_id="pj-1")
        again = await hall.expect("print_ack", job_id="pj-1")
        second = await hall.expect("print_ack", job_id="pj-2")
    assert (first["connection"], again["connection"], second["connection"]) == (1, 2, 2)
    assert again["status"] == second["status"] == "printed"
    assert h.printer.sent == ["pj-1", "pj-2"]
    assert h.backoffs and h.backoffs[0] == pytest.approx(1.0)


async def test_the_journal_survives_an_agent_restart(tmp_path):
    hall = FakeHall([[job("pj-1")]])
    async with Harness(tmp_path, hall) as h:
        await hall.expect("print_ack", job_id="pj-1")
    hall2 = FakeHall([[job("pj-1")]])
    async with Harness(tmp_path, hall2) as h2:
        assert (await hall2.expect("print_ack", job_id="pj-1"))["status"] == "printed"
    assert h.printer.sent == ["pj-1"] and h2.printer.sent == []


async def test_status_changes_are_reported_by_the_poll(tmp_path):
    hall = FakeHall([[], [job("pj-1")]])
    async with Harness(tmp_path, hall) as h:
        assert (await hall.expect("printer_status", connection=1))["status"] == "ready"
        h.printer.simulate("offline")
        h.ticker.ticks.put_nowait(None)
        assert (await hall.expect("printer_status", connection=1))["status"] == "offline"
        h.printer.simulate("ready")
        h.ticker.ticks.put_nowait(None)
        assert (await hall.expect("printer_status", connection=1))["status"] == "ready"
    assert h.printer.sent == []


async def test_a_job_on_an_offline_printer_is_acked_failed_and_can_print_later(tmp_path):
    hall = FakeHall([[job("pj-1")], [job("pj-1")]])
    hall.close_after_ack[1] = "pj-1"
    harness = Harness(tmp_path, hall)
    harness.printer.simulate("offline")
    hall.before_close = lambda: harness.printer.simulate("ready")  # fixed before the job is resent
    async with harness as h:
        assert (await hall.expect("printer_status", connection=1))["status"] == "offline"
        failed = await hall.expect("print_ack", job_id="pj-1", connection=1)
        assert (failed["status"], failed["error"]) == ("failed", "offline")
        assert (await hall.expect("printer_status", connection=2))["status"] == "ready"
        assert (await hall.expect("print_ack", job_id="pj-1", connection=2))["status"] == "printed"
    assert h.printer.sent == ["pj-1"]


async def test_paper_out_is_reported_before_the_failed_ack(tmp_path):
    hall = FakeHall([[job("pj-9")]])
    harness = Harness(tmp_path, hall)
    harness.printer.simulate("paper_out")
    async with harness as h:
        status = await hall.expect("printer_status")
        ack = await hall.expect("print_ack", job_id="pj-9")
    assert status["id"] < ack["id"]
    assert (status["status"], ack["status"], ack["error"]) == ("paper_out", "failed", "paper_out")
    assert h.printer.sent == []


async def test_invalid_layout_is_acked_failed_and_nothing_prints(tmp_path):
    hall = FakeHall([[job("pj-1", hint="call 13800138000")]])
    async with Harness(tmp_path, hall) as h:
        ack = await hall.expect("print_ack", job_id="pj-1")
    assert (ack["status"], ack["error"]) == ("failed", "invalid_layout") and h.printer.sent == []


async def test_raster_mode_and_big5_fallback(tmp_path):
    hall = FakeHall([[{**job("pj-1"), "payload": payload_hans()}]])
    async with Harness(tmp_path, hall, encoding="big5") as h:
        assert (await hall.expect("print_ack", job_id="pj-1"))["status"] == "printed"
    kinds = [t.kind for t in tokenize((tmp_path / "out" / "pj-1.bin").read_bytes())]
    assert "raster" in kinds and "text" not in kinds and h.printer.sent == ["pj-1"]


@pytest.mark.parametrize("token", ["wrong", "silently-refused"])
async def test_a_refused_token_stops_the_agent(tmp_path, token):
    hall = FakeHall([[]])
    harness = Harness(tmp_path, hall, token=token)
    server = await serve(hall.handler, "127.0.0.1", 0).__aenter__()
    try:
        agent = harness.agent(server.sockets[0].getsockname()[1])
        with pytest.raises(AuthRejected):
            await asyncio.wait_for(agent.run(harness.stop), WAIT)
    finally:
        await server.__aexit__(None, None, None)


async def test_unreachable_server_backs_off_exponentially_with_a_cap(tmp_path):
    harness = Harness(tmp_path, FakeHall([[]]))
    agent = harness.agent(port=1)  # nothing listens on port 1

    async def record_then_stop(seconds: float) -> None:
        harness.backoffs.append(seconds)
        if len(harness.backoffs) == 8:
            harness.stop.set()

    agent.client.sleep = record_then_stop
    await asyncio.wait_for(agent.run(harness.stop), WAIT)
    assert harness.backoffs == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_backoff_is_the_same_formula_as_hub_js():
    """min(cap, start x 2^attempt), then jitter within ±20 % (server/web/hub.js does the same)."""
    assert backoff_delay(0, 1, 30, lambda: 0.0) == pytest.approx(0.8)
    assert backoff_delay(0, 1, 30, lambda: 1.0) == pytest.approx(1.2)
    assert backoff_delay(3, 1, 30, lambda: 0.5) == pytest.approx(8)
    assert backoff_delay(10, 1, 30, lambda: 1.0) == pytest.approx(36)
    assert backoff_delay(10, 1, 30, lambda: 0.0) == pytest.approx(24)


def test_command_line_settings(tmp_path, monkeypatch):
    config = tmp_path / "printer.toml"
    config.write_text('[printer]\ntype = "network"\nhost = "10.0.0.9"\nencoding = "big5"\nmode = "raster"\n')
    (tmp_path / "token").write_text("secret\n")
    args = build_parser().parse_args(["--server", "ws://h/api/ws", "--token-file", str(tmp_path / "token"),
                                      "--printer-config", str(config)])
    settings = settings_from_args(args)
    assert settings.token == "secret" and settings.printer.host == "10.0.0.9" and settings.printer.mode == "raster"
    monkeypatch.setenv("HALLQ_AGENT_TOKEN", "from-env")
    dummy = settings_from_args(build_parser().parse_args(["--server", "ws://h/api/ws", "--printer", "dummy"]))
    assert dummy.token == "from-env" and dummy.printer.type == "dummy"


def test_main_reports_bad_settings_with_exit_code_2(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HALLQ_AGENT_TOKEN", raising=False)
    assert main(["--server", "ws://h/api/ws"]) == 2
    assert "token" in capsys.readouterr().err


async def test_stop_cuts_the_back_off_short(tmp_path):
    harness = Harness(tmp_path, FakeHall([[]]))
    agent = harness.agent(port=1)
    never = asyncio.Event()

    async def long_sleep(seconds: float) -> None:
        harness.stop.set()  # the service is stopped while the agent waits to reconnect
        await never.wait()

    agent.client.sleep = long_sleep
    await asyncio.wait_for(agent.run(harness.stop), WAIT)


class SlowPrinter(DummyPrinter):
    """Prints until released: a raster ticket on a slow serial line."""

    def __init__(self, out_dir) -> None:
        super().__init__(out_dir)
        import threading
        self.release, self.printing = threading.Event(), threading.Event()
        self.status_calls = 0

    def status(self):
        self.status_calls += 1
        return super().status()

    def send(self, data, *, job_id="job", preview_png=None):
        self.printing.set()
        assert self.release.wait(WAIT)
        return super().send(data, job_id=job_id, preview_png=preview_png)


async def test_the_heartbeat_goes_on_while_a_long_job_prints(tmp_path):
    hall = FakeHall([[job("pj-1")]])
    harness = Harness(tmp_path, hall)
    harness.printer = SlowPrinter(tmp_path / "out")
    async with harness as h:
        await hall.expect("printer_status")  # the first report, then the job starts printing
        assert await asyncio.to_thread(h.printer.printing.wait, WAIT)
        calls = h.printer.status_calls
        for _ in range(3):  # three heartbeats while the printer is busy, none waits for it
            h.ticker.ticks.put_nowait(None)
            assert (await hall.expect("printer_status"))["status"] == "ready"
        assert h.printer.status_calls == calls  # the busy printer was not asked
        h.printer.release.set()
        assert (await hall.expect("print_ack", job_id="pj-1"))["status"] == "printed"
