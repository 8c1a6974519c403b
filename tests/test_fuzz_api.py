"""The HTTP API fuzzed against its own endpoint table (the source of /api/openapi.json): random path
ids, random bodies, every role. No 500, every error is a documented code, nothing leaks a trace.
(The full schemathesis run against a live server is in docs/reliability.md.)"""
from __future__ import annotations

import json
import random

from hypothesis import strategies as st

from server.api.endpoints import ENDPOINTS, OTHER_ENDPOINTS
from server.domain.errors import ERROR_CODES

PATH_VALUES = ("1", "3", "0", "-1", "0.5", "null,null", "abc", "²", "9" * 30, "%00", "1e3", " 1", "١")
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON_VALUES = st.recursive(JSON_SCALARS,
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=6)


def body_strategy(endpoint):
    fields = endpoint.body or {}
    known = st.fixed_dictionaries({}, optional={name: JSON_VALUES for name in fields})
    return st.one_of(known, st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=3), JSON_VALUES)


def fill_path(path: str, rng: random.Random) -> str:
    for name in ("{window}", "{ticket_id}", "{token}"):
        path = path.replace(name, rng.choice(PATH_VALUES))
    return path


async def test_random_requests_never_get_a_500_or_an_undocumented_error(hall):
    clerk = await hall.sign_in(3)
    await hall.issue("business_setup")
    tokens = [None, clerk, hall.device_token("kiosk-1"), hall.device_token("display-hall"),
              hall.device_token(hall.counter_for(3)), hall.device_token("rating-03"), "forged"]
    rng = random.Random(2026)
    endpoints = [ep for ep in ENDPOINTS + OTHER_ENDPOINTS if ep.operation_id != "signOut"]
    sent = 0
    for endpoint in endpoints:
        strategy = body_strategy(endpoint)
        for _ in range(12):
            body = strategy.example() if endpoint.method != "GET" else None
            token = rng.choice(tokens)
            path = fill_path(endpoint.path, rng)
            data = json.dumps(body) if rng.random() < 0.9 else rng.choice(["{", "\xff\xfe", "[]", ""])
            headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
            async with hall.session.request(endpoint.method, hall.url(path), data=data if body is not None else None,
                                            headers=headers) as resp:
                text = await resp.text()
                sent += 1
                assert resp.status < 500, (endpoint.method, path, body, resp.status, text)
                if resp.status >= 400 and resp.status != 404 or "error" in text[:10]:
                    answer = json.loads(text)
                    assert answer["error"]["code"] in ERROR_CODES or answer["error"]["code"] in (
                        "not_found", "method_not_allowed", "payload_too_large"), answer
                    assert "Traceback" not in text
    assert sent > 300
    status, _ = await hall.get("/api/health")
    assert status == 200


async def test_fuzzer_findings_stay_fixed(hall):
    clerk = await hall.sign_in(3)
    for path in ("/api/windows/0.5/call-next", "/api/windows/null%2Cnull/pause", "/api/windows/²/close"):
        status, body = await hall.post(path, clerk, {"reason": "x"} if "pause" in path else {})
        assert status == 404 and body["error"]["code"] == "unknown_window", (path, body)
    for path in ("/api/tickets/" + "9" * 30, "/api/tickets/²", "/api/tickets/33139071720324098686976"):
        status, body = await hall.get(path, clerk)
        assert status == 404 and body["error"]["code"] == "unknown_ticket", (path, body)
    status, body = await hall.post("/api/tickets/null%2Cnull/rating", hall.device_token("rating-03"),
                                   {"level": "satisfied"})
    assert status == 404 and body["error"]["code"] == "unknown_ticket"
