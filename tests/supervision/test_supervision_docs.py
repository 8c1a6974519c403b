"""docs/supervision.md names every state, action, rate, setting and endpoint of supervision."""

from pathlib import Path

from server.config_schema import CALENDAR, SUPERVISION
from server.supervision.http import SUPERVISION_ENDPOINTS
from server.supervision.rules import CALLBACK_RESULTS, REQUIRED, TRANSITIONS, mermaid_diagram

DOC = (Path(__file__).resolve().parents[2] / "docs" / "supervision.md").read_text(encoding="utf-8")


def test_diagram_matches_the_table():
    assert mermaid_diagram() in DOC


def test_every_state_action_and_result_is_documented():
    states = {s for table in TRANSITIONS.values() for pair in table for s in (pair[0],)} | {
        s for table in TRANSITIONS.values() for s in table.values()
    }
    for name in states | set(REQUIRED) | set(CALLBACK_RESULTS):
        assert f"`{name}`" in DOC, name


def test_every_rate_and_setting_is_documented():
    for name in (
        "rectification_rate",
        "on_time_rectification_rate",
        "callback_rate",
        "on_time_rate",
        "overdue",
        "one_trip_rate",
        "差評整改率",
        "按期整改率",
        "實名差評回訪率",
        "按期辦結率",
        "超期件",
        "最多跑一次",
    ):
        assert name in DOC, name
    for key in list(SUPERVISION) + list(CALENDAR):
        assert key in DOC, key


def test_every_endpoint_is_in_the_api_doc():
    api = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    for ep in SUPERVISION_ENDPOINTS:
        assert f"`{ep.operation_id}`" in api
