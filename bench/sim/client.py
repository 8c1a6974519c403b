"""HTTP as the hall's devices use it: every change carries a request_id, and a request that got no
answer (server killed, network dropped, response lost) is sent again with the SAME request_id until
the server answers. Only an answered request counts in the simulator's record."""
from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, field

import aiohttp

RETRYABLE_STATUS = (502, 503, 504)


class NetworkDown(Exception):
    """The simulated network of one device is down."""


@dataclass
class Flaky:
    """A device's network between `down_from` and `down_until` (monotonic seconds): each request
    either never leaves (connection refused) or reaches the server and loses its answer."""

    down_from: float = float("inf")
    down_until: float = float("-inf")
    rng: random.Random = field(default_factory=random.Random)
    dropped_before: int = 0
    dropped_after: int = 0

    def down(self) -> bool:
        return self.down_from <= time.monotonic() < self.down_until


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    answered: int = 0
    gave_up: int = 0
    status: dict = field(default_factory=dict)


class Api:
    """One device's HTTP client. `retry_for` bounds how long an unanswered request is retried."""

    def __init__(self, base: str, session: aiohttp.ClientSession, token: str | None, name: str,
                 stats: Stats, flaky: Flaky | None = None, retry_for: float = 90.0):
        self.base, self.session, self.token, self.name = base, session, token, name
        self.stats, self.flaky, self.retry_for = stats, flaky, retry_for
        self._ids = itertools.count(1)
        self.nonce = f"{random.getrandbits(32):08x}"

    def request_id(self) -> str:
        return f"{self.name}-{self.nonce}-{next(self._ids)}"

    async def post(self, path: str, body: dict | None = None, idempotent: bool = True) -> tuple[int, dict]:
        body = dict(body or {})
        if idempotent:
            body.setdefault("request_id", self.request_id())
        return await self.call("POST", path, body)

    async def get(self, path: str) -> tuple[int, dict]:
        return await self.call("GET", path, None)

    async def call(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        deadline = time.monotonic() + self.retry_for
        attempt = 0
        self.stats.requests += 1
        while True:
            try:
                status, answer = await self._once(method, path, body)
                if status not in RETRYABLE_STATUS and not _recovering(answer):
                    self.stats.answered += 1
                    self.stats.status[status] = self.stats.status.get(status, 0) + 1
                    return status, answer
            except (TimeoutError, aiohttp.ClientError, NetworkDown, ConnectionError):
                pass
            attempt += 1
            self.stats.retries += 1
            if time.monotonic() > deadline:
                self.stats.gave_up += 1
                raise TimeoutError(f"{self.name}: {method} {path} unanswered for {self.retry_for} s")
            await asyncio.sleep(min(0.05 * 2 ** min(attempt, 5), 1.0))

    async def _once(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        flaky = self.flaky
        lose_answer = False
        if flaky is not None and flaky.down():
            if flaky.rng.random() < 0.5:
                flaky.dropped_before += 1
                raise NetworkDown("connection refused")
            lose_answer = True
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        timeout = aiohttp.ClientTimeout(total=20)
        async with self.session.request(method, self.base + path, json=body, headers=headers,
                                        timeout=timeout) as resp:
            answer = await resp.json(content_type=None)
            if lose_answer:  # the server did the work; the answer never reaches the device
                flaky.dropped_after += 1
                raise NetworkDown("answer lost")
            return resp.status, answer if isinstance(answer, dict) else {"_": answer}


def _recovering(answer: dict) -> bool:
    error = answer.get("error") if isinstance(answer, dict) else None
    return isinstance(error, dict) and error.get("code") == "unavailable"
