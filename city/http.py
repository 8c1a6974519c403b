"""The city dashboard's HTTP API: sign-in, every hall live, a hall's drill-down, comparisons across
halls, the daily and monthly report, CSV. Every answer is JSON (errors as {"error": {code, message}})."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, timedelta
from collections.abc import Awaitable, Callable

from aiohttp import web

from server.actions.body import json_response
from server.domain.errors import DomainError
from server.security import hash_token, new_token, verify_pin
from server.stats.figures import GROUPS
from server.stats.report import month_range

from . import keys as K
from . import store
from .report import COMPARE_BY, city_report, compare_csv, compare_rows, hall_part, report_csv
from .sync import overview_row

MAX_DAYS = 400


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    name: str
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    summary: str
    public: bool = False


# --- helpers ---------------------------------------------------------------------------------------

async def signed_in(request: web.Request) -> dict:
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.startswith("Bearer ") else ""
    who = await store.session(request.app[K.POOL], hash_token(token), request.app[K.CLOCK].now()) if token else None
    if who is None:
        raise DomainError("unauthorized", "sign in as a city manager (Authorization: Bearer ...)")
    return who


def _date(raw: str | None, name: str, default: str) -> str:
    if raw in (None, ""):
        return default
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    raise DomainError("invalid_argument", f"{name} must be a date YYYY-MM-DD", field=name)


def _today(request: web.Request) -> str:
    """The city's today: the newest business day among the halls (they share a time zone in practice)."""
    now = request.app[K.CLOCK].now()
    days = [m.today(now) for m in request.app[K.CITY].mirrors.values()]
    return max(days) if days else date.today().isoformat()


def _range(request: web.Request) -> tuple[str, str]:
    day_to = _date(request.query.get("to"), "to", _today(request))
    day_from = _date(request.query.get("from"), "from", day_to)
    if day_from > day_to:
        raise DomainError("invalid_argument", "from must not be after to", field="from")
    if date.fromisoformat(day_to) - date.fromisoformat(day_from) > timedelta(days=MAX_DAYS):
        raise DomainError("invalid_argument", f"at most {MAX_DAYS} days at once", field="from")
    return day_from, day_to


def _csv(text: str, name: str) -> web.Response:
    return web.Response(body=text.encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _wants_csv(request: web.Request) -> bool:
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise DomainError("invalid_argument", "format must be json or csv", field="format")
    return fmt == "csv"


async def _body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise DomainError("malformed_request", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise DomainError("malformed_request", "the body must be a JSON object")
    return body


# --- sign-in ---------------------------------------------------------------------------------------

async def sign_in(request: web.Request) -> web.Response:
    body = await _body(request)
    login, pin = body.get("login"), body.get("pin")
    if not isinstance(login, str) or not isinstance(pin, str) or not login or not pin:
        raise DomainError("invalid_argument", "login and pin are required strings", field="login")
    limiter, now = request.app[K.LIMITER], request.app[K.CLOCK].now()
    wait = limiter.retry_after(login, now)
    if wait:
        raise DomainError("too_many_attempts", f"too many failed sign-ins; try again in {wait} s")
    who = await store.manager(request.app[K.POOL], login)
    if who is None or not await asyncio.to_thread(verify_pin, pin, who["pin_hash"]):
        limiter.hit(login, now)
        raise DomainError("unauthorized", "wrong login or PIN")
    limiter.clear(login)
    token = new_token()
    expires = now + request.app[K.SESSION_TTL_S]
    await store.add_session(request.app[K.POOL], hash_token(token), login, now, expires)
    return json_response({"token": token, "login": login, "name": who["name"], "expires_at": expires})


async def sign_out(request: web.Request) -> web.Response:
    await signed_in(request)
    token = request.headers["Authorization"][7:]
    await store.drop_session(request.app[K.POOL], hash_token(token))
    return json_response({"signed_out": True})


async def me(request: web.Request) -> web.Response:
    return json_response(await signed_in(request))


# --- the board -------------------------------------------------------------------------------------

async def overview(request: web.Request) -> web.Response:
    """Every hall live: a lookup of what the sync keeps, plus the link's lag."""
    await signed_in(request)
    city, now = request.app[K.CITY], request.app[K.CLOCK].now()
    halls = [overview_row(info, city.mirror(hall_id), now) for hall_id, info in sorted(city.halls.items())]
    return json_response({"city": request.app[K.NAME], "halls": halls})


def _mirror(request: web.Request):
    hall_id = request.match_info["hall_id"]
    mirror = request.app[K.CITY].mirror(hall_id)
    if mirror is None:
        raise DomainError("not_found", f"no hall {hall_id!r} has sent its events to the city yet")
    return mirror


async def hall_stats(request: web.Request) -> web.Response:
    """A hall's drill-down: the same answer as the hall's own GET /api/stats for the same query."""
    await signed_in(request)
    mirror = _mirror(request)
    day_from, day_to = _range(request)
    group_by = request.query.get("group_by") or "total"
    if group_by not in GROUPS:
        raise DomainError("invalid_argument", "group_by must be one of " + ", ".join(GROUPS), field="group_by")
    result = await mirror.run(mirror.figures, day_from, day_to, group_by, request.app[K.CLOCK].now())
    info = request.app[K.CITY].halls.get(mirror.hall_id, {})
    return json_response(result | {"hall_id": mirror.hall_id, "name": mirror.hall.center.name.to_dict(),
                                   "catalogue": info.get("catalogue")})


async def compare(request: web.Request) -> web.Response:
    await signed_in(request)
    day_from, day_to = _range(request)
    by = request.query.get("by") or "department"
    if by not in COMPARE_BY:
        raise DomainError("invalid_argument", "by must be department or service", field="by")
    csv_wanted, now = _wants_csv(request), request.app[K.CLOCK].now()
    mirrors = sorted(request.app[K.CITY].mirrors.values(), key=lambda m: m.hall_id)
    parts = await asyncio.gather(*(m.run(compare_rows, m, day_from, day_to, by, now) for m in mirrors))
    rows = [r for part in parts for r in part]
    if csv_wanted:
        return _csv(compare_csv(rows), f"hallq-city-{by}-{day_from}-{day_to}.csv")
    return json_response({"from": day_from, "to": day_to, "by": by, "rows": rows})


async def _report(request: web.Request, day_from: str, day_to: str, kind: str) -> web.Response:
    await signed_in(request)
    csv_wanted, now = _wants_csv(request), request.app[K.CLOCK].now()
    mirrors = sorted(request.app[K.CITY].mirrors.values(), key=lambda m: m.hall_id)
    parts = await asyncio.gather(*(m.run(hall_part, m, day_from, day_to, kind, now) for m in mirrors))
    report = city_report(list(parts), day_from, day_to, kind, request.app[K.NAME], len(request.app[K.CITY].halls))
    if csv_wanted:
        return _csv(report_csv(report), f"hallq-city-{kind}-{day_from}-{day_to}.csv")
    return json_response(report)


async def report_daily(request: web.Request) -> web.Response:
    day = _date(request.query.get("day"), "day", _today(request))
    return await _report(request, day, day, "daily")


async def report_monthly(request: web.Request) -> web.Response:
    month = request.query.get("month") or _today(request)[:7]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise DomainError("invalid_argument", "month must be YYYY-MM", field="month")
    return await _report(request, *month_range(month), "monthly")


async def report_range(request: web.Request) -> web.Response:
    day_from, day_to = _range(request)
    return await _report(request, day_from, day_to, "range")


ROUTES = (
    Route("POST", "/api/sessions", "citySignIn", sign_in, "Sign in as a city manager: {login, pin} -> {token}", True),
    Route("DELETE", "/api/sessions", "citySignOut", sign_out, "Sign out (the token stops working)"),
    Route("GET", "/api/me", "cityMe", me, "Who is signed in"),
    Route("GET", "/api/halls", "cityHalls", overview, "Every hall live: waiting, longest wait, windows open, "
          "service level and satisfaction today, the link's lag"),
    Route("GET", "/api/halls/{hall_id}/stats", "cityHallStats", hall_stats, "A hall's figures for from..to by "
          "group_by: the hall's own GET /api/stats answer"),
    Route("GET", "/api/compare", "cityCompare", compare, "Halls side by side by department or service "
          "(by=, from=, to=, format=json|csv)"),
    Route("GET", "/api/report/daily", "cityReportDaily", report_daily,
          "The city's daily report (day=, format=json|csv)"),
    Route("GET", "/api/report/monthly", "cityReportMonthly", report_monthly,
          "The city's monthly report (month=YYYY-MM, format=json|csv)"),
    Route("GET", "/api/report", "cityReport", report_range, "The city's report for from..to (format=json|csv)"),
)
