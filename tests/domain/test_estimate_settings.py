"""[server] estimate_recent and estimate_min_samples reach the estimate; its medians follow each finish."""
from __future__ import annotations

import dataclasses
import tomllib
from statistics import median

import pytest

from server import estimate
from server.config import DEMO_HALL_PATH, ConfigError, parse_config
from server.domain import commands as c
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
