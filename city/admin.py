"""Setting up the city database: the schema and roles (city/sql/), one role per hall, city managers.

Run as a PostgreSQL superuser (the SECURITY DEFINER head trigger must bypass row-level security).
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path

import asyncpg

from server.security import hash_pin

SQL_DIR = Path(__file__).with_name("sql")
HALL_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")


def hall_role(hall_id: str) -> str:
    """The PostgreSQL role a hall's link signs in as."""
    check_hall_id(hall_id)
    return f"hallq_hall_{hall_id}"


def check_hall_id(hall_id: str) -> str:
    if not HALL_ID.match(hall_id or ""):
        raise ValueError(f"hall id must be lower-case letters, digits and _ (at most 40), got {hall_id!r}")
    return hall_id


async def init_schema(conn: asyncpg.Connection) -> None:
    """Create (or bring up to date) the schema, roles, trigger and policies; idempotent."""
    for path in sorted(SQL_DIR.glob("*.sql")):
        await conn.execute(path.read_text(encoding="utf-8"))


async def set_password(conn: asyncpg.Connection, role: str, password: str | None) -> None:
    """Password for a role (None: no password, for Unix-socket trust setups such as the demo)."""
    if password is None:
        await conn.execute(f'ALTER ROLE "{role}" PASSWORD NULL')
        return
    # the server hashes it with scram-sha-256 (password_encryption); quote_literal keeps it one value
    literal = await conn.fetchval("SELECT quote_literal($1::text)", password)
    await conn.execute(f'ALTER ROLE "{role}" PASSWORD {literal}')


async def add_hall(conn: asyncpg.Connection, hall_id: str, password: str | None = None) -> str:
    """Create the hall's role (LOGIN, member of hallq_halls) and its row; returns the role name."""
    role = hall_role(hall_id)
    async with conn.transaction():
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
        if not exists:
            await conn.execute(f'CREATE ROLE "{role}" LOGIN IN ROLE hallq_halls')
        await set_password(conn, role, password)
        await conn.execute("INSERT INTO city.halls (hall_id, db_role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           hall_id, role)
    return role


async def add_manager(conn: asyncpg.Connection, login: str, name: str, pin: str) -> None:
    if not re.match(r"^[A-Za-z0-9_.-]{1,40}$", login):
        raise ValueError(f"login must be letters, digits, _ . - (at most 40), got {login!r}")
    if len(pin) < 4:
        raise ValueError("the PIN or password must have at least 4 characters")
    await conn.execute("INSERT INTO city.managers (login, name, pin_hash) VALUES ($1, $2, $3) "
                       "ON CONFLICT (login) DO UPDATE SET name = EXCLUDED.name, pin_hash = EXCLUDED.pin_hash",
                       login, name, hash_pin(pin))


def new_password() -> str:
    return secrets.token_urlsafe(18)
