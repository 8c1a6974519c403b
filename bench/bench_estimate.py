"""Estimated-wait accuracy on simulated days, and the time from tap to ticket on screen.

Run: .venv/bin/python -m bench.bench_estimate [--seeds 5] [--taps 200]
Accuracy: bench/estimate_sim.py runs whole days through the pure engine (demo hall, seeded
arrivals, lognormal handling, 5 % no-shows, lunch breaks) and compares the estimate shown at issue
with the wait that followed (last call − queue entry). Tap to ticket: POST /api/tickets round trips
against the real app (aiohttp, real SQLite file with durable commits) on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from bench.estimate_sim import HallDay, accuracy
from server import appkeys as K
from server.app import create_app
from server.config import load_demo

LOADS = (60, 100, 120)  # arrivals per peak hour


def accuracy_rows(seeds: int) -> list[tuple]:
    hall = load_demo().hall
    rows = []
    for peak in LOADS:
        runs = [accuracy(HallDay(hall, seed, peak).run()) for seed in range(1, seeds + 1)]
        rows.append((peak, *(statistics.median(r[key] for r in runs)
                             for key in ("tickets", "mean_wait_min", "mae_min", "inside_pct", "mean_width_min"))))
    return rows


async def tap_times(taps: int) -> list[float]:
    settings = load_demo()
    token = settings.demo_credentials["devices"]["kiosk-1"]
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(settings, db_path=Path(folder) / "bench.db", tick_interval_s=0)
        app[K.KIOSK_LIMITER].limit = 10 ** 9  # measure the path, not the stuck-button guard
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        times = []
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
            for i in range(taps):
                start = time.perf_counter()
                async with session.post(server.make_url("/api/tickets"),
                                        json={"service": "invoice", "request_id": f"b-{i}"}) as resp:
                    await resp.json()
                    assert resp.status == 200
                times.append((time.perf_counter() - start) * 1000)
        await server.close()
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--taps", type=int, default=200)
    args = parser.parse_args(argv)
    print(f"estimate accuracy, median over {args.seeds} simulated days per load")
    print("| arrivals at peak / h | tickets | mean wait min | MAE min | inside range % | mean range width min |")
    print("|---:|---:|---:|---:|---:|---:|")
    for peak, tickets, wait, mae, inside, width in accuracy_rows(args.seeds):
        print(f"| {peak} | {tickets:.0f} | {wait:.1f} | {mae:.1f} | {inside:.1f} | {width:.1f} |")
    times = sorted(asyncio.run(tap_times(args.taps)))
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    print(f"\ntap to ticket (POST /api/tickets, durable commit), {args.taps} taps: "
          f"median {statistics.median(times):.2f} ms, p99 {p99:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
