"""Today's live board: queues against their thresholds and windows from the in-memory hall state
(cheap, on the loop), today's totals from the projection (on a reader thread)."""
from __future__ import annotations

from ..domain.calendar import iso_local
from ..domain.hall import HallConfig, Service
from ..domain.model import HallState


def wait_level(service: Service, longest_s: float) -> str:
    if longest_s >= service.action_wait_min * 60:
        return "action"
    if longest_s >= service.warning_wait_min * 60:
        return "warning"
    return "ok"


def queues(state: HallState, hall: HallConfig, now: float) -> list[dict]:
    waiting: dict[str, list[float]] = {}
    for t in state.waiting():
        waiting.setdefault(t.queue_service, []).append(t.queue_entered_at)
    out = []
    for s in hall.services:
        entries = waiting.get(s.code, [])
        longest = max((now - e for e in entries), default=0.0)
        longest = max(longest, 0.0)  # an appointment waiting for its slot has not started waiting
        out.append({"service": s.code, "prefix": s.prefix, "name": s.name.to_dict(), "department": s.department,
                    "waiting": len(entries), "longest_wait_s": round(longest, 1), "level": wait_level(s, longest),
                    "warning_wait_min": s.warning_wait_min, "action_wait_min": s.action_wait_min,
                    "target_wait_min": s.target_wait_min, "issued": state.issued.get(s.code, 0)})
    return out


def windows(state: HallState, hall: HallConfig, now: float) -> list[dict]:
    out = []
    for w in hall.windows:
        ws = state.window(w.number)
        held = state.in_hand(w.number)
        staff = hall.staff_member(ws.staff) if ws.staff else None
        ticket = None
        if held is not None:
            since = held.started_at or held.called_at
            ticket = {"label": held.label, "status": held.status.value, "service": held.queue_service,
                      "since_s": round(now - since, 1) if since else None}
        out.append({"number": w.number, "name": w.name.to_dict(), "department": w.department, "status": ws.status,
                    "pause_reason": ws.pause_reason, "status_since": iso_local(ws.status_since, hall.center.timezone),
                    "status_for_s": round(now - ws.status_since, 1) if ws.status_since else None,
                    "staff": {"number": staff.number, "name": staff.name} if staff else None, "ticket": ticket})
    return out


def live_board(state: HallState, hall: HallConfig, now: float, devices: list[dict]) -> dict:
    wins = windows(state, hall, now)
    return {"day": state.day, "seq": state.last_seq, "server_time": iso_local(now, hall.center.timezone),
            "queues": queues(state, hall, now), "windows": wins,
            "clerks": [w["staff"] | {"window": w["number"]} for w in wins if w["staff"]],
            "devices": devices}
