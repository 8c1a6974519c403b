"""The finish's supervision fields through the pure engine: checked, carried by service_finished."""

import pytest

from server.domain import commands as c
from server.domain.errors import DomainError
from tests.domain.hallkit import Desk


def finished(**kw):
    desk = Desk()
    desk.open(1)
    ticket = desk.issue()
    desk.call(1)
    desk.act(c.StartService, 1, ticket)
    return desk, ticket, lambda: desk.act(c.FinishService, 1, ticket, **kw)


def test_plain_finish_carries_empty_fields():
    _, _, finish = finished(outcome="immediate")
    ev = finish()[0]
    assert (ev.joint_departments, ev.refusal, ev.legal_basis, ev.linked_to) == ([], None, "", None)


def test_joint_refusal_and_link_are_carried():
    ev = finished(outcome="joint", promised_days=5, joint_departments=["d1", " d1 "])[2]()[0]
    assert ev.joint_departments == ["d1"] and ev.promised_days == 5
    ev = finished(outcome="reply", refusal="not_permitted", legal_basis=" 《行政許可法》第三十八條 ")[2]()[0]
    assert (ev.refusal, ev.legal_basis) == ("not_permitted", "《行政許可法》第三十八條")
    assert finished(outcome="immediate", linked_to=" 20261125-a001 ")[2]()[0].linked_to == "20261125-A001"


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"outcome": "joint", "joint_departments": ["d1"]}, "promised_days"),
        ({"outcome": "immediate", "joint_departments": ["d1"]}, "outcome joint"),
        ({"outcome": "joint", "promised_days": 3, "joint_departments": ["nope"]}, "unknown department"),
        ({"outcome": "reply", "refusal": "not_accepted"}, "legal basis"),
        ({"outcome": "reply", "refusal": "maybe", "legal_basis": "x"}, "refusal must be one of"),
        ({"outcome": "immediate", "refusal": "not_accepted", "legal_basis": "x"}, "outcome reply"),
    ],
)
def test_bad_fields_are_refused_and_change_nothing(kw, words):
    desk, ticket, finish = finished(**kw)
    before = desk.state.tickets[ticket].status
    with pytest.raises(DomainError) as err:
        finish()
    assert err.value.code == "invalid_argument" and words in err.value.message
    assert desk.state.tickets[ticket].status == before
