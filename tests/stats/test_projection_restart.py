"""After a restart the projection carries on from where it stopped: the rows kept live equal a full
rebuild from the event record."""
from __future__ import annotations

import sqlite3

import aiohttp
from aiohttp.test_utils import TestServer

from server.app import create_app
from server.stats.projection import rebuild_projection
from tests.conftest import HallClient


async def _serve(settings, clock, db_path):
    server = TestServer(create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0), host="127.0.0.1")
    await server.start_server()
    return server


async def _visit(hall: HallClient, token: str, window: int) -> None:
    await hall.issue("business_setup")
    status, called = await hall.post(f"/api/windows/{window}/call-next", token)
    assert status == 200, called
    hall.clock.advance(120)
    ticket = called["ticket"]["id"]
    await hall.post(f"/api/tickets/{ticket}/start", token)
    hall.clock.advance(300)
    await hall.post(f"/api/tickets/{ticket}/finish", token, {"outcome": "immediate"})


def _rows(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM segments ORDER BY ticket_id, segment").fetchall()


async def test_rows_after_a_restart_equal_a_rebuild(settings, clock, db_path):
    async with aiohttp.ClientSession() as session:
        server = await _serve(settings, clock, db_path)
        hall = HallClient(server, session, settings, clock)
        token = await hall.sign_in(3)
        await _visit(hall, token, 3)
        await hall.issue("business_setup")  # still waiting at the restart
        await server.close()
        server = await _serve(settings, clock, db_path)
        hall = HallClient(server, session, settings, clock)
        token = await hall.sign_in(3)  # the clerk's session survived; signing in again is allowed
        await _visit(hall, token, 3)
        await server.close()
    live = _rows(db_path)
    assert len(live) == 3
    with sqlite3.connect(db_path) as conn:
        rebuild_projection(conn)
        conn.commit()
    assert _rows(db_path) == live
