"""Events: what happened, past tense, with a stable wire name. The docstring becomes protocol docs.

Every event carries `at` (epoch seconds), `day` (business day) and `seq` (hall-wide, set when the
engine accepts it). Events hold ids, not views: the hub adds the ticket object when it publishes.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar


@dataclass(kw_only=True)
class Event:
    TYPE: ClassVar[str] = ""
    at: float
    day: str = ""
    seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The wire form: a flat dict of the fields (lists copied). Events hold only plain values, so
        this equals dataclasses.asdict at a fraction of its cost (it runs for every event, on the
        command path)."""
        out: dict[str, Any] = {"type": self.TYPE}
        names = FIELD_NAMES.get(type(self)) or tuple(f.name for f in fields(self))
        for name in names:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, list) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        event_cls = EVENT_TYPES[data["type"]]
        names = {f.name for f in fields(event_cls)}
        return event_cls(**{k: v for k, v in data.items() if k in names})


@dataclass(kw_only=True)
class TicketIssued(Event):
    """A ticket was issued at a kiosk (or by check-in) and entered its service's queue."""

    TYPE: ClassVar[str] = "ticket_issued"
    ticket_id: int
    service: str
    prefix: str
    number: int
    label: str
    channel: str = "normal"
    green_category: str | None = None
    appointment_code: str | None = None
    kiosk: str | None = None
    lang: str = "zh-Hant"
    tracking_hash: str = ""
    issued_by: str | None = None
    queue_entered_at: float = 0.0
    ahead: int = 0


@dataclass(kw_only=True)
class AppointmentBooked(Event):
    """A slot was booked for a service; the citizen checks in with the code on the day."""

    TYPE: ClassVar[str] = "appointment_booked"
    code: str
    service: str
    slot_day: str
    slot_start: float
    slot_end: float
    booked_by: str | None = None


@dataclass(kw_only=True)
class AppointmentCheckedIn(Event):
    """A booked citizen checked in; on time means priority, otherwise they queue as a walk-in."""

    TYPE: ClassVar[str] = "appointment_checked_in"
    code: str
    ticket_id: int
    on_time: bool


@dataclass(kw_only=True)
class TicketCalled(Event):
    """A window called a ticket (call next, a specific number, or a missed ticket called back)."""

    TYPE: ClassVar[str] = "ticket_called"
    ticket_id: int
    window: int
    staff: str
    callback: bool = False
    by_number: bool = False


@dataclass(kw_only=True)
class TicketRecalled(Event):
    """The window called the same ticket again; counted, and announced again."""

    TYPE: ClassVar[str] = "ticket_recalled"
    ticket_id: int
    window: int
    staff: str
    recalls: int


@dataclass(kw_only=True)
class ServiceStarted(Event):
    """The citizen arrived at the window and service began."""

    TYPE: ClassVar[str] = "service_started"
    ticket_id: int
    window: int
    staff: str


@dataclass(kw_only=True)
class ServiceFinished(Event):
    """Service ended with one of the five case outcomes."""

    TYPE: ClassVar[str] = "service_finished"
    ticket_id: int
    window: int
    staff: str
    outcome: str
    promised_days: int | None = None
    materials: list[str] = field(default_factory=list)
    case_number: str | None = None
    no_start: bool = False
    joint_departments: list[str] = field(default_factory=list)
    refusal: str | None = None
    legal_basis: str = ""
    linked_to: str | None = None


@dataclass(kw_only=True)
class TicketNoShow(Event):
    """The called citizen did not come; they may be called back until return_until."""

    TYPE: ClassVar[str] = "ticket_no_show"
    ticket_id: int
    window: int
    staff: str
    return_until: float


@dataclass(kw_only=True)
class TicketSuspended(Event):
    """The citizen stepped away (e.g. to fetch a document); the window holds the ticket."""

    TYPE: ClassVar[str] = "ticket_suspended"
    ticket_id: int
    window: int
    staff: str
    reason: str = ""


@dataclass(kw_only=True)
class TicketResumed(Event):
    """A suspended ticket re-entered the queue at the front of the window that held it."""

    TYPE: ClassVar[str] = "ticket_resumed"
    ticket_id: int
    window: int
    staff: str


@dataclass(kw_only=True)
class TicketReturned(Event):
    """A missed ticket came back within its return window and rejoined the end of its queue (guide desk)."""

    TYPE: ClassVar[str] = "ticket_returned"
    ticket_id: int
    staff: str


@dataclass(kw_only=True)
class TicketTransferred(Event):
    """The ticket, keeping its number, moved to another service or window queue."""

    TYPE: ClassVar[str] = "ticket_transferred"
    ticket_id: int
    window: int
    staff: str
    to_service: str
    to_window: int | None = None
    front: bool = False
    note: str = ""


@dataclass(kw_only=True)
class TicketCancelled(Event):
    """The ticket was cancelled (by the clerk, a guide or a manager)."""

    TYPE: ClassVar[str] = "ticket_cancelled"
    ticket_id: int
    window: int | None = None
    staff: str | None = None
    reason: str = ""


@dataclass(kw_only=True)
class TicketWalkedOut(Event):
    """A ticket never called (or suspended) was closed at the day's turn: a walk-out, kept."""

    TYPE: ClassVar[str] = "ticket_walked_out"
    ticket_id: int
    reason: str = "day_end"


@dataclass(kw_only=True)
class WindowOpened(Event):
    """The window opened for service."""

    TYPE: ClassVar[str] = "window_opened"
    window: int
    staff: str


@dataclass(kw_only=True)
class WindowPaused(Event):
    """The window paused (break, meeting...) with a reason shown on the screens."""

    TYPE: ClassVar[str] = "window_paused"
    window: int
    staff: str
    reason: str


@dataclass(kw_only=True)
class WindowResumed(Event):
    """The paused window is serving again."""

    TYPE: ClassVar[str] = "window_resumed"
    window: int
    staff: str


@dataclass(kw_only=True)
class WindowClosed(Event):
    """The window closed."""

    TYPE: ClassVar[str] = "window_closed"
    window: int
    staff: str | None = None


@dataclass(kw_only=True)
class ClerkSignedIn(Event):
    """A clerk signed in at a window."""

    TYPE: ClassVar[str] = "clerk_signed_in"
    window: int
    staff: str


@dataclass(kw_only=True)
class ClerkSignedOut(Event):
    """The clerk signed out of the window."""

    TYPE: ClassVar[str] = "clerk_signed_out"
    window: int
    staff: str


@dataclass(kw_only=True)
class VisitRated(Event):
    """The citizen rated a finished visit on the five official levels."""

    TYPE: ClassVar[str] = "visit_rated"
    ticket_id: int
    segment: int
    window: int
    staff: str
    level: str
    reason: str = ""


@dataclass(kw_only=True)
class RatingExpired(Event):
    """No rating came within the rating time: recorded as not rated."""

    TYPE: ClassVar[str] = "rating_expired"
    ticket_id: int
    segment: int
    window: int
    staff: str


@dataclass(kw_only=True)
class DayClosed(Event):
    """The business day turned: open tickets were closed, windows closed, numbering restarts."""

    TYPE: ClassVar[str] = "day_closed"
    closed_day: str
    new_day: str
    walked_out: int = 0  # tickets still waiting or suspended at the turn (docs/protocol.md)


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        TicketIssued, AppointmentBooked, AppointmentCheckedIn, TicketCalled, TicketRecalled,
        ServiceStarted, ServiceFinished, TicketNoShow, TicketSuspended, TicketResumed,
        TicketReturned, TicketTransferred, TicketCancelled, TicketWalkedOut, WindowOpened, WindowPaused,
        WindowResumed, WindowClosed, ClerkSignedIn, ClerkSignedOut, VisitRated, RatingExpired,
        DayClosed,
    )
}

# Each event type's field names, looked up once (Event.to_dict runs for every event on the command path).
FIELD_NAMES: dict[type[Event], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in EVENT_TYPES.values()}
