"""CSV exports: visits (one row per queue segment, with the ticket number), the projection tables,
ratings, the configuration tables, and any statistics table flattened. UTF-8 with a BOM so a
spreadsheet opens the Chinese text correctly."""
from __future__ import annotations

import io
import sqlite3

from ..csvsafe import SafeWriter
from ..domain.hall import HallConfig
from .figures import GROUPS, Query, compute
from .fold import SEGMENT_COLUMNS, WINDOW_COLUMNS

BAD = "('dissatisfied', 'very_dissatisfied')"
_RANGED_SQL = {
    "visits": ("SELECT t.label, s.ticket_id, s.segment, s.day, s.service, s.channel, s.appointment, "
               "datetime(s.entered_at, 'unixepoch') AS entered_utc, s.window, s.staff, s.end_kind, s.outcome, "
               "s.wait_s, s.walking_s, s.handling_s, s.suspended_s, s.recalls, s.callbacks, s.transfers, "
               "s.walked_out, s.rating FROM segments s LEFT JOIN tickets t ON t.id = s.ticket_id "
               "WHERE s.day BETWEEN ? AND ? ORDER BY s.entered_at, s.ticket_id, s.segment"),
    "segments": (f"SELECT {', '.join(SEGMENT_COLUMNS)} FROM segments "
                 "WHERE day BETWEEN ? AND ? ORDER BY ticket_id, segment"),
    "window_time": (f"SELECT {', '.join(WINDOW_COLUMNS)} FROM window_time "
                    "WHERE day BETWEEN ? AND ? ORDER BY day, window, start"),
    "ratings": ("SELECT s.day, t.label, s.ticket_id, s.segment, s.service, s.window, s.staff, s.rating, "
                "s.rating_reason, datetime(s.rated_at, 'unixepoch') AS rated_utc "
                "FROM segments s LEFT JOIN tickets t ON t.id = s.ticket_id "
                "WHERE s.day BETWEEN ? AND ? AND s.rated = 1 ORDER BY s.rated_at"),
    "bad_ratings": ("SELECT s.day, t.label, s.ticket_id, s.segment, s.service, s.window, s.staff, s.rating, "
                    "s.rating_reason, datetime(s.rated_at, 'unixepoch') AS rated_utc FROM segments s "
                    f"LEFT JOIN tickets t ON t.id = s.ticket_id WHERE s.rating IN {BAD} AND s.day BETWEEN ? AND ? "
                    "ORDER BY s.rated_at"),
}
CONFIG_TABLES = ("services", "windows", "departments", "staff")
TABLES = tuple(_RANGED_SQL) + CONFIG_TABLES + tuple(f"stats_{g}" for g in GROUPS)


def to_csv(header: list[str], rows) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = SafeWriter(out, lineterminator="\r\n")  # typed text never runs as a formula
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def ranged_table(conn: sqlite3.Connection, table: str, day_from: str, day_to: str) -> str:
    cur = conn.execute(_RANGED_SQL[table], (day_from, day_to))
    return to_csv([d[0] for d in cur.description], cur)


def config_table(hall: HallConfig, table: str) -> str:
    if table == "services":
        return to_csv(["code", "prefix", "department", "name_zh_hant", "name_zh_hans", "name_en", "target_wait_min",
                       "warning_wait_min", "action_wait_min", "daily_cap"],
                      [[s.code, s.prefix, s.department, s.name.zh_hant, s.name.zh_hans, s.name.en, s.target_wait_min,
                        s.warning_wait_min, s.action_wait_min, s.daily_cap] for s in hall.services])
    if table == "windows":
        return to_csv(["number", "kind", "department", "zone", "services"],
                      [[w.number, w.kind, w.department, w.zone, " ".join(w.services)] for w in hall.windows])
    if table == "departments":
        return to_csv(["code", "name_zh_hant", "name_zh_hans", "name_en"],
                      [[d.code, d.name.zh_hant, d.name.zh_hans, d.name.en] for d in hall.departments])
    return to_csv(["number", "name", "role", "windows"],  # never the PIN hash
                  [[s.number, s.name, s.role, " ".join(map(str, s.windows))] for s in hall.staff])


def flat_figures(group: dict) -> dict:
    """One statistics group as flat columns: rate_value/_num/_den, time_mean_s/_p50_s/_p90_s/_n."""
    flat: dict = {}
    for name, value in group.items():
        if isinstance(value, dict) and name in ("counts", "ratings"):
            flat.update({f"{name}_{k}" if name == "ratings" else k: v for k, v in value.items()})
        elif isinstance(value, dict) and name == "outcomes":
            flat.update({f"outcome_{k}": v["numerator"] for k, v in value.items()})
        elif isinstance(value, dict) and "numerator" in value:
            flat.update({f"{name}": value["value"], f"{name}_num": value["numerator"],
                         f"{name}_den": value["denominator"]})
        elif isinstance(value, dict):
            flat.update({f"{name}_{k}": v for k, v in value.items()})
        else:
            flat[name] = value
    return flat


def stats_table(conn: sqlite3.Connection, hall: HallConfig, group_by: str, day_from: str, day_to: str) -> str:
    groups = [flat_figures(g) for g in compute(conn, Query(hall, day_from, day_to, group_by))["groups"]]
    header = list(groups[0]) if groups else ["key"]
    return to_csv(header, [[g.get(h) for h in header] for g in groups])


def export(conn: sqlite3.Connection, hall: HallConfig, table: str, day_from: str, day_to: str) -> str:
    if table in _RANGED_SQL:
        return ranged_table(conn, table, day_from, day_to)
    if table in CONFIG_TABLES:
        return config_table(hall, table)
    return stats_table(conn, hall, table.removeprefix("stats_"), day_from, day_to)
