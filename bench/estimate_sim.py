"""A simulated hall day through the pure engine (no I/O): seeded arrivals and handling times.

For every ticket it records the estimate the kiosk showed at issue and the wait that followed
(last call − queue entry, docs/domain.md), so the estimator's accuracy can be measured.
"""
from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from server.domain import commands as c
from server.domain import engine
from server.domain.errors import DomainError
from server.domain.hall import HallConfig
from server.estimate import estimate_wait

# Arrivals per hour over the day, relative to the peak (a morning peak, lunch dip, afternoon).
PROFILE = {8: 0.5, 9: 1.0, 10: 1.0, 11: 0.8, 12: 0.4, 13: 0.6, 14: 0.9, 15: 0.8, 16: 0.5}
OPEN_H, CLOSE_H = 8.5, 17.0
NO_SHOW_RATE = 0.05
WALK_S = (20, 90)
LUNCH_PAUSE_WINDOWS = (4, 6, 10, 12)  # these windows take a 45-minute lunch break at 12:00


@dataclass
class Record:
    ticket_id: int
    service: str
    ahead: int
    issued_at: float
    estimate: dict
    waited_min: float | None = None


@dataclass
class SimResult:
    records: list[Record] = field(default_factory=list)
    refused: int = 0

    def called(self) -> list[Record]:
        return [r for r in self.records if r.waited_min is not None]


def day_start(day: str, tz: str) -> float:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, tzinfo=ZoneInfo(tz)).timestamp()


class HallDay:
    """One simulated day: a heap of timed happenings folded into the engine in time order."""

    def __init__(self, hall: HallConfig, seed: int, peak_per_hour: float, day: str = "2026-11-25"):
        self.hall, self.rng, self.peak = hall, random.Random(seed), peak_per_hour
        self.t0 = day_start(day, hall.center.timezone)
        self.state = engine.new_state(hall, day)
        self.queue: list = []
        self.seq = 0
        self.result = SimResult()
        self.by_ticket: dict[int, Record] = {}
        self.clerks = {w.number: self._clerk(w.number) for w in hall.windows}
        self.busy: set[int] = set()
        self.paused: set[int] = set()
        self.pause_due: set[int] = set()

    def _clerk(self, window: int) -> str:
        return next(s.number for s in self.hall.staff if s.role == "clerk" and s.windows[0] == window)

    def at(self, t: float, kind: str, **data) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (t, self.seq, kind, data))

    def run_cmd(self, cmd, now: float):
        return engine.handle(self.state, self.hall, cmd, now)

    # --- the day ------------------------------------------------------------------------------

    def run(self) -> SimResult:
        self._open_windows()
        self._schedule_arrivals()
        for window in LUNCH_PAUSE_WINDOWS:
            self.at(self.t0 + 12 * 3600, "pause", window=window)
            self.at(self.t0 + 12.75 * 3600, "resume", window=window)
        while self.queue:
            t, _, kind, data = heapq.heappop(self.queue)
            getattr(self, "_" + kind)(t, **data)
        return self.result

    def _open_windows(self) -> None:
        start = self.t0 + OPEN_H * 3600
        for window, staff in self.clerks.items():
            if self.hall.window(window).kind == "appointment":
                continue  # no bookings in this simulation
            self.run_cmd(c.SignIn(staff=staff, window=window), start)
            self.at(start, "free", window=window)

    def _schedule_arrivals(self) -> None:
        services = [s for s in self.hall.services if self.hall.windows_serving(s.code)]
        weights = [1.0 / s.typical_handling_min for s in services]  # quick services are asked more
        total = sum(weights)
        t = self.t0 + OPEN_H * 3600
        end = self.t0 + (CLOSE_H - 0.5) * 3600
        while True:
            rate = self.peak * PROFILE.get(int((t - self.t0) // 3600), 0.3) / 3600
            t += self.rng.expovariate(rate)
            if t >= end:
                break
            service = self.rng.choices(services, [w / total for w in weights])[0]
            self.at(t, "arrive", service=service.code)

    # --- happenings ---------------------------------------------------------------------------

    def _arrive(self, t: float, service: str) -> None:
        try:
            issued = self.run_cmd(c.IssueTicket(service=service), t)[0]
        except DomainError:
            self.result.refused += 1
            return
        estimate = estimate_wait(self.state, self.hall, service, issued.ahead)
        record = Record(issued.ticket_id, service, issued.ahead, t, estimate)
        self.result.records.append(record)
        self.by_ticket[issued.ticket_id] = record
        for window in self.hall.windows_serving(service):
            if window.number not in self.busy and window.number not in self.paused and window.number in self.clerks \
                    and self.state.window(window.number).status == "open":
                self.at(t, "free", window=window.number)

    def _free(self, t: float, window: int) -> None:
        if window in self.busy or window in self.paused or self.state.window(window).status != "open":
            return
        if t >= self.t0 + (CLOSE_H + 1) * 3600:
            return
        try:
            called = self.run_cmd(c.CallNext(window=window, staff=self.clerks[window]), t)[0]
        except DomainError:
            return  # queue empty: the window waits for the next arrival
        self.busy.add(window)
        ticket = self.state.tickets[called.ticket_id]
        record = self.by_ticket.get(ticket.id)
        if record is not None:
            record.waited_min = (t - ticket.queue_entered_at) / 60
        walk = self.rng.uniform(*WALK_S)
        if self.rng.random() < NO_SHOW_RATE:
            self.at(t + 120, "no_show", window=window, ticket_id=ticket.id)
        else:
            self.at(t + walk, "start", window=window, ticket_id=ticket.id)

    def _start(self, t: float, window: int, ticket_id: int) -> None:
        staff = self.clerks[window]
        self.run_cmd(c.StartService(window=window, staff=staff, ticket_id=ticket_id), t)
        typical = self.hall.service(self.state.tickets[ticket_id].queue_service).typical_handling_min
        # lognormal handling time around the service's typical time (sd about 60 % of the mean),
        # with each clerk a bit faster or slower than typical
        sigma = 0.55
        mu = math.log(typical * self._speed(window)) - sigma ** 2 / 2
        handling = max(0.5, self.rng.lognormvariate(mu, sigma)) * 60
        self.at(t + handling, "finish", window=window, ticket_id=ticket_id)

    def _speed(self, window: int) -> float:
        return 0.8 + 0.4 * ((window * 7919) % 100) / 100

    def _finish(self, t: float, window: int, ticket_id: int) -> None:
        self.run_cmd(c.FinishService(window=window, staff=self.clerks[window], ticket_id=ticket_id,
                                     outcome="immediate"), t)
        self._released(t, window)

    def _no_show(self, t: float, window: int, ticket_id: int) -> None:
        self.run_cmd(c.MarkNoShow(window=window, staff=self.clerks[window], ticket_id=ticket_id), t)
        self._released(t, window)

    def _released(self, t: float, window: int) -> None:
        self.busy.discard(window)
        if window in self.pause_due:  # the lunch break waited for the visit in hand
            self.pause_due.discard(window)
            self._pause(t, window)
        else:
            self.at(t, "free", window=window)

    def _pause(self, t: float, window: int) -> None:
        if window in self.busy:
            self.pause_due.add(window)
            return
        self.paused.add(window)
        self.run_cmd(c.PauseWindow(window=window, staff=self.clerks[window], reason="lunch"), t)

    def _resume(self, t: float, window: int) -> None:
        self.pause_due.discard(window)
        if self.state.window(window).status == "paused":
            self.run_cmd(c.ResumeWindow(window=window, staff=self.clerks[window]), t)
        self.paused.discard(window)
        self.at(t, "free", window=window)


def accuracy(result: SimResult) -> dict:
    """MAE (minutes) of the shown point estimate and the share of actual waits inside the shown range."""
    called = result.called()
    if not called:
        return {"tickets": 0}
    errors = [abs(r.waited_min - r.estimate["expected_min"]) for r in called]
    inside = [r.estimate["low_min"] <= r.waited_min <= r.estimate["high_min"] for r in called]
    widths = [r.estimate["high_min"] - r.estimate["low_min"] for r in called]
    waits = [r.waited_min for r in called]
    return {"tickets": len(result.records), "called": len(called), "refused": result.refused,
            "mae_min": sum(errors) / len(errors), "inside_pct": 100 * sum(inside) / len(inside),
            "mean_width_min": sum(widths) / len(widths), "mean_wait_min": sum(waits) / len(waits),
            "max_wait_min": max(waits)}
