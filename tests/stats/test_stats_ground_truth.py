"""Every figure of a scripted day against numbers worked out by hand from the timeline in
scripted_day.py (not by the code under test). Minutes are converted to seconds here, nowhere else."""
from __future__ import annotations

import sqlite3

import pytest

from server import appkeys as K
from server.stats.figures import Query, compute
from server.stats.projection import rebuild_projection
from tests.conftest import DEMO_START
from tests.stats.scripted_day import DAY, run_day

M = 60.0

# waits (last call of the queue pass - queue entry), one per called segment:
# A001 4->5 (recall) = 5 min; A002 2->17 = 15 (the callback at 26 does not count); C001#0 5->8 = 3;
# C001#1 14->20 = 6; C001#2 35->36 = 1; APT1 30(slot)->40 = 10; B001 10->52 = 42; D001 42->61 = 19
WAITS_CALLED = sorted([5, 15, 3, 6, 1, 10, 42, 19])
WAITS_SERVED = sorted([5, 15, 1, 10, 42])  # A001, A002, C001#2, APT1, B001
HANDLING = sorted([10, 3, 2, 10, 1])  # A001 6->16, A002 27->30, C001#2 37->39, APT1 41->51, B001 52->53 (no start)


def nearest_rank(values, p):
    values = sorted(values)
    k = -(-len(values) * p // 100)  # ceil
    return values[k - 1]


@pytest.fixture
async def day_figures(hall, db_path):
    await run_day(hall, DEMO_START)
    conn = sqlite3.connect(db_path)
    yield lambda group="total": compute(conn, Query(hall.settings.hall, DAY, DAY, group))
    conn.close()


def one(result, key="all"):
    return next(g for g in result["groups"] if g["key"] == key)


async def test_counts_and_rates(day_figures):
    f = one(day_figures())
    c = f["counts"]
    assert c["issued"] == 7  # A001 A002 C001 B001 A003 APT1(A004) D001
    assert c["served"] == 5
    assert c["called"] == 8
    assert (c["no_shows"], c["no_show_marks"], c["callbacks"]) == (1, 2, 1)
    assert c["walk_outs"] == 1 and c["appointments"] == 1
    assert (c["transfers"], c["suspends"], c["recalls"]) == (1, 1, 1)
    assert c["handling_no_start"] == 1
    assert f["no_show_rate"] == {"value": 1 / 7, "numerator": 1, "denominator": 7}
    assert f["walk_out_rate"]["value"] == pytest.approx(1 / 7)
    assert f["recall_rate"] == {"value": 1 / 8, "numerator": 1, "denominator": 8}
    assert f["transfer_rate"]["value"] == pytest.approx(1 / 5)
    assert f["suspend_rate"]["value"] == pytest.approx(1 / 5)


async def test_times(day_figures):
    f = one(day_figures())
    for name, values in (("wait_called", WAITS_CALLED), ("wait_served", WAITS_SERVED), ("handling", HANDLING)):
        fig = f[name]
        assert fig["n"] == len(values), name
        assert fig["mean_s"] == pytest.approx(sum(values) * M / len(values)), name
        assert fig["p50_s"] == pytest.approx(nearest_rank(values, 50) * M), name
        assert fig["p90_s"] == pytest.approx(nearest_rank(values, 90) * M), name
    assert f["walking"]["n"] == 4 and f["walking"]["mean_s"] == pytest.approx(60)  # B001 had no start
    assert f["suspended"]["n"] == 1 and f["suspended"]["mean_s"] == pytest.approx(10 * M)  # 25 -> 35


async def test_service_levels(day_figures):
    f = one(day_figures())
    # served within target (20 min): all but B001 (42 min) -> 4 of 5
    assert f["service_level"] == {"value": 4 / 5, "numerator": 4, "denominator": 5}
    # strict: + D001 no-show after 19 min (invoice target 15) + A003 walked out after 43 min (18 -> last
    # activity at 61)
    assert f["strict_service_level"] == {"value": 4 / 7, "numerator": 4, "denominator": 7}


async def test_outcomes_and_ratings(day_figures):
    f = one(day_figures())
    assert {k: v["numerator"] for k, v in f["outcomes"].items() if v["numerator"]} == {
        "immediate": 2, "promised": 1, "supplement": 1, "reply": 1}
    assert f["outcomes"]["immediate"]["value"] == pytest.approx(2 / 5)
    assert f["counts"]["rated"] == 4 and f["counts"]["rating_expired"] == 1
    assert f["satisfaction_rate"] == {"value": 0.5, "numerator": 2, "denominator": 4}
    assert f["bad_review_rate"] == {"value": 0.5, "numerator": 2, "denominator": 4}
    assert f["active_rating_rate"] == {"value": 4 / 5, "numerator": 4, "denominator": 5}


async def test_windows_and_queue(day_figures):
    by_window = day_figures("window")
    w3, w5 = one(by_window, 3), one(by_window, 5)
    # w3 open 0 -> 70 min; held tickets (walking + handling): A001 1+10, A002 1+3, C001#1 1+4 (suspended),
    # C001#2 1+2, APT1 1+10, B001 0+1 = 35 min
    assert w3["open_s"] == pytest.approx(70 * M) and w3["paused_s"] == 0
    assert w3["utilisation"]["value"] == pytest.approx(35 / 70)
    assert w3["throughput_per_hour"] == pytest.approx(5 / (70 / 60))
    # w5 open 0 -> 30 and 60 -> 70, paused 30 -> 60; C001#0 walking 1 + handling 5 before the transfer
    assert w5["open_s"] == pytest.approx(40 * M) and w5["paused_s"] == pytest.approx(30 * M)
    assert w5["utilisation"]["value"] == pytest.approx(6 / 40)
    total = one(day_figures())
    assert total["peak_queue"] == 4  # at 35: B001, A003, APT1, C001#2
    # queue time (entry -> first call, or -> last activity for the walk-out), over 09:00 -> 10:01
    queue_minutes = 4 + 15 + 3 + 6 + 1 + 10 + 42 + 19 + 43
    assert total["mean_queue"] == pytest.approx(queue_minutes / 61)
    by_service = day_figures("service")
    assert one(by_service, "business_change")["peak_queue"] == 2
    assert one(by_service, "business_setup")["counts"]["issued"] == 4


async def test_groupings_add_up(day_figures):
    for group in ("service", "department", "clerk", "hour", "day", "weekday"):
        groups = day_figures(group)["groups"]
        assert sum(g["counts"]["served"] for g in groups) == 5, group
    assert [g["key"] for g in day_figures("hour")["groups"]] == [9]
    # market owns business_setup and business_change: every served segment (C001 ended in business_change)
    assert one(day_figures("department"), "market")["counts"]["served"] == 5
    assert one(day_figures("department"), "tax")["counts"]["issued"] == 2  # C001, D001
    assert one(day_figures("weekday"), 2)["counts"]["issued"] == 7  # a Wednesday


async def test_rebuild_gives_the_same_rows(hall, db_path):
    await run_day(hall, DEMO_START)
    conn = sqlite3.connect(db_path)
    before = conn.execute("SELECT * FROM segments ORDER BY ticket_id, segment").fetchall()
    windows = conn.execute("SELECT * FROM window_time ORDER BY day, window, start").fetchall()
    with conn:
        rebuild_projection(conn)
    assert conn.execute("SELECT * FROM segments ORDER BY ticket_id, segment").fetchall() == before
    assert conn.execute("SELECT * FROM window_time ORDER BY day, window, start").fetchall() == windows
    conn.close()


async def test_merged_groups_equal_the_total(day_figures):
    from server.stats.figures import merge
    total, merged = one(day_figures()), merge(day_figures("service")["groups"])
    for name in ("counts", "service_level", "strict_service_level", "satisfaction_rate", "no_show_rate", "outcomes"):
        assert merged[name] == total[name], name
    assert merged["wait_served"]["mean_s"] == pytest.approx(total["wait_served"]["mean_s"])


async def test_a_broken_projection_never_stops_the_hall(hall, db_path, caplog):
    """A fault in the statistics is logged and rolled back; the ticket is still issued and saved."""
    projector = hall.app[K.SERVICE].writer.projectors[0]
    original = projector._project

    def broken(conn, events):
        original(conn, events)
        raise RuntimeError("statistics bug")

    projector._project = broken
    status, issued = await hall.issue("invoice")
    assert status == 200, issued
    assert "statistics projection failed" in caplog.text
    projector._project = original
    status, _ = await hall.issue("invoice")
    assert status == 200
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == 2  # the day was re-read
    conn.close()
