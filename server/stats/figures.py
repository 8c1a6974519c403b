"""Every figure of DOMAIN.md "Measures" for a range of business days, from the segments projection.

One grouped SQL pass gives the counts and sums, one window-function pass per timed figure gives the
percentiles (nearest rank: the value at rank ceil(p/100 * n)). Plain functions of a sqlite3
connection: run them on the Reader's threads, never on the event loop.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..domain.commands import GOOD_LEVELS, OUTCOMES, RATING_LEVELS
from ..domain.hall import HallConfig

GROUPS = ("total", "service", "window", "department", "clerk", "hour", "day", "weekday", "weekday_hour")
INTERNAL_GROUPS = ("day_department",)  # for the reports' per-day cache
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
        return "NULL" if v is None else (str(v) if isinstance(v, (int, float)) else "'" + str(v).replace("'", "''") + "'")
    whens = " ".join(f"WHEN '{k}' THEN {lit(v)}" for k, v in mapping.items())
    return f"(CASE {column} {whens} ELSE {lit(default)} END)" if whens else lit(default)


def group_expr(q: Query) -> str:
    if q.group_by == "department":
        return _case("service", {s.code: s.department for s in q.hall.services}, None)
    return {"total": "'all'", "service": "service", "window": "window", "clerk": "staff", "hour": "hour",
            "day": "day", "weekday": "weekday", "weekday_hour": "weekday * 100 + hour",
            "day_department": "day || '|' || COALESCE(" + _case("service", {s.code: s.department for s in q.hall.services}, None) + ", '')",
            }[q.group_by]


def target_expr(hall: HallConfig) -> str:
    return _case("service", {s.code: s.target_wait_min * 60 for s in hall.services}, 20 * 60)


def _sums_sql(q: Query) -> str:
    tgt = target_expr(q.hall)
    outcome_cols = ", ".join(f"SUM(outcome = '{o}') AS outcome_{o}" for o in OUTCOMES + ("unrecorded",))
    level_cols = ", ".join(f"SUM(rating = '{lv}') AS rating_{lv}" for lv in RATING_LEVELS)
    return f"""
    SELECT {group_expr(q)} AS g, COUNT(*) AS segments, SUM(issued) AS issued,
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
    FROM segments WHERE day BETWEEN ? AND ? GROUP BY g"""


def _percentile_sql(q: Query, value: str, where: str) -> str:
    g = group_expr(q)
    return f"""
    SELECT g, v, rn, n FROM (
      SELECT {g} AS g, {value} AS v, ROW_NUMBER() OVER (PARTITION BY {g} ORDER BY {value}) AS rn,
             COUNT(*) OVER (PARTITION BY {g}) AS n
      FROM segments WHERE day BETWEEN ? AND ? AND {where})
    WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100"""


def percentiles(conn: sqlite3.Connection, q: Query, value: str, where: str) -> dict:
    out: dict = {}
    for g, v, rn, n in conn.execute(_percentile_sql(q, value, where), (q.day_from, q.day_to)):
        entry = out.setdefault(g, {})
        if rn == (n * 50 + 99) // 100:
            entry["p50_s"] = v
        if rn == (n * 90 + 99) // 100:
            entry["p90_s"] = v
    return out


# --- window time (utilisation, throughput) ----------------------------------------------------------

def window_time(conn: sqlite3.Connection, q: Query) -> dict:
    """open (available) and paused seconds per group; only window, clerk, day and total have them."""
    col = {"total": "'all'", "window": "window", "clerk": "staff", "day": "day"}.get(q.group_by)
    if col is None:
        return {}
    end = "COALESCE(\"end\", ?)" if q.now is not None else "\"end\""
    sql = (f"SELECT {col} AS g, SUM(CASE WHEN state = 'open' THEN {end} - start END), "
           f"SUM(CASE WHEN state = 'paused' THEN {end} - start END) FROM window_time "
           f"WHERE day BETWEEN ? AND ? GROUP BY g")
    params = ((q.now, q.now) if q.now is not None else ()) + (q.day_from, q.day_to)
    return {g: (o or 0.0, p or 0.0) for g, o, p in conn.execute(sql, params)}


def day_spans(conn: sqlite3.Connection, q: Query) -> dict[str, float]:
    """Seconds from a day's first queue entry to the last time someone left a queue."""
    rows = conn.execute("SELECT day, MAX(COALESCE(left_queue_at, entered_at)) - MIN(entered_at) FROM segments "
                        "WHERE day BETWEEN ? AND ? GROUP BY day", (q.day_from, q.day_to))
    return {d: max(s or 0.0, 1.0) for d, s in rows}


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


def compute(conn: sqlite3.Connection, q: Query) -> dict:
    if q.group_by not in GROUPS + INTERNAL_GROUPS:
        raise ValueError(q.group_by)
    cur = conn.execute(_sums_sql(q), (q.day_from, q.day_to))
    names = [d[0] for d in cur.description]
    rows = {row[0]: dict(zip(names, row)) for row in cur}
    pct: dict = {}
    for name, (value, where) in (TIMED.items() if q.percentiles else ()):
        for g, p in percentiles(conn, q, value, where).items():
            pct.setdefault(g, {})[name] = p
    wt = window_time(conn, q)
    spans = _spans_for_groups(conn, q, rows)
    per_service = q.group_by in ("service",)
    groups = [{"key": g, **figures_of(r, pct.get(g, {}), wt.get(g) if wt else None, spans.get(g), per_service)}
              for g, r in sorted(rows.items(), key=lambda kv: (kv[0] is None, kv[0] if kv[0] is not None else ""))]
    return {"from": q.day_from, "to": q.day_to, "group_by": q.group_by, "timezone": q.hall.center.timezone,
            "groups": groups}


def _spans_for_groups(conn: sqlite3.Connection, q: Query, rows: dict) -> dict:
    """Observed seconds behind each group's mean queue length (none for windows and clerks)."""
    if q.group_by in ("window", "clerk", "day_department"):
        return {}
    spans = day_spans(conn, q)
    if q.group_by == "day":
        return spans
    if q.group_by == "hour":
        days = conn.execute("SELECT hour, COUNT(DISTINCT day) FROM segments WHERE day BETWEEN ? AND ? GROUP BY hour",
                            (q.day_from, q.day_to)).fetchall()
        return {h: n * 3600.0 for h, n in days}
    if q.group_by in ("weekday", "weekday_hour"):
        return {}
    return {g: sum(spans.values()) for g in rows}


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
