"""The administration endpoints fuzzed like the rest of the API (tests/test_fuzz_api.py): random path
parts, random bodies and queries, every role including a manager. No 500, every error documented,
and the configuration is still valid and served afterwards."""
from __future__ import annotations

import json
import random

from server.admin import ENDPOINTS
from server.admin.http import KEEPER
from server.admin.rules import validate
from server.domain.errors import ERROR_CODES
from tests.admin.test_admin_api import manager
from tests.test_fuzz_api import body_strategy

PARTS = {"{table}": ("services", "windows", "staff", "devices", "rota", "notices", "departments", "x", "%00"),
         "{key}": ("tax", "3", "0", "-1", "9" * 30, "kiosk-1", "1003", "²", "a b"),
         "{section}": ("center", "rules", "voice", "calendar", "supervision", "server", "x"),
         "{number}": ("1003", "9001", "x", "9" * 30), "{device}": ("kiosk-1", "display-hall", "nope", "%2F")}
QUERIES = ("", "?version=1", "?version=x", "?version=-1", "?from=2026-02-30", "?format=csv", "?action=%00&actor=1")


def fill(path: str, rng: random.Random) -> str:
    for name, values in PARTS.items():
        path = path.replace(name, rng.choice(values))
    return path


async def test_random_administration_requests_never_get_a_500(hall):
    tokens = [None, await manager(hall), await hall.sign_in(3), hall.device_token("kiosk-1"), "forged"]
    rng = random.Random(16)
    sent = 0
    for endpoint in ENDPOINTS:
        strategy = body_strategy(endpoint)
        for _ in range(15):
            body = strategy.example() if endpoint.method != "GET" else None
            token = tokens[1] if rng.random() < 0.6 else rng.choice(tokens)
            path = fill(endpoint.path, rng) + (rng.choice(QUERIES) if endpoint.method in ("GET", "DELETE") else "")
            data = json.dumps(body) if rng.random() < 0.9 else rng.choice(["{", "[]", ""])
            headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
            async with hall.session.request(endpoint.method, hall.url(path), headers=headers,
                                            data=data if body is not None else None) as resp:
                text = await resp.text()
                sent += 1
                assert resp.status < 500, (endpoint.method, path, body, resp.status, text)
                if resp.status >= 400:
                    assert json.loads(text)["error"]["code"] in ERROR_CODES, text
    assert sent >= 200
    keeper = hall.app[KEEPER]
    assert validate(keeper.document).hall == keeper.base
    assert (await hall.get("/api/hall", hall.device_token("display-hall")))[0] == 200
