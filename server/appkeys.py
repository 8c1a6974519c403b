"""Typed keys for everything the app owns (aiohttp AppKey: no string keys, no module state)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import Authenticator
from .clock import ManualClock, SystemClock
from .ratelimit import SlidingLimiter
from .service import HallService

# Any where the value's class lives in a package that imports this module (config, actions, hub): naming it
# here would close an import cycle (tests/test_import_directions.py). AppKey[Any], not AppKey(name, Any): the
# latter types the value as the `typing.Any` object itself, on which every attribute is an error.
SETTINGS: web.AppKey[Any] = web.AppKey("settings")  # config.ServerSettings (+ public_url resolved)
CONFIG: web.AppKey[Any] = web.AppKey("config")  # config.Settings
CLOCK: web.AppKey[SystemClock | ManualClock] = web.AppKey("clock")  # a union is no class to pass
SERVICE = web.AppKey("service", HallService)
AUTH = web.AppKey("auth", Authenticator)
SIGNIN_GUARD: web.AppKey[Any] = web.AppKey("signin_guard")  # actions.signin_guard.SignInGuard
KIOSK_LIMITER = web.AppKey("kiosk_limiter", SlidingLimiter)
ENDPOINTS = web.AppKey("endpoints", tuple)
OPENAPI = web.AppKey("openapi", dict)
HUB: web.AppKey[Any] = web.AppKey("hub")  # hub.hub.Hub
