"""CPU of the queue rules themselves (no HTTP, no SQLite): what grows with the day and what must not.

Run: python -m bench.bench_domain [--backlog 10000] [--finished 5000]

On the demo hall, in this process, best of 5 rounds (process CPU time):
  * choose: routing.choose_next for window 5 with 100 and with `--backlog` tickets waiting in its
    services (a seventh of them green channel);
  * issue: the pure part of issuing one ticket (decide and apply, the wait estimate, the print
    layout and job, the event's wire form) with 0 and with `--finished` tickets finished today.
Each pair should cost about the same: choosing and issuing read indexes, never the whole day.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from server.config import load_demo
from server.domain import commands as c
from server.domain import engine, routing
from server.domain.hall import HallConfig
from server.domain.model import HallState
from server.estimate import estimate_wait
from server.printjobs import new_job, ticket_layout

WINDOW = 5
START = 1795568400.0  # Wednesday 25 Nov 2026, 09:00 in the demo hall's time zone


def best_us(action: Callable[[int], None], count: int, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        for i in range(count):
            action(i)
        times.append((time.process_time() - start) / count * 1e6)
    return min(times)


def day(hall: HallConfig, waiting: int, finished: int) -> tuple[HallState, str, float]:
    state, now = engine.new_state(hall, "2026-11-25"), START
    staff = next(s.number for s in hall.staff if s.role == "clerk" and WINDOW in s.windows)
    engine.handle(state, hall, c.SignIn(staff=staff, window=WINDOW), now)
    services = hall.window(WINDOW).services
    for i in range(finished):
        ticket = engine.handle(state, hall, c.IssueTicket(service=services[i % len(services)]), now)[0]
        now += 1
        engine.handle(state, hall, c.CallNext(window=WINDOW, staff=staff), now)
        now += 30
        engine.handle(state, hall, c.FinishService(window=WINDOW, staff=staff, ticket_id=ticket.ticket_id,
                                                   outcome="immediate"), now)
    for i in range(waiting):
        green = i % 7 == 0
        engine.handle(state, hall, c.IssueTicket(service=services[i % len(services)],
                                                 channel="green" if green else "normal",
                                                 green_category="elderly" if green else None), now)
    return state, staff, now


def choose_us(hall: HallConfig, waiting: int) -> float:
    state, _, now = day(hall, waiting, 0)
    window = hall.window(WINDOW)
    return best_us(lambda i: routing.choose_next(state, hall, window, now), 2000)


def issue_us(hall: HallConfig, finished: int) -> float:
    state, _, now = day(hall, 0, finished)
    services = hall.window(WINDOW).services

    def issue(i: int) -> None:
        event = engine.handle(state, hall, c.IssueTicket(service=services[i % len(services)]), now)[0]
        ticket = state.tickets[event.ticket_id]
        estimate = estimate_wait(state, hall, ticket.queue_service, event.ahead)
        new_job("kiosk-1", ticket.id, ticket_layout(hall, ticket, event.ahead, estimate, "http://hall/t/x"), now)
        event.to_dict()

    return best_us(issue, 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--finished", type=int, default=5_000)
    args = parser.parse_args(argv)
    if not (100 < args.backlog <= 100_000 and 0 < args.finished <= 100_000):
        parser.error("keep --backlog 101-100,000 and --finished 1-100,000")
    hall = load_demo().hall
    rows = [("choose_next µs, 100 waiting", choose_us(hall, 100)),
            (f"choose_next µs, {args.backlog:,} waiting", choose_us(hall, args.backlog)),
            ("issue (pure part) µs, 0 finished today", issue_us(hall, 0)),
            (f"issue (pure part) µs, {args.finished:,} finished today", issue_us(hall, args.finished))]
    print(f"Command: `python -m bench.bench_domain --backlog {args.backlog} --finished {args.finished}`\n")
    print("| figure | best of 5 |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
