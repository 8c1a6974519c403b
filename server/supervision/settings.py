"""The `[supervision]` settings as a frozen dataclass (keys and defaults: server/config_schema.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.hall import TimeRange


@dataclass(frozen=True)
class SupervisionSettings:
    bad_review_due_days: int = 5
    callback_window_min: int = 10
    callback_retention_days: int = 30
    work_hours: tuple[TimeRange, ...] = (TimeRange(9 * 60, 12 * 60), TimeRange(13 * 60 + 30, 17 * 60 + 30))
    late_grace_min: int = 5
    score_satisfaction: float = 30.0
    score_service_level: float = 20.0
    score_rectification: float = 20.0
    score_promised: float = 15.0
    score_attendance: float = 15.0
    late_penalty: float = 2.0
    min_visits: int = 20
    red_flag_windows: int = 1
    service_stars: int = 3

    @property
    def max_score(self) -> float:
        return (
            self.score_satisfaction
            + self.score_service_level
            + self.score_rectification
            + self.score_promised
            + self.score_attendance
        )
