"""`hallq city init / add-hall / add-manager` against a real PostgreSQL, and the [city] settings."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import asyncpg
import pytest

from server.citylink.settings import redact_dsn
from server.config import ConfigError, parse_config
from server.config import DEMO_HALL_PATH

ROOT = Path(__file__).resolve().parents[2]


def hallq(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


@pytest.fixture
async def empty_db(postgres):
    name = "cli_" + uuid.uuid4().hex[:10]
    admin = await asyncpg.connect(postgres.dsn())
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    yield postgres.dsn(database=name)
    admin = await asyncpg.connect(postgres.dsn())
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


async def test_init_add_hall_and_add_manager(empty_db):
    first = hallq("city", "init", "--dsn", empty_db, "--hall", "central", "--hall", "north")
    assert first.returncode == 0, first.stderr
    assert "role hallq_hall_central" in first.stdout and "password (shown once" in first.stdout
    assert "role hallq_city (the dashboard) password" in first.stdout
    again = hallq("city", "init", "--dsn", empty_db)  # idempotent: an upgrade re-runs it
    assert again.returncode == 0, again.stderr
    assert "hallq_city (the dashboard) password" not in again.stdout  # kept, not reset
    added = hallq("city", "add-hall", "--dsn", empty_db, "--hall", "harbour", "--no-password")
    assert added.returncode == 0 and "password" not in added.stdout
    manager = hallq("city", "add-manager", "--dsn", empty_db, "--login", "lin", "--name", "Lin",
                    env={"HALLQ_CITY_PIN": "135790"})
    assert manager.returncode == 0, manager.stderr
    conn = await asyncpg.connect(empty_db)
    try:
        halls = await conn.fetch("SELECT hall_id, db_role FROM city.halls ORDER BY hall_id")
        assert [tuple(r) for r in halls] == [("central", "hallq_hall_central"), ("harbour", "hallq_hall_harbour"),
                                             ("north", "hallq_hall_north")]
        pin_hash = await conn.fetchval("SELECT pin_hash FROM city.managers WHERE login = 'lin'")
        assert pin_hash.startswith("scrypt$") and "135790" not in pin_hash
        assert await conn.fetchval("SELECT relforcerowsecurity FROM pg_class WHERE oid = 'city.events'::regclass")
        assert await conn.fetchval("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'hallq_hall_north'")
    finally:
        await conn.close()


def test_bad_hall_id_is_refused_and_changes_nothing(empty_db):
    result = hallq("city", "add-hall", "--dsn", empty_db, "--hall", "East Side")
    assert result.returncode == 1 and "hall id must be" in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path):
    result = hallq("city", "init", "--dsn", f"postgresql://hallq@/postgres?host={tmp_path}&port=5999")
    assert result.returncode == 1 and result.stderr.startswith("hallq city:")


def _hall_with(city: str):
    text = DEMO_HALL_PATH.read_text(encoding="utf-8") + "\n[city]\n" + city
    return parse_config(tomllib.loads(text), source="test")


def test_city_settings_are_validated():
    good = _hall_with('dsn = "postgresql://hallq_hall_east@db.example/hallq"\nhall_id = "east"\n'
                      'sslmode = "verify-full"\n')
    assert good.city["hall_id"] == "east" and good.city["batch_size"] == 500 and good.city["sslmode"] == "verify-full"
    assert parse_config(tomllib.loads(DEMO_HALL_PATH.read_text(encoding="utf-8"))).city["dsn"] == ""
    cases = {
        'dsn = "postgresql://u:secret@db/hallq"\nhall_id = "east"\n': "city.dsn",
        'dsn = "host=db password=secret"\nhall_id = "east"\n': "city.dsn",
        'dsn = "postgresql://u@db/hallq"\n': "city.hall_id",
        'hall_id = "East"\n': "city.hall_id",
        'sslmode = "maybe"\n': "city.sslmode",
        'batch_size = 0\n': "city.batch_size",
        'retry_min_s = 10\nretry_max_s = 1\n': "city.retry_min_s",
        'password = "x"\n': "city.password",
    }
    for text, key in cases.items():
        with pytest.raises(ConfigError) as err:
            _hall_with(text)
        assert err.value.key_path == key, (text, str(err.value))
        assert "secret" not in str(err.value)


def test_redacted_dsn_keeps_no_password():
    assert redact_dsn("postgresql://u:s3cret@db:5432/hallq?sslmode=require") == "postgresql://u:***@db:5432/hallq?sslmode=require"
    assert "s3cret" not in redact_dsn("postgresql://u@db/hallq?password=s3cret")
