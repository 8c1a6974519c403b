"""The whole benchmark set in one command, with the machine's floor measured in the same run.

Run: python -m bench.run_all [--seconds 5] [--backlog 10000] [--displays 300] [--json FILE]

One run, in this order, each phase against a fresh `hallq serve` process (demo hall, fresh SQLite
file, WAL + synchronous=FULL; unpinned, like a hall PC (`--pin` puts the server on CPU 0 and this
load process on CPU 1); the kiosk rate limit raised):
  floor    a bare SQLite commit loop (synchronous=FULL) and a bare aiohttp JSON endpoint under the
           same 32-client load as issuing (bench/floor.py);
  issue    32 kiosk clients issuing back to back: durable tickets/s and server CPU per ticket (and
           the server's RSS idle, before them); then issue latency at 200 requests/s, open loop;
  call     two servers, 100 and `--backlog` tickets waiting in window 5's services; one clerk at
           each calls and finishes, the two taking turns cycle by cycle (an A/B: the machine's other
           work falls on both); a kiosk issues one ticket per cycle alongside so the backlog holds:
           call-next p50/p99 and call-and-finish cycles/s; memory: the big server's RSS growth per
           waiting ticket from the 4,000th ticket of the day to the last;
  display  `--displays` hall displays on WebSockets, call-next at 20/s: call → every display;
  finished every window's clerk issues, calls and finishes at once until `--backlog` tickets are
           finished: the server's RSS growth per finished ticket from the 4,000th.
Then one table: every figure, its goal, the floor it compares with and the figure as a fraction of
the floor. Takes about two to three minutes; works in a fresh clone (it creates var/).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from .bench_broadcast import call_and_finish, close_screens, fan_out_latency, open_screens, sign_in_all
from .bench_issue import (RAISED_LIMITS, Api, clerk_assignment, demo_hall, issue_latency, session_for,
                          summary_ms, throughput, uncapped_services)
from .floor import FloorServer, sqlite_commits
from .server_proc import ROOT, SchedWatch, ServerProcess, machine

CLERK_WINDOW = 5
MEMORY_WARM = 4000  # tickets issued before the memory slope is measured


# --- the floor -------------------------------------------------------------------------------------

async def http_floor(clients: int, seconds: float, pin: bool) -> dict:
    """The bare endpoint under the issuing load: requests/s and server CPU per request."""
    with FloorServer(pin=pin) as server:
        async with session_for(clients) as session:
            done, end = [0], time.perf_counter() + seconds
            watch, start = SchedWatch(server=server.pid), time.perf_counter()

            async def client(n: int) -> None:
                while time.perf_counter() < end and done[0] < 10_000_000:
                    async with session.post(server.url("/json"), json={"service": "invoice", "n": n}) as resp:
                        await resp.read()
                    done[0] += 1

            await asyncio.wait_for(asyncio.gather(*(client(n) for n in range(clients))), seconds + 30)
            elapsed, sched = time.perf_counter() - start, watch.read()
    return {"requests_per_s": done[0] / elapsed, "cpu_ms_per_request": sched["server_cpu"] * elapsed / done[0] * 1000}


# --- issuing and memory ----------------------------------------------------------------------------

async def issuing(args) -> dict:
    services = uncapped_services(demo_hall())
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=args.pin, root=args.root) as server:
        await asyncio.sleep(1.0)
        idle_kb = server.rss_kb()
        figures = {"throughput": await throughput(server, 32, args.seconds, services)}
        figures["memory"] = {"idle_mb": idle_kb / 1024}
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=args.pin, root=args.root) as server:
        figures["latency"] = await issue_latency(server, 200, args.seconds, services)
    return figures


# --- call-next against the backlog -----------------------------------------------------------------

async def fill(api: Api, services: list[str], count: int) -> None:
    queue = list(range(count))

    async def worker(n: int) -> None:
        while queue:
            i = queue.pop()
            status, body = await api.issue(("kiosk-1", "kiosk-2")[n % 2], services[i % len(services)])
            if status != 200:
                raise RuntimeError(f"issue failed: {status} {body}")

    await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(32))), 300)


class Clerk:
    """Window 5 of one server, with `backlog` tickets waiting in its services."""

    def __init__(self, server: ServerProcess, session, backlog: int):
        self.server, self.api, self.backlog = server, Api(server, session), backlog
        hall = demo_hall()
        window = next(w for w in hall["windows"] if w["number"] == CLERK_WINDOW)
        self.services = [s for s in uncapped_services(hall) if s in window["services"]]
        self.staff = clerk_assignment(hall, (CLERK_WINDOW,))[CLERK_WINDOW]
        self.calls: list[float] = []
        self.busy = 0.0  # seconds spent in this clerk's cycles
        self.refills: list[asyncio.Future] = []
        self.kb_per_ticket, self.memory_from, self.token = float("nan"), 0, ""

    async def prepare(self) -> None:
        self.token = await self.api.sign_in(CLERK_WINDOW, self.staff)
        self.memory_from = min(MEMORY_WARM, self.backlog // 2)  # caches and allocator arenas fill first
        await fill(self.api, self.services, self.memory_from)
        warm_kb = self.server.rss_kb()
        await fill(self.api, self.services, self.backlog - self.memory_from)
        self.kb_per_ticket = (self.server.rss_kb() - warm_kb) / (self.backlog - self.memory_from)

    async def cycle(self) -> None:
        """Call next and finish; a kiosk issues one more ticket alongside (not timed): the backlog holds."""
        service = self.services[len(self.calls) % len(self.services)]
        self.refills.append(asyncio.ensure_future(self.api.issue("kiosk-2", service)))
        start = time.perf_counter()
        status, body = await self.api.post(f"/api/windows/{CLERK_WINDOW}/call-next", self.token,
                                           {"request_id": uuid.uuid4().hex})
        self.calls.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"call-next failed: {status} {body}")
        status, body = await self.api.post(f"/api/tickets/{body['ticket']['id']}/finish", self.token,
                                           {"outcome": "immediate", "request_id": uuid.uuid4().hex})
        if status != 200:
            raise RuntimeError(f"finish failed: {status} {body}")
        self.busy += time.perf_counter() - start

    def figures(self) -> dict:
        return {"backlog": self.backlog, "cycles_per_s": len(self.calls) / self.busy, "call": summary_ms(self.calls),
                "kb_per_ticket": self.kb_per_ticket, "memory_from": self.memory_from}


async def clerks(args) -> list[dict]:
    """Two servers, 100 and `--backlog` waiting, one clerk each, their cycles taken in turn (A/B):
    whatever else the machine does falls on both alike."""
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=args.pin, root=args.root) as small_server, \
            ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=args.pin, root=args.root) as big_server:
        async with session_for(32) as session:
            pair = [Clerk(small_server, session, 100), Clerk(big_server, session, args.backlog)]
            for clerk in pair:
                await clerk.prepare()
            end = time.perf_counter() + 2 * args.seconds
            while time.perf_counter() < end and len(pair[0].calls) < 1_000_000:
                for clerk in pair:
                    await clerk.cycle()
            await asyncio.wait_for(asyncio.gather(*(f for c in pair for f in c.refills)), 60)
    return [clerk.figures() for clerk in pair]


# --- memory per finished ticket ----------------------------------------------------------------------

async def finished_memory(args) -> dict:
    """Every window's clerk issues a ticket in one of the window's services, calls the next and
    finishes it, all windows at once, until `--backlog` tickets are finished: the server's RSS growth
    per finished ticket from the MEMORY_WARM-th to the last (each visit three requests with ids)."""
    hall = demo_hall()
    services = set(uncapped_services(hall))
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=args.pin, root=args.root) as server:
        async with session_for(32) as session:
            api = Api(server, session)
            tokens = await sign_in_all(api)
            own = {w["number"]: [s for s in w["services"] if s in services] for w in hall["windows"]}
            done, marks = [0], {}
            warm_from = min(MEMORY_WARM, args.backlog // 2)

            async def clerk(window: int, token: str) -> None:
                kiosk, k = ("kiosk-1", "kiosk-2")[window % 2], 0
                while done[0] < args.backlog:
                    status, body = await api.issue(kiosk, own[window][k % len(own[window])])
                    k += 1
                    if status != 200:
                        raise RuntimeError(f"issue failed: {status} {body}")
                    _, ticket, _ = await call_and_finish(api, window, token)
                    if ticket is not None:
                        done[0] += 1
                        if done[0] == warm_from:
                            marks["warm"] = server.rss_kb()

            await asyncio.wait_for(asyncio.gather(*(clerk(w, t) for w, t in tokens.items() if own.get(w))), 600)
            end_kb = server.rss_kb()
    return {"finished": done[0], "memory_from": warm_from,
            "kb_per_ticket": (end_kb - marks["warm"]) / (done[0] - warm_from)}


# --- call to every display ---------------------------------------------------------------------------

async def displays(args) -> dict:
    services = uncapped_services(demo_hall())
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=args.pin, root=args.root) as server:
        async with session_for(64) as session:
            api = Api(server, session)
            tokens = await sign_in_all(api)
            await fill(api, services, int(20 * args.seconds * 1.5) + 100)
            screens = await open_screens(server, args.displays, 0)
            await asyncio.sleep(0.5)
            figures = await fan_out_latency(api, tokens, screens, 20, args.seconds)
            await close_screens(screens)
    return figures


# --- the table -------------------------------------------------------------------------------------

def rows(f: dict) -> list[tuple[str, str, float, str, float, float]]:
    """(figure, goal, value, floor name, floor value, value as a fraction of the floor)."""
    sql, http = f["floor"]["sqlite"], f["floor"]["http"]
    t, idle, lat = f["issue"]["throughput"], f["issue"]["memory"]["idle_mb"], f["issue"]["latency"]["from_send"]
    small, big, d, fin = f["call"][0], f["call"][1], f["display"], f["finished"]
    cycle_floor = sql["commits_per_s"] / 2  # a cycle is two durable commits, one after the other
    out = [
        ("durable tickets/s, 32 kiosk clients", "≥ 2,500", t["tickets_per_s"], "bare aiohttp requests/s",
         http["requests_per_s"]),
        ("server CPU ms per durable ticket", "≤ 0.3", t["server_cpu_ms_per_ticket"], "bare aiohttp CPU ms/request",
         http["cpu_ms_per_request"]),
        ("issue latency p99 ms at 200/s", "< 10", lat["p99"], "bare SQLite commit p99 ms", sql["p99_ms"]),
        (f"call-next p50 ms, {small['backlog']} waiting", "—", small["call"]["p50"], "bare SQLite commit p50 ms",
         sql["p50_ms"]),
        (f"call-next p50 ms, {big['backlog']:,} waiting", "≤ 2", big["call"]["p50"], "bare SQLite commit p50 ms",
         sql["p50_ms"]),
        (f"call-next p99 ms, {big['backlog']:,} waiting", "—", big["call"]["p99"], "bare SQLite commit p99 ms",
         sql["p99_ms"]),
        (f"call-and-finish cycles/s, one clerk, {small['backlog']} waiting", "—", small["cycles_per_s"],
         "bare SQLite commits/s ÷ 2", cycle_floor),
        (f"call-and-finish cycles/s, one clerk, {big['backlog']:,} waiting", "≥ 300", big["cycles_per_s"],
         "bare SQLite commits/s ÷ 2", cycle_floor),
        (f"cycles/s with {big['backlog']:,} waiting ÷ with {small['backlog']}", "≥ 0.8",
         big["cycles_per_s"] / small["cycles_per_s"], "—", 1.0),
        (f"call → every display p99 ms, {f['args']['displays']} displays", "< 50", d["p99_ms"],
         "bare SQLite commit p99 ms", sql["p99_ms"]),
        ("server RSS idle MB", "≤ 60", idle, "—", float("nan")),
        (f"server RSS kB per further ticket of the day ({big['memory_from']:,} → {big['backlog']:,})", "≤ 1",
         big["kb_per_ticket"], "—", float("nan")),
        (f"server RSS kB per further finished ticket ({fin['memory_from']:,} → {fin['finished']:,})", "≤ 1",
         fin["kb_per_ticket"], "—", float("nan")),
    ]
    return [(name, goal, value, floor_name, floor, value / floor if floor == floor and floor else float("nan"))
            for name, goal, value, floor_name, floor in out]


def table(runs: list[dict]) -> str:
    def fmt(x: float) -> str:
        if x != x:
            return "—"
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}"

    per_run = [rows(r) for r in runs]
    lines = ["| figure | goal | median | runs | floor (same run, median) | floor | ÷ floor |",
             "|---|---|---:|---|---|---:|---:|"]
    for i, (name, goal, *_rest) in enumerate(per_run[0]):
        values = [r[i][2] for r in per_run]
        floors = [r[i][4] for r in per_run]
        ratios = [r[i][5] for r in per_run]
        lines.append(f"| {name} | {goal} | {fmt(median(values))} | {' / '.join(fmt(v) for v in values)} | "
                     f"{per_run[0][i][3]} | {fmt(median(floors))} | {fmt(median(ratios))} |")
    return "\n".join(lines)


def median(values: list[float]) -> float:
    clean = sorted(v for v in values if v == v)
    return clean[len(clean) // 2] if len(clean) % 2 else (sum(clean[len(clean) // 2 - 1:len(clean) // 2 + 1]) / 2
                                                         if clean else float("nan"))


async def one_run(args) -> dict:
    figures: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "loadavg_1min": os.getloadavg()[0]}
    figures["floor"] = {"sqlite": sqlite_commits(3.0), "http": await http_floor(32, args.seconds, args.pin)}
    figures["issue"] = await issuing(args)
    figures["call"] = await clerks(args)
    figures["display"] = await displays(args)
    figures["finished"] = await finished_memory(args)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs in a row (the table shows their median)")
    parser.add_argument("--seconds", type=float, default=5, help="length of each measured phase")
    parser.add_argument("--backlog", type=int, default=10_000, help="tickets waiting for the big call-next case")
    parser.add_argument("--displays", type=int, default=300)
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0, this load process on CPU 1 (default: unpinned, as in a hall)")
    parser.add_argument("--log-level", default="info", help="server log level (info keeps the access log)")
    parser.add_argument("--json", help="also write every run's raw figures to this file")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="source tree to run (e.g. `git archive` of an older commit, for an A/B in one session)")
    args = parser.parse_args(argv)
    if not (1 <= args.runs <= 10 and 0 < args.seconds <= 60 and 100 < args.backlog <= 50_000
            and 1 <= args.displays <= 2000):
        parser.error("keep --runs 1-10, --seconds up to 60, --backlog 101-50,000, --displays 1-2,000")
    runs, started = [], time.perf_counter()
    for n in range(args.runs):
        runs.append(asyncio.run(one_run(args)))
        print(f"run {n + 1} done after {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(runs, f, indent=1)
    print(f"Command: `python -m bench.run_all --runs {args.runs} --seconds {args.seconds:g} "
          f"--backlog {args.backlog} --displays {args.displays}{' --pin' if args.pin else ''}`"
          + ("" if args.root == ROOT else f" on {args.root}"))
    loads = " / ".join(f"{r['loadavg_1min']:.1f}" for r in runs)
    print(f"Machine: {machine()}; date {date.today().isoformat()}; load average at start {loads}; "
          f"{time.perf_counter() - started:.0f} s\n")
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
