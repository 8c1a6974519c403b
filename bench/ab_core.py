"""A/B in one session: durable tickets/s and call-next latency, this tree against another source tree.

Run: .venv/bin/python -m bench.ab_core --old var/ab-old [--pairs 4] [--seconds 8] [--lat-seconds 10]
(make the old tree with `git archive <commit> | tar -x -C var/ab-old`). The runs alternate old/new,
so the machine's noise hits both alike; the report gives each pair and the ratio of the medians.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

from .bench_issue import (RAISED_LIMITS, Api, call_latency, demo_hall, fill_queues, session_for, throughput,
                          uncapped_services)
from .server_proc import ROOT, ServerProcess

FIGURES = (("tickets_per_s", "durable tickets /s (32 kiosks)", True),
           ("per_core_tickets_per_s", "tickets /s per server CPU-second (noise-robust)", True),
           ("call_p50_ms", "call-next p50 ms", False), ("call_p99_ms", "call-next p99 ms", False))


async def one(root: Path, args) -> dict:
    services = uncapped_services(demo_hall())
    config = root / "server" / "demo_hall.toml"  # each tree with its own demo hall (its own keys)
    with ServerProcess(RAISED_LIMITS, root=root, config=config) as server:
        issued = await throughput(server, 32, args.seconds, services)
    with ServerProcess(RAISED_LIMITS, root=root, config=config) as server:
        async with session_for(16) as session:
            await fill_queues(Api(server, session), services, 200)
        backlog = int(args.rate * args.lat_seconds * 1.5)
        called = await call_latency(server, args.rate, args.lat_seconds, services, backlog)
    return {"tickets_per_s": issued["tickets_per_s"], "per_core_tickets_per_s": issued["per_core_tickets_per_s"],
            "call_p50_ms": called["from_send"]["p50"],
            "call_p99_ms": called["from_send"]["p99"]}


def report(pairs: list[tuple[dict, dict]]) -> str:
    lines = ["| figure | old (median) | new (median) | new / old | pairs (old → new) |", "|---|---:|---:|---:|---|"]
    for key, name, _ in FIGURES:
        old = statistics.median(p[0][key] for p in pairs)
        new = statistics.median(p[1][key] for p in pairs)
        each = " / ".join(f"{o[key]:.1f} → {n[key]:.1f}" for o, n in pairs)
        lines.append(f"| {name} | {old:.2f} | {new:.2f} | {new / old:.3f} | {each} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the other source tree (git archive of a commit)")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8, help="throughput phase length")
    parser.add_argument("--lat-seconds", type=float, default=10, help="call-next latency phase length")
    parser.add_argument("--rate", type=float, default=100, help="call-next per second")
    args = parser.parse_args(argv)
    pairs = []
    for n in range(args.pairs):
        old = asyncio.run(one(args.old.resolve(), args))
        new = asyncio.run(one(ROOT, args))
        pairs.append((old, new))
        print(f"pair {n + 1}: old {old}  new {new}", file=sys.stderr, flush=True)
    print(report(pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
