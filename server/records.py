"""What is stored and sent for each event: the ticket as the API shows it, the ticket row kept in
SQLite, and the event's wire form. The service builds them; the views reuse `ticket_view`."""
from __future__ import annotations

from .domain.calendar import iso_local
from .domain.hall import HallConfig
from .domain.model import Ticket


def ticket_view(t: Ticket, hall: HallConfig) -> dict:
    tz = hall.center.timezone
    return {
        "id": t.id, "day": t.day, "label": t.label, "service": t.service, "queue_service": t.queue_service,
        "status": t.status.value, "channel": t.channel, "green_category": t.green_category,
        "appointment": t.appointment_code is not None, "window": t.window, "pinned_window": t.pinned_window,
        "issued_at": iso_local(t.issued_at, tz), "queue_entered_at": iso_local(t.queue_entered_at, tz),
        # most of a ticket's times are not there yet: no call for those
        "called_at": None if t.called_at is None else iso_local(t.called_at, tz),
        "started_at": None if t.started_at is None else iso_local(t.started_at, tz),
        "finished_at": None if t.finished_at is None else iso_local(t.finished_at, tz),
        "return_until": None if t.return_until is None else iso_local(t.return_until, tz),
        "recalls": t.recalls, "transfers": t.transfers, "notes": list(t.notes), "segment": t.segment,
        "outcome": t.outcome, "lang": t.lang,
    }


def ticket_row(t: Ticket, view: dict, seq: int, tracking_hash: str | None = None) -> dict:
    """The stored row: the ticket's view (`ticket_view`) plus the raw epoch times the statistics need.
    The tracking hash comes with the issue only (the store keeps it; later rows leave it as it is)."""
    return {**view, "seq": seq, "issued_at": t.issued_at, "tracking_hash": tracking_hash,
            "times": {"queue_entered_at": t.queue_entered_at, "called_at": t.called_at,
                      "first_called_at": t.first_called_at, "started_at": t.started_at,
                      "finished_at": t.finished_at, "suspended_s": t.suspended_s}}


