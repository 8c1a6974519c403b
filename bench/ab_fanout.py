"""A/B in one session: call-to-display latency with 300 clients, this tree against another source tree.

Run: .venv/bin/python -m bench.ab_fanout --old var/ab-old [--pairs 3] [--seconds 15]
(make the old tree with `git archive <commit> | tar -x -C var/ab-old`). Runs alternate old/new so
machine noise hits both alike; compare the ratios within a pair.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from .bench_broadcast import close_screens, fan_out_latency, open_screens, sign_in_all
from .bench_issue import RAISED_LIMITS, Api, demo_hall, fill_queues, session_for, uncapped_services
from .server_proc import ROOT, ServerProcess

KEYS = ("p50_ms", "p99_ms", "http_p50_ms", "http_p99_ms", "first_display_p50_ms", "last_display_p50_ms",
        "server_runq_wait")


async def one(root: Path, seconds: float, rate: float) -> dict:
    with ServerProcess(RAISED_LIMITS, root=root) as server:
        async with session_for(64) as session:
            api = Api(server, session)
            tokens = await sign_in_all(api)
            await fill_queues(api, uncapped_services(demo_hall()), int(rate * seconds * 1.3))
            screens = await open_screens(server, 200, 100)
            figures = await fan_out_latency(api, tokens, screens, rate, seconds)
            await close_screens(screens)
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", required=True)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=float, default=20)
    args = parser.parse_args(argv)
    if not (1 <= args.pairs <= 10 and 0 < args.seconds <= 120):
        parser.error("pairs 1-10, seconds up to 120")
    print("| pair | tree | " + " | ".join(KEYS) + " |\n|---|---|" + "---:|" * len(KEYS))
    for n in range(args.pairs):
        for name, root in (("old", Path(args.old).resolve()), ("new", ROOT)):
            f = asyncio.run(one(root, args.seconds, args.rate))
            print(f"| {n + 1} | {name} | " + " | ".join(f"{f[k]:.3f}" if k == "server_runq_wait" else f"{f[k]:.1f}"
                                                  for k in KEYS) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
