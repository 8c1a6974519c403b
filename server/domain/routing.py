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
"""
from __future__ import annotations

from .hall import HallConfig, Window
from .model import HallState, Ticket, WindowState


def candidates(state: HallState, window: Window) -> list[Ticket]:
    """Waiting tickets this window may call: pinned to it, or unpinned in one of its services' queues."""
    return state.callable_at(window.number, window.services)


def choose_next(state: HallState, hall: HallConfig, window: Window, now: float) -> Ticket | None:
    pool = candidates(state, window)
    if not pool:
        return None
    pinned = [t for t in pool if t.pinned_window == window.number]
    if pinned:
        return min(pinned, key=Ticket.queue_key)
    overdue = _overdue(pool, hall, now) if window.policy.promote_past_action else []
    if overdue:
        return min(overdue, key=lambda t: (t.queue_entered_at, t.id))
    return _by_order(_class_to_serve(pool, window, state.window(window.number)), window)


def _overdue(pool: list[Ticket], hall: HallConfig, now: float) -> list[Ticket]:
    limits: dict[str, float] = {}  # per service, looked up once per call rather than per ticket

    def limit_s(code: str) -> float:
        if code not in limits:
            service = hall.service(code)
            limits[code] = (service.action_wait_min if service else 30) * 60
        return limits[code]

    return [t for t in pool if now - t.queue_entered_at >= limit_s(t.queue_service)]


def _class_to_serve(pool: list[Ticket], window: Window, wstate: WindowState) -> list[Ticket]:
    priority = [t for t in pool if t.is_priority]
    normal = [t for t in pool if not t.is_priority]
    if not priority or not normal:
        return priority or normal
    since = wstate.normal_since_priority
    priority_due = since is None or since >= window.policy.normal_per_priority
    return priority if priority_due else normal


def _by_order(pool: list[Ticket], window: Window) -> Ticket:
    if window.policy.mode == "longest_wait":
        return min(pool, key=Ticket.queue_key)
    rank = {code: i for i, code in enumerate(window.services)}
    return min(pool, key=lambda t: (rank.get(t.queue_service, len(rank)), *t.queue_key()))
