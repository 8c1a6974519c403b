"""Supervision rates, pure: rows in (as stored in sv_cases / sv_visits), figures out.
Every rate comes with its numerator and denominator; an empty denominator gives None (no figure).
Definitions: docs/supervision.md."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from .rules import BAD_REVIEW, PROMISED, REACHED, on_time

JOINT = "joint"


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _group(rows: Iterable[dict], key: Callable[[dict], object]) -> dict:
    groups: dict = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def bad_review_figures(cases: list[dict]) -> dict:
    """差評整改率, 按期整改率, 實名差評回訪率 and appeals of bad-review cases (one group's rows).

    A case struck out on appeal is not a bad review; a case is rectified once its rectification
    and answer (反饋) are recorded, on time when that happened by its due day."""
    mine = [c for c in cases if c["kind"] == BAD_REVIEW]
    counted = [c for c in mine if c["appeal_decision"] != "struck"]
    rectified = [c for c in counted if c["rectified_day"]]
    on_time_n = sum(on_time(c["due_day"], c["rectified_day"]) for c in rectified)
    with_contact = [c for c in counted if c["contact_given"]]
    called = sum(c["callback_result"] in REACHED for c in with_contact)
    appealed = [c for c in mine if c["appeal_decision"] or c["status"] == "appealed"]
    return {
        "bad_reviews": len(counted),
        "rectified": len(rectified),
        "rectified_on_time": on_time_n,
        "with_contact": len(with_contact),
        "called_back": called,
        "rectification_rate": ratio(len(rectified), len(counted)),
        "on_time_rectification_rate": ratio(on_time_n, len(counted)),
        "callback_rate": ratio(called, len(with_contact)),
        "appeals": len(appealed),
        "appeals_upheld": sum(c["appeal_decision"] == "upheld" for c in mine),
        "appeals_struck": sum(c["appeal_decision"] == "struck" for c in mine),
    }


def promised_figures(cases: list[dict], today: str) -> dict:
    """按期辦結率 and 超期件 of promised and joint cases due in the period (one group's rows):
    on time = done by the due day (after any extension); overdue = due and not done by then."""
    due = [c for c in cases if c["kind"] in (PROMISED, JOINT)]
    done_on_time = sum(on_time(c["due_day"], c["finished_day"]) for c in due)
    overdue = [
        c
        for c in due
        if not on_time(c["due_day"], c["finished_day"]) and (c["finished_day"] is not None or today > c["due_day"])
    ]
    return {
        "due": len(due),
        "done_on_time": done_on_time,
        "overdue": len(overdue),
        "extended": sum(c["extensions"] > 0 for c in due),
        "open_not_yet_due": len(due) - done_on_time - len(overdue),
        "on_time_rate": ratio(done_on_time, len(due)),
    }


def by(cases: list[dict], key: str, figures: Callable[[list[dict]], dict]) -> list[dict]:
    return [
        {key: k, **figures(rows)}
        for k, rows in sorted(_group(cases, lambda r: r[key]).items(), key=lambda kv: (kv[0] is None, kv[0]))
    ]


def trips(visits: list[dict], month: str) -> dict:
    """最多跑一次: matters completed in `month` (their last visit in it, not a 補辦 that is still
    waiting for materials), by the number of visits (trips) they took."""
    matters = _group(visits, lambda v: v["matter_seq"])
    done = []
    for rows in matters.values():
        last = max(rows, key=lambda v: v["seq"])
        if last["day"].startswith(month) and last["outcome"] != "supplement":
            done.append(len(rows))
    one = sum(n == 1 for n in done)
    return {
        "matters": len(done),
        "one_trip": one,
        "two_or_more": len(done) - one,
        "one_trip_rate": ratio(one, len(done)),
        "trips": {str(n): done.count(n) for n in sorted(set(done))},
    }
