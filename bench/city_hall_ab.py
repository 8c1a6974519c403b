"""Does the city link slow the hall? A/B on the same busy hall: ticket issue latency over real HTTP
with no link (A), and with the link catching up a whole busy day at the same moment (B).

    .venv/bin/python -m bench.city_hall_ab                 # 2 rounds of A and B, 300 tickets each

Each round starts from a fresh copy of a hall holding one generated busy day (~40,000 events);
in B the link ships all of them to a real PostgreSQL (fsync on) while the tickets are issued.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

from city.admin import add_hall, hall_role, init_schema
from city.pgtemp import TempPostgres
from server.app import create_app
from server.citylink.http import CITY_LINK
from server.config import load_demo, read_table
from server.stats.demo_data import generate, plans


def open_day(path: Path) -> None:
    """Drop the generated day's closing turn (its last events), so the hall starts on an open
    day: the server replays the last day through its rules at start-up, and the generator's turn
    does not follow them to the letter."""
    import sqlite3
    conn = sqlite3.connect(str(path))
    turn = conn.execute("SELECT MIN(seq) FROM events WHERE type = 'ticket_walked_out'").fetchone()[0]
    conn.execute("DELETE FROM events WHERE seq >= ?", (turn,))  # the walk-outs and day_closed close the day
    conn.commit()
    conn.close()


def settings_for(db: Path, pg: TempPostgres | None):
    s = load_demo()
    server = dataclasses.replace(s.server, db_path=str(db), port=0, kiosk_rate_per_min=1_000_000)
    city = read_table({"dsn": pg.dsn(hall_role("east"), "city"), "hall_id": "east", "sslmode": "disable",
                       "poll_s": 0.05} if pg else {}, "city", "city")
    return dataclasses.replace(s, server=server, city=city)


async def issue_latencies(settings, n: int) -> tuple[list[float], object]:
    app = create_app(settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    kiosk = settings.demo_credentials["devices"]["kiosk-1"]
    times = []
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            for _ in range(n):
                t0 = time.perf_counter()
                async with http.post("/api/tickets", json={"service": "business_setup"},
                                     headers={"Authorization": f"Bearer {kiosk}"}) as resp:
                    await resp.read()
                    assert resp.status == 200, await resp.text()
                times.append((time.perf_counter() - t0) * 1000)
        link = app.get(CITY_LINK)
        shipped = link.state.shipped_seq if link else 0
    finally:
        await runner.cleanup()
    return times, shipped


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"p50": round(statistics.median(ordered), 2), "p99": round(ordered[int(len(ordered) * 0.99) - 1], 2),
            "max": round(ordered[-1], 2)}


async def run(rounds: int, tickets: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="hallq-city-ab-"))
    base = folder / "busy.db"
    generate(str(base), plans("2026-11-24", 1, 8000, seed=1, tz="Asia/Shanghai"))
    open_day(base)
    pg = TempPostgres().init().start(durable=True)
    out: dict = {"rounds": [], "tickets_per_run": tickets}
    try:
        admin = await asyncpg.connect(pg.dsn())
        await admin.execute('CREATE DATABASE "city"')
        await admin.close()
        for r in range(rounds):
            row = {}
            for variant in ("A_no_link", "B_link_catching_up"):
                db = folder / f"{variant}-{r}.db"
                shutil.copy(base, db)
                linked = variant.startswith("B")
                if linked:  # a fresh city each round: the link ships the whole day again
                    conn = await asyncpg.connect(pg.dsn(database="city"))
                    await conn.execute("DROP SCHEMA IF EXISTS city CASCADE")
                    await init_schema(conn)
                    await add_hall(conn, "east")
                    await conn.close()
                times, shipped = await issue_latencies(settings_for(db, pg if linked else None), tickets)
                row[variant] = summary(times) | ({"events_shipped_meanwhile": shipped} if linked else {})
            out["rounds"].append(row)
    finally:
        pg.remove()
        shutil.rmtree(folder, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.city_hall_ab", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tickets", type=int, default=300)
    args = ap.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.rounds, args.tickets)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
