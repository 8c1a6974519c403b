"""The hall's side of the city link in the app: started and stopped with the server (a cleanup
context), and its state for the manager board at GET /api/city/link."""
from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from .. import appkeys as K
from ..actions.body import json_response
from ..api.endpoints import Endpoint
from ..api.router import Handler
from .catalogue import catalogue_of
from .link import CityLink, LinkState
from .settings import CitySettings

CITY_LINK = web.AppKey("city_link", CityLink)

CITYLINK_ENDPOINTS = [
    Endpoint("GET", "/api/city/link", "getCityLink",
             "The city link: up to date, N events behind, last contact, or why it stopped",
             ("manager",), special="city_link", tag="city"),
]


async def city_link(request: web.Request) -> web.Response:
    link = request.app.get(CITY_LINK)
    state = link.state if link is not None else LinkState(status="off")
    return json_response(state.to_dict(request.app[K.CLOCK].now()))


CITYLINK_HANDLERS: dict[str, Handler] = {"city_link": city_link}


def setup_citylink(app: web.Application, db_path: Path) -> None:
    """The link only when configured; its route is always there (the board shows "off" without a
    [city] table): server/app.py serves CITYLINK_ENDPOINTS like every other table."""
    settings = CitySettings.from_table(app[K.CONFIG].city)
    if not settings.enabled:
        return

    link = CityLink(settings, db_path, catalogue_of(app[K.CONFIG].hall), now=app[K.CLOCK].now)
    app[CITY_LINK] = link

    async def start(app: web.Application) -> None:  # after the cleanup contexts: the database exists
        link.start()  # its own thread, loop and connections: the hall never waits for it

    async def stop(app: web.Application) -> None:
        await asyncio.to_thread(link.stop)
    app.on_startup.append(start)
    app.on_shutdown.append(stop)
