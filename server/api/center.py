"""The hall as the public may know it (GET /api/center): its name, default language, notice and
every service's guide. Pages read it before any sign-in: the staff sign-in forms start in the
hall's language, the phone page follows it, the kiosk and counter show the guides."""
from __future__ import annotations

from aiohttp import web

from .. import appkeys as K
from ..views import center_view
from .endpoints import Endpoint
from ..actions.body import json_response

CENTER_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/center", "getCenter",
             "The hall for everyone: name, default language, notice, services with their guides (public)",
             (), special="center", tag="hall"),
    Endpoint("GET", "/api/staff", "getStaff", "Staff numbers, names, roles and windows (manager pages show names)",
             ("manager",), special="staff", tag="stats"),
)


async def center(request: web.Request) -> web.Response:
    """Public and unchanging while the server runs: the configuration, never the queue."""
    response = json_response(center_view(request.app[K.SERVICE].hall))
    response.headers["Cache-Control"] = "no-cache"
    return response


async def staff(request: web.Request) -> web.Response:
    """Who is who, for the manager's tables: never PINs or their hashes."""
    hall = request.app[K.SERVICE].hall
    return json_response({"staff": [{"number": s.number, "name": s.name, "role": s.role, "windows": list(s.windows)}
                                    for s in hall.staff]})


CENTER_HANDLERS = {"center": center, "staff": staff}
