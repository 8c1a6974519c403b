"""The daily and monthly reports a center sends upward, in the seed document's form:
「截止…，中心對外服務 N 個工作日，共受理各類事項 N 件，其中即辦件 …，平均每天受理 …，滿意率 …」.

`build_report` returns the figures and the text in zh-Hant, zh-Hans and en; `main(argv)` is
`hallq report --from --to [--db] [--lang] [--format text|json|csv]`.
"""
from __future__ import annotations

import argparse
import calendar
import io
import json
import sqlite3
import sys
import time
from datetime import date

from ..domain.commands import OUTCOMES, RATING_LEVELS
from ..csvsafe import SafeWriter
from ..domain.hall import HallConfig
from ..domain.calendar import business_day
from .figures import Query, compute, merge
from .store import PartialCache, read_all

OUTCOME_NAMES = {
    "zh-Hant": {"immediate": "即辦件", "promised": "承諾件", "joint": "聯辦件", "reply": "答復件", "supplement": "補辦件"},
    "zh-Hans": {"immediate": "即办件", "promised": "承诺件", "joint": "联办件", "reply": "答复件", "supplement": "补办件"},
    "en": {"immediate": "immediate", "promised": "promised", "joint": "joint", "reply": "reply",
           "supplement": "supplement"},
}


def month_range(month: str) -> tuple[str, str]:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year:04d}-{mon:02d}-01", f"{year:04d}-{mon:02d}-{calendar.monthrange(year, mon)[1]:02d}"


def _pct(fig: dict) -> float | None:
    return None if fig["value"] is None else round(fig["value"] * 100, 1)


def report_figures(conn: sqlite3.Connection, hall: HallConfig, day_from: str, day_to: str,
                   cache: dict | None = None, today: str | None = None) -> dict:
    """The report's figures: the range's total, its days and its departments (no percentiles)."""
    def groups(group_by: str) -> list[dict]:
        return compute(conn, Query(hall, day_from, day_to, group_by, percentiles=False), cache, today)["groups"]
    totals = groups("day")
    total = merge(totals) if totals else None
    by_department = {g["key"]: g["counts"]["served"] for g in groups("department")}
    # every department of the hall is listed, a quiet one with 0 (a report that omits it reads as an error)
    departments = [{"code": d.code, "accepted": by_department.pop(d.code, 0)} for d in hall.departments]
    departments += [{"code": code, "accepted": n} for code, n in by_department.items() if n]
    working_days = sum(1 for g in totals if g["counts"]["served"] > 0)
    served = total["counts"]["served"] if total else 0
    return {
        "from": day_from, "to": day_to, "working_days": working_days, "accepted": served,
        "issued": total["counts"]["issued"] if total else 0,
        "outcomes": {o: total["outcomes"][o]["numerator"] if total else 0 for o in OUTCOMES},
        "immediate_share_pct": _pct(total["outcomes"]["immediate"]) if total else None,
        "per_day": round(served / working_days, 1) if working_days else 0,
        "satisfaction_pct": _pct(total["satisfaction_rate"]) if total else None,
        "ratings": total["counts"]["rated"] if total else 0,
        "mean_wait_min": _minutes(total["wait_served"]["mean_s"]) if total else None,
        "service_level_pct": _pct(total["service_level"]) if total else None,
        "departments": departments,
        "through": min(day_to, today) if today else day_to,  # the last day the figures cover so far
        "ratings_by_level": dict(total["ratings"]) if total else {lv: 0 for lv in RATING_LEVELS},
        "bad_rate_pct": _pct(total["bad_review_rate"]) if total else None,
        "windows": [_row(g, "window") | _window_row(hall, g["key"]) for g in groups("window") if g["key"] is not None],
        "clerks": [_row(g, "clerk") | _clerk_row(hall, g["key"]) for g in groups("clerk") if g["key"] is not None],
    }


def _row(g: dict, group_by: str) -> dict:
    """One line of the per-window or per-clerk table: visits, outcomes, waits, handling, ratings."""
    return {group_by: g["key"], "accepted": g["counts"]["served"], "no_shows": g["counts"]["no_shows"],
            "outcomes": {o: g["outcomes"][o]["numerator"] for o in OUTCOMES},
            "mean_wait_min": _minutes(g["wait_served"]["mean_s"]),
            "mean_handling_min": _minutes(g["handling"]["mean_s"]),
            "rated": g["counts"]["rated"], "ratings": dict(g["ratings"]),
            "satisfaction_pct": _pct(g["satisfaction_rate"]), "bad_rate_pct": _pct(g["bad_review_rate"])}


def _window_row(hall: HallConfig, key) -> dict:
    window = hall.window(int(key)) if str(key).isdigit() else None
    return {"name": window.name.to_dict() if window else None}


def _clerk_row(hall: HallConfig, key) -> dict:
    staff = hall.staff_member(str(key))
    return {"staff_name": staff.name if staff else ""}


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def report_text(r: dict, hall: HallConfig, lang: str) -> str:
    names = OUTCOME_NAMES[lang]
    end = date.fromisoformat(r.get("through") or r["to"])
    center = hall.center.name.get(lang)
    parts = [f"{names[o]}{r['outcomes'][o]}" for o in OUTCOMES if r["outcomes"][o]]
    sat = "—" if r["satisfaction_pct"] is None else f"{r['satisfaction_pct']}%"
    share = "—" if r["immediate_share_pct"] is None else f"{r['immediate_share_pct']}%"
    if lang == "en":
        parts = [f"{r['outcomes'][o]} {names[o]}" for o in OUTCOMES if r["outcomes"][o]]
        return (f"{center}, {r['from']} to {r['to']}: open {r['working_days']} working days, accepted "
                f"{r['accepted']} cases of all kinds ({', '.join(parts) or 'none'}; immediate share {share}), "
                f"{r['per_day']} a day on average; satisfaction rate {sat} of {r['ratings']} ratings.")
    body = "，".join(p + "件" for p in parts) or ("無" if lang == "zh-Hant" else "无")
    if lang == "zh-Hant":
        return (f"{center}：截止{end.month}月{end.day}日（{r['from']} 至 {r['to']}），中心對外服務{r['working_days']}個工作日，"
                f"共受理各類事項{r['accepted']}件，其中{body}，即辦件比重為{share}，平均每天受理{r['per_day']}件，"
                f"收回評價{r['ratings']}份，滿意率{sat}。")
    return (f"{center}：截止{end.month}月{end.day}日（{r['from']} 至 {r['to']}），中心对外服务{r['working_days']}个工作日，"
            f"共受理各类事项{r['accepted']}件，其中{body}，即办件比重为{share}，平均每天受理{r['per_day']}件，"
            f"收回评价{r['ratings']}份，满意率{sat}。")


def build_report(conn: sqlite3.Connection, hall: HallConfig, day_from: str, day_to: str, kind: str = "range",
                 cache: dict | None = None, today: str | None = None) -> dict:
    figures = report_figures(conn, hall, day_from, day_to, cache, today)
    return {"kind": kind, **figures, "text": {lang: report_text(figures, hall, lang) for lang in OUTCOME_NAMES}}


def report_csv(report: dict) -> str:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["from", "to", "working_days", "accepted", *OUTCOMES, "per_day", "satisfaction_pct"])
    writer.writerow([report["from"], report["to"], report["working_days"], report["accepted"],
                     *(report["outcomes"][o] for o in OUTCOMES), report["per_day"], report["satisfaction_pct"]])
    return out.getvalue()


# --- command line -----------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="hallq report", description="Report on a range of business days.")
    ap.add_argument("--from", dest="day_from", required=True, type=_day, help="first day, YYYY-MM-DD")
    ap.add_argument("--to", dest="day_to", required=True, type=_day, help="last day, YYYY-MM-DD")
    ap.add_argument("--db", help="SQLite file (default: the config's server.db_path)")
    ap.add_argument("--config", help="hall TOML (default: the demo hall)")
    ap.add_argument("--lang", default="zh-Hant", choices=tuple(OUTCOME_NAMES))
    ap.add_argument("--format", default="text", choices=("text", "json", "csv"))
    return ap.parse_args(argv)


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def load_settings(config_path: str | None):
    from ..config import load_config, load_demo
    return load_config(config_path) if config_path else load_demo()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(args.config)
    from ..store.connection import connect, open_database
    db_path = args.db or settings.server.db_path
    open_database(db_path).conn.close()  # migrate (and project) an older file first
    conn = connect(db_path)
    try:
        cache = PartialCache()  # the server's kept partials of closed days: a merge, not a scan
        cache.load(read_all(conn, args.day_from, args.day_to))
        center = settings.hall.center
        today = business_day(time.time(), center.timezone, center.day_boundary_min)
        report = build_report(conn, settings.hall, args.day_from, args.day_to, "range", cache, today)
    finally:
        conn.close()
    if args.format == "json":
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "csv":
        sys.stdout.write(report_csv(report))
    else:
        sys.stdout.write(report["text"][args.lang] + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
