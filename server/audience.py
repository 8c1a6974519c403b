"""Who may receive what: the one audience table, applied on every way out (HTTP reads, WebSocket
snapshots, live events, replays). docs/security.md explains it in words.

A hall has three audiences:
- public: displays, kiosks and rating pads, which stand where anyone can read or touch them, and
  anyone without a token (the phone tracking page);
- staff: clerks, guides and counter terminals;
- manager: managers.

The tables below name the fields that are NOT for everyone, and who may have them. Free text a
person typed (a clerk's notes, a citizen's rating reason) may hold personal details; appointment
codes are secrets of whoever booked (they leave the server only in the answer to the booking and
to the check-in that uses them, never in a broadcast, to nobody).
"""
from __future__ import annotations

from typing import Any

PUBLIC, STAFF, MANAGER = "public", "staff", "manager"
AUDIENCES = (PUBLIC, STAFF, MANAGER)
STAFF_UP = (STAFF, MANAGER)
NOBODY: tuple[str, ...] = ()

ROLE_AUDIENCE = {
    "display": PUBLIC, "kiosk": PUBLIC, "rating_pad": PUBLIC,
    "counter": STAFF, "clerk": STAFF, "guide": STAFF,
    "manager": MANAGER,
    "print_agent": PUBLIC, "speaker_agent": PUBLIC,  # device agents (their own tokens): what their device sees
}

# Ticket fields (server/views.py ticket_view) kept from some audiences.
TICKET_FIELDS: dict[str, tuple[str, ...]] = {
    "notes": STAFF_UP,  # transfer notes typed by clerks
    "green_category": STAFF_UP,  # why a citizen has priority (age, disability...) is personal
    "appointment_code": NOBODY,  # never in a view; listed so that adding it cannot leak it
}

# Event fields kept from some audiences, by event type.
EVENT_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ticket_issued": {"appointment_code": NOBODY, "green_category": STAFF_UP, "tracking_hash": NOBODY,
                      "issued_by": STAFF_UP},
    "appointment_booked": {"code": NOBODY, "booked_by": STAFF_UP},
    "appointment_checked_in": {"code": NOBODY},
    "ticket_suspended": {"reason": STAFF_UP},
    "ticket_transferred": {"note": STAFF_UP},
    "service_finished": {"materials": STAFF_UP, "case_number": STAFF_UP,
                         # supervision: a refusal, its legal basis and a return visit's link
                         "refusal": STAFF_UP, "legal_basis": STAFF_UP, "linked_to": STAFF_UP},
    "ticket_cancelled": {"reason": STAFF_UP},
    "visit_rated": {"level": (MANAGER,), "reason": (MANAGER,)},
}

# Text fields of events that no person types: ids, codes from the configuration, enums and values
# the server sets. Every text field of every event is either here, in EVENT_FIELDS or in
# PUBLIC_TEXT (tests/privacy/test_audience_table.py), so a new field cannot slip out unclassified.
SYSTEM_TEXT = frozenset({"staff", "service", "prefix", "label", "channel", "kiosk", "lang", "slot_day",
                         "closed_day", "new_day", "outcome", "to_service"})
SYSTEM_TEXT_OF = {("ticket_walked_out", "reason")}  # day_end: set by the server at the day's turn
# joint_departments: department codes of the configuration (the rules refuse any other text)
SYSTEM_TEXT_OF |= {("service_finished", "joint_departments")}

# Text a person types that IS meant for the hall: the reason a window is paused (午休 / lunch break)
# is shown on the screens. Listed so the privacy test and docs/security.md know it is deliberate.
PUBLIC_TEXT = (("window_paused", "reason"), ("window", "pause_reason"))


def audience_of(role: str | None) -> str:
    """A role's audience; no role (no token) and any unknown role are public."""
    return ROLE_AUDIENCE.get(role or "", PUBLIC)


def _hidden(rules: dict[str, tuple[str, ...]], obj: dict[str, Any], audience: str) -> set[str]:
    """The keys of `obj` this audience may not receive (the rules are few: look them up, not the keys)."""
    return {name for name, audiences in rules.items() if name in obj and audience not in audiences}


def ticket_for(view: dict[str, Any] | None, audience: str) -> dict[str, Any] | None:
    """A ticket view with only the fields this audience may receive."""
    if view is None:
        return None
    hidden = _hidden(TICKET_FIELDS, view, audience)
    if not hidden:
        return view  # nothing to cut: the same object (the hub then encodes it once for several audiences)
    return {k: v for k, v in view.items() if k not in hidden}


def window_for(view: dict[str, Any] | None, audience: str) -> dict[str, Any] | None:
    if view is None or not view.get("ticket"):
        return view
    return {**view, "ticket": ticket_for(view["ticket"], audience)}


def hall_for(view: dict[str, Any], audience: str) -> dict[str, Any]:
    """The hall snapshot (GET /api/hall, the WebSocket subscribe answer) for one audience."""
    return {**view, "windows": [window_for(w, audience) for w in view.get("windows", [])]}


def event_for(event: dict[str, Any], audience: str) -> dict[str, Any]:
    """One event as this audience may receive it. A hidden rating level is replaced by `rated`."""
    rules = EVENT_FIELDS.get(str(event.get("type")), {})
    ticket = event.get("ticket")
    if not rules and ticket is None:
        return event  # most events: nothing personal, nothing to cut
    ticket_cut = ticket_for(ticket, audience) if isinstance(ticket, dict) else ticket
    hidden = _hidden(rules, event, audience)
    if ticket_cut is ticket and not hidden:
        return event  # nothing to cut
    cut = {k: v for k, v in event.items() if k not in hidden}
    if "level" in event and "level" not in cut:
        cut["rated"] = True
    if "ticket" in cut:
        cut["ticket"] = ticket_cut
    return cut


def events_for(events: list[dict[str, Any]], audience: str) -> list[dict[str, Any]]:
    return [event_for(ev, audience) for ev in events]
