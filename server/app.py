"""The one app factory: routes, typed app keys, and every long-lived resource as a cleanup context."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from . import appkeys as K
from .api.endpoints import ENDPOINTS, OTHER_ENDPOINTS
from .api.center import CENTER_ENDPOINTS, CENTER_HANDLERS
from .api.guide_desk import GUIDE_DESK_ENDPOINTS, GUIDE_DESK_HANDLERS
from .api.kiosk_handlers import KIOSK_HANDLERS
from .actions.session_end import end_lapsed
from .api.middleware import errors, security_headers
from .api.openapi import build_spec
from .api.reads import READ_HANDLERS
from .api.router import add_endpoints
from .api.sessions import SESSION_HANDLERS
from .auth import Authenticator, Session
from .clock import SystemClock
from .config import Settings
from .actions.signin_guard import SignInGuard
from .ratelimit import GrowingDelay, SlidingLimiter
from .service import HallService
from .store.queries import live_sessions
from .store.reader import Reader
from .store.writer import Writer
from .stats.http import STATS_HANDLERS, setup_stats
from .citylink.http import CITYLINK_ENDPOINTS, CITYLINK_HANDLERS, setup_citylink
from .stats.projection import StatsProjector
from .supervision.http import SUPERVISION_ENDPOINTS, SUPERVISION_HANDLERS, setup_supervision
from .supervision.projector import SupervisionProjector
from .hub.endpoint import ws_handler
from .hub.hub import Hub
from .voice.assemble import ClipLibrary, is_safe_clip_id, voice_problems
from .voice.templates import VoiceSettings, announcement_for

log = logging.getLogger("hallq.app")
# Every endpoint table the app serves, each with the handlers of its hand-written rows. The router
# serves them all alike (roles from the row), and the OpenAPI description and the authorization
# tests read the same list. A new part of the server adds one line here.
TABLES = (
    (ENDPOINTS + OTHER_ENDPOINTS, SESSION_HANDLERS | READ_HANDLERS | KIOSK_HANDLERS | STATS_HANDLERS),
    (CITYLINK_ENDPOINTS, CITYLINK_HANDLERS),
    (SUPERVISION_ENDPOINTS, SUPERVISION_HANDLERS),
    (CENTER_ENDPOINTS, CENTER_HANDLERS),  # the public hall description and staff names
    (GUIDE_DESK_ENDPOINTS, GUIDE_DESK_HANDLERS),  # the guide desk's reads
)
ROOT = Path(__file__).resolve().parent.parent
PAGES = {"display": ROOT / "display" / "web", "counter": ROOT / "counter" / "web",
         "kiosk": ROOT / "kiosk" / "web", "manager": ROOT / "manager" / "web"}


@dataclass
class Runtime:
    """Server settings the running app reads; public_url is fixed once the port is known."""

    public_url: str
    session_ttl_h: float
    tick_interval_s: float = 5.0


def create_app(config: Settings, clock=None, db_path: str | Path | None = None,
               tick_interval_s: float = 5.0, extra_setup=()) -> web.Application:
    server = config.server
    app = web.Application(client_max_size=server.max_body_bytes, middlewares=[security_headers, errors])
    clock = clock or SystemClock()
    app[K.CONFIG] = config
    app[K.SETTINGS] = Runtime(server.public_url.rstrip("/"), server.session_ttl_h, tick_interval_s)
    app[K.CLOCK] = clock
    app[K.AUTH] = Authenticator(config.hall)
    app[K.SIGNIN_GUARD] = SignInGuard(GrowingDelay(server.signin_max_failures, server.signin_lockout_s))
    app[K.KIOSK_LIMITER] = SlidingLimiter(server.kiosk_rate_per_min, 60)
    endpoints = [ep for rows, _ in TABLES for ep in rows]
    app[K.ENDPOINTS] = endpoints
    app[K.OPENAPI] = build_spec(endpoints)
    voice = VoiceSettings.from_dict(config.voice)
    sounds = ClipLibrary(_sounds_dir(voice))
    path = Path(db_path or server.db_path)
    _build_core(app, path, voice)
    setup_stats(app, path)  # manager statistics: their own reader thread
    setup_citylink(app, path)  # the optional link to the city's PostgreSQL (docs/city.md)
    app.cleanup_ctx.append(_storage(voice, sounds))
    app.cleanup_ctx.append(_ticker)
    setup_supervision(app)  # case actions' lock, deletion of expired call-back numbers
    app.on_shutdown.append(_close_sockets)
    _add_routes(app, sounds)
    for setup in extra_setup:
        setup(app)
    return app


def _sounds_dir(voice: VoiceSettings) -> Path:
    configured = Path(getattr(voice, "sounds_dir", "sounds"))
    return configured if configured.is_absolute() else ROOT / configured


def _build_core(app: web.Application, path: Path, voice: VoiceSettings) -> None:
    """Everything long-lived is built here (no I/O) and started by the cleanup context."""
    announce = (lambda label, window, recall: announcement_for(label, window, recall, voice))
    config = app[K.CONFIG]
    supervision = SupervisionProjector(config.hall, config.calendar, config.supervision)  # opens bad-review cases
    writer = Writer(path, projectors=(StatsProjector(), supervision),  # their rows in the same transaction
                    busy_timeout_s=config.server.db_busy_timeout_s)
    service = HallService(app[K.CONFIG].hall, app[K.CLOCK], writer, Reader(path), announce=announce)
    hub = Hub(service.hall, app[K.CLOCK])
    service.publisher = hub
    app[K.SERVICE] = service
    app[K.HUB] = hub


def _storage(voice: VoiceSettings, sounds: ClipLibrary):
    async def ctx(app: web.Application):
        service = app[K.SERVICE]
        service.writer.start()
        await service.load()
        _restore_sessions(app, await service.reader.run(live_sessions, app[K.CLOCK].now()))
        for problem in voice_problems(sounds, voice):
            log.warning("voice: %s (calls still show on screens; the chime still plays)", problem)
        yield
        await service.writer.stop()
        service.reader.close()
    return ctx


def _restore_sessions(app: web.Application, rows) -> None:
    """Staff sessions survive a restart (a clerk's page reconnects without signing in again)."""
    for r in rows:
        app[K.AUTH].sessions[r["token_hash"]] = Session(r["token_hash"], r["role"], r["staff"], r["window"],
                                                         r["created_at"], r["expires_at"])


async def _ticker(app: web.Application):
    """Housekeeping on the injected clock: the day's turn and rating expiry."""
    interval = app[K.SETTINGS].tick_interval_s

    async def loop():
        while True:
            await asyncio.sleep(interval)
            try:
                await app[K.SERVICE].tick()
                end_lapsed(app)  # sessions that ended by time, devices revoked: their sockets close
            except Exception:  # noqa: BLE001 - housekeeping must never stop
                log.exception("tick failed")

    task = asyncio.create_task(loop()) if interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _add_routes(app: web.Application, sounds: ClipLibrary) -> None:
    for rows, handlers in TABLES:
        add_endpoints(app, rows, handlers)
    app.router.add_get("/api/ws", ws_handler, name="websocket")
    app.router.add_get("/sounds/{clip:.+}.wav", _sound_handler(sounds))
    for name, folder in PAGES.items():
        if folder.is_dir():
            app.router.add_static(f"/{name}/", folder, follow_symlinks=False, name=f"pages-{name}")
    app.router.add_static("/common/", ROOT / "server" / "web", follow_symlinks=False, name="pages-common")
    app.router.add_get("/favicon.ico", _favicon)  # pages link /common/favicon.svg; this answers browsers that ask anyway
    app.router.add_get("/t/{token}", _tracking_page)
    app.router.add_get("/", _index)


async def _favicon(request: web.Request) -> web.FileResponse:
    return web.FileResponse(ROOT / "server" / "web" / "favicon.svg",
                            headers={"Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"})


async def _close_sockets(app: web.Application) -> None:
    """Close every WebSocket at shutdown (clients see 1001 at once instead of a 10 s wait)."""
    hub = app.get(K.HUB)
    if hub is None:
        return
    await asyncio.gather(*(c.ws.close(code=1001, message=b"server shutdown") for c in list(hub.connections)),
                         return_exceptions=True)


def _sound_handler(sounds: ClipLibrary):
    async def handler(request: web.Request) -> web.StreamResponse:
        clip = request.match_info["clip"]
        path = sounds.find(clip) if is_safe_clip_id(clip) else None
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
    return handler


async def _tracking_page(request: web.Request) -> web.StreamResponse:
    """The phone page behind a ticket's QR code; the page reads its token from the URL path."""
    page = PAGES["kiosk"] / "track.html"
    if not page.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def _index(request: web.Request) -> web.Response:
    links = [("display/hall.html", "Hall display 大廳顯示屏"), ("counter/counter.html", "Counter 窗口"),
             ("counter/pad.html", "Rating pad 評價器"), ("kiosk/kiosk.html", "Kiosk 取號機"),
             ("manager/board.html", "Manager 管理"), ("api/openapi.json", "API (OpenAPI)")]
    items = "".join(f'<li><a href="/{href}">{label}</a></li>' for href, label in links)
    html = f"<!doctype html><meta charset=utf-8><title>hallq</title><h1>hallq</h1><ul>{items}</ul>"
    return web.Response(text=html, content_type="text/html")
