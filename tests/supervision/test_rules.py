"""Pure supervision rules: every transition of every table, illegal ones refused, required fields."""

import itertools

import pytest

from server.domain.errors import DomainError
from server.domain.workdays import WorkCalendar
from server.supervision import rules as r

CAL = WorkCalendar.of(holidays=("2026-10-01", "2026-10-02"), workdays=("2026-10-10",))
MANAGER = r.Actor("manager", "9001")
LIAISON = r.Actor("liaison", "7001", "tax")
GOOD_FIELDS = {
    "verify": {},
    "rectify": {"finding": "clerk was curt"},
    "answer": {"rectification": "talked to the clerk", "answer": "apologised by phone"},
    "call_back": {"callback_result": "satisfied"},
    "appeal": {"reason": "citizen pressed the wrong key"},
    "uphold": {"reason": "recording shows the delay"},
    "strike": {"reason": "recording shows the citizen's mistake"},
    "done": {"note": "licence issued"},
    "extend": {"days": 3, "reason": "expert review needed"},
}
STATUSES = {kind: sorted({s for (s, _) in table} | set(table.values())) for kind, table in r.TRANSITIONS.items()}
ACTIONS = sorted(GOOD_FIELDS)


def case(kind=r.BAD_REVIEW, status="pending", contact=True, department="tax"):
    return r.Case(1, kind, status, department, "2026-10-09", has_contact=contact)


def act(c, action, fields=None, actor=MANAGER):
    return r.decide(c, action, GOOD_FIELDS[action] if fields is None else fields, actor, 1000.0, "2026-10-06", CAL)


@pytest.mark.parametrize("kind, status, action", [(k, s, a) for k, t in r.TRANSITIONS.items() for (s, a) in t])
def test_every_legal_transition(kind, status, action):
    step = act(case(kind, status), action)
    assert (step.status_before, step.status_after) == (status, r.TRANSITIONS[kind][(status, action)])
    assert (step.staff, step.role, step.at, step.day) == ("9001", "manager", 1000.0, "2026-10-06")
    assert step.fields == {k: v for k, v in GOOD_FIELDS[action].items()}


ILLEGAL = [
    (k, s, a) for k in r.KINDS for s, a in itertools.product(STATUSES[k], ACTIONS) if (s, a) not in r.TRANSITIONS[k]
]


@pytest.mark.parametrize("kind, status, action", ILLEGAL)
def test_every_illegal_transition_is_refused(kind, status, action):
    with pytest.raises(DomainError) as err:
        act(case(kind, status), action)
    assert err.value.code == "invalid_case_transition"
    assert status in err.value.message and action.replace("_", " ") in err.value.message


def test_the_whole_loop_and_final_states():
    status = "pending"
    for action in ("verify", "rectify", "answer", "call_back"):
        status = act(case(status=status), action).status_after
    assert status == "closed" and r.allowed_actions(r.BAD_REVIEW, "closed") == []
    assert r.allowed_actions(r.BAD_REVIEW, "struck") == []
    assert "none: the case is closed" in pytest.raises(DomainError, act, case(status="closed"), "verify").value.message


@pytest.mark.parametrize(
    "action, missing",
    [
        ("rectify", "finding"),
        ("answer", "rectification"),
        ("answer", "answer"),
        ("call_back", "callback_result"),
        ("appeal", "reason"),
        ("uphold", "reason"),
        ("strike", "reason"),
        ("extend", "days"),
        ("extend", "reason"),
    ],
)
def test_a_case_does_not_move_without_its_required_fields(action, missing):
    status = next(s for (s, a) in r.TRANSITIONS[r.BAD_REVIEW] if a == action) if action != "extend" else "open"
    kind = r.PROMISED if action == "extend" else r.BAD_REVIEW
    fields = {k: v for k, v in GOOD_FIELDS[action].items() if k != missing}
    with pytest.raises(DomainError) as err:
        act(case(kind, status), action, fields)
    assert err.value.code == "invalid_argument" and err.value.details["field"] == missing
    blank = dict(GOOD_FIELDS[action], **{missing: "   "})
    with pytest.raises(DomainError):
        act(case(kind, status), action, blank)


def test_call_back_results_follow_the_contact():
    with pytest.raises(DomainError, match="left no number"):
        act(case(status="answered", contact=False), "call_back", {"callback_result": "satisfied"})
    with pytest.raises(DomainError, match="left a number"):
        act(case(status="answered", contact=True), "call_back", {"callback_result": "no_contact"})
    with pytest.raises(DomainError, match="one of"):
        act(case(status="answered"), "call_back", {"callback_result": "happy"})
    assert (
        act(case(status="answered", contact=False), "call_back", {"callback_result": "no_contact"}).status_after
        == "closed"
    )


def test_unknown_fields_and_long_text_are_refused():
    with pytest.raises(DomainError, match="unknown field"):
        act(case(), "verify", {"phone": "13800000000"})
    with pytest.raises(DomainError, match="at most"):
        act(case(status="verifying"), "rectify", {"finding": "x" * 1001})


def test_who_may_act():
    assert act(case(), "verify", actor=LIAISON).role == "liaison"
    with pytest.raises(DomainError, match="own department"):
        act(case(department="police"), "verify", actor=LIAISON)
    with pytest.raises(DomainError, match="only a manager"):
        act(case(status="appealed"), "strike", actor=LIAISON)
    with pytest.raises(DomainError) as err:
        act(case(), "verify", actor=r.Actor("clerk", "1001"))
    assert err.value.code == "forbidden"


def test_extension_moves_the_due_date_over_the_calendar():
    # due Fri 9 Oct + 1 working day: Saturday 10 is a make-up working day
    assert act(case(r.PROMISED, "open"), "extend", {"days": 1, "reason": "r"}).due_day == "2026-10-10"
    assert act(case(r.PROMISED, "open"), "done").due_day is None
    for days in (0, 61, "3", True):
        with pytest.raises(DomainError, match="days must be"):
            act(case(r.PROMISED, "open"), "extend", {"days": days, "reason": "r"})


def test_due_day_lights_and_on_time():
    assert r.due_day("2026-09-30", 5, CAL) == "2026-10-09"
    assert r.light("2026-10-09", "2026-10-08", False) is None
    assert r.light("2026-10-09", "2026-10-09", False) == "due_today"
    assert r.light("2026-10-09", "2026-10-10", False) == "overdue"
    assert r.light("2026-10-09", "2026-10-12", True) is None
    assert r.on_time("2026-10-09", "2026-10-09") and not r.on_time("2026-10-09", "2026-10-10")
    assert not r.on_time("2026-10-09", None)


def test_diagram_lists_every_transition():
    diagram = r.mermaid_diagram()
    assert all(f"{s} --> {d}: {a}" in diagram for (s, a), d in r.TRANSITIONS[r.BAD_REVIEW].items())
