"""Appointment slots and what is left of them (the guide desk's slot picker). Pure: the hall, the
bookings and `now` in, slots out.

A slot is SLOT_MIN minutes inside the hours the service is issued (its `issuing_hours`, else the
hall's `opening_hours`, else OFFICE_HOURS). Its capacity is what the appointment windows serving the
service can handle in it: windows × ⌊SLOT_MIN / typical_handling_min⌋, at least one per window.
A service no appointment window serves has no slots."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .hall import HallConfig, Service, TimeRange
from .model import Appointment

SLOT_MIN = 30
OFFICE_HOURS = (TimeRange(9 * 60, 12 * 60), TimeRange(13 * 60 + 30, 17 * 60))  # when the hall names none


@dataclass(frozen=True)
class Slot:
    start: float  # epoch seconds
    end: float
    label: str  # "09:00-09:30", local time
    capacity: int
    booked: int

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)

    def to_dict(self, now: float) -> dict[str, float | int | str | bool]:
        return {"start": self.start, "end": self.end, "label": self.label, "capacity": self.capacity,
                "booked": self.booked, "remaining": self.remaining, "past": self.start <= now}


def slot_capacity(hall: HallConfig, service: Service) -> int:
    windows = [w for w in hall.windows_serving(service.code) if w.kind == "appointment"]
    per_window = max(1, int(SLOT_MIN // max(service.typical_handling_min, 1)))
    return len(windows) * per_window


def _hours(hall: HallConfig, service: Service) -> tuple[TimeRange, ...]:
    return service.issuing_hours or hall.center.opening_hours or OFFICE_HOURS


def appointment_slots(hall: HallConfig, bookings: list[Appointment], service: Service, day: str) -> list[Slot]:
    """Every slot of `service` on business day `day` with its capacity and bookings so far."""
    capacity = slot_capacity(hall, service)
    if not capacity:
        return []
    zone = ZoneInfo(hall.center.timezone)
    midnight = datetime.fromisoformat(day).replace(tzinfo=zone)
    taken = [b for b in bookings if b.service == service.code and b.slot_day == day]
    slots = []
    for hours in _hours(hall, service):
        for minute in range(hours.start_min, hours.end_min - SLOT_MIN + 1, SLOT_MIN):
            start = (midnight + timedelta(minutes=minute)).timestamp()
            end = start + SLOT_MIN * 60
            booked = sum(1 for b in taken if start <= b.slot_start < end)
            label = TimeRange(minute, minute + SLOT_MIN).label()
            slots.append(Slot(start, end, label, capacity, booked))
    return slots
