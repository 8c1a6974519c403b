"""Who is next at a window: the call-next policy (documented in docs/routing.md).

1. Tickets pinned to this window (resumed here, or transferred to this window) come first.
2. With `promote_past_action`, a ticket that has waited past its service's action threshold is
   promoted: the longest-waiting of those goes next, whatever its channel.
3. Priority tickets (green channel, on-time appointments) go before normal ones, but after a
   priority call the window takes `normal_per_priority` normal tickets (if any wait) before the
   next priority one, so nobody starves (2 normal : 1 priority by default).
4. Within the chosen class: `service_order` takes the window's first service that has someone
   waiting (oldest first within it); `longest_wait` takes the oldest ticket across its services.
   A ticket transferred "to the front" sorts before all others of its queue.
5. Nobody is called before entering the queue: an appointment checked in early enters at its slot
   start and may be called from `rules.appointment_call_early_min` before it, not sooner.

Each step reads only the head of an ordered index kept by the state (queueindex.py), never the
whole backlog: choosing costs O(services + log n) with 10,000 waiting as with 10.
"""
from __future__ import annotations

from .hall import HallConfig, Window
from .model import HallState, Ticket, WindowState
from .queueindex import Key, QueueOrder

DEFAULT_ACTION_WAIT_MIN = 30  # a queue whose service left the configuration keeps the schema default


def candidates(state: HallState, window: Window) -> list[Ticket]:
    """Waiting tickets this window may call: pinned to it, or unpinned in one of its services' queues."""
    return state.callable_at(window.number, window.services)


def choose_next(state: HallState, hall: HallConfig, window: Window, now: float) -> Ticket | None:
    latest_entry = now + hall.rules.appointment_call_early_min * 60  # a later queue entry waits for it
    pinned = _callable(state.order.first_pinned(window.number), latest_entry)
    if pinned is not None:
        return state.tickets[pinned[-1]]
    queues = _queues_of(state, window)
    if not queues:
        return None
    if window.policy.promote_past_action:
        overdue = _oldest_overdue(queues, hall, now)
        if overdue is not None:
            return state.tickets[overdue[-1]]
    priority_heads, normal_heads = _heads(queues, True, latest_entry), _heads(queues, False, latest_entry)
    if not priority_heads and not normal_heads:
        return None  # only appointments that wait for their slot
    if _priority_due(bool(priority_heads), bool(normal_heads), window, state.window(window.number)):
        return state.tickets[_first_of_class(priority_heads, window)]
    return state.tickets[_first_of_class(normal_heads, window)]


def next_callable_at(state: HallState, hall: HallConfig, window: Window) -> float | None:
    """When the first appointment that waits for its slot at this window may be called, if one does."""
    entries = [head[1] for code in dict.fromkeys(window.services) if (order := state.order.queue(code))
               for head in (order.first_of_class(True), order.first_of_class(False)) if head is not None]
    head = state.order.first_pinned(window.number)
    entries += [head[1]] if head is not None else []
    return min(entries) - hall.rules.appointment_call_early_min * 60 if entries else None


def _callable(head: Key | None, latest_entry: float) -> Key | None:
    """The first of an ordered place (a queue key) if it may be called now. Keys sort by queue entry
    after "front" (and a front ticket entered when it was moved, in the past), so if the first may not
    be called yet, nobody behind it may."""
    return head if head is not None and head[1] <= latest_entry else None


def _heads(queues: dict[str, QueueOrder], priority: bool, latest_entry: float) -> dict[str, Key]:
    """Per queue, the first ticket of the class that may be called now."""
    found: dict[str, Key] = {}
    for code, order in queues.items():
        head = _callable(order.first_of_class(priority), latest_entry)
        if head is not None:
            found[code] = head
    return found


def _queues_of(state: HallState, window: Window) -> dict[str, QueueOrder]:
    """The window's services' queues that have someone waiting, in the window's order, each once."""
    found: dict[str, QueueOrder] = {}
    for code in window.services:
        order = state.order.queue(code)
        if order is not None and len(order):
            found.setdefault(code, order)
    return found


def _oldest_overdue(queues: dict[str, QueueOrder], hall: HallConfig, now: float) -> Key | None:
    """The longest-waiting ticket past its service's action threshold. A queue's oldest entry is the
    only one to check: if it is not overdue, nobody after it is."""
    best = None
    for code, order in queues.items():
        oldest = order.oldest()
        service = hall.service(code)
        limit_s = (service.action_wait_min if service else DEFAULT_ACTION_WAIT_MIN) * 60
        if oldest is not None and now - oldest[0] >= limit_s and (best is None or oldest < best):
            best = oldest
    return best


def _priority_due(has_priority: bool, has_normal: bool, window: Window, wstate: WindowState) -> bool:
    """Whether the priority class is served: when only it waits, or it is its turn (normal_per_priority)."""
    if not has_priority or not has_normal:
        return has_priority
    since = wstate.normal_since_priority
    return since is None or since >= window.policy.normal_per_priority


def _first_of_class(heads: dict[str, Key], window: Window) -> int:
    """`longest_wait`: the first by queue key across the queues; `service_order`: the first of the
    earliest service in the window's list that has someone of this class waiting."""
    rank = {code: i for i, code in enumerate(window.services)}
    best = None
    for code, head in heads.items():
        key = head if window.policy.mode == "longest_wait" else (rank[code], *head)
        if best is None or key < best:
            best = key
    assert best is not None, "called with at least one head"
    ticket_id: int = best[-1]  # the ticket id ends every key
    return ticket_id
