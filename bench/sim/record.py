"""The simulator's own record of what happened: only actions the server acknowledged count."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

FINAL = ("finished", "cancelled", "walked_out", "no_show")
# What the day's turn does to a ticket still open (server/domain/engine.py _day_end_event).
DAY_END = {"waiting": "walked_out", "suspended": "walked_out", "called": "no_show", "serving": "finished"}


def epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


@dataclass
class TicketRec:
    id: int
    label: str
    day: str
    service: str
    kiosk: str | None
    channel: str
    status: str = "waiting"
    window: int | None = None
    calls: int = 0
    wait_s: float | None = None  # wait of the current segment at its last call (server times)
    print_job: str | None = None
    appointment: bool = False


@dataclass
class Record:
    tickets: dict[int, TicketRec] = field(default_factory=dict)
    acked: Counter = field(default_factory=Counter)  # action -> acknowledged count
    refused: Counter = field(default_factory=Counter)  # error code -> count (domain refusals)
    served_waits: list[float] = field(default_factory=list)
    ratings: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    double_calls: list[str] = field(default_factory=list)  # a call acked for a ticket held elsewhere
    new_day_labels: list[tuple[str, str]] = field(default_factory=list)  # (service, label) after the turn
    bookings: int = 0
    day_end_did: Counter = field(default_factory=Counter)  # what the day's turn did, by resulting status

    def issued(self, view: dict, kiosk: str | None, print_job: str | None, appointment: bool = False) -> TicketRec:
        rec = TicketRec(view["id"], view["label"], view["day"], view["service"], kiosk, view["channel"],
                        print_job=print_job, appointment=appointment)
        self.tickets[rec.id] = rec
        self.acked["issue"] += 1
        return rec

    def called(self, view: dict, window: int) -> None:
        rec = self.tickets[view["id"]]
        if rec.status in ("called", "serving") and rec.window != window:
            self.double_calls.append(f"{rec.label} held by {rec.window}, called at {window}")
        rec.status, rec.window, rec.calls = "called", window, rec.calls + 1
        rec.wait_s = epoch(view["called_at"]) - epoch(view["queue_entered_at"])
        self.acked["call"] += 1

    def moved(self, ticket_id: int, action: str, status: str) -> None:
        rec = self.tickets[ticket_id]
        rec.status = status
        if status in ("waiting", "finished", "cancelled", "no_show"):
            rec.window = rec.window if status == "no_show" else None
        self.acked[action] += 1

    def finished(self, ticket_id: int, outcome: str) -> None:
        rec = self.tickets[ticket_id]
        self.served_waits.append(rec.wait_s)
        self.outcomes[outcome] += 1
        self.moved(ticket_id, "finish", "finished")

    def day_end(self, day: str) -> Counter:
        """Apply the day's turn to the old day's open tickets; what it did, by resulting status."""
        did: Counter = Counter()
        for rec in self.tickets.values():
            if rec.day == day and rec.status in DAY_END:
                after = DAY_END[rec.status]
                if rec.status == "serving":
                    self.served_waits.append(rec.wait_s)
                    self.outcomes["unrecorded"] += 1
                did[after] += 1
                rec.status = after
        self.day_end_did = did
        return did

    def final_counts(self, day: str) -> Counter:
        return Counter(r.status for r in self.tickets.values() if r.day == day)
