"""The statistics' start-up warm-up: the last month's closed days made ready in memory (restored
from the kept partials, or computed from the rows and kept), so a manager's first report is a merge.

Managers go first. The warm-up runs on a reader thread of its own (requests keep the statistics
thread to themselves, so they never queue behind it) in small slices, one day and one grouping
each, newest day first; a slice starts only while no statistics request is being answered, so a
request shares the CPU with at most the one slice already running. A request that needs a day the
warm-up has not reached restores or computes just that day itself (`figures.compute`).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

from ..domain.hall import HallConfig
from ..store.reader import Reader
from .figures import Query, compute
from .store import PartialCache, save_new

WARM_DAYS = 31
WARM_GROUPS = ("total", "service", "department", "hour", "window", "clerk")
log = logging.getLogger("hallq.stats")


def warm_slices(today: str, days: int = WARM_DAYS) -> list[tuple[str, str]]:
    """(day, grouping) for the closed days among the last `days`, newest first. Yesterday is left
    out: its figures are not kept yet (the day's turn may still be committing)."""
    first = date.fromisoformat(today)
    return [((first - timedelta(days=back)).isoformat(), group)
            for back in range(2, days + 1) for group in WARM_GROUPS]


class WarmUp:
    """One app's warm-up: its progress (slices done of all, and whether it is over) and the gate
    that lets requests pre-empt it between slices."""

    def __init__(self) -> None:
        self.slices_done = 0
        self.slices_total = 0
        self.finished = asyncio.Event()  # done, or given up (a failure only means slower requests)
        self._requests = 0
        self._no_request = asyncio.Event()
        self._no_request.set()

    @contextlib.asynccontextmanager
    async def priority(self) -> AsyncIterator[None]:
        """Around a manager's statistics request: no warm-up slice starts until it is answered."""
        self._requests += 1
        self._no_request.clear()
        try:
            yield
        finally:
            self._requests -= 1
            if self._requests == 0:
                self._no_request.set()

    async def run(self, db_path: str | Path, hall: HallConfig, today: str, cache: PartialCache, service,
                  days: int = WARM_DAYS) -> None:
        plan = warm_slices(today, days)
        self.slices_total = len(plan)
        reader = Reader(db_path, threads=1)  # closed at the end: no thread nor connection kept idle
        try:
            for i, (day, group) in enumerate(plan):
                await self._no_request.wait()
                # nothing between the wait and the submission: a request arriving now finds the slice running
                await reader.run(compute, Query(hall, day, day, group), cache, today)
                self.slices_done += 1
                if i + 1 == len(plan) or plan[i + 1][0] != day:  # a day done: keep what it computed
                    await save_new(reader, cache, service)
        except Exception:  # best effort: requests compute what is missing
            log.exception("statistics warm-up failed after %d of %d slices", self.slices_done, self.slices_total)
        finally:
            self.finished.set()
            reader.close()  # waits for a slice still running (one day, one grouping)
