"""HTTP for managers: statistics, live figures, reports, CSV exports and bad ratings.

The endpoints join the one endpoint table (so OpenAPI describes them); every query runs on the
statistics reader's own thread, so a long report never blocks the event loop nor the readers the
floor uses. The start-up warm-up has a thread of its own and gives way to these requests
(server/stats/warm_up.py).
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date, timedelta

from aiohttp import web

from .. import appkeys as K
from ..actions.access import require
from ..actions.body import json_response
from ..domain.errors import DomainError
from ..store.reader import Reader
from .export import TABLES, export
from .figures import GROUPS, Query, compute, merge
from .live import live_board
from .report import build_report, month_range
from .store import PartialCache, save_new
from .warm_up import WarmUp

MANAGER = ("manager",)
STATS_READER = web.AppKey("stats_reader", Reader)
STATS_LIVE_READER = web.AppKey("stats_live_reader", Reader)  # today's figures: never behind a report
STATS_CACHE = web.AppKey("stats_cache", PartialCache)  # (closed business day, grouping) -> its partials
STATS_WARM_UP = web.AppKey("stats_warm_up", WarmUp)
MAX_DAYS = 800


# --- arguments --------------------------------------------------------------------------------------

def _date(raw: str | None, name: str, default: str) -> str:
    if raw in (None, ""):
        return default
    try:
        return date.fromisoformat(raw).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else _bad(name)
    except ValueError:
        return _bad(name)


def _bad(name: str):
    raise DomainError("invalid_argument", f"{name} must be a date YYYY-MM-DD", field=name)


def day_range(request: web.Request) -> tuple[str, str]:
    today = request.app[K.SERVICE].state.day
    day_to = _date(request.query.get("to"), "to", today)
    day_from = _date(request.query.get("from"), "from", day_to)
    if day_from > day_to:
        raise DomainError("invalid_argument", "from must not be after to", field="from")
    if date.fromisoformat(day_to) - date.fromisoformat(day_from) > timedelta(days=MAX_DAYS):
        raise DomainError("invalid_argument", f"at most {MAX_DAYS} days at once", field="from")
    return day_from, day_to


async def _run(request: web.Request, fn, *args):
    app = request.app
    async with app[STATS_WARM_UP].priority():  # the warm-up starts no slice until this is answered
        result = await app[STATS_READER].run(fn, *args)
        await persist_new(app)
    return result


async def persist_new(app: web.Application) -> None:
    """Write the closed days' partials computed by the last query (through the one writer)."""
    await save_new(app[STATS_READER], app[STATS_CACHE], app[K.SERVICE])


# --- handlers ---------------------------------------------------------------------------------------

async def stats(request: web.Request) -> web.Response:
    require(request, MANAGER)
    day_from, day_to = day_range(request)
    group_by = request.query.get("group_by") or "total"
    if group_by not in GROUPS:
        raise DomainError("invalid_argument", "group_by must be one of " + ", ".join(GROUPS), field="group_by")
    service = request.app[K.SERVICE]
    query = Query(service.hall, day_from, day_to, group_by, now=request.app[K.CLOCK].now())
    return json_response(await _run(request, compute, query, request.app[STATS_CACHE], service.state.day))


async def stats_live(request: web.Request) -> web.Response:
    require(request, MANAGER)
    service, now = request.app[K.SERVICE], request.app[K.CLOCK].now()
    service._turn_day_if_due()
    hub = request.app.get(K.HUB)
    devices = hub.device_list() if hub is not None and hasattr(hub, "device_list") else []
    board = live_board(service.state, service.hall, now, devices)
    day = service.state.day
    async with request.app[STATS_WARM_UP].priority():  # today's rows only: nothing to keep
        today = await request.app[STATS_LIVE_READER].run(_today_figures, Query(service.hall, day, day, "service",
                                                                                now=now))
    return json_response(board | today)


def _today_figures(conn, query: Query) -> dict:
    """One pass over today's rows, by service; the hall's totals are those groups merged."""
    by_service = compute(conn, replace(query, group_by="service", percentiles=False))["groups"]
    return {"totals": merge(by_service) or None, "by_service": by_service}


async def report_daily(request: web.Request) -> web.Response:
    require(request, MANAGER)
    day = _date(request.query.get("day"), "day", request.app[K.SERVICE].state.day)
    return json_response(await _report(request, day, day, "daily"))


async def report_monthly(request: web.Request) -> web.Response:
    require(request, MANAGER)
    month = request.query.get("month") or request.app[K.SERVICE].state.day[:7]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise DomainError("invalid_argument", "month must be YYYY-MM", field="month")
    day_from, day_to = month_range(month)
    return json_response(await _report(request, day_from, day_to, "monthly"))


async def _report(request: web.Request, day_from: str, day_to: str, kind: str) -> dict:
    service = request.app[K.SERVICE]
    return await _run(request, build_report, service.hall, day_from, day_to, kind, request.app[STATS_CACHE],
                      service.state.day)


async def export_csv(request: web.Request) -> web.Response:
    require(request, MANAGER)
    table = request.match_info["table"]
    if table not in TABLES:
        raise DomainError("invalid_argument", "table must be one of " + ", ".join(TABLES), field="table")
    day_from, day_to = day_range(request)
    text = await _run(request, export, request.app[K.SERVICE].hall, table, day_from, day_to)
    name = f"hallq-{table}-{day_from}-{day_to}.csv"
    return web.Response(body=text.encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def bad_ratings(request: web.Request) -> web.Response:
    require(request, MANAGER)
    day_from, day_to = day_range(request)
    return json_response({"from": day_from, "to": day_to, "ratings": await _run(request, _bad_list, day_from, day_to)})


def _bad_list(conn, day_from: str, day_to: str) -> list[dict]:
    rows = conn.execute(
        "SELECT s.day, t.label, s.ticket_id, s.segment, s.service, s.window, s.staff, s.rating, s.rating_reason, "
        "s.rated_at FROM segments s LEFT JOIN tickets t ON t.id = s.ticket_id WHERE s.rating IN "
        "('dissatisfied', 'very_dissatisfied') AND s.day BETWEEN ? AND ? ORDER BY s.rated_at DESC LIMIT 1000",
        (day_from, day_to))
    return [dict(r) for r in rows]


STATS_HANDLERS = {"stats": stats, "stats_live": stats_live, "report_daily": report_daily,
                  "report_monthly": report_monthly, "export_csv": export_csv, "bad_ratings": bad_ratings}


def setup_stats(app: web.Application, db_path) -> None:
    """The statistics reader: one thread of its own, so reports queue behind each other, not the
    floor; today's live figures (one day's rows, tens of ms) on a second, so a board never waits
    for a month's report; the warm-up on a third while it lasts, giving way to both."""
    app[STATS_READER] = Reader(db_path, threads=1)
    app[STATS_LIVE_READER] = Reader(db_path, threads=1)
    app[STATS_CACHE] = PartialCache()
    app[STATS_WARM_UP] = WarmUp()
    tasks: list[asyncio.Task] = []

    async def stop_warming(app: web.Application) -> None:  # on shutdown: before the writer stops
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def ctx(app: web.Application):
        yield
        await stop_warming(app)  # a start that failed half-way has no shutdown
        app[STATS_READER].close()
        app[STATS_LIVE_READER].close()

    async def warm(app: web.Application) -> None:  # after every cleanup context: the state is loaded
        service = app[K.SERVICE]
        tasks.append(asyncio.create_task(
            app[STATS_WARM_UP].run(db_path, service.hall, service.state.day, app[STATS_CACHE], service)))
    app.cleanup_ctx.append(ctx)
    app.on_startup.append(warm)
    app.on_shutdown.append(stop_warming)
