"""Ticket printers behind one seam: `send(data)` and `status()`, both answering a PrinterState.

The printer's word decides. A byte-stream printer (network, serial, USB) is asked for its full
real-time status (DLE EOT 1, 2, 3 and 4: online, cover, errors, paper) before each job; the job is
refused without a byte sent if a fault stands. After the job the printer is asked `GS r 1`, which
it answers only once it has processed every byte before it (the cut included), then DLE EOT 1-4
again: a job counts as printed only when that final status shows no fault. Every read and write
has a timeout, so a stalled printer fails a job within seconds instead of blocking the agent.

Every call here blocks (sockets, device files, USB, serial): the agent runs them in a worker
thread, one at a time. A failed `send` raises PrinterError whose `status` says why.
"""

import contextlib
import os
import select
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from collections.abc import Callable, Mapping

from kiosk.escpos_render import CUTS, ENCODINGS, MODES, PAPER_PX

STATUSES = ("ready", "paper_low", "paper_out", "cover_open", "offline", "error")
FAULTS = ("paper_out", "cover_open", "offline", "error")  # a job sent now would not print
TYPES = ("dummy", "file", "network", "usb", "serial")
STATUS_QUERIES = ("dle_eot", "none")

DLE_EOT = b"\x10\x04"  # + n: real-time status, answered at once even with a full buffer
CONFIRM_QUERY = b"\x1dr\x01"  # GS r 1: answered only after every byte before it is processed
PAPER_STATUS_QUERY = DLE_EOT + b"\x04"


@dataclass(frozen=True)
class PrinterState:
    """What the printer says: one of STATUSES, and a detail for people (the board, the log)."""

    status: str
    detail: str = ""

    @property
    def fault(self) -> bool:
        return self.status in FAULTS


READY = PrinterState("ready")


class PrinterError(Exception):
    """A ticket was not printed (or not confirmed); `status` is one of STATUSES."""

    def __init__(self, status: str, detail: str = "") -> None:
        self.status = status
        self.detail = detail
        super().__init__(f"{status}: {detail}" if detail else status)

    @property
    def state(self) -> PrinterState:
        return PrinterState(self.status, self.detail)


class Printer(Protocol):
    """The seam. `job_id` and `preview_png` only matter to the dummy printer."""

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> PrinterState: ...

    def status(self) -> PrinterState: ...


# --- decoding the printer's answers (ESC/POS command reference, DLE EOT n) ------------------------

def is_realtime_status(byte: int) -> bool:
    """DLE EOT answers have the fixed bits 0xx1xx10 (ASB, XON/XOFF and GS r answers do not)."""
    return byte & 0x93 == 0x12


def is_transmit_status(byte: int) -> bool:
    """GS r answers have the fixed bits 0xx0xxxx; XON (0x11) and XOFF (0x13) are flow control."""
    return byte & 0x90 == 0 and byte not in (0x11, 0x13)


def decode_paper_status(byte: int) -> str:
    """DLE EOT 4 alone: bits 2-3 paper near end, bits 5-6 paper end."""
    return decode_status({4: byte}).status


def decode_status(answers: Mapping[int, int]) -> PrinterState:
    """DLE EOT 1 (printer), 2 (offline cause), 3 (error cause), 4 (paper roll sensor) -> state.

    A missing answer counts as all-clear for that byte; the most serious fault wins.
    """
    printer, offline, error, paper = (answers.get(n, 0x12) for n in (1, 2, 3, 4))
    if paper & 0x60 or offline & 0x20:
        return PrinterState("paper_out", "paper end: load a new roll")
    if offline & 0x04:
        return PrinterState("cover_open", "the cover is open: close it")
    if error & 0x08:
        return PrinterState("error", "autocutter error: clear the cutter and close the cover")
    if error & 0x20:
        return PrinterState("error", "unrecoverable error: switch the printer off and on")
    if error & 0x40:
        return PrinterState("error", "print head too hot or voltage out of range: waiting to recover")
    if offline & 0x40:  # (DLE EOT 3 bit 2 is left alone: undefined on many models)
        return PrinterState("error", "printer error: see the printer's error light")
    if printer & 0x08:
        return PrinterState("offline", "printer reports offline" +
                            (" (paper being fed)" if offline & 0x08 else ""))
    if paper & 0x0C:
        return PrinterState("paper_low", "paper near end: have a roll ready")
    return READY


# --- transports: bytes out and in, every operation with a timeout -------------------------------

class Transport(Protocol):
    def write(self, data: bytes, timeout_s: float) -> None: ...

    def read_byte(self, timeout_s: float) -> int | None: ...

    def discard_input(self) -> None: ...

    def close(self) -> None: ...


class SocketTransport:
    """Raw TCP (port 9100). `sendall` with a timeout bounds the whole write (Python >= 3.5)."""

    def __init__(self, host: str, port: int, connect_timeout_s: float) -> None:
        self.sock = socket.create_connection((host, port), timeout=connect_timeout_s)
        # status queries are 3-byte writes that wait for an answer: without NODELAY, Nagle holds
        # the one after a job until the job's bytes are acknowledged (a delayed ACK: ~40 ms)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes, timeout_s: float) -> None:
        self.sock.settimeout(timeout_s)
        self.sock.sendall(data)

    def read_byte(self, timeout_s: float) -> int | None:
        self.sock.settimeout(timeout_s)
        try:
            data = self.sock.recv(1)
        except TimeoutError:
            return None
        if not data:
            raise ConnectionError("the printer closed the connection")
        return data[0]

    def discard_input(self) -> None:
        self.sock.setblocking(False)
        try:
            while self.sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()


class SerialTransport:
    """An RS-232 / USB-serial port through pyserial, with read and write timeouts."""

    def __init__(self, port: str, baudrate: int, timeout_s: float) -> None:
        import serial  # pyserial, installed with python-escpos[serial]

        self._timeout_error = serial.SerialTimeoutException
        self.port = serial.Serial(port, baudrate=baudrate, timeout=timeout_s, write_timeout=timeout_s)

    def write(self, data: bytes, timeout_s: float) -> None:
        self.port.write_timeout = timeout_s
        try:
            self.port.write(data)
            self.port.flush()
        except self._timeout_error as exc:
            raise TimeoutError(f"write timed out after {timeout_s:.0f} s") from exc

    def read_byte(self, timeout_s: float) -> int | None:
        self.port.timeout = timeout_s
        data = self.port.read(1)
        return data[0] if data else None

    def discard_input(self) -> None:
        self.port.reset_input_buffer()

    def close(self) -> None:
        self.port.close()


class UsbTransport:
    """A USB printer through python-escpos `Usb` (pyusb): bulk out and in with its own timeout."""

    def __init__(self, vendor_id: int, product_id: int, timeout_s: float) -> None:
        from kiosk._escpos import usb_class

        self.device = usb_class()(vendor_id, product_id, timeout=int(timeout_s * 1000))
        self.device.open()
        self._pending = b""

    def write(self, data: bytes, timeout_s: float) -> None:
        self.device._raw(data)

    def read_byte(self, timeout_s: float) -> int | None:
        if not self._pending:
            try:
                self._pending = bytes(self.device._read())
            except Exception:  # noqa: BLE001  (pyusb raises its own timeout error)
                return None
        if not self._pending:
            return None
        byte, self._pending = self._pending[0], self._pending[1:]
        return byte

    def discard_input(self) -> None:
        self._pending = b""

    def close(self) -> None:
        self.device.close()


class StreamPrinter:
    """A printer reached through a Transport: status before, job, confirmation, status after.

    `status_query = "none"` is for printers with no way back (one-way cables, some clones): the
    state is then "ready, unconfirmed" and a job counts as printed once its bytes are written.
    """

    def __init__(self, opener: Callable[[float], Transport], timeout_s: float = 5.0,
                 status_timeout_s: float = 1.0, print_timeout_s: float = 20.0,
                 status_query: str = "dle_eot", write_rate_bps: float | None = None) -> None:
        self.opener = opener
        self.timeout_s, self.status_timeout_s = timeout_s, status_timeout_s
        self.print_timeout_s, self.status_query = print_timeout_s, status_query
        self.write_rate_bps = write_rate_bps  # bytes per second of a slow line (serial)

    def status(self) -> PrinterState:
        try:
            # a status query connects within status_timeout_s: a printer switched off on the LAN
            # (no answer at all) must reach the board as offline within seconds
            transport = self.opener(self.status_timeout_s)
        except (OSError, ValueError) as exc:
            return PrinterState("offline", _why(exc))
        try:
            return self._read_state(transport)
        except (OSError, ConnectionError) as exc:
            return PrinterState("offline", _why(exc))
        finally:
            _close(transport)

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> PrinterState:
        try:
            transport = self.opener(self.timeout_s)
        except (OSError, ValueError) as exc:
            raise PrinterError("offline", _why(exc)) from exc
        try:
            return self._print(transport, data)
        except (OSError, ConnectionError) as exc:  # timeouts included (TimeoutError is an OSError)
            raise PrinterError("offline", f"during the job: {_why(exc)}") from exc
        finally:
            _close(transport)

    def _print(self, transport: Transport, data: bytes) -> PrinterState:
        before = self._read_state(transport)
        if before.fault:
            raise PrinterError(before.status, f"before the job: {before.detail}")
        transport.write(data, self._write_timeout(len(data)))
        if self.status_query == "none":
            return before
        transport.discard_input()
        transport.write(CONFIRM_QUERY, self.timeout_s)
        confirmed = _read_matching(transport, is_transmit_status, self.print_timeout_s)
        after = self._read_state(transport)
        if after.fault:
            raise PrinterError(after.status, f"after the job: {after.detail}")
        if confirmed is None:
            raise PrinterError("error", f"the printer did not confirm the job within {self.print_timeout_s:.0f} s")
        return after

    def _write_timeout(self, size: int) -> float:
        if not self.write_rate_bps:
            return self.timeout_s
        return self.timeout_s + size / self.write_rate_bps

    def _read_state(self, transport: Transport) -> PrinterState:
        if self.status_query == "none":
            return PrinterState("ready", "no status channel: faults cannot be seen")
        transport.discard_input()
        answers = {}
        for n in (1, 2, 3, 4):
            transport.write(DLE_EOT + bytes([n]), self.status_timeout_s)
            answer = _read_matching(transport, is_realtime_status, self.status_timeout_s)
            if answer is None:
                return PrinterState("offline", f"no answer to DLE EOT {n} within {self.status_timeout_s:g} s")
            answers[n] = answer
        return decode_status(answers)


def _read_matching(transport: Transport, wanted: Callable[[int], bool], timeout_s: float) -> int | None:
    """The first byte that has the fixed bits of the answer awaited (stray bytes are skipped)."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        byte = transport.read_byte(left)
        if byte is None:
            return None
        if wanted(byte):
            return byte
    return None


def _close(transport: Transport) -> None:
    with contextlib.suppress(Exception):  # closing a vanished device may fail any way
        transport.close()


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class NetworkPrinter(StreamPrinter):
    """A raw TCP printer (port 9100): one connection per status query and per job."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 5.0, status_timeout: float = 1.0,
                 print_timeout: float = 20.0, status_query: str = "dle_eot") -> None:
        self.host, self.port = host, port
        super().__init__(lambda connect_s: SocketTransport(host, port, connect_s), timeout, status_timeout,
                         print_timeout, status_query)


class SerialPrinter(StreamPrinter):
    """A serial (RS-232 / USB-serial) printer; the write timeout grows with the job at the line's speed."""

    def __init__(self, port: str, baudrate: int = 9600, timeout_s: float = 5.0, status_timeout_s: float = 1.0,
                 print_timeout_s: float = 20.0, status_query: str = "dle_eot") -> None:
        self.port, self.baudrate = port, baudrate
        super().__init__(lambda _connect_s: SerialTransport(port, baudrate, timeout_s), timeout_s, status_timeout_s,
                         print_timeout_s, status_query, write_rate_bps=baudrate / 10)


class UsbPrinter(StreamPrinter):
    """A USB printer driven through libusb (python-escpos Usb), opened for each query and job."""

    def __init__(self, vendor_id: int, product_id: int, timeout_s: float = 5.0, status_timeout_s: float = 1.0,
                 print_timeout_s: float = 20.0, status_query: str = "dle_eot") -> None:
        self.vendor_id, self.product_id = vendor_id, product_id
        super().__init__(lambda _connect_s: UsbTransport(vendor_id, product_id, timeout_s), timeout_s,
                         status_timeout_s,
                         print_timeout_s, status_query)


class DummyPrinter:
    """Writes `<job>.bin` (the exact bytes) and `<job>.png` (a preview) into `out_dir`.

    For the demo and tests it can pretend to fail: `simulate("paper_out")`, or write a status
    word into `<out_dir>/simulate_status` (e.g. `echo cover_open > var/printer-dummy/simulate_status`).
    """

    wants_preview = True

    def __init__(self, out_dir: str | os.PathLike, state: str = "ready") -> None:
        self.out_dir = Path(out_dir)
        self._state = _checked_status(state)
        self.sent: list[str] = []

    def simulate(self, state: str) -> None:
        self._state = _checked_status(state)

    def status(self) -> PrinterState:
        override = self.out_dir / "simulate_status"
        word = self._state
        if override.is_file():
            word = override.read_text(encoding="utf-8").strip()
            word = word if word in STATUSES else "error"
        return PrinterState(word, "" if word == "ready" else "simulated by the dummy printer")

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> PrinterState:
        state = self.status()
        if state.fault:
            raise PrinterError(state.status, state.detail)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        name = _safe_name(job_id)
        _write_atomic(self.out_dir / f"{name}.bin", data)
        if preview_png is not None:
            _write_atomic(self.out_dir / f"{name}.png", preview_png)
        self.sent.append(job_id)
        return state


class FilePrinter:
    """A device file such as /dev/usb/lp0 (usblp kernel driver) or a named pipe.

    One-way: there is no status to read, so only "missing" and "not writable" are seen. Writes
    are non-blocking with a deadline, so a printer that stops taking bytes fails the job in
    `timeout_s` instead of blocking the agent.
    """

    def __init__(self, path: str | os.PathLike, timeout_s: float = 5.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s

    def status(self) -> PrinterState:
        if not self.path.exists():
            return PrinterState("offline", f"{self.path} does not exist")
        if not os.access(self.path, os.W_OK):
            return PrinterState("error", f"{self.path} is not writable")
        return PrinterState("ready", "no status channel: faults cannot be seen")

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> PrinterState:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except (FileNotFoundError, OSError) as exc:  # ENXIO: a pipe nobody reads
            raise PrinterError("offline", str(exc)) from exc
        try:
            _write_with_deadline(fd, data, self.timeout_s)
        except TimeoutError as exc:
            raise PrinterError("offline", f"{self.path}: {exc}") from exc
        except OSError as exc:
            raise PrinterError("error", str(exc)) from exc
        finally:
            os.close(fd)
        return self.status()


def _write_with_deadline(fd: int, data: bytes, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([], [fd], [], left)[1]:
            raise TimeoutError(f"the printer took no bytes for {timeout_s:g} s ({len(view)} left)")
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue


@dataclass(frozen=True)
class PrinterConfig:
    """One kiosk's printer. See docs/printing.md for every key."""

    type: str = "dummy"
    encoding: str = "gb18030"
    mode: str = "text"
    paper_width_mm: int = 80
    host: str | None = None
    port: int = 9100
    path: str | None = None
    usb_vendor_id: int | None = None
    usb_product_id: int | None = None
    serial_port: str | None = None
    baudrate: int = 9600
    timeout_s: float = 5.0
    status_timeout_s: float = 1.0
    print_timeout_s: float = 20.0
    status_query: str = "dle_eot"
    cut: str = "full"
    out_dir: str = "var/printer-dummy"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "PrinterConfig":
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown printer config keys: {', '.join(sorted(unknown))}")
        values = dict(raw)
        for key in ("usb_vendor_id", "usb_product_id"):
            if isinstance(values.get(key), str):
                values[key] = int(values[key], 0)  # "0x0416" or "1046"
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        _one_of("type", self.type, TYPES)
        _one_of("encoding", self.encoding, ENCODINGS)
        _one_of("mode", self.mode, MODES)
        _one_of("paper_width_mm", self.paper_width_mm, tuple(PAPER_PX))
        _one_of("status_query", self.status_query, STATUS_QUERIES)
        _one_of("cut", self.cut, CUTS)
        required = {"network": ["host"], "file": ["path"], "serial": ["serial_port"],
                    "usb": ["usb_vendor_id", "usb_product_id"]}.get(self.type, [])
        missing = [key for key in required if getattr(self, key) in (None, "")]
        if missing:
            raise ValueError(f"printer type {self.type} needs {', '.join(missing)}")
        for key in ("timeout_s", "status_timeout_s", "print_timeout_s"):
            if not isinstance(getattr(self, key), (int, float)) or getattr(self, key) <= 0:
                raise ValueError(f"{key} must be a number > 0")


def printer_from_config(config: Mapping[str, Any] | PrinterConfig) -> Printer:
    """The printer a configuration describes; nothing is opened until it is used."""
    if not isinstance(config, PrinterConfig):
        config = PrinterConfig.from_dict(config)
    builders = {
        "dummy": lambda c: DummyPrinter(c.out_dir),
        "file": lambda c: FilePrinter(c.path, c.timeout_s),
        "network": lambda c: NetworkPrinter(c.host, c.port, c.timeout_s, c.status_timeout_s,
                                            c.print_timeout_s, c.status_query),
        "usb": lambda c: UsbPrinter(c.usb_vendor_id, c.usb_product_id, c.timeout_s, c.status_timeout_s,
                                    c.print_timeout_s, c.status_query),
        "serial": lambda c: SerialPrinter(c.serial_port, c.baudrate, c.timeout_s, c.status_timeout_s,
                                          c.print_timeout_s, c.status_query),
    }
    return builders[config.type](config)


def _one_of(key: str, value: Any, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{key} must be one of {', '.join(map(str, allowed))}, not {value!r}")


def _checked_status(state: str) -> str:
    _one_of("status", state, STATUSES)
    return state


def _safe_name(job_id: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in job_id)
    return cleaned.strip(".") or "job"


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
