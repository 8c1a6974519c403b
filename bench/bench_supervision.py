"""Supervision figures on a simulated month (`hallq demo-data`, demo hall):

- how long the month's supervision takes to open and follow up (demo_month.follow_up);
- what the projector adds to a write: microseconds per bad rating and per finish, measured on the
  month's database inside a transaction that is rolled back (A: the event row alone, as the writer
  appends it; B: the event row and the supervision projector; interleaved rounds in one run);
- the month's rates and appraisal as the endpoints compute them (median of --runs).

    .venv/bin/python -m bench.bench_supervision --days 30 --visits-per-day 600 --runs 7
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from server.config import load_demo
from server.stats.demo_data import generate, plans
from server.store.writes import append_events
from server.store.connection import connect
from server.supervision.appraisal import Month
from server.supervision.demo_month import follow_up
from server.supervision.http import _appraisal, _rates
from server.supervision.projector import SupervisionProjector


def _events(conn, etype: str, where: str, limit: int) -> list[dict]:
    rows = conn.execute(f"SELECT data FROM events WHERE type = ? {where} ORDER BY seq DESC LIMIT ?", (etype, limit))
    return [json.loads(r[0]) for r in rows]


def _per_event_us(conn, projectors, events: list[dict]) -> float:
    """Each event as a new one (fresh seq and ticket): its row appended, then the projectors."""
    fresh = [dict(ev, seq=ev["seq"] + 10_000_000, ticket_id=ev["ticket_id"] + 10_000_000) for ev in events]
    conn.execute("BEGIN IMMEDIATE")
    try:
        started = time.perf_counter()
        for ev in fresh:
            append_events(conn, [ev])
            for project in projectors:
                project(conn, [ev])
        return (time.perf_counter() - started) / len(events) * 1e6
    finally:
        conn.execute("ROLLBACK")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench_supervision")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--visits-per-day", type=int, default=600)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--end", default="2026-11-27")
    args = ap.parse_args(argv)
    settings = load_demo()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "month.db")
        made = generate(db, plans(args.end, args.days, args.visits_per_day, 1, settings.hall.center.timezone))
        started = time.perf_counter()
        cases = follow_up(db, settings, 1)
        follow_s = time.perf_counter() - started
        conn = connect(db, write=True)
        bad = _events(conn, "visit_rated", "AND data LIKE '%dissatisfied%'", 300)
        finishes = _events(conn, "service_finished", "", 1000)
        row_only: tuple = ()
        both = (SupervisionProjector(settings.hall, settings.calendar, settings.supervision),)
        ab: dict[str, list[float]] = {k: [] for k in ("rating_a", "rating_b", "finish_a", "finish_b")}
        for _ in range(args.runs):
            ab["rating_a"].append(_per_event_us(conn, row_only, bad))
            ab["rating_b"].append(_per_event_us(conn, both, bad))
            ab["finish_a"].append(_per_event_us(conn, row_only, finishes))
            ab["finish_b"].append(_per_event_us(conn, both, finishes))
        month = args.end[:7]
        rates_ms, appraisal_ms = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            _rates(conn, month, args.end, None)
            t1 = time.perf_counter()
            _appraisal(conn, Month(month, args.end), settings.hall, settings.calendar, settings.supervision, None)
            t2 = time.perf_counter()
            rates_ms.append((t1 - t0) * 1000)
            appraisal_ms.append((t2 - t1) * 1000)
        conn.close()
    med = {k: round(statistics.median(v), 1) for k, v in ab.items()}
    print(json.dumps({
        "visits": made["visits"], "events": made["events"], "cases": cases["cases"], "steps": cases["steps"],
        "follow_up_s": round(follow_s, 2),
        "us_per_bad_rating": {"event_row": med["rating_a"], "event_row_and_supervision": med["rating_b"]},
        "us_per_finish": {"event_row": med["finish_a"], "event_row_and_supervision": med["finish_b"]},
        "rates_ms_median": round(statistics.median(rates_ms), 1),
        "appraisal_ms_median": round(statistics.median(appraisal_ms), 1),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
