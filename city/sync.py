"""Keeping the halls' mirrors up to date: a background task reads each hall's new events from
PostgreSQL (in bounded batches) and folds them on the mirror's own thread, then refreshes the
hall's figures for the overview, so a dashboard refresh is a lookup, not a computation."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from server.citylink.catalogue import hall_from_catalogue
from server.stats.figures import settled_before

from . import store
from .mirror import HallMirror

log = logging.getLogger("hallq.city")
SILENT_AFTER_S = 60.0  # a link that has not spoken for this long is shown as silent


@dataclass
class CityState:
    """The halls as last read from PostgreSQL, and their mirrors (owned by the city app)."""

    folder: Path
    batch: int = 5000
    summary_s: float = 5.0
    halls: dict[str, dict] = field(default_factory=dict)
    mirrors: dict[str, HallMirror] = field(default_factory=dict)

    def mirror(self, hall_id: str) -> HallMirror | None:
        return self.mirrors.get(hall_id)

    def close(self) -> None:
        for mirror in self.mirrors.values():
            mirror.close()
        self.mirrors.clear()


async def sync_once(pool: asyncpg.Pool, city: CityState, now: float) -> int:
    """One round over every hall; returns the number of events folded."""
    folded = 0
    for info in await store.halls(pool):
        city.halls[info["hall_id"]] = info
        if info["catalogue"] is None:
            continue  # registered, never connected
        mirror = city.mirrors.get(info["hall_id"])
        hall = hall_from_catalogue(info["catalogue"])
        if mirror is None:
            mirror = city.mirrors[info["hall_id"]] = HallMirror(city.folder, info["hall_id"], hall)
        else:
            mirror.hall = hall
        new = await _catch_up(pool, city, mirror, info["last_seq"])
        mirror.pending |= bool(new)
        if _summary_due(mirror, now, city.summary_s):
            await mirror.run(mirror.live_summary, now)
        if settled_before(mirror.settle_key(now)) > mirror.warmed_through:
            await mirror.run(mirror.warm, now)
        folded += new
    return folded


def _summary_due(mirror: HallMirror, now: float, every_s: float) -> bool:
    """A hall's overview figures are recomputed when it sent news, at most every `every_s` of wall
    time (a busy day costs tens of milliseconds to sum; fifty halls must not take the CPU), and at
    the day's turn. The longest wait is aged at request time from the oldest queue entry."""
    summary = mirror.summary
    if summary is None or summary["day"] != mirror.today(now):
        return True
    return mirror.pending and time.monotonic() - mirror.summarised_at >= every_s


async def _catch_up(pool: asyncpg.Pool, city: CityState, mirror: HallMirror, head: int) -> int:
    folded = 0
    if not mirror.opened:
        await mirror.run(lambda conn: None)  # opens the file and learns its last seq
    while mirror.last_seq < head:
        rows = await store.events_after(pool, mirror.hall_id, mirror.last_seq, city.batch)
        if not rows:
            break
        folded += await mirror.run(mirror.ingest_rows, rows)
    return folded


async def sync_forever(pool: asyncpg.Pool, city: CityState, clock, interval_s: float, synced: asyncio.Event) -> None:
    while True:
        try:
            await sync_once(pool, city, clock.now())
            synced.set()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("city database unreachable: %s", exc)
        except Exception:  # noqa: BLE001 - the dashboard stays up; the next round retries
            log.exception("mirror sync failed")
        await asyncio.sleep(interval_s)


def link_status(info: dict) -> str:
    if info["error_code"]:
        return "stopped"
    if info["contact_age_s"] is None:
        return "never"
    if info["contact_age_s"] > SILENT_AFTER_S:
        return "silent"
    if (info["hall_seq"] or 0) > info["last_seq"]:
        return "behind"
    return "up_to_date"


def overview_row(info: dict, mirror: HallMirror | None, now: float) -> dict:
    """One hall on the city board: live figures and the link's lag."""
    summary = (mirror.summary if mirror else None) or {}
    totals = summary.get("totals") or {}
    counts = totals.get("counts") or {}
    cat = info["catalogue"] or {}
    oldest = summary.get("oldest_entry")
    return {
        "hall_id": info["hall_id"], "name": (cat.get("center") or {}).get("name"),
        "day": summary.get("day"), "waiting": summary.get("waiting", 0),
        "longest_wait_s": round(max(0.0, now - oldest), 1) if oldest else 0.0,
        "windows_open": summary.get("windows_open", 0), "windows_paused": summary.get("windows_paused", 0),
        "issued": counts.get("issued", 0), "served": counts.get("served", 0),
        "service_level": totals.get("service_level"), "satisfaction_rate": totals.get("satisfaction_rate"),
        "wait_served": totals.get("wait_served"),
        "link": {"status": link_status(info), "shipped_seq": info["last_seq"], "hall_seq": info["hall_seq"],
                 "behind": max(0, (info["hall_seq"] or 0) - info["last_seq"]),
                 "contact_age_s": None if info["contact_age_s"] is None else round(info["contact_age_s"], 1),
                 "error_code": info["error_code"], "error": info["error"],
                 "mirror_seq": mirror.last_seq if mirror else 0},
    }
