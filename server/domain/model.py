"""The live state of one business day, rebuilt by folding that day's events (see engine.apply)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .lifecycle import IN_HAND, Status
from .queueindex import RecentCalls, RecentFinishes, WaitingOrder

PRIORITY_CHANNELS = ("green", "appointment")


@dataclass(slots=True)  # no per-ticket __dict__: a day's tickets stay in memory (docs/benchmarks.md)
class Ticket:
    id: int
    day: str
    service: str
    prefix: str
    number: int
    issued_at: float
    channel: str = "normal"
    green_category: str | None = None
    appointment_code: str | None = None
    kiosk: str | None = None
    lang: str = "zh-Hant"
    status: Status = Status.WAITING
    # the current queue segment
    segment: int = 0
    queue_service: str = ""
    pinned_window: int | None = None  # only this window may call it (resumed, transferred to a window)
    front: bool = False
    queue_entered_at: float = 0.0
    # the window that holds it, and when
    window: int | None = None
    staff: str | None = None
    called_at: float | None = None
    first_called_at: float | None = None
    recalls: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    return_until: float | None = None
    suspended_at: float | None = None
    suspended_s: float = 0.0
    outcome: str | None = None
    transfers: int = 0
    notes: Sequence[str] = ()  # a list once a transfer adds a note: most tickets keep the shared empty tuple
    odd_label: str | None = None  # only for a label that is not `label`'s usual form (none is made today)

    @property
    def label(self) -> str:
        """Prefix and number ("A012"): formed when read, not kept as one more string per ticket."""
        return self.odd_label or f"{self.prefix}{self.number:03d}"

    @property
    def is_priority(self) -> bool:
        return self.channel in PRIORITY_CHANNELS

    def queue_key(self) -> tuple[int, float, int]:
        return (0 if self.front else 1, self.queue_entered_at, self.id)

    def entry_key(self) -> tuple[float, int]:
        """The overdue check's order: who entered the queue first (a transfer "to the front" aside)."""
        return (self.queue_entered_at, self.id)


def rating_key(ticket_id: int, segment: int) -> int:
    """One int for a visit (a ticket's segment), as the day's sets of rated and expired visits keep it
    (a tuple and its set entry took twice the room, for every finished ticket of the day)."""
    return ticket_id << 16 | segment


@dataclass
class WindowState:
    number: int
    status: str = "closed"  # closed | open | paused
    staff: str | None = None
    pause_reason: str = ""
    ticket_id: int | None = None  # the ticket in hand (called or serving)
    normal_since_priority: int | None = None  # normal calls since the last priority call (routing)
    status_since: float | None = None


@dataclass
class Appointment:
    code: str
    service: str
    slot_day: str
    slot_start: float
    slot_end: float
    ticket_id: int | None = None


@dataclass
class PendingRating:
    ticket_id: int
    segment: int
    window: int
    staff: str
    finished_at: float


@dataclass
class HallState:
    day: str
    last_seq: int = 0
    next_ticket_id: int = 1
    tickets: dict[int, Ticket] = field(default_factory=dict)
    windows: dict[int, WindowState] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)  # prefix -> last number issued today
    issued: dict[str, int] = field(default_factory=dict)  # service -> tickets issued today
    appointments: dict[str, Appointment] = field(default_factory=dict)
    pending_ratings: dict[int, PendingRating] = field(default_factory=dict)  # by ticket id
    rated: set[int] = field(default_factory=set)  # rating_key(ticket id, segment) of the visits rated
    rating_expired: set[int] = field(default_factory=set)  # rating_key(...) of those not rated in time
    # Derived, kept by engine.apply through `reindex` after every ticket event, so issuing and calling
    # cost the same at the day's 2,000th ticket as at its first (no scan of the whole day).
    pinned: dict[int, dict[int, Ticket]] = field(default_factory=dict, repr=False, compare=False)  # by window
    # each waiting ticket's place: its queue (service code) if unpinned, else the window it is pinned to
    # (an object the state already holds, so placing a ticket allocates nothing)
    _placed: dict[int, str | int] = field(default_factory=dict, repr=False, compare=False)
    order: WaitingOrder = field(default_factory=WaitingOrder, repr=False, compare=False)  # routing's heads
    finishes: RecentFinishes = field(default_factory=RecentFinishes, repr=False, compare=False)  # the estimate's
    calls: RecentCalls = field(default_factory=RecentCalls, repr=False, compare=False)  # the displays' recent calls
    no_shows: dict[int, Ticket] = field(default_factory=dict, repr=False, compare=False)  # the counters' missed list

    def window(self, number: int) -> WindowState:
        found = self.windows.get(number)  # not setdefault: that builds a WindowState on every call
        if found is None:
            found = self.windows[number] = WindowState(number)
        return found

    def waiting(self) -> list[Ticket]:
        """The waiting tickets, in no particular order (callers pick by Ticket.queue_key)."""
        return [self.tickets[i] for i in self._placed]

    @property
    def waiting_tickets(self) -> dict[int, Ticket]:
        """The waiting tickets by id (built on each read: for checks and rare readers)."""
        return {i: self.tickets[i] for i in self._placed}

    def queue_length(self, service: str) -> int:
        """Waiting tickets in a service's queue that any of its windows may call (not pinned)."""
        order = self.order.queue(service)
        return len(order) if order else 0

    @property
    def queues(self) -> dict[str, dict[int, Ticket]]:
        """The unpinned waiting tickets by queue (built on each read: for checks and rare readers)."""
        return {code: {i: self.tickets[i] for i in order.ids()} for code, order in self.order.queues.items()}

    def recent_calls(self, limit: int) -> list[Ticket]:
        """The tickets called most recently and still held or served at a window, latest first."""
        def current(at: float, ticket_id: int) -> bool:
            ticket = self.tickets.get(ticket_id)
            return ticket is not None and ticket.called_at == at and ticket.window is not None

        ids = self.calls.latest(current, limit)
        if ids is not None:
            return [self.tickets[i] for i in ids]
        called = [t for t in self.tickets.values() if t.called_at is not None and t.window is not None]
        called.sort(key=lambda t: t.called_at or 0.0, reverse=True)
        return called[:limit]

    def missed(self, now: float) -> list[Ticket]:
        """No-shows whose return window is still open, the soonest to close first (then by ticket id)."""
        open_ = [t for t in self.no_shows.values() if (t.return_until or 0) >= now]
        return sorted(open_, key=lambda t: (t.return_until or 0, t.id))

    def queue_summary(self, service: str) -> tuple[int, int, float | None]:
        """(waiting, priority waiting, earliest queue entry) of a service's queue, pinned tickets
        included, from the indexes: the hall view asks it for every service on every read."""
        order = self.order.queue(service)
        count = self.queue_length(service)
        priority = order.count_of_class(True) if order else 0
        oldest = order.oldest() if order else None
        earliest = oldest[0] if oldest is not None else None
        for pinned in self.pinned.values():  # few: resumed and transferred-to-a-window tickets
            for t in pinned.values():
                if t.queue_service == service:
                    count, priority = count + 1, priority + t.is_priority
                    earliest = t.queue_entered_at if earliest is None else min(earliest, t.queue_entered_at)
        return count, priority, earliest

    def callable_at(self, window: int, services: tuple[str, ...]) -> list[Ticket]:
        """Waiting tickets a window may call: pinned to it, or unpinned in one of its services' queues."""
        found = list(self.pinned.get(window, {}).values())
        for code in dict.fromkeys(services):
            order = self.order.queue(code)
            found.extend(self.tickets[i] for i in (order.ids() if order else ()))
        return found

    def reindex(self, ticket_id: int) -> None:
        """Bring the waiting index up to date for one ticket after an event changed it."""
        placed = self._placed.pop(ticket_id, None)
        if placed is not None:
            if isinstance(placed, int):
                del self.pinned[placed][ticket_id]
            self.order.remove(ticket_id, placed)
        ticket = self.tickets.get(ticket_id)
        if ticket is not None and ticket.status is Status.NO_SHOW:
            self.no_shows[ticket_id] = ticket
        else:
            self.no_shows.pop(ticket_id, None)
        if ticket is None or ticket.status is not Status.WAITING:
            return
        if ticket.pinned_window is None:
            self.order.place_in_queue(ticket.queue_service, ticket.entry_key(), ticket.is_priority, ticket.front)
            self._placed[ticket_id] = ticket.queue_service
        else:
            self.order.place_pinned(ticket.pinned_window, ticket.queue_key())
            self._placed[ticket_id] = ticket.pinned_window
            self.pinned.setdefault(ticket.pinned_window, {})[ticket_id] = ticket

    def staff_window(self, staff: str) -> int | None:
        return next((w.number for w in self.windows.values() if w.staff == staff), None)

    def awaiting_rating(self, window: int) -> PendingRating | None:
        """The latest visit finished at this window that its citizen may still rate (few are pending)."""
        pending = [p for p in self.pending_ratings.values() if p.window == window]
        return max(pending, key=lambda p: (p.finished_at, p.ticket_id)) if pending else None

    def in_hand(self, window: int) -> Ticket | None:
        ticket_id = self.window(window).ticket_id
        ticket = self.tickets.get(ticket_id) if ticket_id is not None else None
        return ticket if ticket is not None and ticket.status in IN_HAND else None
