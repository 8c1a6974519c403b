"""Statistics at scale: a year of a busy center (>= 3M visits), the 30-day report, today's live
figures, and whether calls keep flowing while a report runs.

    .venv/bin/python -m bench.bench_stats                 # builds var/bench/stats-year.db once (minutes)
    .venv/bin/python -m bench.bench_stats --days 60 --visits-per-day 2000 --db var/bench/small.db
    .venv/bin/python -m bench.bench_stats --first-reads-only --days 40 --end 2026-10-31 --db var/bench/stats-40d.db

Results go to stdout as JSON; docs/benchmarks-stats.md records a run.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.test_utils import TestServer

from server import appkeys as K
from server.app import create_app
from server.clock import ManualClock
from server.config import load_demo
from server.stats import demo_data
from server.stats.figures import Query, compute
from server.stats.http import STATS_CACHE, STATS_WARM_UP, _today_figures
from server.stats.report import build_report

ROOT = Path(__file__).resolve().parent.parent


def build(db: Path, days: int, visits: int, end: str) -> dict | None:
    if db.exists():
        return None
    db.parent.mkdir(parents=True, exist_ok=True)
    hall = load_demo().hall
    plans = demo_data.plans(end, days, visits, 1, hall.center.timezone, extra_windows=True)  # 10,000+ a day
    workers = max(0, (os.cpu_count() or 1) - 1)
    partial = db.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    info = demo_data.generate(str(partial), plans, None, workers,
                              progress=lambda d, n, s: print(f"\r{d} {n:,} visits {s:,.0f} s", end="", file=sys.stderr))
    print(file=sys.stderr)
    con = sqlite3.connect(partial)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    partial.rename(db)
    return info


def timed(fn, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "runs": runs}


def _warm(fn, runs: int) -> dict:
    cache: dict = {}
    fn(cache)  # fills the cache
    return timed(lambda: fn(cache), runs)


def last_day(conn) -> str:
    return conn.execute("SELECT MAX(day) FROM segments").fetchone()[0]


def day_minus(day: str, n: int) -> str:
    from datetime import date, timedelta
    return (date.fromisoformat(day) - timedelta(days=n)).isoformat()


def query_timings(db: Path, runs: int) -> dict:
    hall = load_demo().hall
    conn = sqlite3.connect(db)
    end = last_day(conn)
    start = day_minus(end, 29)
    n30 = conn.execute("SELECT COUNT(*) FROM segments WHERE day BETWEEN ? AND ?", (start, end)).fetchone()[0]
    today = Query(hall, end, end, "service", now=None)
    after = day_minus(end, -1)
    out = {
        "visits_total": conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0],
        "events_total": conn.execute("SELECT MAX(seq) FROM events").fetchone()[0],
        "segments_in_30_days": n30, "range": [start, end],
        # cold: nothing cached, every row of the 30 days is read (after a restart, before the warm-up)
        "report_30_days_cold": timed(lambda: build_report(conn, hall, start, end, "monthly"), runs),
        "stats_30_days_by_service_cold": timed(lambda: compute(conn, Query(hall, start, end, "service")), runs),
        "stats_30_days_by_window_cold": timed(lambda: compute(conn, Query(hall, start, end, "window")), runs),
        # warm: the closed days' partials are cached (as after the start-up warm-up); `today` is the
        # day after the range, so its last day (yesterday) is still read from the rows every time
        "report_30_days_warm": _warm(lambda cache: build_report(conn, hall, start, end, "monthly", cache, after), runs),
        "stats_30_days_by_service_warm": _warm(
            lambda cache: compute(conn, Query(hall, start, end, "service"), cache, after), runs),
        "stats_30_days_by_window_warm": _warm(
            lambda cache: compute(conn, Query(hall, start, end, "window"), cache, after), runs),
        "live_today": timed(lambda: _today_figures(conn, today), runs),
        "visits_today": conn.execute("SELECT SUM(issued) FROM segments WHERE day = ?", (end,)).fetchone()[0],
    }
    conn.close()
    return out


# --- calls while a report runs ---------------------------------------------------------------------------

async def loop_lag(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append((time.perf_counter() - t - 0.005) * 1000)


async def call_cycle(session, url, kiosk, clerk, latencies: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        async with session.post(url("/api/tickets"), json={"service": "invoice"},
                                headers={"Authorization": f"Bearer {kiosk}"}) as r:
            await r.read()
        t = time.perf_counter()
        async with session.post(url("/api/windows/5/call-next"), json={},
                                headers={"Authorization": f"Bearer {clerk}"}) as r:
            body = await r.json()
        latencies.append((time.perf_counter() - t) * 1000)
        assert "ticket" in body, body
        ticket = body["ticket"]["id"]
        async with session.post(url(f"/api/tickets/{ticket}/finish"), json={"outcome": "immediate"},
                                headers={"Authorization": f"Bearer {clerk}"}) as r:
            await r.read()


async def stall(db: Path, seconds: float) -> dict:
    settings = load_demo()
    creds = settings.demo_credentials
    conn = sqlite3.connect(db)
    end = last_day(conn)
    conn.close()
    start = day_minus(end, 29)
    app = create_app(settings, clock=ManualClock(time.time()), db_path=db, tick_interval_s=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()

    def url(path: str) -> str:
        return str(server.make_url(path))

    async with aiohttp.ClientSession() as s:
        async with s.post(url("/api/sessions"), json={"staff": "9001", "pin": creds["staff"]["9001"]}) as r:
            manager = (await r.json())["token"]
        counter = next(d.id for d in settings.hall.devices if d.kind == "counter" and d.window == 5)
        clerk_no = next(x.number for x in settings.hall.staff if x.role == "clerk" and 5 in x.windows)
        async with s.post(url("/api/sessions"), json={"staff": clerk_no, "pin": creds["staff"][clerk_no]},
                          headers={"Authorization": f"Bearer {creds['devices'][counter]}"}) as r:
            clerk = (await r.json())["token"]
        kiosk = manager  # the guide desk's way of issuing: no kiosk rate limit
        result = {"warm_up_s": await _warmed(app)}
        for phase in ("idle", "during_reports"):
            stop, lags, calls, reports = asyncio.Event(), [], [], []
            tasks = [asyncio.create_task(loop_lag(stop, lags)),
                     asyncio.create_task(call_cycle(s, url, kiosk, clerk, calls, stop))]
            if phase == "during_reports":
                tasks.append(asyncio.create_task(_reports(app, s, url, manager, start, end, reports, stop)))
            await asyncio.sleep(seconds)
            stop.set()
            await asyncio.gather(*tasks)
            result[phase] = {"loop_lag_ms_p50": _pct(lags, 50), "loop_lag_ms_p99": _pct(lags, 99),
                             "loop_lag_ms_max": round(max(lags), 1), "calls": len(calls),
                             "call_next_ms_p50": _pct(calls, 50), "call_next_ms_p99": _pct(calls, 99),
                             "call_next_ms_max": round(max(calls), 1), "reports_done": len(reports),
                             "report_http_ms_p50": _pct(reports, 50) if reports else None}
    await server.close()
    result["after_restart"] = await after_restart(settings, db, start, end)
    return result


async def after_restart(settings, db: Path, start: str, end: str) -> dict:
    """A second start on the same file: the kept partials load, the first month's report is a merge."""
    creds = settings.demo_credentials
    t = time.perf_counter()
    app = create_app(settings, clock=ManualClock(time.time()), db_path=db, tick_interval_s=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    started = time.perf_counter() - t
    warm = await _warmed(app)

    def url(path: str) -> str:
        return str(server.make_url(path))

    async with aiohttp.ClientSession() as s:
        async with s.post(url("/api/sessions"), json={"staff": "9001", "pin": creds["staff"]["9001"]}) as r:
            manager = (await r.json())["token"]
        times = []
        for path in (f"/api/reports/monthly?month={end[:7]}", f"/api/stats?from={start}&to={end}&group_by=service"):
            t = time.perf_counter()
            async with s.get(url(path), headers={"Authorization": f"Bearer {manager}"}) as r:
                assert r.status == 200
                await r.read()
            times.append(round((time.perf_counter() - t) * 1000, 1))
    await server.close()
    return {"start_s": round(started, 1), "warm_up_s": warm, "monthly_report_http_ms": times[0],
            "stats_30_days_by_service_http_ms": times[1]}


async def _warmed(app, timeout: float = 300) -> float:
    """Wait for the app's background warm-up (last 31 closed days, six groupings) to finish."""
    started = time.perf_counter()
    await asyncio.wait_for(app[STATS_WARM_UP].finished.wait(), timeout)
    return round(time.perf_counter() - started, 1)


# --- the first reads right after a start, while the warm-up runs ----------------------------------------

def first_reads(db: Path, runs: int) -> dict:
    """The real app started `runs` times on a copy of the file; right after each start, the first
    monthly report (the month of the file's last day) and the first live figures are sent together
    (a manager opening the report while the board is open), while the warm-up runs. On a restart
    (the closed days' partials kept in the file by an earlier start) and on a first start (none
    kept). Then, once the warm-up has finished, the same report and 30-day statistics by service."""
    copy = db.with_name(db.stem + "-start.db")
    _remove(copy)
    shutil.copyfile(db, copy)
    try:
        conn = sqlite3.connect(copy)
        end = last_day(conn)
        conn.close()
        asyncio.run(_start_and_read(copy, end, prime=True))  # keeps the partials a restart finds
        out = {"range": [day_minus(end, 29), end]}
        for case in ("restart", "first_start"):
            samples = []
            for _ in range(runs):
                if case == "first_start":
                    with sqlite3.connect(copy) as c:
                        c.execute("DELETE FROM stats_partials")
                samples.append(asyncio.run(_start_and_read(copy, end)))
            out[case] = {name: _median(samples, name) for name in samples[0]} | {"runs": runs}
    finally:
        _remove(copy)
    return out


def _median(samples: list[dict], name: str) -> float:
    return round(statistics.median(s[name] for s in samples), 1)


async def _start_and_read(db: Path, end: str, prime: bool = False) -> dict:
    settings = load_demo()
    tz = ZoneInfo(settings.hall.center.timezone)
    morning = datetime.fromisoformat(day_minus(end, -1) + "T09:00").replace(tzinfo=tz).timestamp()
    t = time.perf_counter()
    app = create_app(settings, clock=ManualClock(morning), db_path=db, tick_interval_s=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    started = time.perf_counter()
    warm = app[STATS_WARM_UP]
    paths = {"monthly_report_ms": f"/api/reports/monthly?month={end[:7]}", "live_ms": "/api/stats/live"}
    out: dict = {"start_s": round(started - t, 2)}
    try:
        async with aiohttp.ClientSession() as s:
            creds = settings.demo_credentials
            async with s.post(str(server.make_url("/api/sessions")),
                              json={"staff": "9001", "pin": creds["staff"]["9001"]}) as r:
                headers = {"Authorization": f"Bearer {(await r.json())['token']}"}

            async def read(name: str, path: str, progress: bool = False) -> None:
                sent = time.perf_counter()
                async with s.get(str(server.make_url(path)), headers=headers) as r:
                    assert r.status == 200, await r.text()
                    await r.read()
                out[name] = round((time.perf_counter() - sent) * 1000, 1)
                if progress:  # how far the warm-up had got when the answer came
                    out[name.replace("_ms", "_warm_up_done_pct")] = round(100 * warm.slices_done / warm.slices_total)
            if not prime:
                await asyncio.gather(*(read(name, path, True) for name, path in paths.items()))
            await asyncio.wait_for(warm.finished.wait(), 600)
            out["warm_up_s"] = round(time.perf_counter() - started, 2)
            if not prime:
                await read("monthly_report_after_warm_up_ms", paths["monthly_report_ms"])
                await read("stats_30_days_by_service_after_warm_up_ms",
                           f"/api/stats?from={day_minus(end, 29)}&to={end}&group_by=service")
    finally:
        await server.close()
    return out


@dataclass(frozen=True)
class _ForgetKept:
    """A writer Write: the kept partials by service deleted, so the next such report reads the rows
    (the other groupings stay kept for `after_restart`)."""

    def run(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM stats_partials WHERE grouping IN ('service', 'service/hist', '_span')")


async def _reports(app, s, url, manager, start, end, done: list[float], stop: asyncio.Event) -> None:
    """30-day statistics by service, back to back, each one cold (the cache emptied first)."""
    while not stop.is_set():
        app[STATS_CACHE].clear()
        await app[K.SERVICE].write_only([_ForgetKept()])  # else the request restores the kept partials
        t = time.perf_counter()
        async with s.get(url(f"/api/stats?from={start}&to={end}&group_by=service"),
                         headers={"Authorization": f"Bearer {manager}"}) as r:
            assert r.status == 200, await r.text()
            await r.read()
        done.append((time.perf_counter() - t) * 1000)


def _pct(values: list[float], p: int) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 2)


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "var" / "bench" / "stats-year.db"))
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--visits-per-day", type=int, default=12000)
    ap.add_argument("--end", default="2026-11-24")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--stall-seconds", type=float, default=10)
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--first-reads-only", action="store_true",
                    help="only the first reads right after a start, while the warm-up runs")
    args = ap.parse_args(argv)
    db = Path(args.db)
    out = {"machine": machine(), "build": build(db, args.days, args.visits_per_day, args.end)}
    if args.build_only:
        print(json.dumps(out, indent=2))
        return 0
    if args.first_reads_only:
        out["first_reads_after_start"] = first_reads(db, args.runs)
        print(json.dumps(out, indent=2))
        return 0
    out["queries"] = query_timings(db, args.runs)
    copy = db.with_name(db.stem + "-stall.db")  # the live server writes today's calls: keep the year clean
    _remove(copy)
    shutil.copyfile(db, copy)
    try:
        out["stall"] = asyncio.run(stall(copy, args.stall_seconds))
    finally:
        _remove(copy)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
