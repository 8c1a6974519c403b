"""`hallq city demo`: a whole demo city on one machine. A PostgreSQL in a temporary folder (or the
one --dsn names), three demo halls (each a real hallq server with its own SQLite, some weeks of
generated history and live simulated traffic) linked to it, and the city dashboard."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
from aiohttp import web

from server.config import load_demo, read_table
from server.domain.hall import Names

from .admin import add_hall, add_manager, hall_role, init_schema, new_password
from .app import CityConfig, create_city_app
from .pgtemp import TempPostgres

DEMO_LOGIN, DEMO_PIN = "city", "2468"
HALLS = (
    ("central", Names("市民中心", "市民中心", "Civic Center")),
    ("north", Names("北区分中心", "北區分中心", "North Branch Center")),
    ("harbour", Names("港区分中心", "港區分中心", "Harbour Branch Center")),
)
SERVICES_BY_WINDOW = {3: "business_setup", 5: "tax_registration", 8: "hukou_transfer", 11: "property_transfer"}


def _with_user(dsn: str, user: str) -> str:
    parts = urlsplit(dsn)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


async def _prepare_city(admin_dsn: str, folder: Path) -> dict[str, Path]:
    """Schema, three hall roles with passwords in files, and the demo city manager."""
    conn = await asyncpg.connect(admin_dsn)
    files = {}
    try:
        await init_schema(conn)
        for hall_id, _ in HALLS:
            password = new_password()
            await add_hall(conn, hall_id, password)
            files[hall_id] = folder / f"{hall_id}.password"
            files[hall_id].write_text(password, encoding="utf-8")
            files[hall_id].chmod(0o600)
        await add_manager(conn, DEMO_LOGIN, "Demo city manager", DEMO_PIN)
    finally:
        await conn.close()
    return files


def _history(db_path: Path, seed: int, days: int, tz: str) -> None:
    from server.stats.demo_data import generate, plans
    yesterday = (datetime.now(ZoneInfo(tz)) - timedelta(days=1)).date().isoformat()
    generate(str(db_path), plans(yesterday, days, 250 + 100 * seed, seed=seed, tz=tz))


def _hall_settings(hall_id: str, name: Names, folder: Path, port: int, admin_dsn: str, password_file: Path):
    settings = load_demo()
    hall = dataclasses.replace(settings.hall, center=dataclasses.replace(settings.hall.center, name=name))
    server = dataclasses.replace(settings.server, port=port, db_path=str(folder / f"{hall_id}.db"),
                                 public_url=f"http://127.0.0.1:{port}")
    city = read_table({"dsn": _with_user(admin_dsn, hall_role(hall_id)), "hall_id": hall_id, "sslmode": "disable",
                       "password_file": str(password_file), "retry_max_s": 10.0}, "city", "city")
    return dataclasses.replace(settings, hall=hall, server=server, city=city)


async def _start(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _traffic(base: str, settings, rng: random.Random, stop: asyncio.Event) -> None:
    """Citizens take tickets; four clerks call, serve and finish them (the demo's simulated floor)."""
    creds = settings.demo_credentials
    kiosk = creds["devices"]["kiosk-1"]
    async with aiohttp.ClientSession(base) as http:
        clerks = []
        for window in SERVICES_BY_WINDOW:
            staff = next(s.number for s in settings.hall.staff if s.role == "clerk" and window in s.windows)
            counter = next(d.id for d in settings.hall.devices if d.kind == "counter" and d.window == window)
            async with http.post("/api/sessions", json={"staff": staff, "pin": creds["staff"][staff]},
                                 headers={"Authorization": f"Bearer {creds['devices'][counter]}"}) as resp:
                if resp.status == 200:
                    clerks.append((window, (await resp.json())["token"]))
        tasks = [asyncio.create_task(_citizens(http, kiosk, rng, stop))]
        tasks += [asyncio.create_task(_clerk(http, window, token, rng, stop)) for window, token in clerks]
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _citizens(http, kiosk: str, rng: random.Random, stop: asyncio.Event) -> None:
    while not stop.is_set():
        service = rng.choice(list(SERVICES_BY_WINDOW.values()))
        async with http.post("/api/tickets", json={"service": service}, headers={"Authorization": f"Bearer {kiosk}"}):
            pass
        await asyncio.sleep(rng.uniform(2, 8))


async def _clerk(http, window: int, token: str, rng: random.Random, stop: asyncio.Event) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    while not stop.is_set():
        async with http.post(f"/api/windows/{window}/call-next", json={}, headers=auth) as resp:
            body = await resp.json()
        if resp.status != 200:
            await asyncio.sleep(3)
            continue
        ticket = body["ticket"]["id"]
        await asyncio.sleep(rng.uniform(2, 6))
        async with http.post(f"/api/tickets/{ticket}/start", json={}, headers=auth):
            pass
        await asyncio.sleep(rng.uniform(8, 30))
        outcome = rng.choices(("immediate", "promised", "reply"), (80, 15, 5))[0]
        async with http.post(f"/api/tickets/{ticket}/finish", json={"outcome": outcome}, headers=auth):
            pass


async def run_demo(dsn: str | None, port: int, history_days: int) -> int:
    from server.app import create_app
    from server.cli import _wait_for_signal
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # the simulated floor is busy
    folder = Path(tempfile.mkdtemp(prefix="hallq-city-demo-"))
    pg: TempPostgres | None = None  # a throw-away PostgreSQL when no server was named
    if dsn:
        admin_dsn = dsn
    else:
        pg = TempPostgres().init().start()
        admin_dsn = pg.dsn()
    runners, stop, traffic = [], asyncio.Event(), []
    try:
        password_files = await _prepare_city(admin_dsn, folder)
        lines = []
        for i, (hall_id, name) in enumerate(HALLS, start=1):
            settings = _hall_settings(hall_id, name, folder, port + i, admin_dsn, password_files[hall_id])
            print(f"generating {history_days} days of history for {hall_id} ...", flush=True)
            await asyncio.to_thread(_history, Path(settings.server.db_path), i, history_days,
                                    settings.hall.center.timezone)
            runners.append(await _start(create_app(settings), port + i))
            traffic.append(asyncio.create_task(_traffic(f"http://127.0.0.1:{port + i}", settings,
                                                        random.Random(i), stop)))
            lines.append(f"  hall {hall_id:<8} http://127.0.0.1:{port + i}/manager/board.html  "
                         f"(manager 9001, PIN {settings.demo_credentials['staff']['9001']})")
        city_dsn = _with_user(admin_dsn, "hallq_city")
        runners.append(await _start(create_city_app(CityConfig(dsn=city_dsn, cache_dir=str(folder / "cache"))), port))
        print("\n".join([f"hallq demo city (PostgreSQL: {'temporary, in ' + str(pg.folder) if pg else 'given'})",
                         f"  city dashboard http://127.0.0.1:{port}/city/index.html  "
                         f"(login {DEMO_LOGIN}, PIN {DEMO_PIN}; demo only)", *lines, "Ctrl-C stops everything."]),
              flush=True)
        await _wait_for_signal()
    finally:
        stop.set()
        await asyncio.gather(*traffic, return_exceptions=True)
        for runner in reversed(runners):
            await runner.cleanup()
        if pg is not None:
            pg.remove()
        shutil.rmtree(folder, ignore_errors=True)
    return 0
