"""`hallq city serve`: the city dashboard, one small aiohttp app in the hall's style (app factory,
typed keys, long-lived resources as cleanup contexts, JSON errors)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from aiohttp import web

from server.api.middleware import errors, security_headers
from server.clock import SystemClock
from server.ratelimit import SlidingLimiter

from . import keys as K
from .http import ROUTES
from .sync import CityState, sync_forever

WEB = Path(__file__).resolve().parent / "web"
COMMON = Path(__file__).resolve().parent.parent / "server" / "web"
DEFAULT_NAME = {"zh-Hans": "市政务服务中心", "zh-Hant": "市政務服務中心", "en": "City Administrative Service Center"}


@dataclass(frozen=True)
class CityConfig:
    dsn: str
    cache_dir: str = "var/city-cache"
    name: dict = field(default_factory=lambda: dict(DEFAULT_NAME))
    password: str | None = None  # the hallq_city role's password (from a file or the environment)
    sync_s: float = 2.0
    summary_s: float = 5.0  # a busy hall's overview figures are recomputed at most this often
    session_ttl_h: float = 12.0
    signin_max_failures: int = 5
    signin_lockout_s: int = 300
    pool_size: int = 4


def create_city_app(config: CityConfig, clock=None) -> web.Application:
    app = web.Application(client_max_size=65536, middlewares=[security_headers, errors])
    app[K.CONFIG] = config
    app[K.CLOCK] = clock or SystemClock()
    app[K.NAME] = dict(config.name)
    app[K.SESSION_TTL_S] = config.session_ttl_h * 3600
    app[K.LIMITER] = SlidingLimiter(config.signin_max_failures, config.signin_lockout_s)
    app[K.CITY] = CityState(Path(config.cache_dir), summary_s=config.summary_s)
    app[K.SYNCED] = asyncio.Event()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_sync)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler, name=route.name)
    app.router.add_static("/city/", WEB, follow_symlinks=False, name="pages-city")
    app.router.add_static("/common/", COMMON, follow_symlinks=False, name="pages-common")
    app.router.add_get("/", _index)
    return app


async def _database(app: web.Application):
    config = app[K.CONFIG]
    app[K.POOL] = await asyncpg.create_pool(config.dsn, password=config.password, min_size=1,
                                            max_size=config.pool_size, command_timeout=60)
    yield
    await app[K.POOL].close()


async def _sync(app: web.Application):
    """Mirrors follow PostgreSQL in the background; the mirrors' threads close at shutdown."""
    task = asyncio.create_task(sync_forever(app[K.POOL], app[K.CITY], app[K.CLOCK], app[K.CONFIG].sync_s,
                                            app[K.SYNCED]))
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.to_thread(app[K.CITY].close)


async def _index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/city/index.html")
