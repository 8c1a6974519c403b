"""Closed days' partials: kept in memory and in SQLite, and figures from kept partials are the
figures from the rows."""
from __future__ import annotations

import sqlite3

from server.stats.figures import GROUPS, Query, compute
from server.stats.http import STATS_CACHE
from server.stats.report import build_report
from server.stats.store import PartialCache, decode, encode
from tests.conftest import DEMO_START
from tests.stats.scripted_day import DAY, manager_token, run_day


async def test_kept_partials_give_the_same_figures(hall, db_path):
    await run_day(hall, DEMO_START)
    conn = sqlite3.connect(db_path)
    for group in GROUPS:
        query = Query(hall.settings.hall, "2026-11-20", DAY, group)
        fresh = compute(conn, query)
        cache = PartialCache()
        assert compute(conn, query, cache, "2026-11-30") == fresh, group
        restored = PartialCache()
        restored.load(cache.take_new().rows)
        assert compute(conn, query, restored, "2026-11-30") == fresh, group
    conn.close()


async def test_a_request_keeps_the_closed_days(hall, db_path):
    await run_day(hall, DEMO_START)
    hall.clock.set(DEMO_START + 2 * 86400)  # two days later: DAY is settled
    await hall.issue("invoice")
    status, _ = await hall.get(f"/api/stats?from={DAY}&to={DAY}&group_by=window", await manager_token(hall))
    assert status == 200
    assert (DAY, "window") in hall.app[STATS_CACHE]
    conn = sqlite3.connect(db_path)
    # written through the writer before the answer was sent
    kept = conn.execute("SELECT grouping FROM stats_partials WHERE day = ? ORDER BY 1", (DAY,)).fetchall()
    assert kept == [("_span",), ("window",), ("window/hist",)]
    conn.close()


async def test_a_missing_day_is_restored_from_the_kept_partials(hall, db_path):
    """A request reaching a closed day the warm-up has not loaded yet reads its kept partials, not
    the rows (shown by removing the rows: the figures stay those of the day)."""
    await run_day(hall, DEMO_START)
    conn = sqlite3.connect(db_path)
    query = Query(hall.settings.hall, DAY, DAY, "service")
    cache = PartialCache()
    figures = compute(conn, query, cache, "2026-11-30")
    with conn:
        cache.take_new().run(conn)
        conn.execute("DELETE FROM segments WHERE day = ?", (DAY,))
    assert compute(conn, query)["groups"] == []  # the rows are gone
    restored = PartialCache()
    assert compute(conn, query, restored, "2026-11-30") == figures
    assert (DAY, "service") in restored and not restored.take_new().rows  # loaded, not new: nothing to write again
    conn.close()


def test_sums_and_histograms_are_kept_apart():
    """A grouping's sums and its histograms (bins and counts as two lists) are two kept values: a
    report, which needs no percentiles, restores only the first."""
    sums = {"invoice": {"row": {"served": 3}, "wt": (3600.0, 60.0)}}
    hists = {"invoice": {"wait_called": {30: 2, 610: 1}}}
    assert decode("service", encode("service", sums)) == sums
    assert decode("service/hist", encode("service/hist", hists)) == hists
    assert encode("service/hist", hists) == '[["invoice",{"wait_called":{"b":[30,610],"n":[2,1]}}]]'
    assert decode("_span", encode("_span", 5400.0)) == 5400.0
    assert encode("service", sums) == '{"cols":["served"],"groups":[["invoice",[3],[3600.0,60.0]]]}'
    assert decode("service", '[["invoice",{"row":{"served":3},"wt":[3600.0,60.0]}]]') == sums  # kept before


async def test_a_report_neither_computes_nor_keeps_histograms(hall, db_path):
    await run_day(hall, DEMO_START)
    conn = sqlite3.connect(db_path)
    cache = PartialCache()
    report = build_report(conn, hall.settings.hall, DAY, DAY, "daily", cache, "2026-11-30")
    assert report["accepted"] > 0
    assert {kind for _, kind in cache} == {"_span", "total", "department", "window", "clerk"}
    conn.close()
