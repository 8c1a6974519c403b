"""A fake network printer on 127.0.0.1: real sockets, real bytes."""

import asyncio
import socket

import pytest

from kiosk.escpos_render import render_text
from kiosk.layout import TicketLayout
from kiosk.printers import NetworkPrinter, PrinterError, decode_paper_status
from print_samples import payload

STATUS_QUERY = b"\x10\x04\x04"
PAPER_OK, PAPER_NEAR_END, PAPER_END = 0x12, 0x1E, 0x72


class FakePrinter:
    """Records every connection's bytes; answers DLE EOT 4 with `paper_byte` if it is set."""

    def __init__(self, paper_byte: int | None = None) -> None:
        self.paper_byte = paper_byte
        self.jobs: asyncio.Queue[bytes] = asyncio.Queue()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received = b""
        while chunk := await reader.read(65536):
            received += chunk
            if received == STATUS_QUERY and self.paper_byte is not None:
                writer.write(bytes([self.paper_byte]))
                await writer.drain()
        writer.close()
        await self.jobs.put(received)


async def start(fake: FakePrinter):
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nobody listens there


async def test_network_printer_receives_exactly_the_rendered_bytes():
    fake = FakePrinter()
    server, port = await start(fake)
    data = render_text(TicketLayout.from_payload(payload()), "big5")
    async with server:
        await asyncio.to_thread(NetworkPrinter("127.0.0.1", port, timeout=5).send, data)
        assert await asyncio.wait_for(fake.jobs.get(), 5) == data


async def test_refused_connection_is_offline():
    printer = NetworkPrinter("127.0.0.1", free_port(), timeout=2, status_timeout=2)
    assert await asyncio.to_thread(printer.status) == "offline"
    with pytest.raises(PrinterError) as caught:
        await asyncio.to_thread(printer.send, b"\x1b@")
    assert caught.value.status == "offline"


@pytest.mark.parametrize(("answer", "status"), [
    (PAPER_END, "paper_out"), (PAPER_NEAR_END, "paper_low"), (PAPER_OK, "ready"),
])
async def test_paper_sensor_answer_becomes_the_status(answer, status):
    fake = FakePrinter(paper_byte=answer)
    server, port = await start(fake)
    async with server:
        printer = NetworkPrinter("127.0.0.1", port, timeout=2, status_timeout=2)
        assert await asyncio.to_thread(printer.status) == status
        assert await asyncio.wait_for(fake.jobs.get(), 5) == STATUS_QUERY


async def test_a_printer_that_never_answers_is_ready():
    server, port = await start(FakePrinter(paper_byte=None))
    async with server:
        printer = NetworkPrinter("127.0.0.1", port, timeout=2, status_timeout=0.2)
        assert await asyncio.to_thread(printer.status) == "ready"


def test_decode_paper_status_bits():
    assert decode_paper_status(0x12) == "ready"
    assert decode_paper_status(0x12 | 0x0C) == "paper_low"
    assert decode_paper_status(0x12 | 0x60) == "paper_out"
    assert decode_paper_status(0x12 | 0x0C | 0x60) == "paper_out"
    assert decode_paper_status(0xFF) == "ready"  # not a status byte
