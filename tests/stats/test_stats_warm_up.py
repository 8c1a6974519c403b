"""Right after a start, a manager's statistics go before the warm-up: the 30-day figures, the
monthly report and the live figures are answered while the warm-up is still far from done, with at
most the one warm-up slice that was already running when each request arrived, and they equal the
answers given once the warm-up has finished. The live figures do not wait for a report either."""
from __future__ import annotations

import asyncio
import threading

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.app import create_app
from server.clock import ManualClock
from server.stats import demo_data
from server.stats.http import STATS_CACHE, STATS_READER, STATS_WARM_UP
from server.stats.warm_up import WARM_GROUPS
from tests.conftest import DEMO_START, HallClient

PATHS = ("/api/stats?from=2026-10-27&to=2026-11-25&group_by=service",
         "/api/reports/monthly?month=2026-11",
         "/api/stats/live")


def watch_warm_up(seen: dict):
    """A middleware recording, for each request, the warm-up's progress (slices done, and closed
    days' partials in memory) when it arrived and when it was answered."""
    def setup(app: web.Application) -> None:
        @web.middleware
        async def record(request: web.Request, handler):
            warm, cache = request.app[STATS_WARM_UP], request.app[STATS_CACHE]
            arrived, kept = warm.slices_done, len(cache)
            response = await handler(request)
            seen[request.path_qs] = (arrived, warm.slices_done, warm.finished.is_set(), len(cache) - kept)
            return response
        app.middlewares.append(record)
    return setup


async def _answers(hall: HallClient, token: str) -> list[dict]:
    replies = await asyncio.gather(*(hall.get(path, token) for path in PATHS))
    assert [status for status, _ in replies] == [200] * len(PATHS), replies
    return [body for _, body in replies]


async def _serve_one(hall: HallClient) -> None:
    await hall.issue("business_setup")
    await hall.issue("business_setup")
    clerk = await hall.sign_in(3)
    status, called = await hall.post("/api/windows/3/call-next", clerk)
    assert status == 200, called
    hall.clock.advance(240)
    status, body = await hall.post(f"/api/tickets/{called['ticket']['id']}/finish", clerk, {"outcome": "immediate"})
    assert status == 200, body


async def test_requests_go_before_the_warm_up(tmp_path, settings):
    db_path = tmp_path / "hallq.db"
    # the 31 days before today (Wednesday 25 Nov): 22 business days, about 13,000 visits
    demo_data.generate(str(db_path), demo_data.plans("2026-11-24", 31, 600, 1, settings.hall.center.timezone))
    seen: dict = {}
    clock = ManualClock(DEMO_START)
    app = create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0, extra_setup=(watch_warm_up(seen),))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    warm = app[STATS_WARM_UP]
    try:
        async with aiohttp.ClientSession() as session:
            hall = HallClient(server, session, settings, clock)
            token = await hall.manager_token()
            await _serve_one(hall)  # today so far: two tickets, one served
            assert (await hall.get("/api/stats/live", token))[0] == 200
            # the live figures alone keep nothing: what the cache gained is the warm-up's work while
            # they were answered, at most one slice (a day's sums and histograms of one grouping, and
            # the day's span); before, they waited for a whole 31-day step (30 days' partials and spans)
            assert seen.pop("/api/stats/live")[3] <= 3
            first = await _answers(hall, token)
            assert warm.slices_total == 30 * len(WARM_GROUPS)  # the closed days before yesterday
            for path in PATHS:
                arrived, answered, finished, _ = seen[path]
                assert not finished and answered < warm.slices_total // 2, (path, seen[path])
                assert answered - arrived <= 1, (path, seen[path])  # only the slice already running
            assert first[2]["totals"]["counts"]["issued"] == 2 and first[2]["totals"]["counts"]["served"] == 1
            assert first[0]["groups"] and first[1]["working_days"] == 18  # 2 to 24 Nov

            await asyncio.wait_for(warm.finished.wait(), 60)
            assert warm.slices_done == warm.slices_total
            assert (("2026-10-26", "clerk") in app[STATS_CACHE]  # the warm-up's oldest day
                    and ("2026-11-24", "total") not in app[STATS_CACHE])  # yesterday is never kept
            assert await _answers(hall, token) == first
    finally:
        await server.close()


async def test_live_figures_do_not_wait_for_a_report(hall):
    """Today's figures have a thread of their own: answered while the reports' thread is busy."""
    token = await hall.manager_token()
    release = threading.Event()
    report = asyncio.ensure_future(hall.app[STATS_READER].run(lambda conn: release.wait(10)))  # a long report
    try:
        status, body = await asyncio.wait_for(hall.get("/api/stats/live", token), 5)
        assert status == 200 and "totals" in body
        assert not report.done()
    finally:
        release.set()
        await report
