import os

import pytest

from kiosk.journal import PrintJournal
from kiosk.printers import (DummyPrinter, FilePrinter, NetworkPrinter, PrinterConfig, PrinterError,
                            SerialPrinter, UsbPrinter, printer_from_config)


def test_dummy_printer_writes_bytes_and_preview(tmp_path):
    printer = DummyPrinter(tmp_path / "out")
    printer.send(b"\x1b@hello", job_id="pj-1", preview_png=b"\x89PNG...")
    assert (tmp_path / "out" / "pj-1.bin").read_bytes() == b"\x1b@hello"
    assert (tmp_path / "out" / "pj-1.png").read_bytes() == b"\x89PNG..."
    assert printer.sent == ["pj-1"] and printer.status().status == "ready"


def test_dummy_printer_job_ids_cannot_escape_the_folder(tmp_path):
    DummyPrinter(tmp_path).send(b"x", job_id="../../etc/passwd")
    assert [p.name for p in tmp_path.iterdir()] == ["_.._etc_passwd.bin"]


@pytest.mark.parametrize("state", ["paper_out", "cover_open", "offline", "error"])
def test_dummy_printer_simulates_faults(tmp_path, state):
    printer = DummyPrinter(tmp_path)
    printer.simulate(state)
    assert printer.status().status == state
    with pytest.raises(PrinterError) as caught:
        printer.send(b"x", job_id="pj-1")
    assert caught.value.status == state and not list(tmp_path.glob("*.bin"))


def test_dummy_printer_fault_from_a_file_for_the_demo(tmp_path):
    printer = DummyPrinter(tmp_path)
    (tmp_path / "simulate_status").write_text("paper_out\n")
    assert printer.status().status == "paper_out"
    (tmp_path / "simulate_status").unlink()
    assert printer.status().status == "ready"


def test_file_printer(tmp_path):
    device = tmp_path / "lp0"
    assert FilePrinter(device).status().status == "offline"
    device.write_bytes(b"")
    printer = FilePrinter(device)
    assert printer.status().status == "ready" and "no status channel" in printer.status().detail
    printer.send(b"\x1b@ticket")
    assert device.read_bytes() == b"\x1b@ticket"
    with pytest.raises(PrinterError) as caught:
        FilePrinter(tmp_path / "missing" / "lp0").send(b"x")
    assert caught.value.status == "offline"


def test_usb_and_serial_printers_open_nothing_until_used():
    UsbPrinter(0x0416, 0x5011)  # builds without a device plugged in
    serial = SerialPrinter("/dev/ttyS99")
    assert serial.status().status == "offline"
    with pytest.raises(PrinterError) as caught:
        serial.send(b"x")
    assert caught.value.status == "offline"


def test_printer_from_config_builds_each_type(tmp_path):
    assert isinstance(printer_from_config({"type": "dummy", "out_dir": str(tmp_path)}), DummyPrinter)
    assert isinstance(printer_from_config({"type": "file", "path": "/dev/usb/lp0"}), FilePrinter)
    network = printer_from_config({"type": "network", "host": "10.0.0.9", "timeout_s": 3})
    assert isinstance(network, NetworkPrinter) and (network.port, network.timeout_s) == (9100, 3)
    assert (network.status_timeout_s, network.print_timeout_s, network.status_query) == (1.0, 20.0, "dle_eot")
    usb = printer_from_config({"type": "usb", "usb_vendor_id": "0x0416", "usb_product_id": 20497})
    assert isinstance(usb, UsbPrinter) and (usb.vendor_id, usb.product_id) == (0x0416, 0x5011)
    serial = printer_from_config({"type": "serial", "serial_port": "/dev/ttyUSB0", "baudrate": 19200})
    assert isinstance(serial, SerialPrinter) and serial.baudrate == 19200


@pytest.mark.parametrize("raw", [
    {"type": "cups"}, {"type": "network"}, {"type": "file"}, {"type": "usb", "usb_vendor_id": 1},
    {"encoding": "shift_jis"}, {"mode": "pdf"}, {"paper_width_mm": 76}, {"timeout_s": 0},
    {"colour": "red"}, {"status_query": "asb"}, {"cut": "half"}, {"print_timeout_s": -1},
])
def test_bad_printer_config_is_refused(raw):
    with pytest.raises(ValueError):
        PrinterConfig.from_dict(raw)


def test_config_defaults():
    config = PrinterConfig.from_dict({})
    assert (config.type, config.encoding, config.mode, config.paper_width_mm) == ("dummy", "gb18030", "text", 80)
    assert (config.status_query, config.cut) == ("dle_eot", "full")


def test_journal_remembers_across_restarts(tmp_path):
    path = tmp_path / "journal.log"
    journal = PrintJournal(path)
    journal.record("pj-1", "start")
    journal.record("pj-1", "done")
    journal.record("pj-2", "start")
    journal.record("pj-3", "start")
    journal.record("pj-3", "fail")
    with open(path, "a") as torn:
        torn.write("done")  # a crash mid-line
    again = PrintJournal(path)
    assert [again.state(j) for j in ("pj-1", "pj-2", "pj-3", "pj-4")] == ["done", "start", "fail", None]


def test_journal_compacts_to_the_newest_jobs(tmp_path):
    path = tmp_path / "journal.log"
    journal = PrintJournal(path, keep=3)
    for n in range(6):
        journal.record(f"pj-{n}", "done")
    compacted = PrintJournal(path, keep=3)
    assert [compacted.state(f"pj-{n}") for n in range(6)] == [None] * 3 + ["done"] * 3
    assert len(path.read_text().splitlines()) == 3 and not os.path.exists(str(path) + ".tmp")


def test_journal_refuses_bad_records(tmp_path):
    with pytest.raises(ValueError):
        PrintJournal(tmp_path / "j").record("pj 1", "done")
