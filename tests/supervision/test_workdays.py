"""Working-day arithmetic over the hall's calendar: weekends, a holiday, a make-up working day."""

import pytest

from server.domain.workdays import WorkCalendar

# October 2026: Thu 1 and Fri 2 are holidays; Sat 10 is a make-up working day (調休).
OCTOBER = WorkCalendar.of(weekend=(6, 7), holidays=("2026-10-01", "2026-10-02"), workdays=("2026-10-10",))


def test_plain_week_skips_the_weekend():
    plain = WorkCalendar.of()
    assert plain.add_working_days("2026-11-26", 1) == "2026-11-27"  # Thu -> Fri
    assert plain.add_working_days("2026-11-27", 1) == "2026-11-30"  # Fri -> Mon
    assert plain.add_working_days("2026-11-28", 1) == "2026-11-30"  # opened on a Saturday
    assert plain.add_working_days("2026-11-27", 5) == "2026-12-04"
    assert plain.add_working_days("2026-11-27", 0) == "2026-11-27"


def test_a_holiday_is_not_counted():
    # Wed 30 Sep + 2 working days: Thu 1 and Fri 2 are holidays, Sat/Sun off -> Mon 5, Tue 6
    assert OCTOBER.add_working_days("2026-09-30", 2) == "2026-10-06"
    assert not OCTOBER.is_working_day("2026-10-01")


def test_a_make_up_working_day_is_counted():
    # Fri 9 Oct + 1 working day: Saturday 10 is worked
    assert OCTOBER.add_working_days("2026-10-09", 1) == "2026-10-10"
    assert OCTOBER.is_working_day("2026-10-10")
    assert not WorkCalendar.of().is_working_day("2026-10-10")


def test_holiday_and_make_up_day_together_over_five_days():
    # Wed 30 Sep + 5: Mon 5, Tue 6, Wed 7, Thu 8, Fri 9
    assert OCTOBER.add_working_days("2026-09-30", 5) == "2026-10-09"
    # Tue 6 + 5: Wed 7, Thu 8, Fri 9, Sat 10 (make-up), Mon 12
    assert OCTOBER.add_working_days("2026-10-06", 5) == "2026-10-12"


def test_a_day_listed_as_both_is_worked():
    both = WorkCalendar.of(holidays=("2026-10-10",), workdays=("2026-10-10",))
    assert both.is_working_day("2026-10-10")


def test_working_days_between_and_in():
    assert OCTOBER.working_days_between("2026-09-30", "2026-10-12") == 7
    assert OCTOBER.working_days_between("2026-10-12", "2026-10-12") == 0
    assert OCTOBER.working_days_between("2026-10-12", "2026-10-01") == 0
    assert OCTOBER.working_days_in("2026-10-01", "2026-10-11") == [
        "2026-10-05",
        "2026-10-06",
        "2026-10-07",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
    ]


def test_other_weekend_and_bad_input():
    friday_off = WorkCalendar.of(weekend=(5, 6))
    assert friday_off.add_working_days("2026-11-26", 1) == "2026-11-29"  # Thu -> Sun
    with pytest.raises(ValueError):
        OCTOBER.add_working_days("2026-10-01", -1)
    with pytest.raises(ValueError, match="no working days"):
        WorkCalendar.of(weekend=range(1, 8)).add_working_days("2026-10-01", 1)
