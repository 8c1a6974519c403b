"""The hall's working calendar: weekends, public holidays and make-up working days (調休).

Pure: dates in, dates out (ISO "YYYY-MM-DD" strings, the business days of server.domain.calendar).
Deadlines of promised cases and bad-review cases count working days with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

ISO_WEEKDAYS = range(1, 8)  # 1 Monday ... 7 Sunday
_MAX_SCAN_DAYS = 3660  # a calendar with no working day at all must not loop for ever


@dataclass(frozen=True)
class WorkCalendar:
    """`weekend`: ISO weekdays off; `holidays`: days off even on a weekday; `workdays`: make-up
    working days, worked even on a weekend. A day in both lists is a working day (the make-up
    list is the later, more specific decision)."""

    weekend: frozenset[int] = frozenset({6, 7})
    holidays: frozenset[str] = field(default_factory=frozenset)
    workdays: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, weekend: Iterable[int] = (6, 7), holidays: Iterable[str] = (),
           workdays: Iterable[str] = ()) -> WorkCalendar:
        return cls(frozenset(weekend), frozenset(holidays), frozenset(workdays))

    def is_working_day(self, day: str) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return date.fromisoformat(day).isoweekday() not in self.weekend

    def add_working_days(self, day: str, n: int) -> str:
        """The n-th working day after `day` (`day` itself is not counted: a case opened on Friday
        with 1 working day is due on Monday). n = 0 gives `day` itself."""
        if n < 0:
            raise ValueError("n must not be negative")
        current, left = date.fromisoformat(day), n
        for _ in range(_MAX_SCAN_DAYS):
            if left == 0:
                return current.isoformat()
            current += timedelta(days=1)
            if self.is_working_day(current.isoformat()):
                left -= 1
        raise ValueError("the calendar has no working days")

    def working_days_between(self, start: str, end: str) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        current, last, count = date.fromisoformat(start), date.fromisoformat(end), 0
        while current < last:
            current += timedelta(days=1)
            count += self.is_working_day(current.isoformat())
        return count

    def working_days_in(self, first: str, last: str) -> list[str]:
        """Every working day from `first` to `last`, both included."""
        current, end, days = date.fromisoformat(first), date.fromisoformat(last), []
        while current <= end:
            if self.is_working_day(current.isoformat()):
                days.append(current.isoformat())
            current += timedelta(days=1)
        return days
