"""Network printers against an emulated ESC/POS printer on 127.0.0.1: real sockets, real bytes.

The printer's word decides: DLE EOT 1-4 before the job, GS r 1 and DLE EOT 1-4 after it."""

import asyncio
import time

import pytest

from emulated_printer import EmulatedPrinter, TcpFront
from kiosk.escpos_render import render_text
from kiosk.escpos_tokens import commands, text_lines, tokenize
from kiosk.layout import TicketLayout
from kiosk.printers import NetworkPrinter, PrinterError, PrinterState, decode_paper_status, decode_status
from print_samples import payload

TICKET = render_text(TicketLayout.from_payload(payload()), "big5")


async def front(**state) -> tuple[EmulatedPrinter, TcpFront]:
    printer = EmulatedPrinter()
    for key, value in state.items():
        setattr(printer, key, value)
    return printer, await TcpFront(printer).start()


def network(port: int, timeout: float = 2.0, status_timeout: float = 0.5, print_timeout: float = 2.0):
    return NetworkPrinter("127.0.0.1", port, timeout=timeout, status_timeout=status_timeout,
                          print_timeout=print_timeout)


async def send(printer: NetworkPrinter, data: bytes = TICKET) -> PrinterState:
    return await asyncio.to_thread(printer.send, data, job_id="pj-1")


async def status(printer: NetworkPrinter) -> PrinterState:
    return await asyncio.to_thread(printer.status)


def assert_decodes_cleanly(ticket: bytes) -> None:
    tokens = tokenize(ticket, "big5")  # strict: raises on any byte it does not know
    assert commands(tokens)[-1] == "cut" and commands(tokens).count("cut") == 1
    assert "A012" in text_lines(tokens)


async def test_a_ready_printer_prints_exactly_the_ticket_and_confirms_it():
    emulated, tcp = await front()
    async with tcp.server:
        after = await send(network(tcp.port))
        assert after == PrinterState("ready")
        assert emulated.printed == [TICKET]  # status queries are answered, never printed
        assert emulated.unknown == 0 and emulated.status_queries == 8  # DLE EOT 1-4 before and after
    assert_decodes_cleanly(emulated.printed[0])


async def test_paper_near_end_prints_and_warns():
    emulated, tcp = await front(paper="near_end")
    async with tcp.server:
        assert (await status(network(tcp.port))).status == "paper_low"
        assert (await send(network(tcp.port))).status == "paper_low"
        assert len(emulated.printed) == 1


@pytest.mark.parametrize(("fault", "word"), [
    ({"paper": "end"}, "paper_out"), ({"cover_open": True}, "cover_open"), ({"cutter_error": True}, "error"),
])
async def test_a_standing_fault_refuses_the_job_before_a_byte_is_sent(fault, word):
    emulated, tcp = await front(**fault)
    async with tcp.server:
        assert (await status(network(tcp.port))).status == word
        with pytest.raises(PrinterError) as caught:
            await send(network(tcp.port))
        assert caught.value.status == word and caught.value.detail.startswith("before the job")
    assert emulated.printed == [] and emulated._held == []  # nothing waits to come out later


async def test_paper_running_out_at_the_cut_is_not_a_printed_job():
    emulated, tcp = await front(runs_out_after_next_cut=True)
    async with tcp.server:
        with pytest.raises(PrinterError) as caught:
            await send(network(tcp.port))
    assert caught.value.status == "paper_out" and caught.value.detail.startswith("after the job")


async def test_cover_opened_during_the_job_holds_the_confirmation():
    emulated, tcp = await front()
    async with tcp.server:
        printer = network(tcp.port, print_timeout=0.5)
        original = emulated._process

        def open_cover_mid_job(token):
            if token.kind == "cut":
                emulated.cover_open = True  # the cover opens before the cut: the rest is held
                emulated._held.append(token)
                return b""
            return original(token)

        emulated._process = open_cover_mid_job
        with pytest.raises(PrinterError) as caught:
            await send(printer)
    assert caught.value.status == "cover_open" and emulated.printed == []


async def test_power_off_is_offline_and_power_on_prints_again():
    emulated, tcp = await front()
    await tcp.power_off()
    printer = network(tcp.port)
    assert (await status(printer)).status == "offline"
    with pytest.raises(PrinterError) as caught:
        await send(printer)
    assert caught.value.status == "offline"
    await tcp.power_on()
    async with tcp.server:
        assert (await send(printer)).status == "ready" and len(emulated.printed) == 1


async def test_a_printer_that_never_answers_is_offline_not_ready():
    emulated, tcp = await front(stalled=True)
    async with tcp.server:
        started = time.monotonic()
        state = await status(network(tcp.port, status_timeout=0.3))
        assert state.status == "offline" and "no answer to DLE EOT 1" in state.detail
        assert time.monotonic() - started < 3


async def test_a_stall_mid_job_fails_the_job_within_its_timeouts():
    emulated, tcp = await front(stalls_on_next_job=True)
    big = TICKET * 3000  # ~1.5 MB: more than the socket buffers take
    async with tcp.server:
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            await send(network(tcp.port, timeout=1.0, print_timeout=1.0), big)
        elapsed = time.monotonic() - started
    assert caught.value.status == "offline" and elapsed < 5
    assert len(emulated.printed) < 3000  # what it took before it stalled, never the whole job


def test_status_bytes_decode_as_the_reference_says():
    assert decode_paper_status(0x12) == "ready"
    assert decode_paper_status(0x1E) == "paper_low"
    assert decode_paper_status(0x72) == "paper_out"
    assert decode_status({1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}).status == "cover_open"
    assert decode_status({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}).status == "error"
    assert decode_status({1: 0x1A, 2: 0x12, 3: 0x12, 4: 0x12}).status == "offline"
    assert decode_status({1: 0x12, 2: 0x12, 3: 0x32, 4: 0x12}).detail.startswith("unrecoverable")


async def test_a_printer_switched_off_on_the_lan_is_offline_within_the_status_timeout(monkeypatch):
    """No RST, no answer (a switched-off printer behind a switch): connecting takes the status
    timeout, not the print timeout, so the board hears `offline` within seconds."""
    import kiosk.printers as printers

    seen = []

    def silent_connect(address, timeout):
        seen.append(timeout)
        raise TimeoutError("timed out")

    monkeypatch.setattr(printers.socket, "create_connection", silent_connect)
    printer = NetworkPrinter("10.255.255.1", 9100, timeout=30, status_timeout=0.5)
    state = await asyncio.to_thread(printer.status)
    assert state.status == "offline" and seen == [0.5]
    with pytest.raises(PrinterError):
        await asyncio.to_thread(printer.send, b"\x1b@")
    assert seen == [0.5, 30]
