"""Ticket printers behind one seam: `send(data)` and `status()`.

Every call here blocks (sockets, device files, USB, serial): the agent only ever runs them in a
worker thread (`asyncio.to_thread`), one at a time. A failed `send` raises PrinterError whose
`status` says why (offline, paper_out, error), which the agent reports as is.
"""

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Protocol

from kiosk.escpos_render import ENCODINGS, MODES, PAPER_PX

STATUSES = ("ready", "paper_low", "paper_out", "offline", "error")
PAPER_STATUS_QUERY = b"\x10\x04\x04"  # DLE EOT 4: transmit paper sensor status
TYPES = ("dummy", "file", "network", "usb", "serial")


class PrinterError(Exception):
    """A ticket could not be printed; `status` is one of STATUSES."""

    def __init__(self, status: str, detail: str = "") -> None:
        self.status = status
        self.detail = detail
        super().__init__(f"{status}: {detail}" if detail else status)


class Printer(Protocol):
    """The seam. `job_id` and `preview_png` only matter to the dummy printer."""

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> None: ...

    def status(self) -> str: ...


def decode_paper_status(byte: int) -> str:
    """DLE EOT 4 answer: bits 2-3 paper near end, bits 5-6 paper end (bits 1 and 4 are always set)."""
    if byte & 0x93 != 0x12:
        return "ready"  # not a status byte: the printer answered something else; assume fine
    if byte & 0x60:
        return "paper_out"
    if byte & 0x0C:
        return "paper_low"
    return "ready"


class DummyPrinter:
    """Writes `<job>.bin` (the exact bytes) and `<job>.png` (a preview) into `out_dir`.

    For the demo and tests it can pretend to fail: `simulate("paper_out")`, or write a status
    word into `<out_dir>/simulate_status` (e.g. `echo offline > var/printer-dummy/simulate_status`).
    """

    wants_preview = True

    def __init__(self, out_dir: str | os.PathLike, state: str = "ready") -> None:
        self.out_dir = Path(out_dir)
        self._state = _checked_status(state)
        self.sent: list[str] = []

    def simulate(self, state: str) -> None:
        self._state = _checked_status(state)

    def status(self) -> str:
        override = self.out_dir / "simulate_status"
        if override.is_file():
            word = override.read_text(encoding="utf-8").strip()
            return word if word in STATUSES else "error"
        return self._state

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> None:
        state = self.status()
        if state not in ("ready", "paper_low"):
            raise PrinterError(state, "simulated by the dummy printer")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        name = _safe_name(job_id)
        _write_atomic(self.out_dir / f"{name}.bin", data)
        if preview_png is not None:
            _write_atomic(self.out_dir / f"{name}.png", preview_png)
        self.sent.append(job_id)


class FilePrinter:
    """A device file such as /dev/usb/lp0 (usblp kernel driver) or a named pipe."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def status(self) -> str:
        if not self.path.exists():
            return "offline"
        return "ready" if os.access(self.path, os.W_OK) else "error"

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> None:
        try:
            with open(self.path, "wb", buffering=0) as device:
                device.write(data)
        except FileNotFoundError as exc:
            raise PrinterError("offline", str(exc)) from exc
        except OSError as exc:
            raise PrinterError("error", str(exc)) from exc


class NetworkPrinter:
    """A raw TCP printer (port 9100): one connection, one write of the finished bytes."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 5.0, status_timeout: float = 1.0) -> None:
        self.host, self.port = host, port
        self.timeout, self.status_timeout = timeout, status_timeout

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as conn:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterError("offline", f"{self.host}:{self.port}: {exc}") from exc

    def status(self) -> str:
        """Offline if nobody listens; the paper sensor if the printer answers DLE EOT 4 in time."""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.status_timeout) as conn:
                conn.sendall(PAPER_STATUS_QUERY)
                answer = _recv_one(conn)
        except OSError:
            return "offline"
        return "ready" if answer is None else decode_paper_status(answer)


def _recv_one(conn: socket.socket) -> int | None:
    try:
        data = conn.recv(1)
    except socket.timeout:
        return None  # many printers never answer status queries over 9100
    return data[0] if data else None


class _EscposDevicePrinter:
    """Shared by USB and serial: a python-escpos printer object, created on first use."""

    def __init__(self) -> None:
        self._device = None

    def _make(self):
        raise NotImplementedError

    def _open(self):
        if self._device is None:
            device = self._make()
            device.open()
            self._device = device
        return self._device

    def _drop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                device.close()
            except Exception:  # noqa: BLE001  (closing a vanished device may fail any way)
                pass

    def send(self, data: bytes, *, job_id: str = "job", preview_png: bytes | None = None) -> None:
        try:
            self._open()._raw(data)
        except Exception as exc:  # noqa: BLE001  (pyusb / pyserial / escpos raise many kinds)
            self._drop()
            raise PrinterError("offline", str(exc)) from exc

    def status(self) -> str:
        try:
            device = self._open()
        except Exception:  # noqa: BLE001
            self._drop()
            return "offline"
        try:
            answer = bytes(device.query_status(PAPER_STATUS_QUERY))
        except Exception:  # noqa: BLE001  (no reply channel or read timeout: assume fine)
            return "ready"
        return decode_paper_status(answer[0]) if answer else "ready"


class UsbPrinter(_EscposDevicePrinter):
    """A USB printer driven through libusb (python-escpos Usb), opened lazily."""

    def __init__(self, vendor_id: int, product_id: int, timeout_s: float = 5.0) -> None:
        super().__init__()
        self.vendor_id, self.product_id, self.timeout_s = vendor_id, product_id, timeout_s

    def _make(self):
        from kiosk._escpos import usb_class

        return usb_class()(self.vendor_id, self.product_id, timeout=int(self.timeout_s * 1000))


class SerialPrinter(_EscposDevicePrinter):
    """A serial (RS-232 / USB-serial) printer (python-escpos Serial), opened lazily."""

    def __init__(self, port: str, baudrate: int = 9600, timeout_s: float = 5.0) -> None:
        super().__init__()
        self.port, self.baudrate, self.timeout_s = port, baudrate, timeout_s

    def _make(self):
        from kiosk._escpos import serial_class

        return serial_class()(devfile=self.port, baudrate=self.baudrate, timeout=self.timeout_s)


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
        required = {"network": ["host"], "file": ["path"], "serial": ["serial_port"],
                    "usb": ["usb_vendor_id", "usb_product_id"]}.get(self.type, [])
        missing = [key for key in required if getattr(self, key) in (None, "")]
        if missing:
            raise ValueError(f"printer type {self.type} needs {', '.join(missing)}")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")


def printer_from_config(config: Mapping[str, Any] | PrinterConfig) -> Printer:
    """The printer a configuration describes; nothing is opened until it is used."""
    if not isinstance(config, PrinterConfig):
        config = PrinterConfig.from_dict(config)
    builders = {
        "dummy": lambda c: DummyPrinter(c.out_dir),
        "file": lambda c: FilePrinter(c.path),
        "network": lambda c: NetworkPrinter(c.host, c.port, c.timeout_s, min(1.0, c.timeout_s)),
        "usb": lambda c: UsbPrinter(c.usb_vendor_id, c.usb_product_id, c.timeout_s),
        "serial": lambda c: SerialPrinter(c.serial_port, c.baudrate, c.timeout_s),
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
