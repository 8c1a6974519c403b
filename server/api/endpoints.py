"""Every HTTP endpoint in one table: method, path, operationId, who may call it, its body, and for
queue actions the command it runs. handlers.py serves it; openapi.py describes it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Callable

from ..auth import Principal
from ..domain import commands as c
from ..domain.errors import DomainError
from ..domain.hall import GREEN_CATEGORIES, LANGS
from ..stats.figures import GROUPS
from .fields import REQUEST_ID, Field

MAX_ID = 10**18 - 1  # ids are at most 18 ASCII digits (server/api/paths.py)
PATH_ID_DOCS = {"ticket_id": "Ticket id (the HTTP path's id).", "window": "Window number (default: the session's)."}
CLERK = ("clerk",)
STAFF_DESK = ("guide", "manager")
ANY_ROLE = ("kiosk", "display", "counter", "rating_pad", "clerk", "manager", "guide", "liaison")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    operation_id: str
    summary: str
    roles: tuple[str, ...]  # () means public
    body: dict[str, Field] | None = None
    command: Callable[[Principal, dict, dict], c.Command] | None = None
    answer: str = "ticket"  # ticket | window | issue | events
    tag: str = "queue"
    query: dict[str, Field] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    special: str | None = None  # name of a hand-written handler (no command)

    @property
    def wire_name(self) -> str:
        """The command's name over the WebSocket: the operationId in snake case (callNext -> call_next)."""
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.operation_id).lower()

    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.path))

    def socket_fields(self) -> dict[str, Field]:
        """The body over the WebSocket: the HTTP body plus the path's ids (a clerk's window is optional:
        it defaults to the session's)."""
        ids = {name: Field("integer", name != "window", PATH_ID_DOCS[name], minimum=1, maximum=MAX_ID)
               for name in self.path_params()}
        return (self.body or {}) | ids


def _window_of(principal: Principal, match: dict) -> int:
    """The window a clerk acts at: the session's. A path naming another window is refused."""
    if "window" in match and int(match["window"]) != principal.window:
        raise DomainError("wrong_window", f"you are signed in at window {principal.window}")
    return principal.window


def _ticket_cmd(cls, **fixed):
    def build(p: Principal, body: dict, match: dict) -> c.Command:
        extra = {k: body[k] for k in fixed if k in body}
        return cls(window=_window_of(p, match), staff=p.staff, ticket_id=int(match["ticket_id"]), **extra)
    return build


def _window_cmd(cls, *keys):
    def build(p: Principal, body: dict, match: dict) -> c.Command:
        return cls(window=_window_of(p, match), staff=p.staff, **{k: body[k] for k in keys if k in body})
    return build


def _call_ticket(p: Principal, body: dict, match: dict) -> c.Command:
    window = _window_of(p, match)
    if "ticket_id" not in body:
        raise DomainError("invalid_argument", "name the ticket: ticket_id or label", field="ticket_id")
    return c.CallTicket(window=window, staff=p.staff, ticket_id=body["ticket_id"])


def _issue(p: Principal, body: dict, match: dict) -> c.Command:
    channel = body.get("channel", "normal")
    if channel == "green" and not (p.green_channel or p.role in STAFF_DESK):
        raise DomainError("forbidden", "green-channel tickets are issued at the guide desk, not at this kiosk")
    return c.IssueTicket(service=body["service"], channel=channel, green_category=body.get("green_category"),
                         kiosk=p.id if p.role == "kiosk" else None, lang=body.get("lang", "zh-Hant"),
                         issued_by=p.staff if p.role in STAFF_DESK else None)


def _check_in(p: Principal, body: dict, match: dict) -> c.Command:
    return c.CheckInAppointment(code=body["code"].strip().upper(), kiosk=p.id if p.role == "kiosk" else None,
                                lang=body.get("lang", "zh-Hant"))


def _cancel(p: Principal, body: dict, match: dict) -> c.Command:
    window = _window_of(p, match) if p.role == "clerk" else None
    return c.CancelTicket(ticket_id=int(match["ticket_id"]), staff=p.staff or p.id, window=window,
                          reason=body.get("reason", ""))


def _rate(p: Principal, body: dict, match: dict) -> c.Command:
    return c.RateVisit(window=p.window, ticket_id=int(match["ticket_id"]), level=body["level"],
                       reason=body.get("reason", ""))


def _book(p: Principal, body: dict, match: dict) -> c.Command:
    return c.BookAppointment(code=body["code"].strip().upper(), service=body["service"],
                             slot_start=float(body["slot_start"]), slot_end=float(body["slot_end"]),
                             booked_by=p.staff)


EPOCH_MAX = 4_102_444_800  # 2100-01-01: no booking is further away
LANG = Field("string", doc="Language of the ticket and its printout.", enum=LANGS)
NOTE = Field("string", doc="Free text shown to the next clerk.", max_length=500)
TICKET_ERRORS = ("unknown_ticket", "not_at_this_window", "invalid_transition", "not_signed_in", "wrong_window")

# supervision fields of a finish (docs/supervision.md)
FINISH_SUPERVISION = {
    "joint_departments": Field("array", doc="Departments involved (outcome joint, with promised_days): a task each."),
    "refusal": Field("string", doc="A refusal (否定報備, outcome reply): 不予受理 or 不予許可.", enum=c.REFUSALS),
    "legal_basis": Field("string", doc="The legal reason of the refusal (required with refusal).", max_length=500),
    "linked_to": Field("string", doc="Return visit: the earlier visit's notice number (YYYYMMDD-A012) or case "
                       "number.", max_length=60),
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/tickets", "issueTicket", "Issue a ticket for a service", ("kiosk",) + STAFF_DESK,
             body={"service": Field("string", True, "Service code."),
                   "channel": Field("string", doc="normal, or green (green channel; kiosks configured for it "
                                    "and the guide desk).", enum=("normal", "green")),
                   "green_category": Field("string", doc="Why green channel.", enum=GREEN_CATEGORIES),
                   "lang": LANG, "request_id": REQUEST_ID},
             command=_issue, answer="issue",
             errors=("unknown_service", "daily_cap_reached", "outside_issuing_hours", "hall_closed", "rate_limited")),
    Endpoint("POST", "/api/appointments/check-in", "checkInAppointment", "Check a booking in by its code",
             ("kiosk",) + STAFF_DESK,
             body={"code": Field("string", True, "Booking code.", max_length=40), "lang": LANG, "request_id": REQUEST_ID},
             command=_check_in, answer="issue",
             errors=("unknown_appointment", "appointment_used", "appointment_other_day")),
    Endpoint("POST", "/api/appointments", "bookAppointment", "Book an appointment slot", STAFF_DESK,
             body={"code": Field("string", True, "Booking code given to the citizen.", max_length=40),
                   "service": Field("string", True, "Service code."),
                   "slot_start": Field("number", True, "Slot start, epoch seconds.", minimum=0, maximum=EPOCH_MAX),
                   "slot_end": Field("number", True, "Slot end, epoch seconds.", minimum=0, maximum=EPOCH_MAX),
                   "request_id": REQUEST_ID},
             command=_book, answer="events", tag="appointments", errors=("unknown_service",)),
    Endpoint("POST", "/api/windows/{window}/call-next", "callNext", "Call the next ticket", CLERK,
             body={"request_id": REQUEST_ID}, command=_window_cmd(c.CallNext),
             errors=("queue_empty", "ticket_in_hand", "window_not_open", "wrong_window")),
    Endpoint("POST", "/api/windows/{window}/call", "callTicket", "Call a specific or missed ticket", CLERK,
             body={"ticket_id": Field("integer", doc="Ticket id.", minimum=1, maximum=MAX_ID),
                   "label": Field("string", doc="Ticket number as printed (A012), instead of ticket_id.", max_length=10),
                   "request_id": REQUEST_ID},
             command=_call_ticket,
             errors=("unknown_ticket", "return_window_expired", "ticket_in_hand")),
    Endpoint("POST", "/api/tickets/{ticket_id}/recall", "recallTicket", "Call the ticket in hand again", CLERK,
             body={"request_id": REQUEST_ID}, command=_ticket_cmd(c.RecallTicket), errors=TICKET_ERRORS + ("max_recalls",)),
    Endpoint("POST", "/api/tickets/{ticket_id}/start", "startService", "The citizen arrived: start service", CLERK,
             body={"request_id": REQUEST_ID}, command=_ticket_cmd(c.StartService), errors=TICKET_ERRORS),
    Endpoint("POST", "/api/tickets/{ticket_id}/finish", "finishService", "Finish with a case outcome", CLERK,
             body={"outcome": Field("string", True, "Case outcome (五件管理).", enum=c.OUTCOMES),
                   "promised_days": Field("integer", doc="Working days promised (outcome promised).", minimum=1,
                                          maximum=3650),
                   "materials": Field("array", doc="Missing materials (outcome supplement): the one-time notice."),
                   "case_number": Field("string", doc="Case number from the department's system.", max_length=60),
                   **FINISH_SUPERVISION,
                   "request_id": REQUEST_ID},
             command=_ticket_cmd(c.FinishService, outcome=1, promised_days=1, materials=1, case_number=1,
                                 joint_departments=1, refusal=1, legal_basis=1, linked_to=1),
             errors=TICKET_ERRORS),
    Endpoint("POST", "/api/tickets/{ticket_id}/no-show", "markNoShow", "The called citizen did not come", CLERK,
             body={"request_id": REQUEST_ID}, command=_ticket_cmd(c.MarkNoShow), errors=TICKET_ERRORS),
    Endpoint("POST", "/api/tickets/{ticket_id}/suspend", "suspendTicket", "The citizen steps away", CLERK,
             body={"reason": NOTE, "request_id": REQUEST_ID}, command=_ticket_cmd(c.SuspendTicket, reason=1),
             errors=TICKET_ERRORS),
    Endpoint("POST", "/api/tickets/{ticket_id}/resume", "resumeTicket",
             "Take a suspended ticket back (front of this window's queue)", CLERK,
             body={"request_id": REQUEST_ID}, command=_ticket_cmd(c.ResumeTicket), errors=TICKET_ERRORS),
    Endpoint("POST", "/api/tickets/{ticket_id}/transfer", "transferTicket", "Transfer, keeping the number", CLERK,
             body={"to_service": Field("string", doc="Service code of the new queue."),
                   "to_window": Field("integer", doc="Only this window may call it.", minimum=1, maximum=MAX_ID),
                   "front": Field("boolean", doc="Front of the new queue instead of the back."),
                   "note": NOTE, "request_id": REQUEST_ID},
             command=_ticket_cmd(c.TransferTicket, to_service=1, to_window=1, front=1, note=1),
             errors=TICKET_ERRORS + ("unknown_service", "unknown_window")),
    Endpoint("POST", "/api/tickets/{ticket_id}/cancel", "cancelTicket", "Cancel a ticket", CLERK + STAFF_DESK,
             body={"reason": NOTE, "request_id": REQUEST_ID}, command=_cancel, errors=TICKET_ERRORS),
    Endpoint("POST", "/api/windows/{window}/open", "openWindow", "Open the window again", CLERK,
             body={"request_id": REQUEST_ID}, command=_window_cmd(c.OpenWindow), answer="window", tag="windows",
             errors=("window_already_open",)),
    Endpoint("POST", "/api/windows/{window}/pause", "pauseWindow", "Pause the window with a reason", CLERK,
             body={"reason": Field("string", True, "Shown on the screens (e.g. 午休 / lunch break).", max_length=100),
                   "request_id": REQUEST_ID},
             command=_window_cmd(c.PauseWindow, "reason"), answer="window", tag="windows", errors=("window_not_open",)),
    Endpoint("POST", "/api/windows/{window}/resume", "resumeWindow", "Resume a paused window", CLERK,
             body={"request_id": REQUEST_ID}, command=_window_cmd(c.ResumeWindow), answer="window", tag="windows",
             errors=("window_not_paused",)),
    Endpoint("POST", "/api/windows/{window}/close", "closeWindow", "Close the window", CLERK,
             body={"request_id": REQUEST_ID}, command=_window_cmd(c.CloseWindow), answer="window", tag="windows",
             errors=("window_not_open", "ticket_in_hand")),
    Endpoint("POST", "/api/tickets/{ticket_id}/rating", "rateVisit", "Rate the visit (rating pad)", ("rating_pad",),
             body={"level": Field("string", True, "One of the five official levels.", enum=c.RATING_LEVELS),
                   "reason": Field("string", doc="Optional reason, mostly after a bad rating.", max_length=500),
                   "request_id": REQUEST_ID},
             command=_rate, answer="events", tag="ratings", errors=("already_rated", "rating_closed")),
)

MANAGER = ("manager",)
STATS_DAY = Field("string", doc="Business day, YYYY-MM-DD (the center's time zone).", max_length=10)
STATS_RANGE = {"from": STATS_DAY, "to": STATS_DAY}

OTHER_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/sessions", "signIn", "Sign in (clerk at the counter's window, manager, guide)",
             (), body={"staff": Field("string", True, "Staff number.", max_length=20),
                       "pin": Field("string", True, "PIN.", max_length=20)},
             special="sign_in", tag="sessions", errors=("unauthorized", "too_many_attempts", "already_signed_in",
                                                        "window_taken", "forbidden")),
    Endpoint("DELETE", "/api/sessions/current", "signOut", "Sign out (a clerk also closes the window)",
             CLERK + STAFF_DESK + ("liaison",), special="sign_out", tag="sessions", errors=("ticket_in_hand",)),
    Endpoint("GET", "/api/sessions/current", "getSession", "Who am I: the session or device behind the token",
             ANY_ROLE, special="who_am_i", tag="sessions"),
    Endpoint("GET", "/api/hall", "getHallState", "The live hall: services, queues, windows, recent calls",
             ANY_ROLE, special="hall", tag="hall",
             query={"zone": Field("string", doc="Only this zone.", max_length=40),
                    "window": Field("integer", doc="Only this window.", minimum=1)}),
    Endpoint("GET", "/api/tickets/{ticket_id}", "getTicket", "One ticket", ANY_ROLE, special="ticket",
             errors=("unknown_ticket",)),
    Endpoint("GET", "/api/windows/{window}/missed", "getMissedTickets",
             "No-shows that may still be called back", CLERK + STAFF_DESK, special="missed", tag="windows"),
    Endpoint("GET", "/api/windows/{window}/suspended", "getSuspendedTickets",
             "Tickets suspended at this window, waiting to be taken back", CLERK + STAFF_DESK,
             special="suspended", tag="windows", errors=("unknown_window", "wrong_window")),
    Endpoint("GET", "/api/windows/{window}/today", "getWindowToday",
             "Today's figures of this window and its signed-in clerk (counts only, never rating levels)",
             CLERK + STAFF_DESK, special="window_today", tag="windows", errors=("unknown_window", "wrong_window")),
    Endpoint("GET", "/api/track/{token}", "trackTicket", "Follow a ticket from a phone (public, token link)",
             (), special="track", tag="tracking", errors=("unknown_ticket",)),
    # --- manager statistics (handlers in server/stats/http.py) ---
    Endpoint("GET", "/api/stats", "getStats", "Every figure for a range of days, by one grouping", MANAGER,
             special="stats", tag="stats", errors=("invalid_argument",),
             query=STATS_RANGE | {"group_by": Field("string", doc="Grouping.", enum=GROUPS)}),
    Endpoint("GET", "/api/stats/live", "getLiveStats", "Today so far: queues, windows, clerks, devices, totals",
             MANAGER, special="stats_live", tag="stats"),
    Endpoint("GET", "/api/reports/daily", "getDailyReport", "The daily report (JSON and text)", MANAGER,
             special="report_daily", tag="stats", errors=("invalid_argument",), query={"day": STATS_DAY}),
    Endpoint("GET", "/api/reports/monthly", "getMonthlyReport", "The monthly report (JSON and text)", MANAGER,
             special="report_monthly", tag="stats", errors=("invalid_argument",),
             query={"month": Field("string", doc="YYYY-MM.", max_length=7)}),
    Endpoint("GET", "/api/export/{table}.csv", "exportCsv", "One table as CSV (visits, segments, ratings, ...)",
             MANAGER, special="export_csv", tag="stats", errors=("invalid_argument",), query=STATS_RANGE),
    Endpoint("GET", "/api/ratings/bad", "getBadRatings", "Bad ratings with their reasons, for follow-up", MANAGER,
             special="bad_ratings", tag="stats", errors=("invalid_argument",), query=STATS_RANGE),
    Endpoint("GET", "/api/kiosk", "getKiosk", "The calling kiosk: green channel, printer state, reprint time",
             ("kiosk",), special="kiosk_self", tag="kiosk"),
    Endpoint("GET", "/api/track/{token}/qr.svg", "trackTicketQr",
             "The tracking link as a QR code, SVG (public, token link)", (), special="track_qr", tag="tracking",
             errors=("unknown_ticket",)),
    Endpoint("POST", "/api/tickets/{ticket_id}/reprint", "reprintTicket",
             "Print a ticket again at the kiosk that issued it (within reprint_window_min)", ("kiosk",),
             body={"request_id": REQUEST_ID}, special="reprint", tag="kiosk",
             errors=("unknown_ticket", "forbidden", "reprint_expired", "print_pending")),
    Endpoint("GET", "/api/health", "getHealth", "Liveness and readiness", (), special="health", tag="ops"),
    Endpoint("GET", "/api/openapi.json", "getOpenApi", "This description", (), special="openapi", tag="ops"),
)

# the commands the WebSocket accepts, by wire name: every row that runs a command
COMMAND_ROWS: dict[str, Endpoint] = {ep.wire_name: ep for ep in ENDPOINTS if ep.command is not None}
