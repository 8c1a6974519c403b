"""A sliding-window limit per key: at most `limit` hits within `window_s` seconds."""
from __future__ import annotations

from collections import deque


class SlidingLimiter:
    def __init__(self, limit: int, window_s: float):
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque] = {}

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

    def _recent(self, key: str, now: float) -> deque:
        recent = self._hits.setdefault(key, deque())
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()
        if not recent:
            self._hits.pop(key, None)
            recent = self._hits.setdefault(key, deque())
        return recent
