"""Per-day partial figures, and their merge into a range.

A partial is what one business day contributes to one group: the raw sums of the figures query
and the window's open/paused seconds, and apart from them a histogram of every timed figure (only
percentiles read them, and they are most of a partial's size: a report does without). Sums add,
maxima take the max, histograms add, so a range is the merge of its days; a closed day never
changes, so its partials are computed once and kept (the caller's cache). Percentiles come from
the histograms: exact to the second below 10 minutes, to 10 s below an hour, to the minute above.
"""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta

# a grouping read from another one's partials: (base grouping, key from (day, base key))
DERIVED = {
    "day": ("total", lambda day, key: day),
    "weekday": ("total", lambda day, key: date.fromisoformat(day).weekday()),
    "weekday_hour": ("hour", lambda day, key: date.fromisoformat(day).weekday() * 100 + key),
}
MAX_COLUMNS = ("peak_hall_queue", "peak_service_queue")
WINDOW_COLUMN = {"total": "'all'", "window": "window", "clerk": "staff"}


def bin_expr(value: str) -> str:
    return (f"(CASE WHEN {value} < 600 THEN CAST({value} AS INTEGER) WHEN {value} < 3600 "
            f"THEN CAST({value} / 10 AS INTEGER) * 10 ELSE CAST({value} / 60 AS INTEGER) * 60 END)")


def days_between(day_from: str, day_to: str) -> list[str]:
    first, last = date.fromisoformat(day_from), date.fromisoformat(day_to)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def compute_partials(conn: sqlite3.Connection, sums_sql: str, group: str, lo: str, hi: str,
                     now: float | None) -> dict[str, dict]:
    """day -> {group key -> {"row": sums, "wt": window time}} for every day in [lo, hi] that has
    rows. `sums_sql` groups by (d, g) with d = the day."""
    parts: dict[str, dict] = {}
    cur = conn.execute(sums_sql, (lo, hi))
    names = [d[0] for d in cur.description]
    for row in cur:
        record = dict(zip(names, row, strict=True))
        parts.setdefault(record.pop("d"), {})[record.pop("g")] = {"row": record, "wt": None}
    if group in WINDOW_COLUMN:
        _window_time(conn, parts, WINDOW_COLUMN[group], lo, hi, now)
    return parts


def histograms(conn: sqlite3.Connection, g_expr: str, timed: dict, lo: str, hi: str) -> dict[str, dict]:
    """day -> {group key -> {timed figure -> {bin: count}}}: one grouped pass per timed figure."""
    hists: dict[str, dict] = {}
    for name, (value, where) in timed.items():
        sql = (f"SELECT day, {g_expr}, {bin_expr(value)}, COUNT(*) FROM segments WHERE day BETWEEN ? AND ? "
               f"AND {where} GROUP BY 1, 2, 3")
        for day, g, b, n in conn.execute(sql, (lo, hi)):
            hists.setdefault(day, {}).setdefault(g, {}).setdefault(name, {})[b] = n
    return hists


def _window_time(conn, parts: dict, col: str, lo: str, hi: str, now: float | None) -> None:
    end = 'COALESCE("end", ?)' if now is not None else '"end"'
    sql = (f"SELECT day, {col}, SUM(CASE WHEN state = 'open' THEN {end} - start END), "
           f"SUM(CASE WHEN state = 'paused' THEN {end} - start END) FROM window_time "
           f"WHERE day BETWEEN ? AND ? GROUP BY 1, 2")
    params = ((now, now) if now is not None else ()) + (lo, hi)
    for day, g, open_s, paused_s in conn.execute(sql, params):
        if day in parts and g in parts[day]:
            parts[day][g]["wt"] = (open_s or 0.0, paused_s or 0.0)


def day_spans(conn: sqlite3.Connection, lo: str, hi: str) -> dict[str, float]:
    """Seconds from a day's first queue entry to the last time someone left a queue."""
    rows = conn.execute("SELECT day, MAX(COALESCE(left_queue_at, entered_at)) - MIN(entered_at) FROM segments "
                        "WHERE day BETWEEN ? AND ? GROUP BY day", (lo, hi))
    return {d: max(s or 0.0, 1.0) for d, s in rows}


# --- merging --------------------------------------------------------------------------------------------

def merge_rows(rows: list[dict]) -> dict:
    out = dict(rows[0])
    for row in rows[1:]:
        for k, v in row.items():
            if v is None:
                continue
            if out[k] is None:
                out[k] = v
            elif k in MAX_COLUMNS:
                out[k] = max(out[k], v)
            else:
                out[k] += v
    return out


def merge_hists(hists: list[dict]) -> dict:
    out: dict = {}
    for hist in hists:
        for name, bins in hist.items():
            target = out.setdefault(name, {})
            for b, n in bins.items():
                target[b] = target.get(b, 0) + n
    return out


def percentile(bins: dict, p: int) -> float | None:
    n = sum(bins.values())
    if not n:
        return None
    rank, seen = -(-n * p // 100), 0
    for b in sorted(bins):
        seen += bins[b]
        if seen >= rank:
            return float(b)
    return None


def merge_wt(wts: list) -> tuple | None:
    present = [w for w in wts if w is not None]
    return (sum(w[0] for w in present), sum(w[1] for w in present)) if present else None
