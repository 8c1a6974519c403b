"""`hallq demo-data`: fill a database with realistic synthetic history, for trying the dashboard and
for benchmarks.

Each business day is simulated on its own (in worker processes): arrivals follow an hourly profile
with peaks at 9-11 and 14-16 and a per-service mix; windows call the longest-waiting ticket of their
services, with recalls, no-shows (some called back), transfers, suspensions, a lunch pause, ratings
and appointments; what is left at closing walks out at the day's turn. The events are written in
their stored (wire) shape and folded by the same SegmentFold the live server uses, so the
statistics over demo data are computed exactly as over a real day.

The day follows the configured hall: its windows and services, the clerk configured for each window,
and its opening hours (the first range's start to the last range's end, the gap between two ranges
as lunch; a hall without opening hours gets 08:30-12:00 and 13:30-17:30). Benchmarks that need
10,000+ visits a day ask for `extra_windows`: then the hall's windows are copied (window 3 -> 103,
203, ...) so utilisation stays plausible; without it, a day busier than the hall queues and loses
visitors at closing, as a real one would.
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sqlite3
import sys
import time
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from multiprocessing import get_context
from zoneinfo import ZoneInfo

from ..domain.commands import OUTCOMES, RATING_LEVELS
from ..domain.hall import HallConfig, Service
from .fold import SEGMENT_COLUMNS, WINDOW_COLUMNS, SegmentFold

# share of the day's arrivals in each local hour (peaks 9-11 and 14-16)
HOURLY = {8: 0.04, 9: 0.15, 10: 0.16, 11: 0.09, 12: 0.02, 13: 0.05, 14: 0.15, 15: 0.16, 16: 0.13, 17: 0.05}
DEFAULT_HOURS = (8.5, 12.0, 13.5, 17.5)  # open, lunch, afternoon, close (local hours) when the hall names none
OUTCOME_WEIGHTS = (70, 18, 2, 6, 4)
RATING_WEIGHTS = (80, 12, 4, 2.5, 1.5)


@dataclass(frozen=True)
class Plan:
    day: str
    index: int
    visits: int
    seed: int
    tz: str
    extra_windows: bool = False  # copy the hall's windows when the volume needs it (benchmarks)


@dataclass
class Visit:
    tid: int
    label: str
    service: str
    channel: str
    appointment: bool
    segment: int = 0
    entered: float = 0.0
    callback: bool = False
    no_show_at: float | None = None


class DaySim:
    """One business day: a small discrete-event simulation emitting wire events."""

    def __init__(self, hall: HallConfig, plan: Plan):
        self.hall, self.plan = hall, plan
        self.rng = random.Random(plan.seed * 100_003 + plan.index)
        self.midnight = datetime.fromisoformat(plan.day).replace(tzinfo=ZoneInfo(plan.tz)).timestamp()
        offset = ZoneInfo(plan.tz).utcoffset(datetime.fromisoformat(plan.day + "T12:00")) or timedelta(0)  # never None
        minutes = int(offset.total_seconds() // 60)
        self.suffix = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        self.events: list[tuple[float, int, dict]] = []
        self.order = 0
        self.numbers: dict[str, int] = {}
        self.queues: dict[str, deque] = {s.code: deque() for s in hall.services}
        self.pinned: dict[int, deque] = {}
        self.open_h, self.lunch_h, self.afternoon_h, self.close_h = hall_hours(hall)
        self.windows = self._windows()

    # --- helpers ----------------------------------------------------------------------------------

    def t(self, hour: float) -> float:
        return self.midnight + hour * 3600

    def iso(self, at: float) -> str:
        s = at - self.midnight
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        return f"{self.plan.day}T{int(h):02d}:{int(m):02d}:{sec:06.3f}{self.suffix}"

    def _service(self, code: str) -> Service:
        service = self.hall.service(code)
        assert service is not None, "visits are drawn from this hall's services"
        return service

    def emit(self, at: float, etype: str, visit: Visit | None = None, status: str = "", **fields) -> None:
        ev = {"type": etype, "at": at, "day": self.plan.day, **fields, "at_local": self.iso(at)}
        if visit is not None:
            ev["ticket_id"] = visit.tid
            ev["service"] = visit.service
            ev["ticket"] = {"id": visit.tid, "label": visit.label, "segment": visit.segment, "status": status,
                            "queue_service": visit.service, "channel": visit.channel,
                            "queue_entered_at": self.iso(visit.entered)}
        self.order += 1
        self.events.append((at, self.order, ev))

    def _windows(self) -> list[tuple[int, str, tuple[str, ...]]]:
        typical = sum(s.typical_handling_min for s in self.hall.services) / len(self.hall.services)
        hours_open = (self.lunch_h - self.open_h) + (self.close_h - self.afternoon_h)
        capacity = len(self.hall.windows) * hours_open * 60 / (typical + 1.0)  # busy: queues build at the peaks
        copies = max(1, math.ceil(self.plan.visits / capacity)) if self.plan.extra_windows else 1
        clerks = window_clerks(self.hall)
        out = []
        for k in range(copies):
            for w in self.hall.windows:
                clerk = clerks.get(w.number, f"c{w.number}")
                out.append((w.number + 100 * k, clerk if k == 0 else f"{clerk}-{k}", w.services))
        return out

    # --- arrivals --------------------------------------------------------------------------------------

    def arrivals(self) -> list[tuple[float, Visit]]:
        services = self.hall.services
        weights = [1.0 / (0.3 + s.typical_handling_min / 10) for s in services]
        open_hours = [h for h in HOURLY if self.open_h - 1 < h < self.close_h]
        hours, shares = open_hours, [HOURLY[h] for h in open_hours]
        out = []
        for n in range(self.plan.visits):
            hour = self.rng.choices(hours, shares)[0]
            at = self.t(hour + self.rng.random())
            at = min(max(at, self.t(self.open_h)), self.t(self.close_h - 0.25))
            service = self.rng.choices(services, weights)[0]
            roll = self.rng.random()
            channel = "appointment" if roll < 0.05 else "green" if roll < 0.07 else "normal"
            tid = (self.plan.index + 1) * 1_000_000 + n + 1
            out.append((at, Visit(tid, "", service.code, channel, channel == "appointment")))
        out.sort(key=lambda a: a[0])
        for _, v in out:
            prefix = self._service(v.service).prefix
            self.numbers[prefix] = self.numbers.get(prefix, 0) + 1
            v.label = f"{prefix}{self.numbers[prefix]:03d}"
        return out

    def issue(self, at: float, v: Visit) -> None:
        v.entered = at + (self.rng.uniform(0, 600) if v.appointment else 0)  # slot start after check-in
        self.emit(at, "ticket_issued", v, "waiting", prefix=v.label[0], number=int(v.label[1:]), label=v.label,
                  channel=v.channel, green_category="elderly" if v.channel == "green" else None,
                  appointment_code=f"AP{v.tid}" if v.appointment else None, queue_entered_at=v.entered,
                  kiosk="kiosk-1", lang="zh-Hant")
        if v.appointment:
            self.emit(at, "appointment_checked_in", v, "waiting", code=f"AP{v.tid}", on_time=True)

    # --- the day -----------------------------------------------------------------------------------------

    def run(self) -> list[dict]:
        arrivals = self.arrivals()
        for at, v in arrivals:
            self.issue(at, v)
        pending = [(v.entered, i, v) for i, (_, v) in enumerate(arrivals)]
        heapq.heapify(pending)
        free = [(self.t(self.open_h) + self.rng.uniform(0, 300), w) for w in range(len(self.windows))]
        for at, w in free:
            number, staff, _ = self.windows[w]
            self.emit(at, "clerk_signed_in", window=number, staff=staff)
            self.emit(at, "window_opened", window=number, staff=staff)
        heapq.heapify(free)
        lunch_done: set[int] = set()
        while free:
            at, w = heapq.heappop(free)
            self._admit(pending, at)
            nxt = self._serve_or_idle(w, at, pending, lunch_done)
            if nxt is not None:
                heapq.heappush(free, (nxt, w))
        self._day_turn()
        self.events.sort(key=lambda e: (e[0], e[1]))
        return [e[2] for e in self.events]

    def _admit(self, pending: list, now: float) -> None:
        """Arrivals due by `now` join their queue; a returning no-show or a resumed ticket joins the
        pinned queue of the window that held it."""
        while pending and pending[0][0] <= now:
            at, _, item = heapq.heappop(pending)
            if isinstance(item, _Later):
                item.admit(at)
            else:
                self.queues[item.service].append(item)

    def later(self, pending: list, at: float, item) -> None:
        self.order += 1
        heapq.heappush(pending, (at, self.order, item))

    def _serve_or_idle(self, w: int, at: float, pending: list, lunch_done: set) -> float | None:
        number, staff, services = self.windows[w]
        if at >= self.t(self.close_h):
            self.emit(at, "window_closed", window=number, staff=staff)
            self.emit(at, "clerk_signed_out", window=number, staff=staff)
            return None
        if at >= self.t(self.lunch_h) and w not in lunch_done:
            lunch_done.add(w)
            self.emit(at, "window_paused", window=number, staff=staff, reason="午休")
            back = max(at, self.t(self.afternoon_h)) + self.rng.uniform(0, 300)
            self.emit(back, "window_resumed", window=number, staff=staff)
            return back
        v = self._next_for(w, services)
        if v is None:
            upcoming = pending[0][0] if pending else self.t(self.close_h)
            return max(at + 30, min(upcoming, self.t(self.close_h)))
        return self._serve(w, at, v, pending)

    def _next_for(self, w: int, services: tuple[str, ...]) -> Visit | None:
        pinned = self.pinned.get(w)
        if pinned:
            return pinned.popleft()
        best = None
        for code in services:
            q = self.queues[code]
            if q and (best is None or q[0].entered < best[0].entered):
                best = q
        return best.popleft() if best is not None else None

    def _serve(self, w: int, at: float, v: Visit, pending: list) -> float:
        number, staff, _ = self.windows[w]
        rng = self.rng
        self.emit(at, "ticket_called", v, "called", window=number, staff=staff, callback=v.callback,
                  by_number=v.callback)
        call = at
        if rng.random() < 0.08:
            call = at + rng.uniform(30, 90)
            self.emit(call, "ticket_recalled", v, "called", window=number, staff=staff, recalls=1)
        if not v.callback and rng.random() < 0.04:
            return self._no_show(w, call, v, pending)
        start = call + rng.uniform(15, 90)
        self.emit(start, "service_started", v, "serving", window=number, staff=staff)
        typical = self._service(v.service).typical_handling_min * 60
        end = start + min(rng.lognormvariate(math.log(typical), 0.45), typical * 4)
        roll = rng.random()
        if roll < 0.03:
            return self._transfer(w, end, v, pending)
        if roll < 0.05:
            return self._suspend(w, start + (end - start) / 3, v, pending)
        self._finish(w, end, v)
        return end + rng.uniform(5, 40)

    def _no_show(self, w: int, at: float, v: Visit, pending: list) -> float:
        number, staff, _ = self.windows[w]
        end = at + self.rng.uniform(60, 120)
        self.emit(end, "ticket_no_show", v, "no_show", window=number, staff=staff, return_until=end + 1800)
        if self.rng.random() < 0.3 and end + 1800 < self.t(self.close_h):
            v.callback = True
            self.later(pending, end + self.rng.uniform(300, 1500), _Later(self, w, v))
        return end + 5

    def _transfer(self, w: int, at: float, v: Visit, pending: list) -> float:
        number, staff, services = self.windows[w]
        others = [s.code for s in self.hall.services if s.code != v.service]
        to = self.rng.choice(others)
        v.segment += 1
        v.service, v.entered, v.callback = to, at, False
        self.emit(at, "ticket_transferred", v, "waiting", window=number, staff=staff, to_service=to, to_window=None,
                  front=False, note="")
        self.later(pending, at, v)  # joins its new queue when the transfer happens, not before
        return at + 10

    def _suspend(self, w: int, at: float, v: Visit, pending: list) -> float:
        number, staff, _ = self.windows[w]
        self.emit(at, "ticket_suspended", v, "suspended", window=number, staff=staff, reason="取材料")
        back = at + self.rng.uniform(300, 1500)
        if back < self.t(self.close_h) - 600:
            self.later(pending, back, _Later(self, w, v, resume=True))
        return at + 10

    def _finish(self, w: int, at: float, v: Visit) -> None:
        number, staff, _ = self.windows[w]
        rng = self.rng
        outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
        self.emit(at, "service_finished", v, "finished", window=number, staff=staff, outcome=outcome,
                  promised_days=5 if outcome == "promised" else None,
                  materials=["身份證明"] if outcome == "supplement" else [], case_number=None, no_start=False)
        if rng.random() < 0.62:
            level = rng.choices(RATING_LEVELS, RATING_WEIGHTS)[0]
            reason = rng.choice(("等候時間太長", "態度不好", "材料要求不清楚")) if level in RATING_LEVELS[3:] else ""
            self.emit(at + rng.uniform(5, 60), "visit_rated", ticket_id=v.tid, segment=v.segment, window=number,
                      staff=staff, level=level, reason=reason)
        else:
            self.emit(at + 91, "rating_expired", ticket_id=v.tid, segment=v.segment, window=number, staff=staff)

    def _day_turn(self) -> None:
        turn = self.t(24 + 4)
        for q in list(self.queues.values()) + list(self.pinned.values()):
            for v in q:
                if v.callback:  # a no-show not called back yet: the day's turn leaves it a no-show
                    continue
                self.emit(turn, "ticket_walked_out", v, "walked_out", reason="day_end")
        new_day = (date.fromisoformat(self.plan.day) + timedelta(days=1)).isoformat()
        self.emit(turn, "day_closed", closed_day=self.plan.day, new_day=new_day)


class _Later:
    """A no-show coming back or a suspended citizen returning: goes to the window that held them."""

    def __init__(self, sim: DaySim, w: int, v: Visit, resume: bool = False):
        self.sim, self.w, self.v, self.resume = sim, w, v, resume

    def admit(self, now: float) -> None:
        v, sim = self.v, self.sim
        number, staff, _ = sim.windows[self.w]
        if self.resume:
            v.segment += 1
            v.entered, v.callback = now, False
            sim.emit(now, "ticket_resumed", v, "waiting", window=number, staff=staff)
        sim.pinned.setdefault(self.w, deque()).append(v)


# --- one day in a worker: simulate, fold, make rows ----------------------------------------------------

def day_rows(hall: HallConfig, plan: Plan) -> dict:
    events = DaySim(hall, plan).run()
    fold = SegmentFold()
    tickets: dict[int, dict] = {}
    rows = []
    for ev in events:
        fold.fold(ev)
        ticket = ev.get("ticket")
        if ticket is not None:
            tickets[ticket["id"]] = ticket | {"day": plan.day, "issued_at": tickets.get(ticket["id"], {}).get(
                "issued_at", ev["at"]), "service": tickets.get(ticket["id"], {}).get("service", ev["service"])}
        body = json.dumps(ev, ensure_ascii=False, separators=(",", ":"))
        rows.append((ev["type"], ev["at"], ev["day"], ev.get("ticket_id"), ev.get("window"), ev.get("staff"),
                     ev.get("service"), body[1:]))
    segments, windows = fold.take_dirty()
    return {"day": plan.day, "events": rows,
            "tickets": [(t["id"], t["day"], t["label"], t["service"], t["status"], t["channel"], t["issued_at"],
                         json.dumps(t, ensure_ascii=False, separators=(",", ":"))) for t in tickets.values()],
            "segments": [tuple(s[c] for c in SEGMENT_COLUMNS) for s in segments],
            "windows": [tuple(w[c] for c in WINDOW_COLUMNS) for w in windows]}


def _worker(args: tuple) -> dict:
    config_path, plan = args
    return day_rows(_settings(config_path).hall, plan)


def _settings(config_path: str | None):
    from ..config import load_config, load_demo
    return load_config(config_path) if config_path else load_demo()


def window_clerks(hall: HallConfig) -> dict[int, str]:
    """One configured clerk per window, never one clerk at two windows: each clerk's first window
    (their home window) first, then any window they may sign in at that is still free."""
    clerks = [s for s in hall.staff if s.role == "clerk"]
    out: dict[int, str] = {}
    for s in clerks:
        if s.windows and s.windows[0] not in out:
            out[s.windows[0]] = s.number
    for s in clerks:
        if s.number not in out.values():
            free = next((w for w in s.windows if w not in out), None)
            if free is not None:
                out[free] = s.number
    return out


def hall_hours(hall: HallConfig) -> tuple[float, float, float, float]:
    """(open, lunch, afternoon, close) in local hours from the hall's opening hours."""
    ranges = hall.center.opening_hours
    if not ranges:
        return DEFAULT_HOURS
    first, last = ranges[0], ranges[-1]
    lunch, afternoon = (first.end_min, ranges[1].start_min) if len(ranges) > 1 else (first.end_min, first.end_min)
    return first.start_min / 60, lunch / 60, afternoon / 60, last.end_min / 60


def plans(end_day: str, days: int, visits: int, seed: int, tz: str, weekends: bool = False,
          extra_windows: bool = False) -> list[Plan]:
    """Business days (weekdays unless `weekends`) among the `days` calendar days ending at `end_day`."""
    end = date.fromisoformat(end_day)
    calendar_days = [end - timedelta(days=i) for i in range(days - 1, -1, -1)]
    chosen = [d for d in calendar_days if weekends or d.weekday() < 5]
    rng = random.Random(seed)
    out = []
    for i, d in enumerate(chosen):
        factor = 1.15 if d.weekday() == 0 else 0.9 if d.weekday() == 4 else 1.0  # Mondays are busiest
        volume = max(1, int(visits * factor * rng.uniform(0.9, 1.1)))
        out.append(Plan(d.isoformat(), i, volume, seed, tz, extra_windows))
    return out


# --- writing ---------------------------------------------------------------------------------------------

def write_day(conn: sqlite3.Connection, rows: dict, next_seq: int) -> int:
    events = rows["events"]
    conn.executemany(
        "INSERT INTO events (seq, type, at, day, ticket_id, window, staff, service, data) VALUES (?,?,?,?,?,?,?,?,?)",
        [(next_seq + i, *r[:7], f'{{"seq":{next_seq + i},{r[7]}') for i, r in enumerate(events)])
    last = next_seq + len(events) - 1
    conn.executemany("INSERT OR REPLACE INTO tickets (id, day, label, service, status, channel, issued_at, "
                     "tracking_hash, data, seq) VALUES (?,?,?,?,?,?,?,NULL,?,?)",
                     [(*t, last) for t in rows["tickets"]])
    conn.executemany(f"INSERT OR REPLACE INTO segments ({', '.join(SEGMENT_COLUMNS)}) "
                     f"VALUES ({', '.join('?' * len(SEGMENT_COLUMNS))})", rows["segments"])
    conn.executemany(f"INSERT OR REPLACE INTO window_time ({', '.join(WINDOW_COLUMNS)}) "
                     f"VALUES ({', '.join('?' * len(WINDOW_COLUMNS))})", rows["windows"])
    return last + 1


def generate(db_path: str, day_plans: list[Plan], config_path: str | None = None, workers: int = 0,
             progress=None) -> dict:
    from ..store.connection import open_database
    db = open_database(db_path)
    conn = db.conn
    if conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]:
        conn.close()
        raise SystemExit(f"{db_path} already holds events; demo data goes into a new database")
    conn.execute("PRAGMA synchronous = OFF")  # a generated file: rebuild it if the machine dies
    started, seq, visits = time.perf_counter(), 1, 0
    ctx = get_context("spawn" if sys.platform == "darwin" else "fork")
    jobs = [(config_path, p) for p in day_plans]
    pool = ctx.Pool(workers) if workers > 0 else None
    results = pool.imap(_worker, jobs, chunksize=1) if pool else map(_worker, jobs)
    try:
        conn.execute("BEGIN")
        for i, rows in enumerate(results):
            seq = write_day(conn, rows, seq)
            visits += len(rows["tickets"])
            if i % 10 == 9:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
            if progress:
                progress(rows["day"], visits, time.perf_counter() - started)
        conn.execute("COMMIT")
    finally:
        if pool:
            pool.close()
            pool.join()
        conn.execute("PRAGMA synchronous = FULL")
        conn.close()
    return {"days": len(day_plans), "visits": visits, "events": seq - 1, "seconds": time.perf_counter() - started}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="hallq demo-data", description="Fill a new database with synthetic history.")
    ap.add_argument("--db", required=True, help="SQLite file to create")
    ap.add_argument("--days", type=int, default=30, help="calendar days of history (weekdays are business days)")
    ap.add_argument("--visits-per-day", type=int, default=600)
    ap.add_argument("--end", help="last day, YYYY-MM-DD (default: yesterday)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--config", help="hall TOML (default: the demo hall)")
    ap.add_argument("--workers", type=int, default=0, help="worker processes (default: CPUs - 1, 0 on one CPU)")
    ap.add_argument("--weekends", action="store_true", help="open on Saturdays and Sundays too")
    return ap.parse_args(argv)


def _supervision(args: argparse.Namespace) -> dict:
    """The month's supervision cases and their follow-up (server/supervision/demo_month.py)."""
    from ..supervision.demo_month import follow_up
    return follow_up(args.db, _settings(args.config), args.seed)


def main(argv: list[str] | None = None) -> int:
    import os
    args = parse_args(argv)
    hall = _settings(args.config).hall
    tz = hall.center.timezone
    end = args.end or (datetime.now(ZoneInfo(tz)).date() - timedelta(days=1)).isoformat()
    day_plans = plans(end, args.days, args.visits_per_day, args.seed, tz, args.weekends)
    workers = args.workers or max(0, (os.cpu_count() or 1) - 1)
    report = generate(args.db, day_plans, args.config, workers,
                      progress=lambda day, n, s: print(f"\r{day}: {n:,} visits, {s:,.0f} s", end="", file=sys.stderr))
    print(file=sys.stderr)
    report["supervision"] = _supervision(args)
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
