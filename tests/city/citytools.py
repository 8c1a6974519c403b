"""Helpers for the city tests (fixtures are in conftest.py)."""
from __future__ import annotations

import asyncio
import time

from server.config import read_table


def city_table(city_db, hall_id: str = "east", **extra) -> dict:
    """A [city] table for a test hall: quick polls and back-off so nothing waits long."""
    raw = {"dsn": city_db.hall_dsn(hall_id), "hall_id": hall_id, "sslmode": "disable", "poll_s": 0.05,
           "retry_min_s": 0.05, "retry_max_s": 0.5, "connect_timeout_s": 5.0, **extra}
    return read_table(raw, "city", "city")



async def until(predicate, timeout: float = 20.0, what: str = "condition"):
    """Wait (bounded) for a condition another thread or process brings about."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
