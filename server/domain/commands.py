"""Commands: what someone asks for, imperative, with a stable wire name.

`actor` fields are filled by the adapter from the authenticated principal, never from the body.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

OUTCOMES = ("immediate", "promised", "joint", "reply", "supplement")
RATING_LEVELS = ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied")
GOOD_LEVELS = RATING_LEVELS[:3]


@dataclass(kw_only=True)
class Command:
    NAME: ClassVar[str] = ""


@dataclass(kw_only=True)
class IssueTicket(Command):
    """Issue a numbered ticket for a service."""

    NAME: ClassVar[str] = "issue_ticket"
    service: str
    channel: str = "normal"  # normal | green
    green_category: str | None = None
    kiosk: str | None = None
    lang: str = ""  # the ticket's language; "" means the hall's default_lang
    tracking_hash: str = ""
    issued_by: str | None = None  # the staff member who issued it at the guide desk (none at a kiosk)


@dataclass(kw_only=True)
class BookAppointment(Command):
    """Book a slot for a service on a day."""

    NAME: ClassVar[str] = "book_appointment"
    code: str
    service: str
    slot_start: float
    slot_end: float
    booked_by: str | None = None  # the staff member who made the booking


@dataclass(kw_only=True)
class CheckInAppointment(Command):
    """Check a booked citizen in by booking code; issues their ticket."""

    NAME: ClassVar[str] = "check_in_appointment"
    code: str
    kiosk: str | None = None
    lang: str = ""  # the ticket's language; "" means the hall's default_lang
    tracking_hash: str = ""


@dataclass(kw_only=True)
class SignIn(Command):
    """Sign a clerk in at a window (the PIN is checked by the adapter) and open it."""

    NAME: ClassVar[str] = "sign_in"
    staff: str
    window: int


@dataclass(kw_only=True)
class SignOut(Command):
    """Close the window and sign the clerk out."""

    NAME: ClassVar[str] = "sign_out"
    staff: str
    window: int


@dataclass(kw_only=True)
class WindowCommand(Command):
    window: int
    staff: str


@dataclass(kw_only=True)
class OpenWindow(WindowCommand):
    """Open a closed window again (the clerk is signed in)."""

    NAME: ClassVar[str] = "open_window"


@dataclass(kw_only=True)
class PauseWindow(WindowCommand):
    """Pause the window with a reason."""

    NAME: ClassVar[str] = "pause_window"
    reason: str


@dataclass(kw_only=True)
class ResumeWindow(WindowCommand):
    """Resume a paused window."""

    NAME: ClassVar[str] = "resume_window"


@dataclass(kw_only=True)
class CloseWindow(WindowCommand):
    """Close the window; the clerk stays signed in."""

    NAME: ClassVar[str] = "close_window"


@dataclass(kw_only=True)
class CallNext(WindowCommand):
    """Call the next ticket for this window by its routing policy."""

    NAME: ClassVar[str] = "call_next"


@dataclass(kw_only=True)
class TicketCommand(WindowCommand):
    ticket_id: int


@dataclass(kw_only=True)
class CallTicket(TicketCommand):
    """Call a specific waiting ticket, or call back a missed one within its return window."""

    NAME: ClassVar[str] = "call_ticket"


@dataclass(kw_only=True)
class RecallTicket(TicketCommand):
    """Call the ticket in hand again."""

    NAME: ClassVar[str] = "recall_ticket"


@dataclass(kw_only=True)
class StartService(TicketCommand):
    """The called citizen arrived: start service."""

    NAME: ClassVar[str] = "start_service"


@dataclass(kw_only=True)
class FinishService(TicketCommand):
    """Finish with a case outcome."""

    NAME: ClassVar[str] = "finish_service"
    outcome: str
    promised_days: int | None = None
    materials: list[str] = field(default_factory=list)
    case_number: str | None = None
    # supervision (docs/supervision.md): joint departments, a refusal and its legal basis, a return visit's link
    joint_departments: list[str] = field(default_factory=list)
    refusal: str | None = None  # one of REFUSALS
    legal_basis: str = ""
    linked_to: str | None = None  # the earlier visit: its notice number (YYYYMMDD-A012) or its case number


REFUSALS = ("not_accepted", "not_permitted")  # 不予受理 / 不予許可


@dataclass(kw_only=True)
class MarkNoShow(TicketCommand):
    """The called citizen did not come."""

    NAME: ClassVar[str] = "mark_no_show"


@dataclass(kw_only=True)
class SuspendTicket(TicketCommand):
    """The citizen steps away; the window holds the ticket."""

    NAME: ClassVar[str] = "suspend_ticket"
    reason: str = ""


@dataclass(kw_only=True)
class ResumeTicket(TicketCommand):
    """Take a suspended ticket back: it re-enters the front of this window's queue."""

    NAME: ClassVar[str] = "resume_ticket"


@dataclass(kw_only=True)
class TransferTicket(TicketCommand):
    """Move the ticket, keeping its number, to another service or window queue."""

    NAME: ClassVar[str] = "transfer_ticket"
    to_service: str | None = None
    to_window: int | None = None
    front: bool = False
    note: str = ""


@dataclass(kw_only=True)
class CancelTicket(Command):
    """Cancel a ticket that is not finished."""

    NAME: ClassVar[str] = "cancel_ticket"
    ticket_id: int
    staff: str | None = None
    window: int | None = None
    reason: str = ""


@dataclass(kw_only=True)
class ReturnTicket(Command):
    """Put a missed ticket back at the end of its queue (the guide desk, within the return window)."""

    NAME: ClassVar[str] = "return_ticket"
    ticket_id: int
    staff: str


@dataclass(kw_only=True)
class RateVisit(Command):
    """Record the citizen's rating of the visit that just finished at a window."""

    NAME: ClassVar[str] = "rate_visit"
    window: int
    ticket_id: int
    level: str
    reason: str = ""


@dataclass(kw_only=True)
class Tick(Command):
    """Housekeeping at `now`: expire ratings nobody gave."""

    NAME: ClassVar[str] = "tick"


@dataclass(kw_only=True)
class CloseDay(Command):
    """Turn the business day: close what is open, restart numbering."""

    NAME: ClassVar[str] = "close_day"
    new_day: str
