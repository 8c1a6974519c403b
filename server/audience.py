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

PUBLIC, STAFF, MANAGER = "public", "staff", "manager"
AUDIENCES = (PUBLIC, STAFF, MANAGER)
STAFF_UP = (STAFF, MANAGER)
NOBODY: tuple[str, ...] = ()

ROLE_AUDIENCE = {
    "display": PUBLIC, "kiosk": PUBLIC, "rating_pad": PUBLIC,
    "counter": STAFF, "clerk": STAFF, "guide": STAFF,
    "manager": MANAGER,
}

# Ticket fields (server/views.py ticket_view) kept from some audiences.
TICKET_FIELDS: dict[str, tuple[str, ...]] = {
    "notes": STAFF_UP,  # transfer notes typed by clerks
    "green_category": STAFF_UP,  # why a citizen has priority (age, disability...) is personal
    "appointment_code": NOBODY,  # never in a view; listed so that adding it cannot leak it
}

# Event fields kept from some audiences, by event type.
EVENT_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "ticket_issued": {"appointment_code": NOBODY, "green_category": STAFF_UP, "tracking_hash": NOBODY},
    "appointment_booked": {"code": NOBODY},
    "appointment_checked_in": {"code": NOBODY},
    "ticket_suspended": {"reason": STAFF_UP},
    "ticket_transferred": {"note": STAFF_UP},
    "service_finished": {"materials": STAFF_UP, "case_number": STAFF_UP},
    "ticket_cancelled": {"reason": STAFF_UP},
    "visit_rated": {"level": (MANAGER,), "reason": (MANAGER,)},
}

# Text a person types that IS meant for the hall: the reason a window is paused (午休 / lunch break)
# is shown on the screens. Listed so the privacy test and docs/security.md know it is deliberate.
PUBLIC_TEXT = (("window_paused", "reason"), ("window", "pause_reason"))


def audience_of(role: str | None) -> str:
    """A role's audience; no role (no token) and any unknown role are public."""
    return ROLE_AUDIENCE.get(role or "", PUBLIC)


def _allowed(rules: dict[str, tuple[str, ...]], name: str, audience: str) -> bool:
    return name not in rules or audience in rules[name]


def ticket_for(view: dict | None, audience: str) -> dict | None:
    """A ticket view with only the fields this audience may receive."""
    if view is None:
        return None
    return {k: v for k, v in view.items() if _allowed(TICKET_FIELDS, k, audience)}


def window_for(view: dict | None, audience: str) -> dict | None:
    if view is None or not view.get("ticket"):
        return view
    return {**view, "ticket": ticket_for(view["ticket"], audience)}


def hall_for(view: dict, audience: str) -> dict:
    """The hall snapshot (GET /api/hall, the WebSocket subscribe answer) for one audience."""
    return {**view, "windows": [window_for(w, audience) for w in view.get("windows", [])]}


def event_for(event: dict, audience: str) -> dict:
    """One event as this audience may receive it. A hidden rating level is replaced by `rated`."""
    rules = EVENT_FIELDS.get(event.get("type"), {})
    cut = {k: v for k, v in event.items() if _allowed(rules, k, audience)}
    if "level" in event and "level" not in cut:
        cut["rated"] = True
    if isinstance(cut.get("ticket"), dict):
        cut["ticket"] = ticket_for(cut["ticket"], audience)
    return cut


def events_for(events: list[dict], audience: str) -> list[dict]:
    return [event_for(ev, audience) for ev in events]
