"""Issuing tickets and call-next over HTTP, against `hallq serve` in its own process (durable commits).

Run: .venv/bin/python -m bench.bench_issue [--runs 5] [--clients 32] [--seconds 10] [--rate 100]

Each run starts a fresh server (demo hall, fresh SQLite file on disk, WAL + synchronous=FULL, the
kiosk rate limit raised so the load is not refused) pinned to CPU 0; this load process runs on CPU 1.
  1. throughput: `--clients` kiosk clients (keep-alive) issue tickets back to back for `--seconds`;
     tickets/s, group commits and the average batch per commit (from /api/health "store").
  2. issue latency: open loop at `--rate` requests/s for `--lat-seconds` (requests are sent on
     schedule whatever the answers do, so a stall is not hidden: no coordinated omission).
  3. call-next latency: open loop at `--rate` calls/s spread over the signed-in windows; each
     call-next is followed by finish at that window (not timed) so the window is free again.
Every command carries a request id (the idempotent path real clients use). The median over the
runs of each figure is printed, with every run's value.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import tomllib
import uuid
from datetime import date

import aiohttp

from .server_proc import DEMO_HALL, SchedWatch, ServerProcess, machine, repeat_runs

RAISED_LIMITS = {"kiosk_rate_per_min": 1_000_000}
MAX_REQUESTS = 2_000_000  # hard bound on any loop, whatever --seconds says
CALL_WINDOWS = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15)  # 8 serves only a capped service; 16 appointments


def demo_hall() -> dict:
    with open(DEMO_HALL, "rb") as f:
        return tomllib.load(f)


def uncapped_services(hall: dict) -> list[str]:
    """Services that never refuse a ticket: no daily cap, no issuing hours."""
    return [s["code"] for s in hall["services"] if "daily_cap" not in s and not s.get("issuing_hours")]


def clerk_assignment(hall: dict, windows) -> dict[int, str]:
    """One distinct clerk per window (a clerk can be signed in at one window only)."""
    taken, out = set(), {}
    for number in windows:
        staff = next(s["number"] for s in hall["staff"]
                     if s["role"] == "clerk" and number in s["windows"] and s["number"] not in taken)
        taken.add(staff)
        out[number] = staff
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary_ms(values: list[float]) -> dict:
    return {"n": len(values), "p50": percentile(values, 50) * 1000, "p90": percentile(values, 90) * 1000,
            "p99": percentile(values, 99) * 1000, "max": (max(values) if values else float("nan")) * 1000}


class Api:
    def __init__(self, server: ServerProcess, session: aiohttp.ClientSession):
        self.server, self.session = server, session

    async def post(self, path: str, token: str, body: dict) -> tuple[int, dict]:
        async with self.session.post(self.server.url(path), json=body,
                                     headers={"Authorization": f"Bearer {token}"}) as resp:
            return resp.status, await resp.json(content_type=None)

    async def issue(self, kiosk: str, service: str) -> tuple[int, dict]:
        return await self.post("/api/tickets", self.server.token(kiosk),
                               {"service": service, "request_id": uuid.uuid4().hex})

    async def sign_in(self, window: int, staff: str) -> str:
        status, body = await self.post("/api/sessions", self.server.token(f"counter-{window:02d}"),
                                       {"staff": staff, "pin": self.server.pin(staff)})
        if status != 200:
            raise RuntimeError(f"sign-in at window {window} failed: {status} {body}")
        return body["token"]


def session_for(connections: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections, force_close=False),
                                 timeout=aiohttp.ClientTimeout(total=30))


# --- 1. sustained throughput ------------------------------------------------------------------------

async def throughput(server: ServerProcess, clients: int, seconds: float, services: list[str]) -> dict:
    async with session_for(clients) as session:
        api = Api(server, session)
        for i in range(clients):  # warm up: open every keep-alive connection once
            await api.issue(("kiosk-1", "kiosk-2")[i % 2], services[i % len(services)])
        before, watch = server.health()["store"], SchedWatch(server=server.pid, load=os.getpid())
        per_second: list[int] = [0] * (int(seconds) + 2)
        errors: dict[str, int] = {}
        start = time.perf_counter()
        end = start + seconds
        budget = [MAX_REQUESTS]

        async def kiosk_client(n: int) -> None:
            kiosk, k = ("kiosk-1", "kiosk-2")[n % 2], n
            while time.perf_counter() < end and budget[0] > 0:
                budget[0] -= 1
                status, body = await api.issue(kiosk, services[k % len(services)])
                k += clients
                if status == 200:
                    per_second[int(time.perf_counter() - start)] += 1
                else:
                    code = body.get("error", {}).get("code", str(status))
                    errors[code] = errors.get(code, 0) + 1

        await asyncio.wait_for(asyncio.gather(*(kiosk_client(n) for n in range(clients))), seconds + 60)
        elapsed = time.perf_counter() - start
        sched = watch.read()
        after = server.health()
    commits = after["store"]["commits"] - before["commits"]
    batches = after["store"]["batches"] - before["batches"]
    issued = sum(per_second)
    return {"tickets_per_s": issued / elapsed, "issued": issued, "elapsed_s": elapsed, "errors": errors,
            "commits": commits, "batches": batches, "batch_avg": batches / commits if commits else 0.0,
            "commits_per_s": commits / elapsed, "first_s": per_second[0], "last_full_s": per_second[int(seconds) - 1],
            **sched, "seq": after["seq"],
            # noise-robust: server CPU per ticket, and the rate one whole core would give at that cost
            "server_cpu_ms_per_ticket": sched["server_cpu"] * elapsed / max(issued, 1) * 1000,
            "per_core_tickets_per_s": issued / max(sched["server_cpu"] * elapsed, 1e-9)}


# --- 2 and 3. latency at a fixed rate (open loop) -----------------------------------------------------

async def open_loop(rate: float, seconds: float, request) -> tuple[list[float], list[float], int]:
    """Start request(i) at t0 + i/rate regardless of earlier answers. Returns (latency from send,
    latency from the scheduled time, failures); request(i) returns (ok, sent, answered) times."""
    count = min(int(rate * seconds), MAX_REQUESTS)
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter() + 0.05

    async def timed(i: int, scheduled: float):
        ok, sent, answered = await request(i)
        return ok, answered - sent, answered - scheduled

    tasks = []
    for i in range(count):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(timed(i, scheduled)))
    results = await asyncio.wait_for(asyncio.gather(*tasks), seconds + 60)
    sent = [r[1] for r in results if r[0]]
    scheduled = [r[2] for r in results if r[0]]
    return sent, scheduled, sum(1 for r in results if not r[0])


async def issue_latency(server: ServerProcess, rate: float, seconds: float, services: list[str]) -> dict:
    async with session_for(64) as session:
        api = Api(server, session)
        for i in range(8):
            await api.issue("kiosk-2", services[i % len(services)])

        async def request(i: int):
            sent = time.perf_counter()
            status, _ = await api.issue(("kiosk-1", "kiosk-2")[i % 2], services[i % len(services)])
            return status == 200, sent, time.perf_counter()

        lag, watch = LoopLag(), SchedWatch(server=server.pid, load=os.getpid())
        sent, scheduled, failed = await open_loop(rate, seconds, request)
        lag.stop()
    return {"from_send": summary_ms(sent), "from_schedule": summary_ms(scheduled), "failed": failed,
            "load_loop_lag_p99_ms": lag.p99_ms(), **watch.read()}


async def call_latency(server: ServerProcess, rate: float, seconds: float, services: list[str],
                       backlog: int) -> dict:
    hall = demo_hall()
    async with session_for(64) as session:
        api = Api(server, session)
        tokens = {w: await api.sign_in(w, staff) for w, staff in clerk_assignment(hall, CALL_WINDOWS).items()}
        await fill_queues(api, services, backlog)
        locks = {w: asyncio.Lock() for w in tokens}
        windows = list(tokens)
        empty = [0]

        async def request(i: int):
            window = windows[i % len(windows)]
            async with locks[window]:  # a window calls again only after finishing (waiting counts)
                sent = time.perf_counter()
                status, body = await api.post(f"/api/windows/{window}/call-next", tokens[window],
                                              {"request_id": uuid.uuid4().hex})
                answered = time.perf_counter()  # the finish below is not timed
                if status != 200 or not body.get("ticket"):
                    empty[0] += 1
                    return False, sent, answered
                fin, _ = await api.post(f"/api/tickets/{body['ticket']['id']}/finish", tokens[window],
                                        {"outcome": "immediate", "request_id": uuid.uuid4().hex})
                return fin == 200, sent, answered

        lag, watch = LoopLag(), SchedWatch(server=server.pid, load=os.getpid())
        sent, scheduled, failed = await open_loop(rate, seconds, request)
        lag.stop()
    return {"from_send": summary_ms(sent), "from_schedule": summary_ms(scheduled), "failed": failed,
            "empty_queue": empty[0], "windows": len(windows), "load_loop_lag_p99_ms": lag.p99_ms(),
            **watch.read()}


async def fill_queues(api: Api, services: list[str], count: int) -> None:
    """Issue `count` tickets round-robin over the services, 16 at a time."""
    queue = list(range(count))

    async def worker(n: int):
        while queue:
            i = queue.pop()
            status, body = await api.issue(("kiosk-1", "kiosk-2")[n % 2], services[i % len(services)])
            if status != 200:
                raise RuntimeError(f"issue failed: {status} {body}")

    await asyncio.wait_for(asyncio.gather(*(worker(n) for n in range(16))), 120)


class LoopLag:
    """How late this process's own event loop wakes up (proves the client was not the bottleneck)."""

    def __init__(self, interval: float = 0.01):
        self.samples: list[float] = []
        self.interval = interval
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self):
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.samples.append(time.perf_counter() - start - self.interval)

    def stop(self):
        self._task.cancel()

    def p99_ms(self) -> float:
        return percentile(self.samples, 99) * 1000


# --- runs ------------------------------------------------------------------------------------------

async def one_run(args) -> dict:
    services = uncapped_services(demo_hall())
    figures = {}
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=not args.no_pin) as server:
        figures["throughput"] = await throughput(server, args.clients, args.seconds, services)
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=not args.no_pin) as server:
        async with session_for(16) as session:
            await fill_queues(Api(server, session), services, args.backlog)
        figures["issue"] = await issue_latency(server, args.rate, args.lat_seconds, services)
        figures["call"] = await call_latency(server, args.rate, args.lat_seconds, services,
                                             int(args.rate * args.lat_seconds * 1.5))
        figures["tickets_in_state"] = server.health()["seq"]
    return figures


def median_of(runs: list[dict], *path) -> tuple[float, list[float]]:
    values = []
    for run in runs:
        value = run
        for key in path:
            value = value[key]
        values.append(value)
    return statistics.median(values), values


def report(runs: list[dict], args) -> str:
    def line(label, *path, fmt="{:.1f}"):
        med, values = median_of(runs, *path)
        return f"| {label} | {fmt.format(med)} | {' / '.join(fmt.format(v) for v in values)} |"

    rows = [
        line("tickets issued /s (sustained)", "throughput", "tickets_per_s", fmt="{:.0f}"),
        line("tickets /s in the last full second", "throughput", "last_full_s", fmt="{:.0f}"),
        line("group commits /s", "throughput", "commits_per_s", fmt="{:.0f}"),
        line("batches per commit (avg)", "throughput", "batch_avg", fmt="{:.2f}"),
        line("server CPU (cores)", "throughput", "server_cpu", fmt="{:.2f}"),
        line("load CPU (cores)", "throughput", "load_cpu", fmt="{:.2f}"),
        line("server waiting for a CPU (share of wall time)", "throughput", "server_runq_wait", fmt="{:.2f}"),
        line("server CPU ms per ticket", "throughput", "server_cpu_ms_per_ticket", fmt="{:.3f}"),
        line("tickets /s per server CPU-second (one whole core)", "throughput", "per_core_tickets_per_s", fmt="{:.0f}"),
        line("machine load average at start (1 min)", "loadavg_1min", 0, fmt="{:.1f}"),
    ]
    for name in ("issue", "call"):
        for p in ("p50", "p90", "p99", "max"):
            rows.append(line(f"{name} latency {p} ms (from send)", name, "from_send", p, fmt="{:.2f}"))
        rows.append(line(f"{name} latency p99 ms (from schedule)", name, "from_schedule", "p99", fmt="{:.2f}"))
        rows.append(line(f"{name}: load loop lag p99 ms", name, "load_loop_lag_p99_ms", fmt="{:.2f}"))
        rows.append(line(f"{name}: server waiting for a CPU (share)", name, "server_runq_wait", fmt="{:.3f}"))
    return "\n".join([
        f"Command: `.venv/bin/python -m bench.bench_issue --runs {args.runs} --clients {args.clients} "
        f"--seconds {args.seconds:g} --rate {args.rate:g} --lat-seconds {args.lat_seconds:g} "
        f"--backlog {args.backlog}`",
        f"Machine: {machine()}; date {date.today().isoformat()}; {len(runs)} runs", "",
        "| figure | median | runs |", "|---|---:|---|", *rows])


def describe(figures: dict) -> str:
    t, i, c = figures["throughput"], figures["issue"], figures["call"]
    return (f"{t['tickets_per_s']:.0f} tickets/s ({t['batch_avg']:.1f}/commit, errors {t['errors']}); "
            f"issue p50/p99 {i['from_send']['p50']:.2f}/{i['from_send']['p99']:.2f} ms; "
            f"call p50/p99 {c['from_send']['p50']:.2f}/{c['from_send']['p99']:.2f} ms "
            f"(empty {c['empty_queue']}, failed {c['failed']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=32, help="concurrent kiosk clients (throughput)")
    parser.add_argument("--seconds", type=float, default=10, help="throughput phase length")
    parser.add_argument("--rate", type=float, default=100, help="requests/s in the latency phases")
    parser.add_argument("--lat-seconds", type=float, default=20, help="length of each latency phase")
    parser.add_argument("--backlog", type=int, default=500, help="tickets waiting before the latency phases")
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and load to one CPU each")
    parser.add_argument("--log-level", default="info", help="server log level (info keeps the access log)")
    parser.add_argument("--json", help="also write every run's raw figures to this file")
    args = parser.parse_args(argv)
    if not (1 <= args.runs <= 20 and 1 <= args.clients <= 500 and 0 < args.seconds <= 120
            and 0 < args.rate <= 2000 and 0 < args.lat_seconds <= 120):
        parser.error("keep --runs 1-20, --clients 1-500, --seconds and --lat-seconds up to 120, --rate up to 2000")
    runs = repeat_runs(args.runs, one_run, args, describe)
    print(report(runs, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
