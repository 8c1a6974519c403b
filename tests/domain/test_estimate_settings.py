"""[server] estimate_recent and estimate_min_samples reach the estimate; its medians follow each finish."""
from __future__ import annotations

import dataclasses
import tomllib

from server import estimate
from server.config import DEMO_HALL_PATH, parse_config
from server.domain import commands as c
from server.domain.hall import EstimateRules
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
