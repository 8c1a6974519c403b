"""Administration: the hall's configuration as stored versions, changed live through one path.

`ENDPOINTS`/`HANDLERS` are one line of server.app.TABLES (the router serves them, roles from each
row); `setup_admin(app)` makes the configuration keeper, which at start loads the newest stored
configuration before the hall's state is rebuilt, and runs the rota's tick.
"""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from .. import appkeys as K
from .audit import AUDIT_ENDPOINTS, AUDIT_HANDLERS
from .http import ADMIN_ENDPOINTS, ADMIN_HANDLERS, KEEPER
from .onetime import ONE_TIME_ENDPOINTS, ONE_TIME_HANDLERS
from .live import ConfigKeeper, file_document

log = logging.getLogger("hallq.admin")
ENDPOINTS = ADMIN_ENDPOINTS + AUDIT_ENDPOINTS + ONE_TIME_ENDPOINTS  # one line of server.app.TABLES
HANDLERS = ADMIN_HANDLERS | AUDIT_HANDLERS | ONE_TIME_HANDLERS


def setup_admin(app: web.Application) -> None:
    keeper = ConfigKeeper(app[K.SERVICE], app[K.HUB], app[K.AUTH], app[K.CLOCK], file_document(app[K.CONFIG]))
    app[KEEPER] = keeper
    app.cleanup_ctx.insert(0, _load_config(keeper))  # before the storage context rebuilds the state
    app.cleanup_ctx.append(_rota_ticker)


def _load_config(keeper: ConfigKeeper):
    async def ctx(app: web.Application):
        await keeper.start()
        yield
    return ctx


async def _rota_ticker(app: web.Application):
    """On the service's tick interval: rota turns and timed notices whose time has come."""
    interval, keeper = app[K.SETTINGS].tick_interval_s, app[KEEPER]

    async def loop():
        while True:
            await asyncio.sleep(interval)
            try:
                await keeper.tick()
            except Exception:  # noqa: BLE001 - the rota must never stop the hall
                log.exception("rota tick failed")

    task = asyncio.create_task(loop()) if interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
