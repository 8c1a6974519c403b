"""Storage faults are retryable refusals, health tells the truth, and the hall recovers by itself:
a database locked by another program, files that cannot be written, a full disk, a deleted or
replaced file. Each test checks the error code and Retry-After, that reads go on, what health says,
the recovery, and what a restart finds on the disk (docs/reliability.md lists the outcomes)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.faults import call, fill_disk, immutable, served, small_disk, with_busy_timeout, write_lock
from tests.serverproc import ROOT, free_port

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def settings(settings):
    return with_busy_timeout(settings, 0.2)


def stored_labels(db_path) -> list[str]:
    conn = sqlite3.connect(str(db_path))
    try:
        return [r[0] for r in conn.execute("SELECT label FROM tickets ORDER BY id")]
    finally:
        conn.close()


async def issue(hall, request_id: str, kiosk: str = "kiosk-1"):
    return await call(hall, "POST", "/api/tickets", hall.device_token(kiosk),
                      {"service": "invoice", "request_id": request_id})


async def assert_refused(hall, request_id: str, reason: str) -> None:
    status, body, headers = await issue(hall, request_id)
    assert status == 503, body
    assert body["error"]["code"] == "unavailable" and body["error"]["details"]["reason"] == reason
    assert int(headers["Retry-After"]) > 0
    status, body, headers = await call(hall, "GET", "/api/health")
    assert status == 503 and body["status"] == reason and body["problem"]["reason"] == reason
    assert body["problem"]["message"] and "Retry-After" in headers
    status, view, _ = await call(hall, "GET", "/api/hall", hall.device_token("display-hall"))
    assert status == 200  # reads go on


async def assert_recovered(hall, request_id: str, label: str) -> None:
    status, body, _ = await call(hall, "GET", "/api/health")
    assert status == 200 and body["status"] == "ok", body
    status, body, _ = await issue(hall, request_id)  # the same request id, retried
    assert status == 200 and body["ticket"]["label"] == label, body


async def test_a_held_write_lock_is_503_locked_and_the_hall_goes_on_when_it_is_released(hall, db_path, settings, clock):
    status, first, _ = await issue(hall, "k-1")
    assert status == 200
    with write_lock(db_path):
        await assert_refused(hall, "k-2", "locked")
        _, view, _ = await call(hall, "GET", "/api/hall", hall.device_token("display-hall"))
        assert sum(s["issued"] for s in view["services"]) == 1  # memory holds what the disk holds
    await assert_recovered(hall, "k-2", "D002")
    await hall.server.close()
    assert stored_labels(db_path) == ["D001", "D002"]


async def test_files_that_cannot_be_written_are_503_read_only_until_they_can(hall, db_path):
    assert (await issue(hall, "k-1"))[0] == 200
    with immutable(db_path, db_path.with_name(db_path.name + "-wal")):
        await assert_refused(hall, "k-2", "read_only")
    await assert_recovered(hall, "k-2", "D002")
    await hall.server.close()
    assert stored_labels(db_path) == ["D001", "D002"]


async def test_a_full_disk_is_503_disk_full_and_freeing_space_lets_the_hall_go_on(settings, clock, tmp_path):
    with small_disk(tmp_path / "disk", size_kb=4096) as disk:
        db_path = disk / "hallq.db"
        async with served(settings, clock, db_path) as hall:
            assert (await issue(hall, "k-1"))[0] == 200
            filler = fill_disk(disk)
            await assert_refused(hall, "k-2", "disk_full")
            filler.unlink()
            await assert_recovered(hall, "k-2", "D002")
        assert stored_labels(db_path) == ["D001", "D002"]


async def test_a_deleted_file_is_noticed_and_nothing_is_written_where_nobody_will_read_it(hall, db_path, tmp_path):
    assert (await issue(hall, "k-1"))[0] == 200
    moved = tmp_path / "moved-away.db"
    os.link(db_path, moved)  # the operator moves the file away (same inode) ...
    db_path.unlink()
    await assert_refused(hall, "k-2", "file_missing")
    os.rename(moved, db_path)  # ... and back: the very file the server opened
    await assert_recovered(hall, "k-2", "D002")
    await hall.server.close()
    assert stored_labels(db_path) == ["D001", "D002"]


async def test_a_replaced_file_is_never_written_and_a_restart_adopts_it(hall, db_path, settings, clock, tmp_path):
    assert (await issue(hall, "k-1"))[0] == 200
    copy = tmp_path / "copy.db"
    with sqlite3.connect(str(db_path)) as src, sqlite3.connect(str(copy)) as dst:
        src.backup(dst)
    os.replace(copy, db_path)  # another file under the same name
    await assert_refused(hall, "k-2", "file_replaced")
    await hall.server.close()
    assert stored_labels(db_path) == ["D001"]
    async with served(settings, clock, db_path) as again:
        status, body, _ = await issue(again, "k-2")
        assert status == 200 and body["ticket"]["label"] == "D002"


def test_a_server_started_on_a_read_only_database_says_why_at_once(tmp_path):
    db_path = tmp_path / "hallq.db"
    from server.store.connection import open_database
    open_database(db_path).conn.close()  # a clean stop: no -wal left
    port = free_port()
    with immutable(db_path):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--db", str(db_path), "--port", str(port),
                               "--no-demo-printers"], cwd=ROOT, capture_output=True, text=True, timeout=30)
        elapsed = time.monotonic() - started
    assert done.returncode == 1
    assert "cannot be written" in done.stderr and "read-only" in done.stderr, done.stderr[-2000:]
    assert elapsed < 15  # no 60 s stall


async def test_a_refused_write_leaves_no_trace_and_later_actions_do_not_build_on_it(hall, db_path):
    """The core promise: the batch after a failed one (decided on top of it) is refused too."""
    token = await hall.sign_in(6)
    assert (await issue(hall, "k-1"))[0] == 200
    with write_lock(db_path):
        refused = await issue(hall, "k-2")
        assert refused[0] == 503
        status, body, _ = await call(hall, "POST", "/api/windows/6/call-next", token, {"request_id": "c-1"})
        assert status == 503
    status, body, _ = await call(hall, "POST", "/api/windows/6/call-next", token, {"request_id": "c-1"})
    assert status == 200 and body["ticket"]["label"] == "D001", body
    await hall.server.close()
    conn = sqlite3.connect(str(db_path))
    seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
    conn.close()
    assert seqs == list(range(1, len(seqs) + 1))
    assert stored_labels(db_path) == ["D001"]


@pytest.fixture(autouse=True)
def _no_leftover_immutable(tmp_path):
    yield
    subprocess.run(["chattr", "-R", "-i", str(tmp_path)], capture_output=True)
    shutil.rmtree(tmp_path / "disk", ignore_errors=True) if not os.path.ismount(tmp_path / "disk") else None
