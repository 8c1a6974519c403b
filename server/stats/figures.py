"""Every figure of docs/domain.md "Measures" for a range of business days, from the segments projection.

Each business day contributes partials (server/stats/partials.py: sums, histograms, window time)
from one grouped SQL pass per kind; a range merges its days, and a closed day's partials are kept
in the caller's cache. Percentiles are nearest rank (the value at rank ceil(p/100 * n)) over the
histograms. Plain functions of a sqlite3 connection: run them on a reader thread, never on the loop.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..domain.commands import GOOD_LEVELS, OUTCOMES, RATING_LEVELS
from ..domain.hall import HallConfig
from .partials import (DERIVED, WINDOW_COLUMN, compute_partials, day_spans, days_between, histograms,
                       merge_hists, merge_rows, merge_wt, percentile)
from .store import HIST, PartialCache

GROUPS = ("total", "service", "window", "department", "clerk", "hour", "day", "weekday", "weekday_hour")
BAD_LEVELS = RATING_LEVELS[3:]
WINDOW_ENDS = ("served", "suspended", "transferred", "cancelled")

# timed figure -> (value expression, which segments)
TIMED = {
    "wait_called": ("wait_s", "wait_s IS NOT NULL"),
    "wait_served": ("wait_s", "end_kind = 'served' AND wait_s IS NOT NULL"),
    "walking": ("walking_s", "end_kind = 'served' AND walking_s IS NOT NULL"),
    "handling": ("handling_s", "end_kind = 'served' AND handling_s IS NOT NULL"),
    "suspended": ("suspended_s", "suspends > 0"),
}


@dataclass(frozen=True)
class Query:
    hall: HallConfig
    day_from: str
    day_to: str
    group_by: str = "total"
    now: float | None = None  # closes intervals still open (today's figures)
    percentiles: bool = True  # off for the live board and reports: one pass over the rows


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _case(column: str, mapping: dict[str, object], default: object) -> str:
    """A CASE expression from configuration values (service codes are validated identifiers)."""
    def lit(v):
        if v is None:
            return "NULL"
        return str(v) if isinstance(v, (int, float)) else "'" + str(v).replace("'", "''") + "'"
    whens = " ".join(f"WHEN '{k}' THEN {lit(v)}" for k, v in mapping.items())
    return f"(CASE {column} {whens} ELSE {lit(default)} END)" if whens else lit(default)


def group_expr(q: Query) -> str:
    if q.group_by == "department":
        return _case("service", {s.code: s.department for s in q.hall.services}, None)
    return {"total": "'all'", "service": "service", "window": "window", "clerk": "staff", "hour": "hour"}[q.group_by]


def target_expr(hall: HallConfig) -> str:
    return _case("service", {s.code: s.target_wait_min * 60 for s in hall.services}, 20 * 60)


def _sums_sql(q: Query) -> str:
    tgt = target_expr(q.hall)
    outcome_cols = ", ".join(f"SUM(outcome = '{o}') AS outcome_{o}" for o in OUTCOMES + ("unrecorded",))
    level_cols = ", ".join(f"SUM(rating = '{lv}') AS rating_{lv}" for lv in RATING_LEVELS)
    return f"""
    SELECT day AS d, {group_expr(q)} AS g, COUNT(*) AS segments, SUM(issued) AS issued,
      SUM(first_call IS NOT NULL) AS called, SUM(end_kind = 'served') AS served,
      SUM(end_kind = 'no_show') AS no_shows, SUM(no_show_marks) AS no_show_marks, SUM(callbacks) AS callbacks,
      SUM(walked_out) AS walk_outs, SUM(end_kind = 'cancelled') AS cancelled, SUM(recalls) AS recalls,
      SUM(recalls > 0) AS recalled_segments, SUM(transfers) AS transfers, SUM(suspends) AS suspends,
      SUM(CASE WHEN wait_s IS NOT NULL THEN wait_s END) AS wait_called_sum,
      SUM(CASE WHEN end_kind = 'served' THEN wait_s END) AS wait_served_sum,
      SUM(CASE WHEN end_kind = 'served' THEN walking_s END) AS walking_sum,
      SUM(end_kind = 'served' AND walking_s IS NOT NULL) AS walking_n,
      SUM(CASE WHEN end_kind = 'served' THEN handling_s END) AS handling_sum,
      SUM(end_kind = 'served' AND no_start = 1) AS handling_no_start,
      SUM(CASE WHEN suspends > 0 THEN suspended_s END) AS suspended_sum,
      SUM(CASE WHEN end_kind IN {_in(WINDOW_ENDS)} THEN COALESCE(walking_s, 0) + COALESCE(handling_s, 0) END)
        AS occupied_s,
      SUM(end_kind = 'served' AND wait_s <= {tgt}) AS served_in_target,
      SUM(end_kind = 'no_show' AND wait_s > {tgt}) AS no_shows_over_target,
      SUM(end_kind = 'walked_out' AND queue_s > {tgt}) AS walk_outs_over_target,
      SUM(queue_s) AS queue_s, MAX(hall_queue) AS peak_hall_queue, MAX(service_queue) AS peak_service_queue,
      SUM(appointment = 1 AND issued = 1) AS appointments, SUM(channel = 'green' AND issued = 1) AS green,
      SUM(rated) AS rated, SUM(rating_expired) AS rating_expired, {outcome_cols}, {level_cols}
    FROM segments WHERE day BETWEEN ? AND ? GROUP BY d, g"""


# --- putting a group's figures together -------------------------------------------------------------

def rate(num, den) -> dict:
    num, den = num or 0, den or 0
    return {"value": (num / den) if den else None, "numerator": num, "denominator": den}


def timed(total, n, pct: dict | None) -> dict:
    n = n or 0
    pct = pct or {}
    return {"mean_s": (total / n) if n else None, "p50_s": pct.get("p50_s"), "p90_s": pct.get("p90_s"), "n": n}


def figures_of(r: dict, pct: dict, wt: tuple | None, span_s: float | None, per_service_queue: bool) -> dict:
    served, rated = r["served"] or 0, r["rated"] or 0
    good = sum(r[f"rating_{lv}"] or 0 for lv in GOOD_LEVELS)
    bad = sum(r[f"rating_{lv}"] or 0 for lv in BAD_LEVELS)
    strict_den = served + (r["no_shows_over_target"] or 0) + (r["walk_outs_over_target"] or 0)
    counts = {k: r[k] or 0 for k in ("segments", "issued", "called", "served", "no_shows", "no_show_marks",
                                      "callbacks", "walk_outs", "cancelled", "recalls", "recalled_segments",
                                      "transfers", "suspends", "appointments", "green", "rated",
                                      "rating_expired", "handling_no_start")}
    out = {
        "counts": counts,
        "wait_called": timed(r["wait_called_sum"], r["called"], pct.get("wait_called")),
        "wait_served": timed(r["wait_served_sum"], served, pct.get("wait_served")),
        "walking": timed(r["walking_sum"], r["walking_n"], pct.get("walking")),
        "handling": timed(r["handling_sum"], served, pct.get("handling")),
        "suspended": timed(r["suspended_sum"], r["suspends"], pct.get("suspended")),
        "service_level": rate(r["served_in_target"], served),
        "strict_service_level": rate(r["served_in_target"], strict_den),
        "no_show_rate": rate(r["no_shows"], r["issued"]),
        "walk_out_rate": rate(r["walk_outs"], r["issued"]),
        "recall_rate": rate(r["recalled_segments"], r["called"]),
        "transfer_rate": rate(r["transfers"], served),
        "suspend_rate": rate(r["suspends"], served),
        "outcomes": {o: rate(r[f"outcome_{o}"], served) for o in OUTCOMES + ("unrecorded",)},
        "ratings": {lv: r[f"rating_{lv}"] or 0 for lv in RATING_LEVELS},
        "satisfaction_rate": rate(good, rated),
        "bad_review_rate": rate(bad, rated),
        "active_rating_rate": rate(rated, served),
        "peak_queue": r["peak_service_queue"] if per_service_queue else r["peak_hall_queue"],
        "mean_queue": (r["queue_s"] or 0) / span_s if span_s else None,
    }
    out.update(_window_figures(r, wt, served))
    return out


def _window_figures(r: dict, wt: tuple | None, served: int) -> dict:
    if wt is None:
        return {"utilisation": None, "throughput_per_hour": None, "open_s": None, "paused_s": None}
    open_s, paused_s = wt
    return {"utilisation": rate(r["occupied_s"], open_s), "open_s": open_s, "paused_s": paused_s,
            "throughput_per_hour": (served / (open_s / 3600)) if open_s else None}


def compute(conn: sqlite3.Connection, q: Query, cache: dict | None = None, today: str | None = None) -> dict:
    """Figures for q's range and grouping. Days before `today` are read from / kept in `cache`."""
    if q.group_by not in GROUPS:
        raise ValueError(q.group_by)
    base, key_of = DERIVED.get(q.group_by, (q.group_by, None))
    days = days_between(q.day_from, q.day_to)
    per_day = _partials(conn, replace(q, group_by=base), days, cache, today)
    hists = _histograms(conn, replace(q, group_by=base), days, cache, today) if q.percentiles else {}
    spans = _cached(conn, cache, today, days, "_span", lambda lo, hi: day_spans(conn, lo, hi), 1.0)
    collected: dict = {}
    for day in days:
        day_hists = hists.get(day) or {}
        for g, part in per_day[day].items():
            if part["row"] is not None:
                collected.setdefault(key_of(day, g) if key_of else g, []).append((day, part, day_hists.get(g, {})))
    groups = [_group(q, key, parts, spans, days) for key, parts in
              sorted(collected.items(), key=lambda kv: (kv[0] is None, kv[0] if kv[0] is not None else ""))]
    return {"from": q.day_from, "to": q.day_to, "group_by": q.group_by, "timezone": q.hall.center.timezone,
            "groups": groups}


def settled_before(today: str | None) -> str:
    """Days before this one are kept: the day's turn (walk-outs, expiries) may still be committing."""
    return (date.fromisoformat(today) - timedelta(days=1)).isoformat() if today else ""


def _partials(conn, q: Query, days: list[str], cache, today) -> dict[str, dict]:
    """day -> {group key -> sums and window time}."""
    return _cached(conn, cache, today, days, q.group_by, lambda lo, hi: compute_partials(
        conn, _sums_sql(q), q.group_by, lo, hi, q.now), {})


def _histograms(conn, q: Query, days: list[str], cache, today) -> dict[str, dict]:
    """day -> {group key -> histograms}, kept apart from the sums: figures without percentiles (the
    reports, the live board) neither compute nor restore them."""
    return _cached(conn, cache, today, days, q.group_by + HIST, lambda lo, hi: histograms(
        conn, group_expr(q), TIMED, lo, hi), {})


def _cached(conn, cache, today, days: list[str], kind: str, fetch, empty) -> dict:
    """day -> value: the cache's (restored from the kept partials if need be), else fetched (one
    pass per run of consecutive missing days, so a cached month with its weekends missing is not
    re-read); days settled are kept."""
    settled = settled_before(today)
    if isinstance(cache, PartialCache):
        cache.restore(conn, kind, [d for d in days if d < settled])
    missing = [d for d in days if cache is None or (d, kind) not in cache]
    fresh: dict = {}
    for lo, hi in _runs(missing, days):
        fresh.update(fetch(lo, hi))
    out = {}
    for d in days:
        if d in fresh or cache is None or (d, kind) not in cache:
            out[d] = fresh.get(d, empty)
            if cache is not None and d < settled:
                cache[(d, kind)] = out[d]
        else:
            out[d] = cache[(d, kind)]
    return out


def _runs(missing: list[str], days: list[str]) -> list[tuple[str, str]]:
    """(first, last) of each run of consecutive days in `missing` (both in calendar order)."""
    wanted = set(missing)
    runs: list[tuple[str, str, int]] = []  # (first, last, index of last in days)
    for i, d in enumerate(days):
        if d not in wanted:
            continue
        if runs and runs[-1][2] == i - 1:
            runs[-1] = (runs[-1][0], d, i)
        else:
            runs.append((d, d, i))
    return [(lo, hi) for lo, hi, _ in runs]


def _group(q: Query, key, parts: list[tuple[str, dict, dict]], spans: dict, days: list[str]) -> dict:
    """One group's figures from its days' (day, sums and window time, histograms)."""
    row = merge_rows([p["row"] for _, p, _ in parts])
    pct = {}
    if q.percentiles:
        hist = merge_hists([h for _, _, h in parts])
        pct = {name: {"p50_s": percentile(bins, 50), "p90_s": percentile(bins, 90)} for name, bins in hist.items()}
    base = DERIVED.get(q.group_by, (q.group_by,))[0]
    wt = merge_wt([p["wt"] for _, p, _ in parts]) if base in WINDOW_COLUMN else None
    return {"key": key, **figures_of(row, pct, wt, _span(q.group_by, parts, spans, days), q.group_by == "service")}


def _span(group_by: str, parts: list[tuple[str, dict, dict]], spans: dict, days: list[str]) -> float | None:
    """Observed seconds behind a group's mean queue length (none for windows, clerks, weekdays)."""
    active = [spans[d] for d in days if spans.get(d, 1.0) > 1.0]
    if group_by == "day":
        return spans.get(parts[0][0])
    if group_by == "hour":
        return 3600.0 * len(parts)
    if group_by in ("total", "service", "department"):
        return sum(active) or None
    return None


# --- merging groups (days into a range, services into a total) without re-reading the segments ----------

def _merge_rate(figs: list[dict]) -> dict:
    return rate(sum(f["numerator"] for f in figs), sum(f["denominator"] for f in figs))


def _merge_timed(figs: list[dict]) -> dict:
    n = sum(f["n"] for f in figs)
    total = sum(f["mean_s"] * f["n"] for f in figs if f["mean_s"] is not None)
    return timed(total, n, None)  # percentiles do not merge: left out


def merge(groups: list[dict], key="all") -> dict:
    """One group from several (exact for counts, rates and means; no percentiles, no mean queue)."""
    if not groups:
        return {}
    out: dict = {"key": key}
    for name, value in groups[0].items():
        figs = [g[name] for g in groups]
        if name == "key":
            continue
        if name in ("counts", "ratings"):
            out[name] = {k: sum(f[k] for f in figs) for k in value}
        elif name == "outcomes":
            out[name] = {k: _merge_rate([f[k] for f in figs]) for k in value}
        elif isinstance(value, dict) and "numerator" in value:
            out[name] = _merge_rate(figs) if all(f is not None for f in figs) else None
        elif isinstance(value, dict) and "mean_s" in value:
            out[name] = _merge_timed(figs)
        elif name == "peak_queue":
            out[name] = max((f for f in figs if f is not None), default=None)
        elif name in ("open_s", "paused_s"):
            out[name] = sum(f for f in figs if f is not None) if any(f is not None for f in figs) else None
        else:
            out[name] = None  # mean queue, throughput: need the spans
    return out
