"""`hallq city ...`: set up the city database, run the city dashboard, or a whole demo city.

  hallq city init --dsn ADMIN_DSN [--hall ID ...]     schema, roles, policies (as a superuser)
  hallq city add-hall --dsn ADMIN_DSN --hall ID        a hall's role; prints its password once
  hallq city add-manager --dsn ADMIN_DSN --login L --name N   (PIN from HALLQ_CITY_PIN or a prompt)
  hallq city serve --dsn CITY_DSN [--password-file F] [--host H] [--port P] [--cache DIR]
  hallq city demo [--dsn ADMIN_DSN] [--port P]        a temporary PostgreSQL, three halls, the dashboard
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from pathlib import Path

import asyncpg

from .admin import add_hall, add_manager, check_hall_id, init_schema, new_password, set_password

log = logging.getLogger("hallq.city")


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="hallq city", description="The city: every hall on one dashboard.")
    sub = ap.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or update the city schema, roles and policies")
    init.add_argument("--dsn", required=True, help="PostgreSQL DSN of a superuser on the city database")
    init.add_argument("--hall", action="append", default=[], help="register a hall (repeatable)")
    init.add_argument("--no-passwords", action="store_true", help="create hall roles without passwords "
                      "(Unix-socket or certificate authentication)")
    hall = sub.add_parser("add-hall", help="register a hall: its own PostgreSQL role")
    hall.add_argument("--dsn", required=True)
    hall.add_argument("--hall", required=True)
    hall.add_argument("--no-password", action="store_true")
    manager = sub.add_parser("add-manager", help="add or update a city manager (PIN hashed with scrypt)")
    manager.add_argument("--dsn", required=True)
    manager.add_argument("--login", required=True)
    manager.add_argument("--name", required=True)
    serve = sub.add_parser("serve", help="run the city dashboard")
    serve.add_argument("--dsn", required=True, help="DSN of the hallq_city role (no password in it)")
    serve.add_argument("--password-file", help="file holding hallq_city's password")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--cache", default="var/city-cache", help="folder of the halls' mirrors (a cache)")
    demo = sub.add_parser("demo", help="a demo city: PostgreSQL, three halls with traffic, the dashboard")
    demo.add_argument("--dsn", help="use this PostgreSQL (superuser) instead of a temporary one")
    demo.add_argument("--port", type=int, default=8090, help="the dashboard's port; halls take the next ones")
    demo.add_argument("--history-days", type=int, default=20, help="days of generated history per hall")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "demo":
            from .demo import run_demo
            return asyncio.run(run_demo(args.dsn, args.port, args.history_days))
        return asyncio.run(_admin(args))
    except (OSError, asyncpg.PostgresError, ValueError) as exc:
        print(f"hallq city: {exc}", file=sys.stderr)
        return 1


async def _admin(args) -> int:
    conn = await asyncpg.connect(args.dsn)
    try:
        if args.command == "init":
            await init_schema(conn)
            print("city schema ready (schema city; roles hallq_city and hallq_halls)")
            if not args.no_passwords and await conn.fetchval(
                    "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'hallq_city'"):
                password = new_password()  # only the first time: an upgrade keeps the dashboard's password
                await set_password(conn, "hallq_city", password)
                print(f"role hallq_city (the dashboard) password, shown once: {password}")
            for hall_id in args.hall:
                await _add_hall(conn, hall_id, not args.no_passwords)
        elif args.command == "add-hall":
            await _add_hall(conn, args.hall, not args.no_password)
        elif args.command == "add-manager":
            pin = os.environ.get("HALLQ_CITY_PIN") or getpass.getpass("PIN or password for the manager: ")
            await add_manager(conn, args.login, args.name, pin)
            print(f"city manager {args.login} saved (PIN stored as an scrypt hash)")
    finally:
        await conn.close()
    return 0


async def _add_hall(conn, hall_id: str, with_password: bool) -> None:
    check_hall_id(hall_id)
    password = new_password() if with_password else None
    role = await add_hall(conn, hall_id, password)
    print(f"hall {hall_id}: role {role}")
    if password:
        print(f"  password (shown once; put it in the hall's [city] password_file): {password}")


def _serve(args) -> int:
    from aiohttp import web

    from .app import CityConfig, create_city_app
    password = Path(args.password_file).read_text(encoding="utf-8").strip() if args.password_file else None
    app = create_city_app(CityConfig(dsn=args.dsn, cache_dir=args.cache, password=password))
    print(f"hallq city dashboard at http://{args.host}:{args.port}/city/index.html", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
