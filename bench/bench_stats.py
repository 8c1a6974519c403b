"""Statistics at scale: a year of a busy center (>= 3M visits), the 30-day report, today's live
figures, and whether calls keep flowing while a report runs.

    .venv/bin/python -m bench.bench_stats                 # builds var/bench/stats-year.db once (minutes)
    .venv/bin/python -m bench.bench_stats --days 60 --visits-per-day 2000 --db var/bench/small.db

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
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from server.app import create_app
from server.clock import ManualClock
from server.config import load_demo
from server.stats import demo_data
from server.stats.figures import Query, compute
from server.stats.http import STATS_CACHE, _today_figures
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
    url = lambda p: str(server.make_url(p))  # noqa: E731
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
    url = lambda p: str(server.make_url(p))  # noqa: E731
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
    while time.perf_counter() - started < timeout:
        kinds = [kind for _, kind in list(app[STATS_CACHE])]
        if kinds.count("clerk") >= 29:
            break
        await asyncio.sleep(0.2)
    return round(time.perf_counter() - started, 1)


async def _reports(app, s, url, manager, start, end, done: list[float], stop: asyncio.Event) -> None:
    """30-day statistics by service, back to back, each one cold (the cache emptied first)."""
    while not stop.is_set():
        app[STATS_CACHE].clear()
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
    args = ap.parse_args(argv)
    db = Path(args.db)
    out = {"machine": machine(), "build": build(db, args.days, args.visits_per_day, args.end)}
    if args.build_only:
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
