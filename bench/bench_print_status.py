"""What asking the printer costs: one ticket sent to the emulated network printer with the full
status round trips (DLE EOT 1-4 before, GS r 1 and DLE EOT 1-4 after: `status_query = "dle_eot"`)
against a bare write (`status_query = "none"`), alternated in one run (A/B) on 127.0.0.1.

Run: .venv/bin/python -m bench.bench_print_status [--runs 200]
"""

import argparse
import asyncio
import statistics
import time

from kiosk.escpos_render import render_text
from kiosk.layout import TicketLayout
from kiosk.printers import NetworkPrinter
from tests.printing.emulated_printer import EmulatedPrinter, TcpFront
from tests.printing.print_samples import payload


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p90 {ordered[int(len(ordered) * 0.9)] * 1000:.2f} ms"


async def run(runs: int) -> dict[str, list[float]]:
    data = render_text(TicketLayout.from_payload(payload()), "big5")
    front = await TcpFront(EmulatedPrinter()).start()
    printers = {"dle_eot": NetworkPrinter("127.0.0.1", front.port, timeout=2, status_timeout=0.5, print_timeout=2),
                "none": NetworkPrinter("127.0.0.1", front.port, timeout=2, status_query="none")}
    times: dict[str, list[float]] = {name: [] for name in printers}
    try:
        for _ in range(runs):
            for name, printer in printers.items():
                started = time.perf_counter()
                await asyncio.to_thread(printer.send, data)
                times[name].append(time.perf_counter() - started)
    finally:
        front.server.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    times = asyncio.run(run(parser.parse_args().runs))
    for name, values in times.items():
        print(f"{name:8s} {summary(values)}")
    print(f"ratio of medians: {statistics.median(times['dle_eot']) / statistics.median(times['none']):.1f}")


if __name__ == "__main__":
    main()
