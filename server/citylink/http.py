"""The hall's side of the city link in the app: started and stopped with the server (a cleanup
context), and its state for the manager board at GET /api/city/link."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from .. import appkeys as K
from ..actions.body import json_response
from ..api.endpoints import Endpoint
from ..api.router import Handler
from .catalogue import catalogue_of
from .settings import CitySettings

if TYPE_CHECKING:
    from .link import CityLink

# the link module (and asyncpg, 3 MB) is imported only by a hall that has a [city] table
CITY_LINK: web.AppKey[CityLink] = web.AppKey("city_link")

CITYLINK_ENDPOINTS = [
    Endpoint("GET", "/api/city/link", "getCityLink",
             "The city link: up to date, N events behind, last contact, or why it stopped",
             ("manager",), special="city_link", tag="city"),
]


async def city_link(request: web.Request) -> web.Response:
    from .link import LinkState
    link = request.app.get(CITY_LINK)
    state = link.state if link is not None else LinkState(status="off")
    return json_response(state.to_dict(request.app[K.CLOCK].now()))


CITYLINK_HANDLERS: dict[str, Handler] = {"city_link": city_link}


def setup_citylink(app: web.Application, db_path: Path) -> None:
    """The link only when configured; its route is always there (the board shows "off" without a
    [city] table): server/app.py serves CITYLINK_ENDPOINTS like every other table."""
    config = app[K.CONFIG]
    settings = CitySettings.from_table(config.city)
    if not settings.enabled:
        return

    from .link import CityLink
    link = CityLink(settings, db_path, catalogue_of(config.hall), now=app[K.CLOCK].now)
    app[CITY_LINK] = link

    async def start(app: web.Application) -> None:  # after the cleanup contexts: the database exists
        link.start()  # its own thread, loop and connections: the hall never waits for it

    async def stop(app: web.Application) -> None:
        await asyncio.to_thread(link.stop)
    app.on_startup.append(start)
    app.on_shutdown.append(stop)
