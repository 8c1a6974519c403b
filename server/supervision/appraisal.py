"""The monthly appraisal of windows and clerks (紅旗窗口, 服務明星), pure: the month's rows in,
figures and a score out. The score (docs/supervision.md, weights in `[supervision]`):

    score = score_satisfaction × satisfaction rate + score_service_level × service level
          + score_rectification × on-time rectification rate + score_promised × promised on-time rate
          + score_attendance × attendance − late_penalty × late sign-ins            (never below 0)

A rate with nothing to count (no rating, no bad review, no promised case due) earns its full weight:
nothing went wrong there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..domain.commands import GOOD_LEVELS, RATING_LEVELS
from ..domain.hall import HallConfig
from ..domain.workdays import WorkCalendar
from .rates import bad_review_figures, promised_figures, ratio
from .settings import SupervisionSettings

BAD_LEVELS = RATING_LEVELS[3:]
_ATTENDANCE_EVENTS = (
    "clerk_signed_in",
    "clerk_signed_out",
    "window_paused",
    "window_resumed",
    "window_closed",
    "day_closed",
)


@dataclass(frozen=True)
class Month:
    """The month appraised, and how far into it `today` is (a running month counts its days so far)."""

    month: str  # YYYY-MM
    today: str

    @property
    def first(self) -> str:
        return f"{self.month}-01"

    @property
    def last(self) -> str:
        start = date.fromisoformat(self.first)
        return ((start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).isoformat()

    @property
    def counted_to(self) -> str:
        return min(self.last, self.today)


# --- attendance -------------------------------------------------------------------------------------


def _local(ts: float, tz: str) -> datetime:
    return datetime.fromtimestamp(ts, ZoneInfo(tz))


def _work_seconds(
    start: float,
    end: float,
    tz: str,
    settings: SupervisionSettings,
    calendar: WorkCalendar,
    days: tuple[str, str] = ("0000-01-01", "9999-12-31"),
) -> float:
    """Seconds of [start, end) that fall inside work_hours on working days (local time) from
    days[0] to days[1]."""
    total, zone = 0.0, ZoneInfo(tz)
    day = _local(start, tz).date()
    while day <= _local(end, tz).date():
        if days[0] <= day.isoformat() <= days[1] and calendar.is_working_day(day.isoformat()):
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            for r in settings.work_hours:
                lo = (midnight + timedelta(minutes=r.start_min)).timestamp()
                hi = (midnight + timedelta(minutes=r.end_min)).timestamp()
                total += max(0.0, min(end, hi) - max(start, lo))
        day += timedelta(days=1)
    return total


def attendance(
    events: list[dict],
    tz: str,
    settings: SupervisionSettings,
    calendar: WorkCalendar,
    until: float | None = None,
    days: tuple[str, str] = ("0000-01-01", "9999-12-31"),
) -> dict:
    """Per staff and per window: signed-in seconds within work hours, pauses by reason (seconds and
    count), late first sign-ins on working days. `events` are the month's, in order; whoever is
    still signed in (or paused) counts up to `until`."""
    staff: dict = defaultdict(lambda: {"signed_in_s": 0.0, "pauses": defaultdict(lambda: [0, 0.0]), "late": 0})
    windows: dict = defaultdict(lambda: {"signed_in_s": 0.0, "pauses": defaultdict(lambda: [0, 0.0]), "late": 0})
    signed: dict[int, tuple[str, float]] = {}  # window -> (staff, since)
    paused: dict[int, tuple[str, float]] = {}  # window -> (reason, since)
    first_seen: set[tuple[str, str]] = set()
    start_min = settings.work_hours[0].start_min if settings.work_hours else 0

    def end_pause(window: int, at: float) -> None:
        if window in paused:
            reason, since = paused.pop(window)
            who = signed.get(window, ("", 0))[0]
            for figures in (staff[who], windows[window]) if who else (windows[window],):
                figures["pauses"][reason][0] += 1
                figures["pauses"][reason][1] += at - since

    def sign_out(window: int, at: float) -> None:
        end_pause(window, at)
        if window in signed:
            who, since = signed.pop(window)
            seconds = _work_seconds(since, at, tz, settings, calendar, days)
            staff[who]["signed_in_s"] += seconds
            windows[window]["signed_in_s"] += seconds

    for ev in events:
        kind, at, window = ev["type"], ev["at"], ev.get("window")
        if kind == "clerk_signed_in":
            sign_out(window, at)
            signed[window] = (ev["staff"], at)
            local = _local(at, tz)
            key = (ev["staff"], ev["day"])
            if key not in first_seen and calendar.is_working_day(ev["day"]):
                first_seen.add(key)
                if local.hour * 60 + local.minute > start_min + settings.late_grace_min:
                    staff[ev["staff"]]["late"] += 1
                    windows[window]["late"] += 1
            first_seen.add(key)
        elif kind == "window_paused":
            end_pause(window, at)
            paused[window] = (ev.get("reason") or "", at)
        elif kind in ("window_resumed", "window_closed"):
            end_pause(window, at)
        elif kind == "clerk_signed_out":
            sign_out(window, at)
        elif kind == "day_closed":
            for w in list(signed):
                sign_out(w, at)
    for w in list(signed) if until is not None else ():
        sign_out(w, max(until, signed[w][1]))
    return {"staff": _plain(staff), "windows": _plain(windows)}


def _plain(groups: dict) -> dict:
    return {
        k: {
            "signed_in_s": round(v["signed_in_s"]),
            "late": v["late"],
            "pauses": {reason: {"count": n, "seconds": round(s)} for reason, (n, s) in sorted(v["pauses"].items())},
        }
        for k, v in groups.items()
    }


def expected_seconds(month: Month, settings: SupervisionSettings, calendar: WorkCalendar) -> float:
    per_day = sum((r.end_min - r.start_min) * 60 for r in settings.work_hours)
    return per_day * len(calendar.working_days_in(month.first, month.counted_to))


# --- visits, ratings, cases -------------------------------------------------------------------------


def service_figures(segments: list[dict], hall: HallConfig) -> dict:
    served = [s for s in segments if s["end_kind"] == "served"]
    within = sum(_within_target(s, hall) for s in served)
    rated = [s for s in segments if s["rating"]]
    good = sum(s["rating"] in GOOD_LEVELS for s in rated)
    bad = sum(s["rating"] in BAD_LEVELS for s in rated)
    return {
        "visits": len(served),
        "service_level": ratio(within, len(served)),
        "ratings": len(rated),
        "satisfaction_rate": ratio(good, len(rated)),
        "bad_review_rate": ratio(bad, len(rated)),
    }


def _within_target(segment: dict, hall: HallConfig) -> bool:
    service = hall.service(segment["service"])
    target = (service.target_wait_min if service else 20) * 60
    return segment["wait_s"] is not None and segment["wait_s"] <= target


def score(figures: dict, settings: SupervisionSettings) -> float:
    def full_if_none(rate):
        return 1.0 if rate is None else rate

    points = (
        settings.score_satisfaction * full_if_none(figures["satisfaction_rate"])
        + settings.score_service_level * full_if_none(figures["service_level"])
        + settings.score_rectification * full_if_none(figures["on_time_rectification_rate"])
        + settings.score_promised * full_if_none(figures["promised_on_time_rate"])
        + settings.score_attendance * full_if_none(figures["attendance"])
        - settings.late_penalty * figures["late_signins"]
    )
    return round(max(points, 0.0), 1)


def _figures(segments, bad_cases, promised_cases, presence, expected, hall, settings, today) -> dict:
    f = service_figures(segments, hall)
    bad = bad_review_figures(bad_cases)
    promised = promised_figures(promised_cases, today)
    f |= {
        "bad_reviews": bad["bad_reviews"],
        "rectification_rate": bad["rectification_rate"],
        "on_time_rectification_rate": bad["on_time_rectification_rate"],
        "promised_due": promised["due"],
        "promised_on_time_rate": promised["on_time_rate"],
        "signed_in_s": presence.get("signed_in_s", 0),
        "expected_s": round(expected),
        "attendance": (min(1.0, round(presence.get("signed_in_s", 0) / expected, 4)) if expected else None),
        "late_signins": presence.get("late", 0),
        "pauses": presence.get("pauses", {}),
    }
    f["score"] = score(f, settings)
    return f


def appraise(
    month: Month,
    segments: list[dict],
    bad_cases: list[dict],
    promised_cases: list[dict],
    events: list[dict],
    hall: HallConfig,
    calendar: WorkCalendar,
    settings: SupervisionSettings,
    now: float | None = None,
) -> dict:
    """Per window and per clerk, with the month's 紅旗窗口 and 服務明星 candidates. `now` closes the
    sign-ins still open (a running month)."""
    presence = attendance(
        [e for e in events if e["type"] in _ATTENDANCE_EVENTS],
        hall.center.timezone,
        settings,
        calendar,
        until=now,
        days=(month.first, month.counted_to),
    )
    expected = expected_seconds(month, settings, calendar)
    rows = {}
    for key, name in (("window", "windows"), ("staff", "staff")):
        by_segment, by_bad, by_promised = _by(segments, key), _by(bad_cases, key), _by(promised_cases, key)
        ids = sorted({i for i in by_segment if i is not None} | set(presence[name]), key=str)
        rows[key] = [
            {
                key: i,
                **_figures(
                    by_segment.get(i, []),
                    by_bad.get(i, []),
                    by_promised.get(i, []),
                    presence[name].get(i, {}),
                    expected,
                    hall,
                    settings,
                    month.today,
                ),
            }
            for i in ids
        ]
    for clerk in rows["staff"]:
        member = hall.staff_member(clerk["staff"])
        clerk["name"] = member.name if member else ""
    return {
        "month": month.month,
        "counted_to": month.counted_to,
        "max_score": settings.max_score,
        "windows": rows["window"],
        "clerks": rows["staff"],
        "red_flag_windows": _best(rows["window"], "window", settings.red_flag_windows, settings.min_visits),
        "service_stars": _best(rows["staff"], "staff", settings.service_stars, settings.min_visits),
    }


def _by(rows: list[dict], key: str) -> dict:
    """Rows grouped by one column, in one pass (a month has thousands of visits)."""
    groups: dict = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def _best(rows: list[dict], key: str, n: int, min_visits: int) -> list:
    eligible = [r for r in rows if r["visits"] >= min_visits]
    return [r[key] for r in sorted(eligible, key=lambda r: (-r["score"], -r["visits"], str(r[key])))[:n]]
