"""The dashboard's queries on the city database (as the hallq_city role: it reads every hall)."""
from __future__ import annotations

import json

import asyncpg

HALLS_SQL = """
SELECT hall_id, catalogue, last_seq, last_at, hall_seq, last_contact, error_code, error, error_at,
       EXTRACT(EPOCH FROM now() - last_contact)::float8 AS contact_age_s
FROM city.halls ORDER BY hall_id"""


def _epoch(ts) -> float | None:
    return ts.timestamp() if ts is not None else None


async def halls(pool: asyncpg.Pool) -> list[dict]:
    rows = await pool.fetch(HALLS_SQL)
    out = []
    for r in rows:
        out.append({"hall_id": r["hall_id"], "catalogue": json.loads(r["catalogue"]) if r["catalogue"] else None,
                    "last_seq": r["last_seq"], "last_at": r["last_at"], "hall_seq": r["hall_seq"],
                    "last_contact": _epoch(r["last_contact"]), "error_code": r["error_code"], "error": r["error"],
                    "error_at": _epoch(r["error_at"]), "contact_age_s": r["contact_age_s"]})
    return out


async def events_after(pool: asyncpg.Pool, hall_id: str, seq: int, limit: int) -> list[tuple[int, str]]:
    rows = await pool.fetch("SELECT seq, data FROM city.events WHERE hall_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                            hall_id, seq, limit)
    return [(r["seq"], r["data"]) for r in rows]


async def manager(pool: asyncpg.Pool, login: str) -> dict | None:
    row = await pool.fetchrow("SELECT login, name, pin_hash FROM city.managers WHERE login = $1", login)
    return dict(row) if row else None


async def add_session(pool: asyncpg.Pool, token_hash: str, login: str, now: float, expires_at: float) -> None:
    await pool.execute("DELETE FROM city.sessions WHERE expires_at <= $1", now)  # expired ones go at each sign-in
    await pool.execute("INSERT INTO city.sessions (token_hash, login, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                       token_hash, login, now, expires_at)


async def session(pool: asyncpg.Pool, token_hash: str, now: float) -> dict | None:
    row = await pool.fetchrow("SELECT s.login, m.name FROM city.sessions s JOIN city.managers m USING (login) "
                              "WHERE s.token_hash = $1 AND s.expires_at > $2", token_hash, now)
    return dict(row) if row else None


async def drop_session(pool: asyncpg.Pool, token_hash: str) -> None:
    await pool.execute("DELETE FROM city.sessions WHERE token_hash = $1", token_hash)
