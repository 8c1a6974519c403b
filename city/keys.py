"""Typed keys of the city app."""
from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from server.ratelimit import SlidingLimiter

from .sync import CityState

POOL = web.AppKey("city_pool", asyncpg.Pool)
CITY = web.AppKey("city_state", CityState)
CLOCK = web.AppKey("city_clock", Any)
LIMITER = web.AppKey("city_signin_limiter", SlidingLimiter)
SESSION_TTL_S = web.AppKey("city_session_ttl_s", float)
NAME = web.AppKey("city_name", dict)  # the city's name in zh-Hans, zh-Hant, en
CONFIG = web.AppKey("city_config", Any)
