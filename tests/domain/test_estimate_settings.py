"""[server] estimate_recent and estimate_min_samples reach the estimate; its medians follow each finish."""
from __future__ import annotations

import contextlib
import dataclasses
import random
import tomllib
from datetime import datetime
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from server import estimate
from server.config import DEMO_HALL_PATH, ConfigError, parse_config
from server.domain import commands as c
from server.domain.errors import DomainError
from server.domain.hall import EstimateRules
from server.domain.queueindex import KEEP_FINISHES, RecentFinishes
from tests.domain.hallkit import Desk, make_hall


def demo_with(**server) -> dict:
    with open(DEMO_HALL_PATH, "rb") as f:
        raw = tomllib.load(f)
    raw.setdefault("server", {}).update(server)
    return raw


def test_the_settings_reach_the_hall():
    assert parse_config(demo_with()).hall.estimate == EstimateRules(20, 3)
    assert parse_config(demo_with(estimate_recent=2, estimate_min_samples=1)).hall.estimate == EstimateRules(2, 1)


def served(desk: Desk, minutes: float) -> None:
    """One biz visit of `minutes` from call to finish at window 1, no start pressed."""
    ticket = desk.issue("biz")
    desk.call(1)
    desk.act(c.FinishService, 1, ticket, advance=minutes * 60, outcome="immediate")


def test_recent_and_min_samples_change_the_estimate():
    hall = make_hall()
    desk = Desk(dataclasses.replace(hall, estimate=EstimateRules(recent=2, min_samples=2)))
    desk.open(1)
    served(desk, 30)
    assert estimate.estimate_wait(desk.state, desk.hall, "biz", 0)["samples"] == 1  # one: typical stands in
    assert estimate.all_cycles(desk.state, desk.hall.services, 2, 2)["biz"] == (9.0, 8.0, 1)
    served(desk, 10)
    served(desk, 4)
    cycles = estimate.all_cycles(desk.state, desk.hall.services, 2, 2)
    assert cycles["biz"] == (7.0, 7.0, 2)  # the latest two: 10 and 4 minutes (the 30 is out)
    assert estimate.estimate_wait(desk.state, desk.hall, "biz", 3)["handling_min"] == 7.0
    wider = Desk(dataclasses.replace(hall, estimate=EstimateRules(recent=3, min_samples=2)))
    wider.state = desk.state
    assert estimate.estimate_wait(wider.state, wider.hall, "biz", 3)["handling_min"] == 10.0  # median of 30, 10, 4


def test_the_finishes_kept_stay_bounded_and_the_medians_exact():
    finishes = RecentFinishes()
    cycles = [(i * 7919) % 37 + 1.0 for i in range(3 * KEEP_FINISHES)]  # finishes out of call order
    for i, minutes in enumerate(cycles):
        finishes.add("biz", i + 1, called_at=i * 100.0, started_at=None, finished_at=i * 100.0 + minutes * 60)
        assert len(finishes.by_queue["biz"]) <= 2 * KEEP_FINISHES
    by_finish = sorted(range(len(cycles)), key=lambda i: (i * 100.0 + cycles[i] * 60, -(i + 1)))
    for recent in (1, 20, KEEP_FINISHES):
        expected = median(cycles[i] for i in by_finish[-recent:])
        assert finishes.medians("biz", recent) == (pytest.approx(expected), pytest.approx(expected), recent)


def test_estimate_recent_is_bounded_by_what_is_kept():
    with pytest.raises(ConfigError):
        parse_config(demo_with(estimate_recent=KEEP_FINISHES + 1))
    assert parse_config(demo_with(estimate_recent=KEEP_FINISHES)).hall.estimate.recent == KEEP_FINISHES


def whole_hall_estimate(state, hall, code: str, ahead: int) -> dict:
    """The estimate computed over every service of the hall (what estimate_wait did before it read
    only the services sharing a window with the ticket's)."""
    cycles = estimate.all_cycles(state, hall.services, hall.estimate.recent, hall.estimate.min_samples)
    return estimate._estimate(state, hall, code, ahead, cycles, estimate._waiting_counts(state))


def test_the_estimate_reads_only_services_sharing_a_window_and_gives_the_same_answer():
    hall = dataclasses.replace(parse_config(demo_with()).hall, estimate=EstimateRules(recent=3, min_samples=1))
    wednesday_0930 = datetime(2026, 11, 25, 9, 30, tzinfo=ZoneInfo(hall.center.timezone)).timestamp()
    desk, rng = Desk(hall, now=wednesday_0930), random.Random(7)
    codes = [s.code for s in hall.services]
    clerks: dict[int, str] = {}
    for w in hall.windows:  # one clerk per window, each at one window
        free = [s.number for s in hall.staff if s.role == "clerk" and w.number in s.windows
                and s.number not in clerks.values()]
        if free:
            clerks[w.number] = free[0]
    windows = [w for w in hall.windows if w.number in clerks]
    assert len(codes) > 2 and any(len(w.services) > 1 for w in windows)
    for w in windows:
        desk.run(c.SignIn(staff=clerks[w.number], window=w.number))
    for _ in range(300):
        w = rng.choice(windows)
        held = desk.state.in_hand(w.number)
        if rng.random() < 0.5:
            with contextlib.suppress(DomainError):  # a service's own hours or daily cap
                desk.run(c.IssueTicket(service=rng.choice(codes)))
        elif held is not None:
            desk.run(c.FinishService(window=w.number, staff=clerks[w.number], ticket_id=held.id,
                                     outcome="immediate"), advance=rng.uniform(20, 90))
        elif desk.state.callable_at(w.number, w.services):
            desk.run(c.CallNext(window=w.number, staff=clerks[w.number]))
        for code in codes:
            for ahead in (0, 2):
                assert estimate.estimate_wait(desk.state, hall, code, ahead) == \
                    whole_hall_estimate(desk.state, hall, code, ahead)
