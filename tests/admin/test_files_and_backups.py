"""Files stay first-class (export -> check-config -> serve -> export), import with a dry run, and
backups taken while the hall works that restore to the same state."""
from __future__ import annotations

import asyncio
import contextlib
import io
import sqlite3
import tomllib

import aiohttp
from aiohttp.test_utils import TestServer

from server.admin.backup import copies
from server.admin.cli import backup_main, export_main, import_main, restore_main
from server.admin.http import KEEPER
from server.app import create_app
from server.config import DEMO_HALL_PATH, load_config
from server.config_cli import check_config_main
from tests.admin.test_admin_api import current, entry, manager, put_entry
from tests.conftest import HallClient


async def serve(settings, clock, db_path) -> TestServer:
    server = TestServer(create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0), host="127.0.0.1")
    await server.start_server()
    return server


def export_text(db_path, tmp_path, name: str) -> str:
    out = tmp_path / name
    assert export_main(["--db", str(db_path), "--config", str(DEMO_HALL_PATH), "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


async def test_round_trip_export_check_serve_export_is_identical(hall, db_path, tmp_path, clock):
    token = await manager(hall)
    version, doc = await current(hall, token)
    service = entry(doc, "services", "code", "business_setup")
    service["name"]["zh-Hant"] = "企業開辦（一窗通辦）"
    service["typical_handling_min"] = 12.5
    assert (await put_entry(hall, token, version, "services", "business_setup", service))[0] == 200
    first = export_text(db_path, tmp_path, "first.toml")
    assert check_config_main([str(tmp_path / "first.toml")], out=io.StringIO()) == 0
    exported = load_config(tmp_path / "first.toml")
    second_db = tmp_path / "second.db"
    server = await serve(exported, clock, second_db)
    try:
        assert server.app[KEEPER].service.hall == hall.app[KEEPER].service.hall
    finally:
        await server.close()
    assert export_text(second_db, tmp_path, "second.toml") == first
    assert tomllib.loads(first)["server"] == tomllib.loads(DEMO_HALL_PATH.read_text(encoding="utf-8"))["server"]


async def test_import_dry_run_shows_the_difference_and_stores_nothing(settings, clock, tmp_path):
    db_path = tmp_path / "hall.db"
    server = await serve(settings, clock, db_path)
    await server.close()
    changed = DEMO_HALL_PATH.read_text(encoding="utf-8").replace(
        'en = "Business Registration"', 'en = "Company Registration"')
    (tmp_path / "new.toml").write_text(changed, encoding="utf-8")
    out = io.StringIO()
    assert import_main([str(tmp_path / "new.toml"), "--db", str(db_path), "--dry-run"], out=out) == 0
    assert ("~ services[code=business_setup].name.en: 'Business Registration' -> 'Company Registration'"
            in out.getvalue())
    assert "would become version 2" in out.getvalue()
    assert _versions(db_path) == [1]
    out = io.StringIO()
    assert import_main([str(tmp_path / "new.toml"), "--db", str(db_path), "--actor", "9001"], out=out) == 0
    assert _versions(db_path) == [1, 2]
    server = await serve(settings, clock, db_path)  # the file it starts with is the old one: the database wins
    try:
        assert server.app[KEEPER].service.hall.service("business_setup").name.en == "Company Registration"
    finally:
        await server.close()


async def test_import_refuses_a_bad_file_and_a_change_that_strands_tickets(hall, db_path, tmp_path):
    bad = DEMO_HALL_PATH.read_text(encoding="utf-8").replace('prefix = "B"', 'prefix = "b"')
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    err = io.StringIO()
    assert import_main([str(tmp_path / "bad.toml"), "--db", str(db_path)], err=err) == 1
    assert "services[1].prefix: must be one or two capital letters, got 'b'" in err.getvalue()
    await hall.issue("business_change")
    renamed = DEMO_HALL_PATH.read_text(encoding="utf-8").replace('prefix = "B"', 'prefix = "BX"')
    (tmp_path / "prefix.toml").write_text(renamed, encoding="utf-8")
    err = io.StringIO()
    assert import_main([str(tmp_path / "prefix.toml"), "--db", str(db_path)], err=err) == 1
    assert "change its prefix after the business day ends" in err.getvalue()
    assert _versions(db_path) == [1]


def _versions(db_path) -> list[int]:
    with sqlite3.connect(db_path) as conn:
        return [row[0] for row in conn.execute("SELECT version FROM config_versions ORDER BY version")]


async def _work(hall: HallClient, rounds: int) -> None:
    """A stream of actions: issue, call, start, finish at two windows."""
    clerks = {3: await hall.sign_in(3), 4: await hall.sign_in(4, "1004")}
    for i in range(rounds):
        assert (await hall.issue("business_setup" if i % 2 else "business_change"))[0] == 200
        window = 3 if i % 2 else 4
        status, called = await hall.post(f"/api/windows/{window}/call-next", clerks[window])
        if status == 200:
            ticket = called["ticket"]["id"]
            assert (await hall.post(f"/api/tickets/{ticket}/start", clerks[window]))[0] == 200
            finished = await hall.post(f"/api/tickets/{ticket}/finish", clerks[window], {"outcome": "immediate"})
            assert finished[0] == 200
        hall.clock.advance(30)


async def _view(hall: HallClient, token: str) -> dict:
    status, view = await hall.get("/api/hall", token)
    assert status == 200
    view.pop("server_time")
    tickets = []
    for ticket_id in range(1, view["seq"] + 1):
        status, ticket = await hall.get(f"/api/tickets/{ticket_id}", token)
        if status == 200:
            tickets.append(ticket)
    return {"hall": view, "tickets": tickets}


async def test_backups_during_a_stream_of_actions_restore_to_the_same_state(hall, db_path, tmp_path, settings, clock):
    folder = tmp_path / "backups"
    work = asyncio.create_task(_work(hall, 40))
    taken = 0
    while not work.done():
        assert await asyncio.to_thread(backup_main, ["--db", str(db_path), "--to", str(folder), "--keep", "3"],
                                       io.StringIO()) == 0
        taken += 1
        await asyncio.sleep(0)
    await work
    assert await asyncio.to_thread(backup_main, ["--db", str(db_path), "--to", str(folder), "--keep", "3"],
                                   io.StringIO()) == 0
    kept = copies(folder)
    assert taken >= 1 and len(kept) == min(3, taken + 1)
    assert sorted(folder.iterdir()) == kept  # self-contained copies: no -wal, -shm or partial files beside them
    manager_token = await manager(hall)
    before = await _view(hall, manager_token)
    for older in kept[:-1]:  # taken mid-stream: each restores to a consistent, earlier state
        restored = tmp_path / f"mid-{older.stem}.db"
        assert restore_main([str(older), "--db", str(restored)], io.StringIO()) == 0
        server = await serve(settings, clock, restored)
        try:
            assert server.app[KEEPER].service.state.last_seq <= before["hall"]["seq"]
        finally:
            await server.close()
    restored = tmp_path / "restored.db"
    assert restore_main([str(kept[-1]), "--db", str(restored)], io.StringIO()) == 0
    server = await serve(settings, clock, restored)
    try:
        async with aiohttp.ClientSession() as session:
            other = HallClient(server, session, settings, clock)
            assert await _view(other, await manager(other)) == before
    finally:
        await server.close()


async def test_restore_refuses_a_damaged_copy_and_keeps_the_database_it_replaces(tmp_path, settings, clock):
    db_path = tmp_path / "hall.db"
    server = await serve(settings, clock, db_path)
    await server.close()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    before = db_path.read_bytes()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert restore_main([str(damaged), "--db", str(db_path)], io.StringIO()) == 1
    assert "cannot be restored" in err.getvalue() and "nothing was changed" in err.getvalue()
    assert db_path.read_bytes() == before
    folder = tmp_path / "backups"
    assert backup_main(["--db", str(db_path), "--to", str(folder)], io.StringIO()) == 0
    out = io.StringIO()
    assert restore_main([str(copies(folder)[0]), "--db", str(db_path)], out) == 0
    assert "is kept as" in out.getvalue()
    assert len(list(tmp_path.glob("hall.db.replaced-*[0-9]"))) == 1


async def test_a_database_that_cannot_be_written_still_gives_its_stored_version(settings, clock, tmp_path):
    from server.admin.live import stored_latest
    assert stored_latest(tmp_path / "none.db") is None
    db_path = tmp_path / "hall.db"
    server = await serve(settings, clock, db_path)
    await server.close()
    assert stored_latest(db_path)["version"] == 1
