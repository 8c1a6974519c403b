"""The cost of the audience table on the hub's fan-out, and sign-in timing for known and unknown
staff numbers.

Run: .venv/bin/python -m bench.bench_audience [--events 20000] [--signins 16]
Fan-out: each event is cut for the three audiences and encoded once per distinct cut
(server/hub/hub.py _frames); compared, in the same run, with one plain encoding of the same event
(the floor: what a hub that sent everyone everything would pay). Sign-in: wrong PINs for known
and unknown staff numbers over real HTTP, interleaved; the median ratio should be close to 1.
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

from server import appkeys as K
from server.app import create_app
from server.clock import ManualClock
from server.config import load_demo
from server.hub.connection import encode
from server.hub.hub import _frames

TICKET = {"id": 42, "day": "2026-11-25", "label": "A042", "service": "business_setup",
          "queue_service": "business_setup", "status": "called", "channel": "normal", "green_category": None,
          "appointment": False, "window": 3, "pinned_window": None, "issued_at": "2026-11-25T09:00:00+08:00",
          "queue_entered_at": "2026-11-25T09:00:00+08:00", "called_at": "2026-11-25T09:10:00+08:00",
          "started_at": None, "finished_at": None, "return_until": None, "recalls": 0, "transfers": 1,
          "notes": ["已核驗身份證"], "segment": 1, "outcome": None, "lang": "zh-Hant"}
EVENTS = {
    "ticket_called": {"type": "ticket_called", "seq": 1235, "at": 1.0, "at_local": "x", "day": "2026-11-25",
                      "ticket_id": 42, "window": 3, "staff": "1003", "ticket": TICKET, "service": "business_setup",
                      "announcement": {"text": {"zh-Hans": "请A042号到3号窗口办理", "zh-Hant": "請A042號到3號窗口辦理",
                                                "en": "Number A042, window 3"}, "clips": ["a", "b", "c"]}},
    "window_opened": {"type": "window_opened", "seq": 1236, "at": 1.0, "at_local": "x", "day": "2026-11-25",
                      "window": 3, "staff": "1003"},
}


def plain(event: dict) -> str:
    """One frame for everyone, as a hub without audiences would send."""
    return encode({"type": "event", "seq": event["seq"], "event": event})


def fanout(events: int) -> list[tuple[str, float, float]]:
    rows = []
    for name, event in EVENTS.items():
        costs = {"plain": [], "audiences": []}
        for round_ in range(5):  # A/B alternated inside one run: the machine is noisy
            pair = (("plain", plain), ("audiences", _frames))
            order = pair if round_ % 2 else pair[::-1]
            for label, fn in order:
                start = time.perf_counter()
                for _ in range(events):
                    fn(event)
                costs[label].append((time.perf_counter() - start) / events * 1e6)
        rows.append((name, statistics.median(costs["plain"]), statistics.median(costs["audiences"])))
    return rows


async def signin_ratio(attempts: int) -> float:
    settings = load_demo()
    clock = ManualClock(1_795_568_400.0)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(settings, clock=clock, db_path=Path(tmp) / "bench.db", tick_interval_s=0)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as session:
                times: dict[str, list[float]] = {"known": [], "unknown": []}
                known = [s.number for s in settings.hall.staff]
                for i in range(attempts):
                    pair = (("known", known[i % len(known)]), ("unknown", f"77{i:03d}"))
                    for label, number in pair if i % 2 else pair[::-1]:
                        start = time.perf_counter()
                        async with session.post(server.make_url("/api/sessions"),
                                                json={"staff": number, "pin": "000000"}) as resp:
                            assert resp.status == 401, await resp.text()
                        times[label].append(time.perf_counter() - start)
                        clock.advance(app[K.CONFIG].server.signin_lockout_s)  # no throttle in the way
            return statistics.median(times["known"]) / statistics.median(times["unknown"])
        finally:
            await server.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench_audience")
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--signins", type=int, default=16)
    args = ap.parse_args(argv)
    print("event            plain encode   all audiences   ratio")
    for name, plain, audiences in fanout(args.events):
        print(f"{name:<16} {plain:9.1f} us   {audiences:10.1f} us   {audiences / plain:5.2f}")
    ratio = asyncio.run(signin_ratio(args.signins))
    print(f"sign-in with a wrong PIN, median time known / unknown staff number: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
