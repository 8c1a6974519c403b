"""The manager's statistics over real HTTP: roles, arguments, reports, CSV, OpenAPI."""
from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import DEMO_START
from tests.stats.scripted_day import DAY, manager_token, run_day

PATHS = ["/api/stats", "/api/stats/live", "/api/reports/daily", "/api/reports/monthly",
         "/api/export/visits.csv", "/api/ratings/bad"]


async def get_text(hall, path, token):
    async with hall.session.get(hall.url(path), headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), (await resp.read()).decode("utf-8")


@pytest.mark.parametrize("path", PATHS)
async def test_only_managers(hall, path):
    assert (await hall.get(path))[0] == 401
    assert (await hall.get(path, "not-a-token"))[0] == 401
    clerk = await hall.sign_in(3)
    status, body = await hall.get(path, clerk)
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert (await hall.get(path, hall.device_token("display-east")))[0] == 403
    assert (await get_text(hall, path, await manager_token(hall)))[0] == 200


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=yesterday", "from=2026-11-26&to=2026-11-25",
                                   "group_by=planet", "from=2020-01-01&to=2026-01-01"])
async def test_bad_arguments(hall, query):
    status, body = await hall.get(f"/api/stats?{query}", await manager_token(hall))
    assert status == 400 and body["error"]["code"] == "invalid_argument", body


async def test_bad_month_and_table(hall):
    token = await manager_token(hall)
    assert (await hall.get("/api/reports/monthly?month=2026-13", token))[0] == 400
    assert (await hall.get("/api/export/passwords.csv", token))[0] == 400


async def test_stats_report_csv_after_a_day(hall):
    await run_day(hall, DEMO_START)
    token = await manager_token(hall)
    status, stats = await hall.get(f"/api/stats?from={DAY}&to={DAY}&group_by=service", token)
    assert status == 200 and {g["key"] for g in stats["groups"]} >= {"business_setup", "invoice"}
    status, report = await hall.get(f"/api/reports/daily?day={DAY}", token)
    assert status == 200 and report["accepted"] == 5 and report["outcomes"]["immediate"] == 2
    assert "共受理各類事項5件" in report["text"]["zh-Hant"] and "即辦件2件" in report["text"]["zh-Hant"]
    assert "滿意率50.0%" in report["text"]["zh-Hant"]
    assert "共受理各类事项5件" in report["text"]["zh-Hans"] and "accepted 5 cases" in report["text"]["en"]
    status, monthly = await hall.get("/api/reports/monthly?month=2026-11", token)
    assert monthly["from"] == "2026-11-01" and monthly["to"] == "2026-11-30" and monthly["accepted"] >= 5
    status, bad = await hall.get(f"/api/ratings/bad?from={DAY}&to={DAY}", token)
    reasons = sorted((r["label"], r["rating_reason"]) for r in bad["ratings"])
    assert reasons == [("A002", "waited long"), ("B001", "rude")]


@pytest.mark.parametrize("table", ["visits", "segments", "window_time", "ratings", "bad_ratings", "services",
                                   "windows", "departments", "staff", "stats_service", "stats_hour"])
async def test_csv_parses(hall, table):
    await run_day(hall, DEMO_START)
    token = await manager_token(hall)
    status, ctype, text = await get_text(hall, f"/api/export/{table}.csv?from={DAY}&to={DAY}", token)
    assert status == 200 and ctype.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows, table
    if table == "visits":
        assert len(rows) == 9 and {r["label"] for r in rows} >= {"A001", "C001", "D001"}
    if table == "staff":
        assert all("pin" not in k for k in rows[0])


async def test_live_stats(hall):
    await hall.issue("invoice")
    token = await hall.sign_in(5)
    await hall.post("/api/windows/5/call-next", token)
    hall.clock.advance(20 * 60)
    await hall.issue("invoice")
    hall.clock.advance(11 * 60)
    status, live = await hall.get("/api/stats/live", await manager_token(hall))
    assert status == 200
    invoice = next(q for q in live["queues"] if q["service"] == "invoice")
    assert invoice["waiting"] == 1 and invoice["longest_wait_s"] == 11 * 60 and invoice["level"] == "warning"
    w5 = next(w for w in live["windows"] if w["number"] == 5)
    assert w5["status"] == "open" and w5["ticket"]["label"] == "D001" and w5["ticket"]["since_s"] == 31 * 60
    assert live["clerks"][0]["window"] == 5
    assert live["totals"]["counts"]["issued"] == 2 and len(live["devices"]) > 0


async def test_openapi_describes_stats(hall):
    status, spec = await hall.get("/api/openapi.json")
    ops = {op["operationId"]: op for path in spec["paths"].values() for op in path.values()}
    for name in ("getStats", "getLiveStats", "getDailyReport", "getMonthlyReport", "exportCsv", "getBadRatings"):
        assert ops[name]["description"] == "Roles: manager.", name
    assert {p["name"] for p in ops["getStats"]["parameters"]} == {"from", "to", "group_by"}
