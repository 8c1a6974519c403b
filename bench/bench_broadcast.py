"""Call-next to display: fan-out latency, broadcast throughput and memory per WebSocket connection.

Run: .venv/bin/python -m bench.bench_broadcast [--runs 3] [--displays 200] [--counters 100] [--rate 20]

Each run starts `hallq serve` in its own process (bench/server_proc.py, pinned to CPU 0; this load
process on CPU 1) on a fresh database, then in this process:
  * opens `--displays` WebSocket clients (websockets library) authenticated as display-hall and
    subscribed to the whole hall, and `--counters` clients with counter-01..16 tokens (cycling),
    each subscribed to its own window; separate connections even with the same token;
  * latency: call-next over HTTP at `--rate` calls/s (open loop) spread over the signed-in windows,
    each window alternating call-next and finish; for every call, the time from sending the HTTP
    request to the ticket_called event arriving at each display, on this process's monotonic clock
    (no skew). p50/p99 over all deliveries; missing deliveries are counted;
  * throughput: every window calls and finishes back to back for `--burst-seconds`; events/s and
    frames/s received by all clients (clients only count frames here);
  * memory: the server's VmRSS before the clients, with them, and with `--memory-connections`
    connections (extra hall displays), divided by the connection count.
This process's own event-loop lag and CPU are reported to show whether the client kept up.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from datetime import date

from websockets.asyncio.client import connect

from .bench_issue import (RAISED_LIMITS, Api, LoopLag, clerk_assignment, demo_hall, fill_queues, percentile,
                          session_for, uncapped_services)
from .server_proc import SchedWatch, ServerProcess, machine, repeat_runs

CALL_WINDOWS = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15)  # 8: capped K only; 16: appointments only
OPEN_TIMEOUT = 10.0
MAX_FRAMES = 50_000_000  # bound on what one client loop will read


class Screen:
    """One WebSocket client. Records when each ticket_called event arrives (displays), counts frames."""

    def __init__(self, ws, measure: bool):
        self.ws, self.measure = ws, measure
        self.frames = 0
        self.called_at: dict[int, float] = {}  # ticket id -> arrival (perf_counter)
        self.closed_code: int | None = None
        self._task = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str, scope: dict, measure: bool) -> Screen:
        ws = await asyncio.wait_for(connect(url, compression=None, max_size=2**22, ping_interval=None),
                                    OPEN_TIMEOUT)
        await ws.send(json.dumps({"id": 1, "type": "auth", "token": token}))
        await _result(ws, 1)
        await ws.send(json.dumps({"id": 2, "type": "subscribe", "scope": scope}))
        await _result(ws, 2)
        return cls(ws, measure)

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                arrived = time.perf_counter()
                self.frames += 1
                if self.measure and frame.find('"ticket_called"', 0, 90) != -1:
                    self.called_at[json.loads(frame)["event"]["ticket_id"]] = arrived
                if self.frames >= MAX_FRAMES:
                    break
        except Exception as exc:  # noqa: BLE001 - a dropped client is reported, not fatal
            self.closed_code = getattr(getattr(exc, "rcvd", None), "code", -1)

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.wait_for(self.ws.close(), 5)


async def _result(ws, msg_id: int) -> dict:
    while True:
        reply = json.loads(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT))
        if reply.get("type") == "result" and reply.get("id") == msg_id:
            if not reply.get("success"):
                raise RuntimeError(f"websocket request failed: {reply}")
            return reply


async def open_screens(server: ServerProcess, displays: int, counters: int, measure: bool = True) -> list[Screen]:
    specs = [(server.token("display-hall"), {}, measure) for _ in range(displays)]
    for n in range(counters):
        window = n % 16 + 1
        specs.append((server.token(f"counter-{window:02d}"), {"window": window}, False))
    screens: list[Screen] = []
    for start in range(0, len(specs), 25):  # 25 handshakes at a time
        screens += await asyncio.gather(*(Screen.open(server.ws_url(), *spec) for spec in specs[start:start + 25]))
    return screens


async def close_screens(screens: list[Screen]) -> None:
    await asyncio.gather(*(s.close() for s in screens), return_exceptions=True)


async def sign_in_all(api: Api) -> dict[int, str]:
    return {w: await api.sign_in(w, staff) for w, staff in clerk_assignment(demo_hall(), CALL_WINDOWS).items()}


async def call_and_finish(api: Api, window: int, token: str) -> tuple[float, int | None, float]:
    """(send time, ticket id or None when the queue was empty, call-next answer time)."""
    sent = time.perf_counter()
    status, body = await api.post(f"/api/windows/{window}/call-next", token, {"request_id": uuid.uuid4().hex})
    answered = time.perf_counter()
    ticket = body.get("ticket") if status == 200 else None
    if ticket:
        status, _ = await api.post(f"/api/tickets/{ticket['id']}/finish", token,
                                   {"outcome": "immediate", "request_id": uuid.uuid4().hex})
    return sent, (ticket["id"] if ticket else None), answered


# --- latency at a fixed call rate ----------------------------------------------------------------

async def fan_out_latency(api: Api, tokens: dict[int, str], screens: list[Screen], rate: float,
                          seconds: float) -> dict:
    displays = [s for s in screens if s.measure]
    windows = list(tokens)
    locks = {w: asyncio.Lock() for w in windows}
    sends: dict[int, float] = {}
    http: list[float] = []
    empty = [0]
    count = int(rate * seconds)
    t0 = time.perf_counter() + 0.05

    async def one(i: int):
        window = windows[i % len(windows)]
        async with locks[window]:
            sent, ticket, answered = await call_and_finish(api, window, tokens[window])
        if ticket is None:
            empty[0] += 1
        else:
            sends[ticket], _ = sent, http.append(answered - sent)

    lag, frames0 = LoopLag(), sum(s.frames for s in screens)
    watch = SchedWatch(server=api.server.pid, load=os.getpid())
    tasks = []
    for i in range(count):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.get_running_loop().create_task(one(i)))
    await asyncio.wait_for(asyncio.gather(*tasks), seconds + 60)
    await settle(displays, set(sends), 5.0)
    elapsed = time.perf_counter() - t0
    lag.stop()
    sched = watch.read()
    latencies, missing = [], 0
    for ticket, sent in sends.items():
        for screen in displays:
            arrived = screen.called_at.get(ticket)
            if arrived is None:
                missing += 1
            else:
                latencies.append(arrived - sent)
    arrivals = {t: [s.called_at[t] for s in displays if t in s.called_at] for t in sends}
    first = [min(a) - sends[t] for t, a in arrivals.items() if a]
    last = [max(a) - sends[t] for t, a in arrivals.items() if a]
    spread = [max(a) - min(a) for a in arrivals.values() if a]
    return {"calls": len(sends), "empty": empty[0], "deliveries": len(latencies), "missing": missing,
            "p50_ms": percentile(latencies, 50) * 1000, "p90_ms": percentile(latencies, 90) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "max_ms": max(latencies, default=float("nan")) * 1000,
            "http_p50_ms": percentile(http, 50) * 1000, "http_p99_ms": percentile(http, 99) * 1000,
            "first_display_p50_ms": percentile(first, 50) * 1000, "first_display_p99_ms": percentile(first, 99) * 1000,
            "last_display_p50_ms": percentile(last, 50) * 1000, "last_display_p99_ms": percentile(last, 99) * 1000,
            "spread_p50_ms": percentile(spread, 50) * 1000, "spread_p99_ms": percentile(spread, 99) * 1000,
            "frames_per_s": (sum(s.frames for s in screens) - frames0) / elapsed,
            **sched, "load_lag_p99_ms": lag.p99_ms(),
            "load_lag_max_ms": max(lag.samples, default=0) * 1000,
            "dropped_clients": sum(1 for s in screens if s.closed_code is not None)}


async def settle(displays: list[Screen], tickets: set[int], timeout: float) -> None:
    """Wait (bounded) until every display has every call."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(tickets <= s.called_at.keys() for s in displays):
            return
        await asyncio.sleep(0.05)


# --- broadcast throughput ------------------------------------------------------------------------

async def throughput(server: ServerProcess, api: Api, tokens: dict[int, str], screens: list[Screen],
                     seconds: float) -> dict:
    for s in screens:
        s.measure = False  # count only: parsing would make the client the bottleneck
    end = time.perf_counter() + seconds
    calls = [0]

    async def window_loop(window: int):
        while time.perf_counter() < end and calls[0] < 1_000_000:
            _, ticket, _ = await call_and_finish(api, window, tokens[window])
            if ticket is None:
                return
            calls[0] += 1

    health0, frames0 = server.health(), sum(s.frames for s in screens)
    watch = SchedWatch(server=server.pid, load=os.getpid())
    lag = LoopLag()
    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(window_loop(w) for w in tokens)), seconds + 60)
    sent_events = server.health()["seq"] - health0["seq"]
    await asyncio.sleep(1.0)  # let the last frames arrive
    elapsed = time.perf_counter() - start - 1.0
    lag.stop()
    sched = watch.read()
    received = sum(s.frames for s in screens) - frames0
    return {"calls_per_s": calls[0] / elapsed, "events_per_s": sent_events / elapsed,
            "frames_per_s": received / elapsed, **sched, "load_lag_p99_ms": lag.p99_ms(),
            "frames_per_server_cpu_s": received / max(sched["server_cpu"] * (elapsed + 1.0), 1e-9),
            "dropped_clients": sum(1 for s in screens if s.closed_code is not None)}


# --- memory per connection -----------------------------------------------------------------------

async def memory(server: ServerProcess, base_kb: int, screens: list[Screen], total: int) -> dict:
    with_clients = server.rss_kb()
    extra = await open_screens(server, total - len(screens), 0, measure=False)
    await asyncio.sleep(0.5)
    with_total = server.rss_kb()
    await close_screens(extra)
    return {"rss_base_mb": base_kb / 1024, "rss_clients_mb": with_clients / 1024, "rss_total_mb": with_total / 1024,
            "kb_per_conn_clients": (with_clients - base_kb) / len(screens),
            "kb_per_conn_total": (with_total - base_kb) / total, "total": total}


async def one_run(args) -> dict:
    services = uncapped_services(demo_hall())
    with ServerProcess(RAISED_LIMITS, log_level=args.log_level, pin=not args.no_pin) as server:
        async with session_for(64) as session:
            api = Api(server, session)
            tokens = await sign_in_all(api)
            # tickets for both phases, issued before any screen connects (the burst stops when they run out)
            calls = int(args.rate * args.seconds * 1.3) + int(args.burst_seconds * 250)
            await fill_queues(api, services, min(calls, 40_000))
            await asyncio.sleep(0.5)
            base_kb = server.rss_kb()
            screens = await open_screens(server, args.displays, args.counters)
            await asyncio.sleep(0.5)
            figures = {"latency": await fan_out_latency(api, tokens, screens, args.rate, args.seconds)}
            figures["memory"] = await memory(server, base_kb, screens, args.memory_connections)
            figures["throughput"] = await throughput(server, api, tokens, screens, args.burst_seconds)
            await close_screens(screens)
    return figures


def report(runs: list[dict], args) -> str:
    def line(label, section, key, fmt="{:.1f}"):
        values = [r[section][key] for r in runs]
        return f"| {label} | {fmt.format(statistics.median(values))} | {' / '.join(fmt.format(v) for v in values)} |"

    rows = [
        line("call → display p50 ms", "latency", "p50_ms", "{:.1f}"),
        line("call → display p90 ms", "latency", "p90_ms", "{:.1f}"),
        line("call → display p99 ms", "latency", "p99_ms", "{:.1f}"),
        line("call → display max ms", "latency", "max_ms", "{:.1f}"),
        line("call-next HTTP answer p50 ms", "latency", "http_p50_ms", "{:.1f}"),
        line("call-next HTTP answer p99 ms", "latency", "http_p99_ms", "{:.1f}"),
        line("call → first display, p50 over calls ms", "latency", "first_display_p50_ms", "{:.1f}"),
        line("  (p99)", "latency", "first_display_p99_ms", "{:.1f}"),
        line("call → last display, p50 over calls ms", "latency", "last_display_p50_ms", "{:.1f}"),
        line("  (p99)", "latency", "last_display_p99_ms", "{:.1f}"),
        line("first → last display spread p50 ms", "latency", "spread_p50_ms", "{:.1f}"),
        line("  (p99)", "latency", "spread_p99_ms", "{:.1f}"),
        line("deliveries measured", "latency", "deliveries", "{:.0f}"),
        line("deliveries missing", "latency", "missing", "{:.0f}"),
        line("load: frames/s received at 20 calls/s", "latency", "frames_per_s", "{:.0f}"),
        line("load: CPU (cores) at 20 calls/s", "latency", "load_cpu", "{:.2f}"),
        line("load: event-loop lag p99 ms", "latency", "load_lag_p99_ms", "{:.1f}"),
        line("server CPU (cores) at 20 calls/s", "latency", "server_cpu", "{:.2f}"),
        line("server waiting for a CPU (share) at 20 calls/s", "latency", "server_runq_wait", "{:.3f}"),
        line("load waiting for a CPU (share) at 20 calls/s", "latency", "load_runq_wait", "{:.3f}"),
        line("burst: call-next + finish /s", "throughput", "calls_per_s", "{:.0f}"),
        line("burst: events/s broadcast", "throughput", "events_per_s", "{:.0f}"),
        line("burst: frames/s received (all clients)", "throughput", "frames_per_s", "{:.0f}"),
        line("burst: server CPU (cores)", "throughput", "server_cpu", "{:.2f}"),
        line("burst: frames per server CPU-second", "throughput", "frames_per_server_cpu_s", "{:.0f}"),
        line("burst: load CPU (cores)", "throughput", "load_cpu", "{:.2f}"),
        line("burst: load event-loop lag p99 ms", "throughput", "load_lag_p99_ms", "{:.1f}"),
        line("burst: server waiting for a CPU (share)", "throughput", "server_runq_wait", "{:.3f}"),
        line("burst: clients dropped", "throughput", "dropped_clients", "{:.0f}"),
        line("server RSS before clients MB", "memory", "rss_base_mb", "{:.1f}"),
        line(f"server RSS with {args.displays + args.counters} clients MB", "memory", "rss_clients_mb", "{:.1f}"),
        line(f"server RSS with {args.memory_connections} clients MB", "memory", "rss_total_mb", "{:.1f}"),
        line(f"kB per connection ({args.displays + args.counters})", "memory", "kb_per_conn_clients", "{:.1f}"),
        line(f"kB per connection ({args.memory_connections})", "memory", "kb_per_conn_total", "{:.1f}"),
        line("machine load average at start (1 min)", "loadavg_1min", 0, "{:.1f}"),
    ]
    return "\n".join([
        f"Command: `.venv/bin/python -m bench.bench_broadcast --runs {args.runs} --displays {args.displays} "
        f"--counters {args.counters} --rate {args.rate:g} --seconds {args.seconds:g} "
        f"--burst-seconds {args.burst_seconds:g} --memory-connections {args.memory_connections}`",
        f"Machine: {machine()}; date {date.today().isoformat()}; {len(runs)} runs", "",
        "| figure | median | runs |", "|---|---:|---|", *rows])


def describe(figures: dict) -> str:
    lat, thr, mem = figures["latency"], figures["throughput"], figures["memory"]
    return (f"p50/p99 {lat['p50_ms']:.1f}/{lat['p99_ms']:.1f} ms over {lat['deliveries']} deliveries "
            f"(missing {lat['missing']}, empty {lat['empty']}, load lag p99 {lat['load_lag_p99_ms']:.1f} ms); "
            f"burst {thr['events_per_s']:.0f} events/s, {thr['frames_per_s']:.0f} frames/s; "
            f"{mem['kb_per_conn_total']:.1f} kB/conn")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--displays", type=int, default=200)
    parser.add_argument("--counters", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20, help="call-next per second in the latency phase")
    parser.add_argument("--seconds", type=float, default=30, help="length of the latency phase")
    parser.add_argument("--burst-seconds", type=float, default=10, help="length of the throughput phase")
    parser.add_argument("--memory-connections", type=int, default=1000)
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and load to one CPU each")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--json", help="also write every run's raw figures to this file")
    args = parser.parse_args(argv)
    if not (1 <= args.runs <= 10 and 1 <= args.displays <= 2000 and 0 <= args.counters <= 2000
            and 0 < args.rate <= 500 and 0 < args.seconds <= 300 and 0 < args.burst_seconds <= 120
            and args.displays + args.counters <= args.memory_connections <= 5000):
        parser.error("out of bounds: runs 1-10, clients up to 2000 each, rate up to 500, seconds up to 300, "
                     "memory connections >= clients and <= 5000")
    runs = repeat_runs(args.runs, one_run, args, describe)
    print(report(runs, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
