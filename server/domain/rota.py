"""The hall as it runs at one moment: the configured hall with the window rota and the timed
notices applied (pure: the hall and a local date and minute in, a HallConfig out).

A rota entry applies to its window on its dates, or on its ISO weekdays, or every day when it
names neither, within its hours (all day when it names none). When several entries match the same
window at once, the last one in the file wins, so a one-off date written after a weekly turn
overrides it. An active notice (the latest to start, among those running) replaces the center's
notice; outside every notice's times the center's own notice shows.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from .hall import HallConfig, Notice, RotaEntry, Window


def applies(entry: RotaEntry, day: str, minute: int) -> bool:
    if entry.dates or entry.weekdays:
        on_day = day in entry.dates or date.fromisoformat(day).isoweekday() in entry.weekdays
    else:
        on_day = True
    return on_day and (not entry.hours or any(r.contains(minute) for r in entry.hours))


def window_now(window: Window, rota: tuple[RotaEntry, ...], day: str, minute: int) -> Window:
    turn = next((e for e in reversed(rota) if e.window == window.number and applies(e, day, minute)), None)
    if turn is None:
        return window
    return replace(window, services=turn.services, department=turn.department)


def notice_now(notices: tuple[Notice, ...], local: str) -> Notice | None:
    """`local` is "YYYY-MM-DD HH:MM"; the texts compare in time order."""
    running = [n for n in notices if n.starts <= local < n.ends]
    return max(running, key=lambda n: n.starts) if running else None


def hall_now(hall: HallConfig, day: str, minute: int) -> HallConfig:
    """The hall with today's turns and this minute's notice applied."""
    if not hall.rota and not hall.notices:
        return hall
    windows = tuple(window_now(w, hall.rota, day, minute) for w in hall.windows)
    notice = notice_now(hall.notices, f"{day} {minute // 60:02d}:{minute % 60:02d}")
    center = replace(hall.center, notice=notice.text) if notice else hall.center
    if windows == hall.windows and center == hall.center:
        return hall
    return replace(hall, windows=windows, center=center)
