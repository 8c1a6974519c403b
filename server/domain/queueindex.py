"""Ordered indexes of the waiting tickets, kept by HallState.reindex, so that choosing who is next
costs O(services + log n) whatever the backlog (routing.choose_next reads only the head of each).

A waiting ticket sits in exactly one place: pinned to a window, or in its queue (service). Each
place keeps its tickets ordered by the keys the call-next policy compares (docs/routing.md):
- `queue_key` = (front first, queue entry, id): the order within a class and of pinned tickets;
- `entry_key` = (queue entry, id): the order of the overdue check, which ignores "front".
A queue keeps only entry keys, in separate places for front and other tickets of each class, so
each ticket costs one key; the class heads are given as queue keys.
"""
from __future__ import annotations

import heapq
from array import array
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


class QueueOrder:
    """One service's unpinned waiting tickets, in four places: priority or normal class, each split
    into the tickets moved "to the front" and the rest. Every place is ordered by entry key
    (queue entry, id), so a class's call order (front first, then by entry) and the queue's oldest
    entry (which ignores "front") both read the heads, with one key per ticket."""

    __slots__ = ("places", "size")

    def __init__(self) -> None:
        # priority front, priority rest, normal front, normal rest
        self.places = (OrderedIds(), OrderedIds(), OrderedIds(), OrderedIds())
        self.size = 0  # read on every issue (people ahead, the estimate): kept, not summed

    def __len__(self) -> int:
        return self.size

    def add(self, entry_key: Key, is_priority: bool, front: bool) -> None:
        place = self.places[(0 if is_priority else 2) + (0 if front else 1)]
        before = len(place)
        place.add(entry_key)
        self.size += len(place) - before

    def discard(self, ticket_id: int) -> None:
        for place in self.places:  # its class and front flag as they were when it was placed are unknown here
            before = len(place)
            place.discard(ticket_id)
            self.size -= before - len(place)

    def ids(self) -> list[int]:
        """The ids of the queue's tickets, in no particular order."""
        return [i for place in self.places for i in place.keys]

    def count_of_class(self, priority: bool) -> int:
        front, rest = self._class(priority)
        return len(front) + len(rest)

    def first_of_class(self, priority: bool) -> Key | None:
        """The class's first in call order, as a queue key (0 for front else 1, queue entry, id)."""
        front, rest = self._class(priority)
        head = front.first()
        if head is not None:
            return (0, *head)
        head = rest.first()
        return (1, *head) if head is not None else None

    def oldest(self) -> Key | None:
        """The entry key (queue entry, id) of the ticket that entered the queue first, front or not."""
        heads = [head for place in self.places if (head := place.first()) is not None]
        return min(heads) if heads else None

    def _class(self, priority: bool) -> tuple[OrderedIds, OrderedIds]:
        return (self.places[0], self.places[1]) if priority else (self.places[2], self.places[3])


@dataclass
class WaitingOrder:
    """Every waiting ticket's place, ordered: unpinned by queue, pinned by window (by queue key)."""

    queues: dict[str, QueueOrder] = field(default_factory=dict)
    pinned: dict[int, OrderedIds] = field(default_factory=dict)

    def place_in_queue(self, queue: str, entry_key: Key, is_priority: bool, front: bool) -> None:
        order = self.queues.get(queue)
        if order is None:
            order = self.queues[queue] = QueueOrder()
        order.add(entry_key, is_priority, front)

    def place_pinned(self, window: int, queue_key: Key) -> None:
        pinned = self.pinned.get(window)
        if pinned is None:
            pinned = self.pinned[window] = OrderedIds()
        pinned.add(queue_key)

    def remove(self, ticket_id: int, place: str | int) -> None:
        """`place`: the queue (service code) of an unpinned ticket, or the window it is pinned to."""
        if isinstance(place, str):
            self.queues[place].discard(ticket_id)
        else:
            self.pinned[place].discard(ticket_id)

    def queue(self, code: str) -> QueueOrder | None:
        return self.queues.get(code)

    def first_pinned(self, window: int) -> Key | None:
        order = self.pinned.get(window)
        return order.first() if order else None


KEEP_FINISHES = 500  # per service: the most [server] estimate_recent may ask for (config_schema.py)


class _Finishes:
    """One queue's kept finishes in order, as columns (32 bytes a finish instead of a tuple of
    numbers, about 150)."""

    __slots__ = ("at", "ids", "cycles", "handlings")

    def __init__(self) -> None:
        self.at, self.ids = array("d"), array("q")
        self.cycles, self.handlings = array("d"), array("d")

    def __len__(self) -> int:
        return len(self.at)

    def insert(self, position: int, at: float, ticket_id: int, cycle_min: float, handling_min: float) -> None:
        self.at.insert(position, at)
        self.ids.insert(position, ticket_id)
        self.cycles.insert(position, cycle_min)
        self.handlings.insert(position, handling_min)

    def keep_last(self, count: int) -> None:
        for column in (self.at, self.ids, self.cycles, self.handlings):
            del column[:-count]


class RecentFinishes:
    """Per queue service, the day's latest finished visits ordered by finish time (among equal times
    the lower ticket id counts as later), with each visit's cycle (call → finish) and handling (start
    → finish) in minutes: the wait estimate reads the latest few without scanning the day, and memory
    stays bounded (the latest KEEP_FINISHES per service). A finished ticket is final, so an entry
    never changes; `medians` remembers its answer until the service's next finish."""

    __slots__ = ("by_queue", "added", "_medians")

    def __init__(self) -> None:
        self.by_queue: dict[str, _Finishes] = {}
        self.added: dict[str, int] = {}  # finishes ever added per queue: the version `medians` checks
        self._medians: dict[tuple[str, int], tuple[int, float, float, int]] = {}

    def add(self, queue: str, ticket_id: int, called_at: float, started_at: float | None, finished_at: float) -> None:
        cycle_min, handling_min = (finished_at - called_at) / 60, (finished_at - (started_at or called_at)) / 60
        done = self.by_queue.get(queue)
        if done is None:
            done = self.by_queue[queue] = _Finishes()
        position = len(done)
        while position and (done.at[position - 1], -done.ids[position - 1]) > (finished_at, -ticket_id):
            position -= 1  # rare: finishes come in time order
        done.insert(position, finished_at, ticket_id, cycle_min, handling_min)
        if len(done) > 2 * KEEP_FINISHES:
            done.keep_last(KEEP_FINISHES)  # trimmed in steps, so adding stays O(1) amortised
        self.added[queue] = self.added.get(queue, 0) + 1

    def count(self, queue: str) -> int:
        done = self.by_queue.get(queue)
        return len(done) if done is not None else 0

    def medians(self, queue: str, recent: int) -> tuple[float, float, int]:
        """(median cycle, median handling, samples) over the latest `recent` finishes of the queue."""
        version = self.added.get(queue, 0)
        cached = self._medians.get((queue, recent))
        if cached is not None and cached[0] == version:
            return cached[1], cached[2], cached[3]
        done = self.by_queue.get(queue)
        if done is None or recent <= 0 or not len(done):
            answer = (0.0, 0.0, 0)
        else:
            cycles, handlings = done.cycles[-recent:], done.handlings[-recent:]
            answer = (median(cycles), median(handlings), len(cycles))
        self._medians[(queue, recent)] = (version, *answer)
        return answer


class RecentCalls:
    """The day's calls and recalls as (time, ticket id), in time order, for the hall's "recent calls"
    list: the latest few are read from the end instead of sorting every ticket of the day on every
    hall view. An entry is current while its ticket's last call is that one and a window holds it.
    Kept as two columns (16 bytes a call)."""

    __slots__ = ("at", "ids", "trimmed", "keep")

    def __init__(self, keep: int = 4096) -> None:
        self.at, self.ids = array("d"), array("q")
        self.trimmed = False
        self.keep = keep  # entries kept (trimmed in steps); an answer older than them falls back to a scan

    def add(self, at: float, ticket_id: int) -> None:
        position = len(self.at)
        while position and (self.at[position - 1], self.ids[position - 1]) > (at, ticket_id):
            position -= 1  # rare: calls come in time order
        self.at.insert(position, at)
        self.ids.insert(position, ticket_id)
        if len(self.at) > 2 * self.keep:
            del self.at[:-self.keep]
            del self.ids[:-self.keep]
            self.trimmed = True

    def latest(self, current: Callable[[float, int], bool], limit: int) -> list[int] | None:
        """The ids of the `limit` latest current calls, latest first (equal times: lower id first),
        or None when the kept entries may not reach back far enough (the caller scans instead)."""
        found: list[tuple[float, int]] = []
        seen: set[int] = set()
        for index in range(len(self.at) - 1, -1, -1):
            at, ticket_id = self.at[index], self.ids[index]
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
