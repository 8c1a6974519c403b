"""`hallq demo-data`: synthetic days fold into the same rows as a rebuild from their events, the
engine accepts their events, and the report and stats read them."""
from __future__ import annotations

import json
import sqlite3

from server.config import load_demo
from server.domain import engine
from server.domain.events import Event
from server.stats import demo_data
from server.stats.figures import Query, compute
from server.stats.projection import rebuild_projection
from server.stats.report import build_report


def test_demo_data_is_consistent(tmp_path, capsys):
    db = tmp_path / "demo.db"
    assert demo_data.main(["--db", str(db), "--days", "7", "--visits-per-day", "300", "--end", "2026-11-20",
                           "--workers", "0"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["days"] == 5 and info["visits"] > 1200  # a week has five business days
    conn = sqlite3.connect(db)
    seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    generated = conn.execute("SELECT * FROM segments ORDER BY ticket_id, segment").fetchall()
    with conn:
        rebuild_projection(conn)
    assert conn.execute("SELECT * FROM segments ORDER BY ticket_id, segment").fetchall() == generated
    hall = load_demo().hall
    day = conn.execute("SELECT MIN(day) FROM events").fetchone()[0]
    state = engine.new_state(hall, day)
    for (data,) in conn.execute("SELECT data FROM events WHERE day = ? ORDER BY seq", (day,)):
        engine.apply(state, hall, Event.from_dict(json.loads(data)))
    total = compute(conn, Query(hall, "2026-11-14", "2026-11-20"))["groups"][0]
    c = total["counts"]
    assert c["served"] > 0.9 * c["issued"] and c["no_shows"] > 0 and c["transfers"] > 0 and c["suspends"] > 0
    assert c["rated"] > 0 and c["appointments"] > 0 and 0.5 < total["utilisation"]["value"] < 1.0
    cache: dict = {}
    first = build_report(conn, hall, "2026-11-14", "2026-11-20", cache=cache, today="2026-11-22")
    assert {d for d, _ in cache} == {f"2026-11-{d}" for d in range(14, 21)} and first["working_days"] == 5
    assert build_report(conn, hall, "2026-11-14", "2026-11-20", cache=cache, today="2026-11-22") == first
    assert first["accepted"] == c["served"]


def test_report_command_line(tmp_path, capsys):
    from server.stats import report
    db = tmp_path / "demo.db"
    demo_data.main(["--db", str(db), "--days", "3", "--visits-per-day", "200", "--end", "2026-11-20", "--workers", "0"])
    capsys.readouterr()
    assert report.main(["--db", str(db), "--from", "2026-11-18", "--to", "2026-11-20"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("江州市政務服務中心：截止11月20日") and "中心對外服務3個工作日" in text and "滿意率" in text
    assert report.main(["--db", str(db), "--from", "2026-11-18", "--to", "2026-11-20", "--lang", "en"]) == 0
    assert "open 3 working days" in capsys.readouterr().out
    assert report.main(["--db", str(db), "--from", "2026-11-18", "--to", "2026-11-20", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["working_days"] == 3


def test_demo_data_matches_the_configured_hall(tmp_path):
    """Only the hall's windows and clerks (one clerk per window), within its hours; copies of the
    windows only when a benchmark asks for them."""
    import sqlite3

    from server.config import load_demo
    hall = load_demo().hall
    db = tmp_path / "demo.db"
    demo_data.generate(str(db), demo_data.plans("2026-11-20", 1, 900, 3, "Asia/Shanghai"))
    conn = sqlite3.connect(db)
    windows = {r[0] for r in conn.execute("SELECT DISTINCT window FROM events WHERE window IS NOT NULL")}
    staff = {r[0] for r in conn.execute("SELECT DISTINCT staff FROM events WHERE staff IS NOT NULL")}
    assert windows <= {w.number for w in hall.windows}
    assert staff <= {s.number for s in hall.staff if s.role == "clerk"}
    pairs = set(conn.execute("SELECT DISTINCT window, staff FROM events WHERE type = 'clerk_signed_in'"))
    assert len({w for w, _ in pairs}) == len({s for _, s in pairs}) == len(pairs)  # nobody at two windows
    first, last = conn.execute("SELECT MIN(at), MAX(at) FROM events WHERE type = 'ticket_issued'").fetchone()
    from server.domain.calendar import minute_of_day
    assert minute_of_day(first, "Asia/Shanghai") >= 8 * 60 + 30 and minute_of_day(last, "Asia/Shanghai") < 17 * 60 + 30
    conn.close()
    big = tmp_path / "bench.db"
    demo_data.generate(str(big), demo_data.plans("2026-11-20", 1, 2000, 3, "Asia/Shanghai", extra_windows=True))
    conn = sqlite3.connect(big)
    assert max(r[0] for r in conn.execute("SELECT DISTINCT window FROM events WHERE window IS NOT NULL")) > 100
    conn.close()


def test_a_no_show_awaiting_its_call_back_at_closing_stays_a_no_show():
    """The rules have no day's end for a no-show (it keeps its return window): the generated turn
    must not walk it out, else a restart on the file refuses the day. 9 Nov at this volume has one."""
    hall = load_demo().hall
    plan = next(p for p in demo_data.plans("2026-11-20", 14, 3000, 1, hall.center.timezone, extra_windows=True)
                if p.day == "2026-11-09")
    state = engine.new_state(hall, plan.day)
    *day, turn = demo_data.DaySim(hall, plan).run()
    for ev in day:
        engine.apply(state, hall, Event.from_dict(ev))
    assert turn["type"] == "day_closed" and any(t.status == "no_show" for t in state.tickets.values())
    engine.apply(state, hall, Event.from_dict(turn))
