"""A sliding-window limit per key: at most `limit` hits within `window_s` seconds."""
from __future__ import annotations

import math
from collections import deque


class SlidingLimiter:
    def __init__(self, limit: int, window_s: float):
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float) -> int | None:
        """Seconds until `key` may act again, or None if it may act now."""
        recent = self._recent(key, now)
        if len(recent) < self.limit:
            return None
        return int(recent[0] + self.window_s - now) + 1

    def hit(self, key: str, now: float) -> None:
        self._recent(key, now).append(now)

    def clear(self, key: str) -> None:
        self._hits.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._hits.setdefault(key, deque())
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()
        if not recent:
            self._hits.pop(key, None)
            recent = self._hits.setdefault(key, deque())
        return recent


class GrowingDelay:
    """Failed attempts per key with a growing wait: the first `free` failures cost nothing, then each
    further attempt must wait base_s, 2·base_s, 4·base_s... (at most max_delay_s) after the last
    failure. Nobody is locked out: the wait is short at first and bounded, while guessing a PIN
    becomes slow (at the cap, one guess per max_delay_s). A success forgets the key."""

    def __init__(self, free: int, max_delay_s: float, base_s: float = 1.0, max_keys: int = 10000):
        self.free = free
        self.max_delay_s = max_delay_s
        self.base_s = base_s
        self.max_keys = max_keys
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures, last failure at)

    def delay_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.max_delay_s, self.base_s * 2.0 ** (failures - self.free)))

    def retry_after(self, key: str, now: float) -> int | None:
        """Whole seconds until `key` may try again, or None if it may try now."""
        failures, last = self._failures.get(key, (0, 0.0))
        wait = last + self.delay_after(failures) - now
        return math.ceil(wait) if wait > 0 else None

    def failed(self, key: str, now: float) -> None:
        failures, _ = self._failures.get(key, (0, 0.0))
        self._failures[key] = (failures + 1, now)
        if len(self._failures) > self.max_keys:
            self._forget_stale(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def failures(self, key: str) -> int:
        return self._failures.get(key, (0, 0.0))[0]

    def _forget_stale(self, now: float) -> None:
        """Keys idle for twice the longest wait start again from zero (bounds memory)."""
        horizon = now - 2 * self.max_delay_s
        for key in [k for k, (_, last) in self._failures.items() if last < horizon]:
            del self._failures[key]


class MessageRate:
    """Messages one connection may send: at most `limit` in any `window_s` seconds (a sliding window
    over the connection's own clock readings)."""

    def __init__(self, limit: int, window_s: float):
        self._limiter = SlidingLimiter(limit, window_s)

    def allow(self, now: float) -> bool:
        if self._limiter.retry_after("", now) is not None:
            return False
        self._limiter.hit("", now)
        return True
