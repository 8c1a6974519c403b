"""Start-up never crash-loops: an event the rules cannot apply is reported with its seq and reason,
and the server starts read-only in "needs attention". `hallq doctor` says what is wrong in plain
words, with a non-zero exit code on a damaged file."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from tests.faults import call, served
from tests.serverproc import ROOT

pytestmark = pytest.mark.timeout(60)


async def a_day_of_work(hall) -> None:
    token = await hall.sign_in(6)
    for _ in range(3):
        assert (await hall.issue("invoice"))[0] == 200
    status, called = await hall.post("/api/windows/6/call-next", token)
    assert status == 200
    assert (await hall.post(f"/api/tickets/{called['ticket']['id']}/start", token))[0] == 200


def poison(db_path, ticket_id: int = 999) -> int:
    """The log holds a call of a ticket that was never stored (what a write built on a failed one left)."""
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    last = conn.execute("SELECT seq, day, at FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    seq = last[0] + 1
    data = {"type": "ticket_called", "seq": seq, "day": last[1], "at": last[2] + 1, "ticket_id": ticket_id,
            "window": 6, "staff": "1006"}
    conn.execute("INSERT INTO events (seq, type, at, day, ticket_id, window, staff, service, data) "
                 "VALUES (?, 'ticket_called', ?, ?, ?, 6, '1006', 'invoice', ?)",
                 (seq, data["at"], last[1], ticket_id, json.dumps(data)))
    conn.close()
    return seq


def doctor(db_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", "doctor", "--db", str(db_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


async def test_doctor_finds_a_sound_database_sound(hall, db_path):
    await a_day_of_work(hall)
    await hall.server.close()
    done = doctor(db_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DAMAGED" not in done.stdout and "sound." in done.stdout
    assert done.stdout.count("OK ") == 5


async def test_doctor_names_an_unappliable_event_and_a_gap_in_plain_words(hall, db_path):
    await a_day_of_work(hall)
    await hall.server.close()
    seq = poison(db_path)
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    conn.execute("DELETE FROM events WHERE seq = 3")
    conn.close()
    done = doctor(db_path)
    assert done.returncode == 1
    assert "events 3..3 are missing" in done.stdout
    assert f"event {seq} (ticket_called) names ticket 999, which was never stored" in done.stdout
    assert ("event 6 (ticket_called) cannot be applied: it refers to 1, which no earlier event created"
            in done.stdout)  # ticket 1's issue was event 3
    assert "DAMAGED (3 of 5 checks failed)" in done.stdout


def test_doctor_on_a_file_that_is_not_a_database_says_so(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    done = doctor(junk)
    assert done.returncode == 2 and "cannot open" in done.stderr
    assert doctor(tmp_path / "missing.db").returncode == 2


async def test_a_server_on_a_poisoned_log_starts_read_only_and_says_why(hall, db_path, settings, clock):
    await a_day_of_work(hall)
    await hall.server.close()
    seq = poison(db_path)
    async with served(settings, clock, db_path) as again:
        status, body, headers = await call(again, "GET", "/api/health")
        assert status == 503 and body["status"] == "needs_attention"
        assert body["problem"]["seq"] == seq and "999" in body["problem"]["detail"]
        assert "hallq doctor" in body["problem"]["message"]
        status, view, _ = await call(again, "GET", "/api/hall", again.device_token("display-hall"))
        assert status == 200 and sum(s["issued"] for s in view["services"]) == 3  # reads work
        status, refused, headers = await call(again, "POST", "/api/tickets", again.device_token("kiosk-1"),
                                              {"service": "invoice"})
        assert status == 503 and refused["error"]["details"]["reason"] == "needs_attention"
        assert "Retry-After" in headers
    conn = sqlite3.connect(str(db_path))
    assert conn.execute("SELECT MAX(seq) FROM events").fetchone()[0] == seq  # nothing written on top
    conn.close()
