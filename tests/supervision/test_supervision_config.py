"""[calendar], [supervision] and the liaison role in the hall TOML."""

import copy

import pytest

from server.config import ConfigError, load_demo, parse_config
from tests.test_config import small_hall


def _with(**tables) -> dict:
    raw = copy.deepcopy(small_hall())
    raw.update(tables)
    return raw


def test_defaults_without_the_tables():
    settings = parse_config(small_hall())
    assert settings.calendar.weekend == frozenset({6, 7})
    assert settings.supervision.bad_review_due_days == 5
    assert settings.supervision.max_score == 100


def test_calendar_and_supervision_are_read():
    settings = parse_config(
        _with(
            calendar={"weekend": [5, 6], "holidays": ["2026-10-01"], "workdays": ["2026-10-10"]},
            supervision={"bad_review_due_days": 3, "score_attendance": 10},
        )
    )
    assert settings.calendar.is_working_day("2026-10-10")
    assert not settings.calendar.is_working_day("2026-10-01")
    assert settings.supervision.bad_review_due_days == 3
    assert settings.supervision.max_score == 95


@pytest.mark.parametrize(
    "tables, path, words",
    [
        ({"calendar": {"holidays": ["2026-13-01"]}}, "calendar.holidays", "not a real date"),
        ({"calendar": {"workdays": ["10/10/2026"]}}, "calendar.workdays", "YYYY-MM-DD"),
        ({"calendar": {"weekend": [0]}}, "calendar.weekend", "ISO weekdays"),
        ({"calendar": {"weekends": [6]}}, "calendar.weekends", "did you mean 'weekend'"),
        ({"supervision": {"bad_review_due_days": 0}}, "supervision.bad_review_due_days", "at least 1"),
        ({"supervision": {"late_penalty": -1}}, "supervision.late_penalty", "at least 0"),
    ],
)
def test_bad_values_name_the_key(tables, path, words):
    with pytest.raises(ConfigError) as err:
        parse_config(_with(**tables))
    assert err.value.key_path == path and words in err.value.message


def test_a_liaison_needs_an_existing_department():
    raw = small_hall()
    raw["staff"].append({"number": "7001", "name": "周敏", "pin_hash": raw["staff"][0]["pin_hash"], "role": "liaison"})
    with pytest.raises(ConfigError, match="needs the department"):
        parse_config(raw)
    raw["staff"][-1]["department"] = "nowhere"
    with pytest.raises(ConfigError, match="unknown department"):
        parse_config(raw)
    raw["staff"][-1]["department"] = "tax"
    assert parse_config(raw).hall.staff_member("7001").department == "tax"


def test_the_demo_keeps_its_credentials():
    assert load_demo().demo_credentials
