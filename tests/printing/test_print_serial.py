"""Serial printers on a pty pair (pyserial opens the slave like /dev/ttyUSB0) and file printers on
a FIFO: real bytes, real timeouts."""

import asyncio
import os
import time

import pytest

from emulated_printer import EmulatedPrinter, PtyFront
from kiosk.escpos_render import render_text
from kiosk.escpos_tokens import commands, tokenize
from kiosk.layout import TicketLayout
from kiosk.printers import FilePrinter, PrinterError, SerialPrinter
from print_samples import payload

TICKET = render_text(TicketLayout.from_payload(payload()), "big5")


@pytest.fixture
def pty_printer():
    emulated = EmulatedPrinter()
    front = PtyFront(emulated).start()
    yield emulated, front
    front.stop()


def serial(path: str) -> SerialPrinter:
    return SerialPrinter(path, baudrate=921600, timeout_s=1.0, status_timeout_s=0.5, print_timeout_s=2.0)


async def test_a_serial_printer_prints_and_confirms(pty_printer):
    emulated, front = pty_printer
    after = await asyncio.to_thread(serial(front.path).send, TICKET)
    assert after.status == "ready" and emulated.printed == [TICKET] and emulated.unknown == 0
    tokens = tokenize(emulated.printed[0], "big5")
    assert commands(tokens)[-1] == "cut"


@pytest.mark.parametrize(("fault", "word"), [({"paper": "end"}, "paper_out"), ({"cover_open": True}, "cover_open"),
                                             ({"paper": "near_end"}, "paper_low")])
async def test_a_serial_printer_reports_its_state(pty_printer, fault, word):
    emulated, front = pty_printer
    emulated.fix(**fault)
    assert (await asyncio.to_thread(serial(front.path).status)).status == word


async def test_a_serial_printer_that_never_answers_is_offline(pty_printer):
    emulated, front = pty_printer
    emulated.stalled = True
    state = await asyncio.to_thread(serial(front.path).status)
    assert state.status == "offline" and "no answer" in state.detail


async def test_a_stalled_serial_printer_fails_the_job_within_the_write_timeout(pty_printer):
    emulated, front = pty_printer
    emulated.stalls_on_next_job = True
    big = TICKET * 600  # ~300 kB: the write timeout is 1 s + the time the line needs at 921,600 Bd
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        await asyncio.to_thread(serial(front.path).send, big)
    assert caught.value.status == "offline" and time.monotonic() - started < 10


async def test_a_missing_serial_port_is_offline(tmp_path):
    printer = serial(str(tmp_path / "ttyUSB9"))
    assert (await asyncio.to_thread(printer.status)).status == "offline"
    with pytest.raises(PrinterError) as caught:
        await asyncio.to_thread(printer.send, TICKET)
    assert caught.value.status == "offline"


async def test_a_file_printer_nobody_reads_fails_fast_instead_of_blocking(tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    printer = FilePrinter(fifo, timeout_s=0.5)
    with pytest.raises(PrinterError) as caught:  # no reader at all: ENXIO at once
        await asyncio.to_thread(printer.send, TICKET)
    assert caught.value.status == "offline"
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader that never reads
    try:
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            await asyncio.to_thread(printer.send, TICKET * 1000)
        assert caught.value.status == "offline" and "took no bytes" in caught.value.detail
        assert time.monotonic() - started < 5
    finally:
        os.close(reader)
