"""What the link and the database refuse: a gap in a hall's events, a hall whose history went back
(restored from a backup), and one hall touching another's rows."""
from __future__ import annotations

import shutil
import sqlite3

import asyncpg
import pytest

from server.citylink.link import CityLink
from server.citylink.settings import CitySettings
from server.citylink.catalogue import catalogue_of
from server.config import load_demo
from server.stats.demo_data import generate, plans
from tests.city.citytools import city_table, until
from tests.city.test_city_figures import city  # noqa: F401 - the dashboard fixture


@pytest.fixture
def hall_db(tmp_path):
    path = tmp_path / "hall.db"
    generate(str(path), plans("2026-11-24", 1, 60, seed=3, tz="Asia/Shanghai"))
    return path


def link_for(city_db, db_path, hall_id="east", **extra) -> CityLink:
    settings = CitySettings.from_table(city_table(city_db, hall_id, **extra))
    return CityLink(settings, db_path, catalogue_of(load_demo().hall))


def newest(db_path) -> int:
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]
    finally:
        conn.close()


async def run_until(link: CityLink, predicate, what: str):
    link.start()
    try:
        await until(lambda: predicate(link.state), what=what)
    finally:
        link.stop()
    return link.state


async def city_row(city_db, hall_id="east"):
    return (await city_db.fetch("SELECT * FROM city.halls WHERE hall_id = $1", hall_id))[0]


async def test_a_gap_in_the_halls_events_stops_the_link_on_both_boards(city_db, hall_db):
    conn = sqlite3.connect(str(hall_db))
    conn.execute("DELETE FROM events WHERE seq = 40")
    conn.commit()
    conn.close()
    state = await run_until(link_for(city_db, hall_db), lambda s: s.status == "stopped", "the link to stop")
    assert state.error_code == "seq_gap" and "39" in state.error and "41" in state.error
    assert state.shipped_seq == 39  # everything before the gap, nothing after it
    row = await city_row(city_db)
    assert row["last_seq"] == 39 and row["error_code"] == "seq_gap"
    assert (await city_db.fetch("SELECT COUNT(*) AS n FROM city.events"))[0]["n"] == 39


async def test_the_database_refuses_rows_that_do_not_follow_on(city_db):
    conn = await asyncpg.connect(city_db.hall_dsn("east"))
    try:
        insert = ("INSERT INTO city.events (hall_id, seq, type, at, day, data, hash) "
                  "VALUES ('east', $1, 't', 0, '2026-11-24', '{}', 'h')")
        await conn.execute(insert, 1)
        with pytest.raises(asyncpg.RaiseError, match="seq_gap"):
            await conn.execute(insert, 3)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # nor move its head itself
            await conn.execute("UPDATE city.halls SET last_seq = 10 WHERE hall_id = 'east'")
    finally:
        await conn.close()
    assert (await city_row(city_db))["last_seq"] == 1


async def test_a_hall_restored_from_a_backup_is_detected_not_merged(city_db, hall_db, tmp_path):
    backup = tmp_path / "backup.db"
    shutil.copy(hall_db, backup)
    conn = sqlite3.connect(str(backup))  # the backup is older: its last 25 events are missing
    conn.execute("DELETE FROM events WHERE seq > ?", (newest(hall_db) - 25,))
    conn.commit()
    conn.close()
    total = newest(hall_db)
    await run_until(link_for(city_db, hall_db), lambda s: s.status == "up_to_date" and s.shipped_seq == total,
                    "the whole day shipped")
    state = await run_until(link_for(city_db, backup), lambda s: s.status == "stopped", "the link to stop")
    assert state.error_code == "history_diverged" and "backup" in state.error
    row = await city_row(city_db)
    assert row["error_code"] == "history_diverged" and row["last_seq"] == total  # nothing merged


async def test_same_seq_with_a_different_history_is_detected(city_db, hall_db):
    total = newest(hall_db)
    await run_until(link_for(city_db, hall_db), lambda s: s.shipped_seq == total, "the whole day shipped")
    conn = sqlite3.connect(str(hall_db))  # same length, another history (a different hall's file, say)
    conn.execute("UPDATE events SET data = replace(data, '\"at\":', '\"at\": ') WHERE seq = ?", (total,))
    conn.commit()
    conn.close()
    state = await run_until(link_for(city_db, hall_db), lambda s: s.status == "stopped", "the link to stop")
    assert state.error_code == "history_diverged"


async def test_one_halls_role_cannot_read_or_write_anothers_rows(city_db, hall_db):
    total = newest(hall_db)
    await run_until(link_for(city_db, hall_db, "west"), lambda s: s.shipped_seq == total, "west's day shipped")
    east = await asyncpg.connect(city_db.hall_dsn("east"))
    try:
        assert await east.fetchval("SELECT COUNT(*) FROM city.events") == 0  # west's rows are invisible
        assert await east.fetch("SELECT hall_id FROM city.halls") == [("east",)]
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await east.execute("INSERT INTO city.events (hall_id, seq, type, at, day, data, hash) "
                               "VALUES ('west', $1, 't', 0, '2026-11-24', '{}', 'h')", total + 1)
        assert await east.execute("UPDATE city.halls SET error = 'x' WHERE hall_id = 'west'") == "UPDATE 0"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await east.execute("DELETE FROM city.events WHERE hall_id = 'west'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await east.execute("UPDATE city.events SET data = '{}' WHERE hall_id = 'west'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # nor may it claim another hall's name
            await east.execute("UPDATE city.halls SET db_role = 'hallq_hall_west'")
    finally:
        await east.close()
    reader = await asyncpg.connect(city_db.dsn("hallq_city"))
    try:
        assert await reader.fetchval("SELECT COUNT(*) FROM city.events WHERE hall_id = 'west'") == total
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # the city reads; it never writes events
            await reader.execute("DELETE FROM city.events")
    finally:
        await reader.close()
    row = await city_row(city_db, "west")
    assert row["error"] is None


async def test_a_link_with_another_halls_id_is_refused(city_db, hall_db):
    """A hall configured with west's id but east's role: the database shows it no such hall."""
    link = link_for(city_db, hall_db, "east")
    link.settings = CitySettings.from_table(city_table(city_db, "west") | {"dsn": city_db.hall_dsn("east")})
    state = await run_until(link, lambda s: s.status == "stopped", "the link to stop")
    assert state.error_code == "unknown_hall"
    assert (await city_db.fetch("SELECT COUNT(*) AS n FROM city.events"))[0]["n"] == 0


async def test_a_stopped_link_shows_on_the_city_board(city_db, hall_db, city):  # noqa: F811
    conn = sqlite3.connect(str(hall_db))
    conn.execute("DELETE FROM events WHERE seq = 40")
    conn.commit()
    conn.close()
    await run_until(link_for(city_db, hall_db), lambda s: s.status == "stopped", "the link to stop")

    async def east_row():
        status, body = await city.call("GET", "/api/halls")
        assert status == 200, body
        row = next(h for h in body["halls"] if h["hall_id"] == "east")
        return row if row["link"]["mirror_seq"] == 39 else None
    row = await until(east_row, what="the city to mirror what arrived")
    assert row["link"]["status"] == "stopped" and row["link"]["error_code"] == "seq_gap"
    assert "39" in row["link"]["error"] and row["link"]["shipped_seq"] == 39


async def test_a_city_restored_from_an_older_backup_gets_back_what_it_lost(city_db, hall_db):
    total = newest(hall_db)
    await run_until(link_for(city_db, hall_db), lambda s: s.shipped_seq == total, "the whole day shipped")
    admin = await city_db.admin()  # the city's database comes back from a backup 100 events old
    try:
        await admin.execute("DELETE FROM city.events WHERE hall_id = 'east' AND seq > $1", total - 100)
        await admin.execute("UPDATE city.halls SET last_seq = e.seq, last_hash = e.hash FROM city.events e "
                            "WHERE city.halls.hall_id = 'east' AND e.hall_id = 'east' AND e.seq = $1", total - 100)
    finally:
        await admin.close()
    state = await run_until(link_for(city_db, hall_db), lambda s: s.shipped_seq == total and
                            s.status == "up_to_date", "the lost events sent again")
    assert state.error_code is None
    rows = await city_db.fetch("SELECT seq FROM city.events WHERE hall_id = 'east' ORDER BY seq")
    assert [r["seq"] for r in rows] == list(range(1, total + 1))
