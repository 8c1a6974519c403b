"""Ordered indexes of the waiting tickets, kept by HallState.reindex, so that choosing who is next
costs O(services + log n) whatever the backlog (routing.choose_next reads only the head of each).

A waiting ticket sits in exactly one place: pinned to a window, or in its queue (service). Each
place keeps its tickets ordered by the keys the call-next policy compares (docs/routing.md):
- `queue_key` = (front first, queue entry, id): the order within a class and of pinned tickets;
- `entry_key` = (queue entry, id): the order of the overdue check, which ignores "front".
"""
from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

Key = tuple[Any, ...]  # a sort key whose last item is the ticket id


class OrderedIds:
    """A set of ticket ids ordered by a key ending in the id: add O(log n), discard O(1), first amortised
    O(log n). A heap with lazy deletion: a discarded key stays in the heap until it reaches the top (or
    the heap is rebuilt once stale keys outnumber live ones), and is recognised because the id's current
    key differs from it."""

    __slots__ = ("keys", "heap")

    def __init__(self) -> None:
        self.keys: dict[int, Key] = {}
        self.heap: list[Key] = []

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: Key) -> None:
        self.keys[key[-1]] = key
        heapq.heappush(self.heap, key)

    def discard(self, ticket_id: int) -> None:
        if self.keys.pop(ticket_id, None) is not None and len(self.heap) > 2 * len(self.keys) + 32:
            self.heap = list(self.keys.values())  # drop the stale keys so memory follows the live set
            heapq.heapify(self.heap)

    def first(self) -> Key | None:
        heap, keys = self.heap, self.keys
        while heap and keys.get(heap[0][-1]) != heap[0]:
            heapq.heappop(heap)
        return heap[0] if heap else None


@dataclass
class QueueOrder:
    """One service's unpinned waiting tickets: by class for the call order, and all by queue entry."""

    priority: OrderedIds = field(default_factory=OrderedIds)
    normal: OrderedIds = field(default_factory=OrderedIds)
    by_entry: OrderedIds = field(default_factory=OrderedIds)

    def add(self, queue_key: Key, entry_key: Key, is_priority: bool) -> None:
        (self.priority if is_priority else self.normal).add(queue_key)
        self.by_entry.add(entry_key)

    def discard(self, ticket_id: int) -> None:
        self.priority.discard(ticket_id)
        self.normal.discard(ticket_id)
        self.by_entry.discard(ticket_id)

    def of_class(self, priority: bool) -> OrderedIds:
        return self.priority if priority else self.normal


@dataclass
class WaitingOrder:
    """Every waiting ticket's place, ordered: unpinned by queue, pinned by window."""

    queues: dict[str, QueueOrder] = field(default_factory=dict)
    pinned: dict[int, OrderedIds] = field(default_factory=dict)

    def place(self, queue: str, window: int | None, queue_key: Key, entry_key: Key, is_priority: bool) -> None:
        if window is None:
            order = self.queues.get(queue)
            if order is None:
                order = self.queues[queue] = QueueOrder()
            order.add(queue_key, entry_key, is_priority)
        else:
            pinned = self.pinned.get(window)
            if pinned is None:
                pinned = self.pinned[window] = OrderedIds()
            pinned.add(queue_key)

    def remove(self, ticket_id: int, queue: str, window: int | None) -> None:
        if window is None:
            self.queues[queue].discard(ticket_id)
        else:
            self.pinned[window].discard(ticket_id)

    def queue(self, code: str) -> QueueOrder | None:
        return self.queues.get(code)

    def first_pinned(self, window: int) -> Key | None:
        order = self.pinned.get(window)
        return order.first() if order else None


KEEP_FINISHES = 500  # per service: the most [server] estimate_recent may ask for (config_schema.py)


class RecentFinishes:
    """Per queue service, the day's latest finished visits ordered by finish time (among equal times
    the lower ticket id counts as later), with each visit's cycle (call → finish) and handling (start
    → finish) in minutes: the wait estimate reads the latest few without scanning the day, and memory
    stays bounded (the latest KEEP_FINISHES per service). A finished ticket is final, so an entry
    never changes; `medians` remembers its answer until the service's next finish."""

    __slots__ = ("by_queue", "added", "_medians")

    def __init__(self) -> None:
        self.by_queue: dict[str, list[tuple[float, int, float, float]]] = {}
        self.added: dict[str, int] = {}  # finishes ever added per queue: the version `medians` checks
        self._medians: dict[tuple[str, int], tuple[int, float, float, int]] = {}

    def add(self, queue: str, ticket_id: int, called_at: float, started_at: float | None, finished_at: float) -> None:
        cycle_min, handling_min = (finished_at - called_at) / 60, (finished_at - (started_at or called_at)) / 60
        entry = (finished_at, -ticket_id, cycle_min, handling_min)
        done = self.by_queue.setdefault(queue, [])
        if not done or entry > done[-1]:
            done.append(entry)  # the usual case: finishes come in time order
        else:
            bisect.insort(done, entry)
        if len(done) > 2 * KEEP_FINISHES:
            del done[:-KEEP_FINISHES]  # trimmed in steps, so appending stays O(1) amortised
        self.added[queue] = self.added.get(queue, 0) + 1

    def count(self, queue: str) -> int:
        return len(self.by_queue.get(queue, ()))

    def medians(self, queue: str, recent: int) -> tuple[float, float, int]:
        """(median cycle, median handling, samples) over the latest `recent` finishes of the queue."""
        done, version = self.by_queue.get(queue, []), self.added.get(queue, 0)
        cached = self._medians.get((queue, recent))
        if cached is not None and cached[0] == version:
            return cached[1], cached[2], cached[3]
        latest = done[-recent:] if recent > 0 else []
        answer = ((median(e[2] for e in latest), median(e[3] for e in latest), len(latest)) if latest
                  else (0.0, 0.0, 0))
        self._medians[(queue, recent)] = (version, *answer)
        return answer


class RecentCalls:
    """The day's calls and recalls as (time, ticket id), in time order, for the hall's "recent calls"
    list: the latest few are read from the end instead of sorting every ticket of the day on every
    hall view. An entry is current while its ticket's last call is that one and a window holds it."""

    __slots__ = ("entries", "trimmed", "keep")

    def __init__(self, keep: int = 4096) -> None:
        self.entries: list[tuple[float, int]] = []
        self.trimmed = False
        self.keep = keep  # entries kept (trimmed in steps); an answer older than them falls back to a scan

    def add(self, at: float, ticket_id: int) -> None:
        entry = (at, ticket_id)
        if not self.entries or entry >= self.entries[-1]:
            self.entries.append(entry)
        else:
            bisect.insort(self.entries, entry)
        if len(self.entries) > 2 * self.keep:
            del self.entries[:-self.keep]
            self.trimmed = True

    def latest(self, current: Callable[[float, int], bool], limit: int) -> list[int] | None:
        """The ids of the `limit` latest current calls, latest first (equal times: lower id first),
        or None when the kept entries may not reach back far enough (the caller scans instead)."""
        found: list[tuple[float, int]] = []
        seen: set[int] = set()
        for at, ticket_id in reversed(self.entries):
            if len(found) >= limit and at < found[limit - 1][0]:
                break  # every call at the boundary time is in
            if ticket_id not in seen and current(at, ticket_id):
                seen.add(ticket_id)
                found.append((at, ticket_id))
        else:
            if self.trimmed:
                return None
        found.sort(key=lambda entry: (-entry[0], entry[1]))
        return [ticket_id for _, ticket_id in found[:limit]]
