"""Typed keys for everything the app owns (aiohttp AppKey: no string keys, no module state)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from .auth import Authenticator
from .clock import ManualClock, SystemClock
from .ratelimit import SlidingLimiter
from .service import HallService

SETTINGS = web.AppKey("settings", Any)  # config.ServerSettings (+ public_url resolved)
CONFIG = web.AppKey("config", Any)  # config.Settings
CLOCK = web.AppKey("clock", SystemClock | ManualClock)
SERVICE = web.AppKey("service", HallService)
AUTH = web.AppKey("auth", Authenticator)
SIGNIN_GUARD = web.AppKey("signin_guard", Any)  # actions.signin_guard.SignInGuard
KIOSK_LIMITER = web.AppKey("kiosk_limiter", SlidingLimiter)
ENDPOINTS = web.AppKey("endpoints", tuple)
OPENAPI = web.AppKey("openapi", dict)
HUB = web.AppKey("hub", Any)
