"""A real PostgreSQL for the city tests: one cluster per test session, started by the tests
themselves (initdb as the `postgres` user when we are root, Unix socket in a temporary folder),
and a fresh database with the city schema, two halls and a city manager for each test."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
import pytest

from city.admin import add_hall, add_manager, hall_role, init_schema
from city.pgtemp import TempPostgres
from server.config import load_demo
from tests.city.citytools import city_table

MANAGER_LOGIN, MANAGER_PIN = "city-admin", "2468"


@pytest.fixture(scope="session")
def postgres():
    pg = TempPostgres().init().start()
    yield pg
    pg.remove()


@dataclass
class CityDb:
    pg: TempPostgres
    name: str

    def dsn(self, user: str = "hallq") -> str:
        return self.pg.dsn(user, self.name)

    def hall_dsn(self, hall_id: str) -> str:
        return self.dsn(hall_role(hall_id))

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn())

    async def fetch(self, sql: str, *args):
        conn = await self.admin()
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()


@pytest.fixture
async def city_db(postgres):
    name = "city_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(postgres.dsn())
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    conn = await asyncpg.connect(postgres.dsn(database=name))
    await init_schema(conn)
    for hall_id in ("east", "west"):
        await add_hall(conn, hall_id)
    await add_manager(conn, MANAGER_LOGIN, "City Manager", MANAGER_PIN)
    await conn.close()
    yield CityDb(postgres, name)
    if not postgres.is_running():  # a test stopped the city and failed before starting it again
        postgres.start()
    admin = await asyncpg.connect(postgres.dsn())
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
def settings(city_db):
    """The demo hall, linked to the test's city database as hall "east"."""
    import dataclasses
    return dataclasses.replace(load_demo(), city=city_table(city_db))
