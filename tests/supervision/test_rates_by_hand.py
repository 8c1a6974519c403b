"""A small month worked by hand: every rate and the appraisal's scores, computed on paper below,
match what the reports answer over real HTTP. Then `hallq demo-data`'s simulated month: the report
agrees with counts taken straight from the tables.

The month (Wednesday 25 November 2026, 09:00; bad reviews due 5 working days later, Wed 2 Dec):
  window 5 (tax, clerk A):    t1 very dissatisfied + number -> verified, rectified, answered the same
                              day, called back: satisfied                       (rectified on time)
                              t2 dissatisfied                -> appealed, struck out (not a bad review)
                              t5 satisfied; p1 promised 2 days (due Fri 27) -> done the same day
  window 3 (market, clerk B): t3 dissatisfied + number -> rectified, answered on Thu 3 Dec (late),
                              call back: unreachable
                              t4 dissatisfied -> appealed, upheld (still open)
                              p2 promised 1 day (due Thu 26) -> never done (overdue)
  both clerks sign in at 09:00 and out at 12:00 (3 h).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from server.config import load_demo
from server.supervision.http import _rates
from tests.supervision.flows import act, cases, rate, serve, staff_session

ROOT = Path(__file__).resolve().parents[2]


async def the_month(hall):
    w5, w3 = await hall.sign_in(5), await hall.sign_in(3)
    manager = await staff_session(hall, "9001")
    tax, market = await staff_session(hall, "7001"), await staff_session(hall, "7002")
    t1, t2, t5 = [await serve(hall, 5, "invoice", clerk=w5) for _ in range(3)]
    p1 = await serve(hall, 5, "invoice", clerk=w5, outcome="promised", promised_days=2)
    t3, t4 = [await serve(hall, 3, "business_setup", clerk=w3) for _ in range(2)]
    await serve(hall, 3, "business_setup", clerk=w3, outcome="promised", promised_days=1)  # p2
    for window, ticket, level in (
        (5, t1, "very_dissatisfied"),
        (5, t2, "dissatisfied"),
        (5, t5, "satisfied"),
        (3, t3, "dissatisfied"),
        (3, t4, "dissatisfied"),
    ):
        assert (await rate(hall, window, ticket, level))[0] == 200
    for window, ticket in ((5, t1), (3, t3)):
        status, _ = await hall.post(
            "/api/supervision/callback",
            hall.device_token(f"rating-{window:02d}"),
            {"ticket_id": ticket["id"], "phone": "13900001111", "consent": True},
        )
        assert status == 200
    by_ticket = {c["ticket_id"]: c["id"] for c in await cases(hall, manager)}
    steps = [
        (tax, t1, "verify", {}),
        (tax, t1, "rectify", {"finding": "f"}),
        (tax, t1, "answer", {"rectification": "r", "answer": "a"}),
        (tax, t1, "call_back", {"callback_result": "satisfied"}),
        (tax, t2, "appeal", {"reason": "誤觸"}),
        (manager, t2, "strike", {"reason": "錄像"}),
        (tax, p1, "done", {}),
        (market, t3, "verify", {}),
        (market, t3, "rectify", {"finding": "f"}),
        (market, t4, "appeal", {"reason": "r"}),
        (manager, t4, "uphold", {"reason": "維持"}),
    ]
    for token, ticket, action, fields in steps:
        status, body = await act(hall, token, by_ticket[ticket["id"]], action, **fields)
        assert status == 200, (action, body)
    hall.clock.advance(3 * 3600)  # 12:00: both clerks sign out
    for token in (w5, w3):
        assert (await hall.call("DELETE", "/api/sessions/current", token))[0] == 200
    hall.clock.advance(8 * 86400)  # Thursday 3 December
    market, manager = await staff_session(hall, "7002"), await staff_session(hall, "9001")
    for action, fields in (
        ("answer", {"rectification": "r", "answer": "a"}),
        ("call_back", {"callback_result": "unreachable"}),
    ):
        assert (await act(hall, market, by_ticket[t3["id"]], action, **fields))[0] == 200
    return manager


def figures(bad_reviews, rectified, on_time, with_contact, called, appeals, upheld, struck):
    return {
        "bad_reviews": bad_reviews,
        "rectified": rectified,
        "rectified_on_time": on_time,
        "with_contact": with_contact,
        "called_back": called,
        "rectification_rate": round(rectified / bad_reviews, 4) if bad_reviews else None,
        "on_time_rectification_rate": round(on_time / bad_reviews, 4) if bad_reviews else None,
        "callback_rate": round(called / with_contact, 4) if with_contact else None,
        "appeals": appeals,
        "appeals_upheld": upheld,
        "appeals_struck": struck,
    }


async def test_rates_and_scores_match_the_hand_count(hall):
    manager = await the_month(hall)
    status, rates = await hall.get("/api/supervision/rates?month=2026-11", manager)
    assert status == 200
    total = dict(rates["total"])
    promised = total.pop("promised")
    # 4 opened, t2 struck -> 3 bad reviews; rectified t1, t3 -> 2/3; on time t1 -> 1/3;
    # numbers left with t1 and t3, t1 reached -> 1/2
    assert total == figures(3, 2, 1, 2, 1, 2, 1, 1)
    assert (total["rectification_rate"], total["on_time_rectification_rate"], total["callback_rate"]) == (
        0.6667,
        0.3333,
        0.5,
    )
    # p1 done on time, p2 overdue
    assert promised == {
        "due": 2,
        "done_on_time": 1,
        "overdue": 1,
        "extended": 0,
        "open_not_yet_due": 0,
        "on_time_rate": 0.5,
    }
    market, tax = rates["by_department"]  # in code order
    assert tax["department"] == "tax" and market["department"] == "market"
    assert {k: tax[k] for k in figures(1, 1, 1, 1, 1, 1, 0, 1)} == figures(1, 1, 1, 1, 1, 1, 0, 1)
    assert {k: market[k] for k in figures(2, 1, 0, 1, 0, 1, 1, 0)} == figures(2, 1, 0, 1, 0, 1, 1, 0)
    assert (tax["promised"]["on_time_rate"], market["promised"]["on_time_rate"], market["promised"]["overdue"]) == (
        1.0,
        0.0,
        1,
    )
    assert [(w["window"], w["bad_reviews"], w["rectified_on_time"]) for w in rates["by_window"]] == [
        (3, 2, 0),
        (5, 1, 1),
    ]

    status, appraisal = await hall.get("/api/supervision/appraisal?month=2026-11", manager)
    windows = {w["window"]: w for w in appraisal["windows"]}
    # November 2026 has 21 working days of 7 h (09:00-12:00, 13:30-17:30); each clerk was in for 3 h
    expected_s, attendance = 21 * 7 * 3600, round(3 * 3600 / (21 * 7 * 3600), 4)
    five, three = windows[5], windows[3]
    assert (five["visits"], five["ratings"], five["satisfaction_rate"], five["bad_review_rate"]) == (
        4,
        3,
        0.3333,
        0.6667,
    )
    assert (five["service_level"], five["on_time_rectification_rate"], five["promised_on_time_rate"]) == (1.0, 1.0, 1.0)
    assert (five["expected_s"], five["signed_in_s"], five["attendance"], five["late_signins"]) == (
        expected_s,
        10800,
        attendance,
        0,
    )
    # 30 × 0.3333 + 20 × 1 + 20 × 1 + 15 × 1 + 15 × 0.0204 = 65.305
    assert five["score"] == 65.3
    assert (
        three["visits"],
        three["satisfaction_rate"],
        three["on_time_rectification_rate"],
        three["promised_on_time_rate"],
    ) == (3, 0.0, 0.0, 0.0)
    assert three["score"] == 20.3  # 0 + 20 + 0 + 0 + 0.306
    clerks = {c["staff"]: c for c in appraisal["clerks"]}
    assert clerks[hall.clerk_for(5)]["score"] == 65.3 and clerks[hall.clerk_for(3)]["score"] == 20.3
    assert appraisal["red_flag_windows"] == [] and appraisal["service_stars"] == []  # fewer than min_visits (20)
    async with hall.session.get(
        hall.url("/api/supervision/appraisal.csv?month=2026-11"), headers={"Authorization": f"Bearer {manager}"}
    ) as resp:
        text = await resp.text()
    assert "65.3" in text and "20.3" in text


def test_demo_month_report_agrees_with_the_tables(tmp_path):
    db = tmp_path / "demo.db"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.stats.demo_data",
            "--db",
            str(db),
            "--days",
            "21",
            "--visits-per-day",
            "120",
            "--end",
            "2026-11-27",
            "--workers",
            "0",
            "--seed",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)["supervision"]
    assert report["cases"]["bad_review"] > 10 and report["cases"]["promised"] > 50 and report["steps"] > 100
    conn = sqlite3.connect(db)
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    bad = ("kind = 'bad_review' AND opened_day LIKE '2026-11-%' "
           "AND (appeal_decision IS NULL OR appeal_decision != 'struck')")
    expected = {
        "bad_reviews": one(f"SELECT COUNT(*) FROM sv_cases WHERE {bad}"),
        "rectified": one(f"SELECT COUNT(*) FROM sv_cases WHERE {bad} AND rectified_day IS NOT NULL"),
        "rectified_on_time": one(f"SELECT COUNT(*) FROM sv_cases WHERE {bad} AND rectified_day <= due_day"),
        "with_contact": one(f"SELECT COUNT(*) FROM sv_cases WHERE {bad} AND contact_given = 1"),
        "called_back": one(
            f"SELECT COUNT(*) FROM sv_cases WHERE {bad} AND contact_given = 1 "
            "AND callback_result IN ('satisfied', 'dissatisfied')"
        ),
    }
    due = "kind IN ('promised', 'joint') AND due_day LIKE '2026-11-%'"
    promised = {
        "due": one(f"SELECT COUNT(*) FROM sv_cases WHERE {due}"),
        "done_on_time": one(f"SELECT COUNT(*) FROM sv_cases WHERE {due} AND finished_day <= due_day"),
    }
    one_trip = one(
        "SELECT COUNT(*) FROM (SELECT matter_seq, COUNT(*) AS n, MAX(seq) AS last FROM sv_visits "
        "GROUP BY matter_seq) m JOIN sv_visits v ON v.seq = m.last WHERE m.n = 1 AND v.day LIKE '2026-11-%' "
        "AND v.outcome != 'supplement'"
    )
    refusals = one("SELECT COUNT(*) FROM sv_refusals")
    conn.row_factory = sqlite3.Row
    answer = _rates(conn, "2026-11", "2026-11-28", None)
    assert {k: answer["total"][k] for k in expected} == expected
    assert {k: answer["total"]["promised"][k] for k in promised} == promised
    assert answer["trips"]["one_trip"] == one_trip and answer["trips"]["two_or_more"] > 0
    assert refusals > 0 and expected["bad_reviews"] > expected["rectified"] > expected["rectified_on_time"] > 0
    conn.close()
    assert load_demo().calendar.is_working_day("2026-11-27")
