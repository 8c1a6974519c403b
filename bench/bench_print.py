"""Time to render one ticket: ESC/POS text (GB18030, Big5) and raster (Noto CJK), and the PNG preview.

Run: .venv/bin/python -m bench.bench_print [--runs 30] [--write docs/benchmarks-print.md]
Median and p90 over the runs; "cold" raster loads the font files again each run (first ticket
after the agent starts), "warm" reuses the agent's FontBook.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from importlib.metadata import version

from kiosk.escpos_render import render_preview_png, render_raster, render_text
from kiosk.layout import TicketLayout
from kiosk.raster import FontBook

PAYLOAD = {
    "center": "市民服務中心", "department": "稅務局", "service": "發票領用", "label": "A012", "ahead": 5,
    "estimate": {"low_min": 10, "high_min": 20}, "hint": "請留意螢幕並聆聽叫號",
    "missed_rule": "過號請到服務台登記", "issued_at": "2026-11-25 09:01",
    "tracking_url": "http://hall.example/t/q7Vd2kLm9XbR4tZa", "lang": "zh-Hant", "channel": "green",
}


def measure(render, runs: int) -> tuple[float, float, int]:
    """(median ms, p90 ms, bytes) of `runs` calls, after one warm-up call."""
    size = len(render())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], size


def cases(layout: TicketLayout, fonts: FontBook) -> dict:
    return {
        "text, GB18030 (80 mm)": lambda: render_text(layout, "gb18030"),
        "text, Big5 (80 mm)": lambda: render_text(layout, "big5"),
        "raster 576 px, warm fonts": lambda: render_raster(layout, 576, fonts),
        "raster 576 px, cold fonts": lambda: render_raster(layout, 576, FontBook.find()),
        "raster 384 px (58 mm), warm": lambda: render_raster(layout, 384, fonts),
        "PNG preview 576 px, warm": lambda: render_preview_png(layout, 576, fonts),
    }


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; python-escpos {version('python-escpos')}, "
            f"Pillow {version('pillow')}, qrcode {version('qrcode')}")


def report(rows: list[tuple[str, float, float, int]], runs: int) -> str:
    lines = [
        "# Ticket rendering benchmark", "",
        f"Command: `.venv/bin/python -m bench.bench_print --runs {runs} --write docs/benchmarks-print.md`", "",
        f"Machine: {machine()}", "",
        f"One zh-Hant green-channel ticket (tests/printing sample), {runs} runs after one warm-up.", "",
        "| case | median ms | p90 ms | bytes |", "|---|---:|---:|---:|",
        *[f"| {name} | {median:.2f} | {p90:.2f} | {size:,} |" for name, median, p90, size in rows],
        "", transfer_note(rows), "",
    ]
    return "\n".join(lines)


def transfer_note(rows: list[tuple[str, float, float, int]]) -> str:
    """Rendering is cheap; moving raster bytes over a slow serial line is not (10 bits a byte)."""
    raster = next(size for name, _m, _p, size in rows if name.startswith("raster 576"))
    text = next(size for name, _m, _p, size in rows if name.startswith("text"))
    return (f"Transfer at 10 bits a byte: raster {raster:,} B takes {raster / 960:.0f} s at 9600 baud, "
            f"{raster / 11520:.1f} s at 115200 baud; text {text} B takes {text / 960:.1f} s at 9600 baud. "
            "Use text mode on serial printers; raster is fine over USB and the network.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--write", help="write the Markdown report to this file")
    args = parser.parse_args(argv)
    layout, fonts = TicketLayout.from_payload(PAYLOAD), FontBook.find()
    rows = [(name, *measure(render, args.runs)) for name, render in cases(layout, fonts).items()]
    text = report(rows, args.runs)
    print(text)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
