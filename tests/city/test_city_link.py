"""The hall's link to the city, against a real PostgreSQL: order, catch-up after the city was down,
a city restarted mid-batch, and the link's state on the manager board."""
from __future__ import annotations

import sqlite3
import time

import pytest

from server.citylink.link import CityLink
from server.citylink.settings import CitySettings
from server.citylink.source import event_hash
from server.stats.demo_data import generate, plans
from tests.city.citytools import city_table, until


def hall_events(db_path) -> list[tuple]:
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute("SELECT seq, type, data FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


async def city_events(city_db, hall_id: str) -> list[tuple]:
    rows = await city_db.fetch("SELECT seq, type, data, hash FROM city.events WHERE hall_id = $1 ORDER BY seq", hall_id)
    return [(r["seq"], r["type"], r["data"], r["hash"]) for r in rows]


async def assert_city_has_exactly(city_db, hall_id: str, db_path) -> None:
    local = hall_events(db_path)
    remote = await city_events(city_db, hall_id)
    assert [r[:3] for r in remote] == local  # every event once, in order, byte for byte
    assert all(r[3] == event_hash(r[2]) for r in remote)
    head = (await city_db.fetch("SELECT last_seq, last_hash FROM city.halls WHERE hall_id = $1", hall_id))[0]
    assert head["last_seq"] == local[-1][0] and head["last_hash"] == event_hash(local[-1][2])


async def link_state(hall):
    status, body = await hall.get("/api/city/link", await manager_token(hall))
    assert status == 200, body
    return body


async def manager_token(hall) -> str:
    cached = getattr(hall, "_manager_token", None)
    if cached:
        return cached
    staff = next(s.number for s in hall.settings.hall.staff if s.role == "manager")
    status, body = await hall.post("/api/sessions", json={"staff": staff, "pin": hall.creds["staff"][staff]})
    assert status == 200, body
    hall._manager_token = body["token"]
    return body["token"]


async def some_actions(hall, n: int) -> None:
    """A stream of real actions: tickets issued, called, started and finished."""
    token = await hall.sign_in(3)
    for _i in range(n):
        status, _ = await hall.issue("business_setup")
        assert status == 200
        hall.clock.advance(30)
        status, body = await hall.post("/api/windows/3/call-next", token)
        assert status == 200, body
        ticket = body["ticket"]["id"]
        assert (await hall.post(f"/api/tickets/{ticket}/start", token))[0] == 200
        hall.clock.advance(120)
        assert (await hall.post(f"/api/tickets/{ticket}/finish", token, {"outcome": "immediate"}))[0] == 200


async def test_link_ships_every_action_in_order(hall, city_db, db_path):
    await some_actions(hall, 5)
    newest = hall_events(db_path)[-1][0]
    await until(lambda: _up_to(hall, newest), what="the link to ship every event")
    await assert_city_has_exactly(city_db, "east", db_path)
    state = await link_state(hall)
    assert state["status"] == "up_to_date" and state["behind"] == 0 and state["shipped_seq"] == newest
    assert state["last_contact"] is not None and state["error_code"] is None
    catalogue = (await city_db.fetch("SELECT catalogue FROM city.halls WHERE hall_id = 'east'"))[0]["catalogue"]
    assert '"business_setup"' in catalogue and "pin_hash" not in catalogue and "token" not in catalogue


async def _up_to(hall, seq: int) -> bool:
    state = await link_state(hall)
    return state["shipped_seq"] >= seq and state["status"] == "up_to_date"


@pytest.mark.timeout(180)
async def test_catch_up_after_the_city_was_down_during_a_stream_of_actions(hall, city_db, db_path):
    await some_actions(hall, 2)
    await until(lambda: _up_to(hall, hall_events(db_path)[-1][0]), what="first events shipped")
    city_db.pg.stop()
    started = time.perf_counter()
    await some_actions(hall, 6)  # the hall goes on as if nothing happened
    assert time.perf_counter() - started < 10
    state = await until(lambda: _status(hall, "unreachable"), what="the board to show the city unreachable")
    assert state["behind"] > 0 and state["error_code"] == "city_unreachable"
    assert "password" not in (state["error"] or "").lower()
    city_db.pg.start()
    await some_actions(hall, 1)
    await until(lambda: _up_to(hall, hall_events(db_path)[-1][0]), what="catch-up after the city came back")
    await assert_city_has_exactly(city_db, "east", db_path)


async def _status(hall, status: str):
    state = await link_state(hall)
    return state if state["status"] == status else None


@pytest.fixture
def busy_hall_db(tmp_path):
    """A hall's SQLite holding two generated business days (the demo-data generator: the hall's
    own event shapes), about 6,000 events."""
    path = tmp_path / "busy.db"
    generate(str(path), plans("2026-11-24", 2, 300, seed=7, tz="Asia/Shanghai"))
    return path


def standalone_link(city_db, db_path, hall_id="east", **extra) -> CityLink:
    from server.citylink.catalogue import catalogue_of
    from server.config import load_demo
    settings = CitySettings.from_table(city_table(city_db, hall_id, **extra))
    return CityLink(settings, db_path, catalogue_of(load_demo().hall))


@pytest.mark.timeout(180)
async def test_city_restarted_mid_batch_loses_and_duplicates_nothing(city_db, busy_hall_db):
    total = len(hall_events(busy_hall_db))
    link = standalone_link(city_db, busy_hall_db, batch_size=100)
    link.start()
    try:
        await until(lambda: link.state.shipped_seq > 500, what="shipping under way")
        city_db.pg.stop("immediate")  # a crash: the batch in flight is rolled back by the city
        stopped_at = link.state.shipped_seq
        assert stopped_at < total
        await until(lambda: link.state.status == "unreachable", what="the link to notice")
        city_db.pg.start()
        await until(lambda: link.state.shipped_seq == total and link.state.status == "up_to_date",
                    timeout=60, what="catch-up")
    finally:
        link.stop()
    await assert_city_has_exactly(city_db, "east", busy_hall_db)


async def test_board_shows_off_without_a_city_table(tmp_path, clock):
    import aiohttp
    from aiohttp.test_utils import TestServer

    from server.app import create_app
    from server.config import load_demo
    from tests.conftest import HallClient
    settings = load_demo()
    server = TestServer(create_app(settings, clock=clock, db_path=tmp_path / "h.db", tick_interval_s=0),
                        host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            hall = HallClient(server, session, settings, clock)
            assert (await hall.get("/api/city/link"))[0] == 401
            state = await link_state(hall)
            assert state["status"] == "off"
    finally:
        await server.close()
