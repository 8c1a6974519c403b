"""The city at scale: N halls, one busy day each (the demo-data generator: the hall's own event
shapes, ~8,000 tickets and ~40,000 events a day), pushed through their real links into a real
PostgreSQL, then the city dashboard over all of them.

    .venv/bin/python -m bench.city_bench                      # default: 10 halls (a few minutes on 2 cores)
    .venv/bin/python -m bench.city_bench --halls 50           # the full size (docs/benchmarks-city.md)

Measures: the time for one hall a full day behind to catch up (alone); events ingested per second
with every other hall catching up at once; the city's mirror fold; GET /api/halls (the dashboard's
refresh) p50/p99; the city's 30-day report over every hall, cold and warm. JSON on stdout.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer

from city.admin import add_hall, add_manager, hall_role, init_schema
from city.app import CityConfig, create_city_app
from city.keys import CITY
from city.pgtemp import TempPostgres
from server.citylink.catalogue import catalogue_of
from server.citylink.link import CityLink
from server.citylink.settings import CitySettings
from server.clock import ManualClock
from server.config import load_demo, read_table

DAY = "2026-11-24"  # the busy day; the city's clock stands at the next morning
LOGIN, PIN = "bench", "135790"


def _generate(args: tuple) -> dict:
    from server.stats.demo_data import generate, plans
    path, seed, visits, history_days, history_visits = args
    day_plans = plans(DAY, 1, visits, seed=seed, tz="Asia/Shanghai")
    if history_days:
        earlier = (date.fromisoformat(DAY) - timedelta(days=1)).isoformat()
        day_plans = plans(earlier, history_days, history_visits, seed=seed, tz="Asia/Shanghai",
                          weekends=True) + day_plans
    return generate(path, day_plans)


def generate_halls(folder: Path, halls: int, visits: int, history_days: int, history_visits: int,
                   workers: int) -> list[Path]:
    paths = [folder / f"hall{i:02d}.db" for i in range(halls)]
    jobs = [(str(p), i + 1, visits, history_days, history_visits) for i, p in enumerate(paths)
            if not p.exists()]  # a --workdir keeps the halls of an earlier run
    with get_context("fork").Pool(workers) as pool:
        for done, result in enumerate(pool.imap(_generate, jobs), start=1):
            print(f"\rgenerated {done}/{halls} halls ({result['events']:,} events)", end="", file=sys.stderr)
    print(file=sys.stderr)
    return paths


def link(pg: TempPostgres, db: str, hall_id: str, path: Path, catalogue: dict, batch: int) -> CityLink:
    table = read_table({"dsn": pg.dsn(hall_role(hall_id), db), "hall_id": hall_id, "sslmode": "disable",
                        "batch_size": batch, "poll_s": 0.05, "retry_min_s": 0.1, "retry_max_s": 1.0},
                       "city", "city")
    return CityLink(CitySettings.from_table(table), path, catalogue)


def events_in(path: Path) -> int:
    import sqlite3
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]
    finally:
        conn.close()


async def wait_shipped(links: list[CityLink], totals: list[int], timeout: float) -> float:
    started = time.perf_counter()
    while any(lk.state.shipped_seq < n for lk, n in zip(links, totals, strict=True)):
        if time.perf_counter() - started > timeout:
            raise TimeoutError("links did not catch up")
        if any(lk.state.status == "stopped" for lk in links):
            raise RuntimeError([lk.state for lk in links if lk.state.status == "stopped"][0])
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))]


async def dashboard(pg: TempPostgres, db: str, cache: Path, halls: int, total_events: int, refreshes: int) -> dict:
    midnight = datetime.fromisoformat(DAY).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    clock = ManualClock((midnight + timedelta(hours=16)).timestamp())  # the busy afternoon: queues, open windows
    app = create_city_app(CityConfig(dsn=pg.dsn("hallq_city", db), cache_dir=str(cache), sync_s=1.0), clock=clock)
    server = TestServer(app, host="127.0.0.1")
    started = time.perf_counter()
    await server.start_server()
    out: dict = {}
    try:
        async with aiohttp.ClientSession() as http:
            headers: dict = {}

            async def sign_in() -> None:  # again after the clock jumps a night: sessions expire
                async with http.post(server.make_url("/api/sessions"), json={"login": LOGIN, "pin": PIN}) as resp:
                    headers["Authorization"] = f"Bearer {(await resp.json())['token']}"
            await sign_in()

            async def get(path: str) -> tuple[float, dict]:
                t0 = time.perf_counter()
                async with http.get(server.make_url(path), headers=headers) as resp:
                    body = await resp.json()
                    assert resp.status == 200, body
                return (time.perf_counter() - t0) * 1000, body

            while True:  # the mirrors fold every hall's day
                _, body = await get("/api/halls")
                if sum(h["link"]["mirror_seq"] for h in body["halls"]) >= total_events:
                    break
                if time.perf_counter() - started > 3600:
                    raise TimeoutError("mirrors did not catch up")
                await asyncio.sleep(0.2)
            fold_s = time.perf_counter() - started
            out["mirror_fold"] = {"events": total_events, "seconds": round(fold_s, 1),
                                  "events_per_s": round(total_events / fold_s)}
            times = [(await get("/api/halls"))[0] for _ in range(refreshes)]
            out["dashboard_refresh_ms"] = {"halls": len(body["halls"]), "n": refreshes,
                                           "waiting": sum(h["waiting"] for h in body["halls"]),
                                           "p50": round(statistics.median(times), 1), "p99": round(pct(times, 99), 1),
                                           "max": round(max(times), 1)}
            clock.set((midnight + timedelta(days=2, hours=9)).timestamp())  # the busy day is closed: 30 closed days
            await sign_in()
            first = (date.fromisoformat(DAY) - timedelta(days=29)).isoformat()
            cold, report = await get(f"/api/report?from={first}&to={DAY}")  # races the background warm-up
            mirrors = app[CITY].mirrors.values()
            while not all(m.warmed_through >= DAY for m in mirrors):  # then every closed day is kept
                await asyncio.sleep(0.05)
            warm = [(await get(f"/api/report?from={first}&to={DAY}"))[0] for _ in range(5)]
            out["report_30_days_ms"] = {"halls": report["halls"], "accepted": report["accepted"],
                                        "cold": round(cold, 1), "warm_p50": round(statistics.median(warm), 1),
                                        "warm_max": round(max(warm), 1)}
            drill_path = f"/api/halls/hall00/stats?from={DAY}&to={DAY}&group_by=service"
            drill = [(await get(drill_path))[0] for _ in range(20)]
            out["drill_down_ms"] = {"p50": round(statistics.median(drill), 1), "max": round(max(drill), 1)}
    finally:
        await server.close()
    return out


async def run(args) -> dict:
    folder = Path(args.workdir or tempfile.mkdtemp(prefix="hallq-city-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = generate_halls(folder, args.halls, args.visits, args.history_days, args.history_visits, args.workers)
    totals = [events_in(p) for p in paths]
    catalogue = catalogue_of(load_demo().hall)
    pg = TempPostgres().init().start(durable=True)  # fsync on: commits cost what they cost
    db = "city"
    try:
        admin = await asyncpg.connect(pg.dsn())
        await admin.execute(f'CREATE DATABASE "{db}"')
        await admin.close()
        conn = await asyncpg.connect(pg.dsn(database=db))
        await init_schema(conn)
        for i in range(args.halls):
            await add_hall(conn, f"hall{i:02d}")
        await add_manager(conn, LOGIN, "Bench", PIN)
        await conn.close()
        result: dict = {"halls": args.halls, "events_per_hall": round(statistics.mean(totals)),
                        "events": sum(totals), "batch_size": args.batch}

        first = link(pg, db, "hall00", paths[0], catalogue, args.batch)  # one hall a full day behind, alone
        first.start()
        alone = await wait_shipped([first], totals[:1], 3600)
        result["one_hall_catch_up"] = {"events": totals[0], "seconds": round(alone, 2),
                                       "events_per_s": round(totals[0] / alone)}
        links = [link(pg, db, f"hall{i:02d}", p, catalogue, args.batch) for i, p in enumerate(paths) if i]
        for lk in links:
            lk.start()
        together = await wait_shipped(links, totals[1:], 3600) if links else 0.0
        for lk in [first, *links]:
            lk.stop()
        if links:
            result["all_halls_catch_up"] = {"halls": len(links), "events": sum(totals[1:]),
                                            "seconds": round(together, 2),
                                            "events_per_s": round(sum(totals[1:]) / together)}
        shutil.rmtree(folder / "cache", ignore_errors=True)  # the mirrors start empty
        result |= await dashboard(pg, db, folder / "cache", args.halls, sum(totals), args.refreshes)
    finally:
        pg.remove()
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "postgresql": "15, fsync on, same machine"}
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.city_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--halls", type=int, default=10)
    ap.add_argument("--visits", type=int, default=8000, help="visits on each hall's busy day")
    ap.add_argument("--history-days", type=int, default=0, help="lighter days before the busy one")
    ap.add_argument("--history-visits", type=int, default=600)
    ap.add_argument("--batch", type=int, default=500, help="the links' batch_size")
    ap.add_argument("--refreshes", type=int, default=300, help="GET /api/halls requests timed")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    ap.add_argument("--workdir", help="keep the generated halls here (default: a temporary folder)")
    args = ap.parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
