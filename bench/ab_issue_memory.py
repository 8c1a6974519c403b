"""Issuing CPU and memory per ticket, this source tree against another one, in one session (A/B).

Run: git archive REV | tar -x -C var/ab-old
     python -m bench.ab_issue_memory --old var/ab-old [--pairs 2] [--seconds 4] [--backlog 10000]

Each pair starts the old tree's `hallq serve` and then this tree's (fresh SQLite file each,
demo hall, kiosk rate limit raised, server pinned to CPU 0 and the load to CPU 1), in turn:
  issue   32 kiosk clients issuing back to back for `--seconds`: server CPU ms per durable ticket;
  memory  `--backlog` tickets issued: the server's RSS growth per ticket from the 4,000th to the
          last (as bench.run_all measures it).
The medians of old and new and their ratio are printed; the machine's other work falls on both.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from pathlib import Path

from .bench_issue import RAISED_LIMITS, demo_hall, session_for, throughput, uncapped_services
from .run_all import Clerk
from .server_proc import ROOT, ServerProcess


async def issue_cpu(root: Path, seconds: float, pin: bool) -> float:
    with ServerProcess(RAISED_LIMITS, pin=pin, root=root) as server:
        await asyncio.sleep(0.5)
        figures = await throughput(server, 32, seconds, uncapped_services(demo_hall()))
    return figures["server_cpu_ms_per_ticket"]


async def memory_kb(root: Path, backlog: int, pin: bool) -> float:
    with ServerProcess(RAISED_LIMITS, pin=pin, root=root) as server:
        async with session_for(32) as session:
            clerk = Clerk(server, session, backlog)
            await clerk.prepare()
    return clerk.kb_per_ticket


async def run(args) -> dict[str, dict[str, list[float]]]:
    trees = {"old": Path(args.old).resolve(), "new": ROOT}
    figures: dict[str, dict[str, list[float]]] = {name: {"cpu_ms": [], "kb": []} for name in trees}
    for pair in range(args.pairs):
        for name, root in trees.items():
            cpu = await issue_cpu(root, args.seconds, not args.no_pin)
            kb = await memory_kb(root, args.backlog, not args.no_pin)
            figures[name]["cpu_ms"].append(cpu)
            figures[name]["kb"].append(kb)
            print(f"pair {pair + 1} {name}: {cpu:.3f} ms CPU per ticket, {kb:.2f} kB per ticket "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the other source tree (e.g. git archive of an earlier commit)")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args))
    for key, label in (("cpu_ms", "server CPU ms per durable ticket"), ("kb", "server RSS kB per ticket")):
        old, new = statistics.median(figures["old"][key]), statistics.median(figures["new"][key])
        print(f"{label}: old {old:.3f}, new {new:.3f}, new / old {new / old:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
