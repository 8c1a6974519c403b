"""The audit log for managers (GET /api/admin/audit): every change, sign-in and failed sign-in, PIN
reset, token rotation, cancel and reprint that the hall records (server/store/audit.py), filtered by
day range, action and person, as JSON or as CSV with formula-like cells neutralised."""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

from aiohttp import web

from .. import appkeys as K
from ..actions.body import json_response
from ..api.endpoints import Endpoint
from ..api.fields import Field
from ..csvsafe import SafeWriter
from ..domain.calendar import day_start, iso_local
from ..domain.errors import DomainError
from ..store.audit import audit_rows

MAX_ROWS = 5000
MAX_DAYS = 400

AUDIT_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/admin/audit", "getAuditLog",
             "The audit log: who did what, when, from which device, before and after (JSON or CSV)", ("manager",),
             special="admin_audit", tag="admin", errors=("invalid_argument",),
             query={"from": Field("string", doc="First day YYYY-MM-DD (default: to).", max_length=10),
                    "to": Field("string", doc="Last day YYYY-MM-DD (default: today).", max_length=10),
                    "action": Field("string", doc="Only this action (config_change, sign_in, ...).", max_length=40),
                    "actor": Field("string", doc="Only this staff number or device id.", max_length=40),
                    "format": Field("string", doc="json (default) or csv.", enum=("json", "csv"))}),
)


def _day(raw: str | None, name: str, default: str) -> str:
    if not raw:
        return default
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    raise DomainError("invalid_argument", f"{name} must be a date YYYY-MM-DD", field=name)


def _range(request: web.Request) -> tuple[str, str]:
    today = request.app[K.SERVICE].state.day
    day_to = _day(request.query.get("to"), "to", today)
    day_from = _day(request.query.get("from"), "from", day_to)
    if day_from > day_to:
        raise DomainError("invalid_argument", "from must not be after to", field="from")
    if date.fromisoformat(day_to) - date.fromisoformat(day_from) > timedelta(days=MAX_DAYS):
        raise DomainError("invalid_argument", f"at most {MAX_DAYS} days at once", field="from")
    return day_from, day_to


def _text(value: str | None, name: str) -> str | None:
    if value in (None, ""):
        return None
    if len(value) > 40:
        raise DomainError("invalid_argument", f"{name} is longer than 40 characters", field=name)
    return value


async def get_audit(request: web.Request) -> web.StreamResponse:
    day_from, day_to = _range(request)
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise DomainError("invalid_argument", "format must be json or csv", field="format")
    service = request.app[K.SERVICE]
    center = service.hall.center
    next_day = (date.fromisoformat(day_to) + timedelta(days=1)).isoformat()
    since = day_start(day_from, center.timezone, center.day_boundary_min)
    until = day_start(next_day, center.timezone, center.day_boundary_min)
    rows = await service.reader.run(audit_rows, since, until, _text(request.query.get("action"), "action"),
                                    _text(request.query.get("actor"), "actor"), MAX_ROWS)
    for row in rows:
        row["at_local"] = iso_local(row["at"], center.timezone)
    if fmt == "json":
        return json_response({"from": day_from, "to": day_to, "rows": rows, "truncated": len(rows) == MAX_ROWS})
    return web.Response(text=_csv(rows), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="audit-{day_from}-{day_to}.csv"'})


CSV_COLUMNS = ("at_local", "actor", "device", "action", "target", "before", "after")


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # a spreadsheet then reads the Chinese text as UTF-8
    writer = SafeWriter(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_cell(row[c]) for c in CSV_COLUMNS] for row in rows)
    return out.getvalue()


def _cell(value) -> object:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, (dict, list)) else value


AUDIT_HANDLERS = {"admin_audit": get_audit}
