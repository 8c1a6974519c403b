"""JSON views of the state for the API, the hub and the pages. Never a name, phone or ID number."""
from __future__ import annotations

from .domain.calendar import iso_local, minute_of_day
from .domain.hall import HallConfig, Service, Window
from .domain.model import HallState, WindowState
from .estimate import hall_estimates
from .records import ticket_view


def queue_figures(state: HallState, service: Service, now: float) -> dict:
    count, priority, earliest = state.queue_summary(service.code)
    longest = max(0.0, now - earliest) if earliest is not None else 0.0  # a slot still ahead: 0
    return {"waiting": count, "longest_wait_s": round(longest, 1), "priority_waiting": priority}


def service_view(state: HallState, hall: HallConfig, service: Service, now: float,
                 estimate: dict | None = None) -> dict:
    open_windows = [w.number for w in hall.windows_serving(service.code)
                    if state.window(w.number).status == "open"]
    return {
        "code": service.code, "prefix": service.prefix, "name": service.name.to_dict(),
        "department": service.department, "target_wait_min": service.target_wait_min,
        "warning_wait_min": service.warning_wait_min, "action_wait_min": service.action_wait_min,
        "daily_cap": service.daily_cap, "issued": state.issued.get(service.code, 0),
        "issuing_hours": [r.label() for r in service.issuing_hours],
        "typical_handling_min": service.typical_handling_min,
        "open_windows": open_windows, **queue_figures(state, service, now),
        "estimate": estimate,  # what a ticket issued now would be told (kiosk)
        "not_issuing": not_issuing(state, hall, service, now),
    }


def not_issuing(state: HallState, hall: HallConfig, service: Service, now: float) -> str | None:
    """Why a ticket for this service would be refused now (the engine's checks), or None."""
    minute = minute_of_day(now, hall.center.timezone)
    if hall.center.opening_hours and not any(r.contains(minute) for r in hall.center.opening_hours):
        return "hall_closed"
    if service.issuing_hours and not any(r.contains(minute) for r in service.issuing_hours):
        return "outside_issuing_hours"
    if service.daily_cap is not None and state.issued.get(service.code, 0) >= service.daily_cap:
        return "daily_cap_reached"
    return None


def window_view(state: HallState, hall: HallConfig, window: Window) -> dict:
    ws: WindowState = state.window(window.number)
    staff = hall.staff_member(ws.staff) if ws.staff else None
    held = state.in_hand(window.number)
    pending = state.awaiting_rating(window.number)
    rated = state.tickets.get(pending.ticket_id) if pending else None
    return {
        "number": window.number, "name": window.name.to_dict(), "zone": window.zone,
        "department": window.department, "kind": window.kind, "services": list(window.services),
        "status": ws.status, "pause_reason": ws.pause_reason,
        "status_since": iso_local(ws.status_since, hall.center.timezone),
        "staff": {"number": staff.number, "name": staff.name} if staff else None,
        "ticket": ticket_view(held, hall) if held else None,
        # the visit the window's rating pad offers: a pad that (re)connects after the finish offers it too
        "awaiting_rating": {"ticket_id": pending.ticket_id, "label": rated.label, "staff": pending.staff}
        if pending and rated else None,
    }


def recent_calls(state: HallState, hall: HallConfig, limit: int = 12) -> list[dict]:
    return [{"ticket_id": t.id, "label": t.label, "window": t.window, "recalls": t.recalls,
             "at": iso_local(t.called_at, hall.center.timezone)} for t in state.recent_calls(limit)]


def missed_tickets(state: HallState, hall: HallConfig, now: float) -> list[dict]:
    """No-shows still inside their return window (the counter's missed list)."""
    return [ticket_view(t, hall) for t in state.missed(now)]


def hall_view(state: HallState, hall: HallConfig, now: float, zone: str | None = None,
              window: int | None = None) -> dict:
    windows = [w for w in hall.windows if (zone is None or w.zone == zone) and (window is None or w.number == window)]
    served = {code for w in windows for code in w.services}
    center = hall.center
    estimates = hall_estimates(state, hall)
    return {
        "center": {"name": center.name.to_dict(), "timezone": center.timezone,
                   "missed_rule": center.missed_rule.to_dict(), "notice": center.notice.to_dict(),
                   "opening_hours": [r.label() for r in center.opening_hours], "default_lang": center.default_lang},
        "day": state.day, "seq": state.last_seq, "server_time": iso_local(now, center.timezone),
        "scope": {"zone": zone, "window": window},
        "departments": [{"code": d.code, "name": d.name.to_dict()} for d in hall.departments],
        "services": [service_view(state, hall, s, now, estimates.get(s.code))
                     for s in hall.services if s.code in served],
        "windows": [window_view(state, hall, w) for w in windows],
        "recent_calls": [c for c in recent_calls(state, hall) if c["window"] in {w.number for w in windows}],
        # the hall displays' 過號 list: numbers called but missed, still allowed back (labels only)
        "missed": [{"ticket_id": t["id"], "label": t["label"], "window": t.get("window"),
                    "return_until": t.get("return_until")}
                   for t in missed_tickets(state, hall, now) if t.get("queue_service") in served],
    }


def center_view(hall: HallConfig) -> dict:
    """The hall as a citizen may know it before any sign-in: name, language, notice, and each
    service's guide (GET /api/center; the sign-in forms, the phone page and the kiosk's guides)."""
    center = hall.center
    return {
        "center": {"name": center.name.to_dict(), "default_lang": center.default_lang, "timezone": center.timezone,
                   "notice": center.notice.to_dict(), "missed_rule": center.missed_rule.to_dict(),
                   "opening_hours": [r.label() for r in center.opening_hours]},
        "departments": [{"code": d.code, "name": d.name.to_dict()} for d in hall.departments],
        "services": [{"code": s.code, "prefix": s.prefix, "name": s.name.to_dict(), "department": s.department,
                      "windows": [w.number for w in hall.windows_serving(s.code)], "guide": s.guide.to_dict()}
                     for s in hall.services],
        "green_channel_categories": list(hall.rules.green_channel_categories),
        "no_show_return_min": hall.rules.no_show_return_min,
    }
