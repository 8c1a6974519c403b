"""The report's parts a center signs and sends upward: every department (a quiet one with 0), the
per-window and per-clerk tables with names, the 好差評 breakdown, and 截止 on the last day covered
(never a day still to come)."""
from tests.conftest import DEMO_START
from tests.stats.scripted_day import DAY, run_day


async def manager(hall) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]})
    assert status == 200
    return body["token"]


async def test_monthly_report_parts(hall):
    await run_day(hall, DEMO_START)
    token = await manager(hall)
    status, r = await hall.get("/api/reports/monthly?month=2026-11", token)
    assert status == 200, r
    assert (r["from"], r["to"]) == ("2026-11-01", "2026-11-30")  # the month's real last day
    assert r["through"] == "2026-11-26"  # the scripted day ends with the next morning: figures cover up to today
    assert "截止11月26日" in r["text"]["zh-Hans"] and "11月30日" not in r["text"]["zh-Hans"]
    assert [d["code"] for d in r["departments"]] == [d.code for d in hall.settings.hall.departments]
    assert {d["code"]: d["accepted"] for d in r["departments"]}["housing"] == 0
    windows = {w["window"]: w for w in r["windows"]}
    assert windows[3]["accepted"] == 5 and windows[3]["name"]["zh-Hans"] == "3号窗口"
    clerks = {c["clerk"]: c for c in r["clerks"]}
    assert clerks["1003"]["staff_name"] == "张伟" and clerks["1003"]["accepted"] == 5
    assert r["ratings_by_level"] == {"very_satisfied": 1, "satisfied": 1, "basically_satisfied": 0,
                                     "dissatisfied": 1, "very_dissatisfied": 1}
    assert r["bad_rate_pct"] == 50.0


async def test_daily_report_says_the_day_itself(hall):
    await run_day(hall, DEMO_START)
    status, r = await hall.get(f"/api/reports/daily?day={DAY}", await manager(hall))
    assert r["through"] == DAY and "截止11月25日" in r["text"]["zh-Hans"]
