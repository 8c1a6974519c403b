"""The city's daily and monthly report: every hall's report (the hall's own code, on its mirror) and
the city's total merged from the halls' groups, in the seed document's wording."""
from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date

from server.domain.commands import OUTCOMES
from server.stats.figures import Query, compute, merge
from server.stats.report import OUTCOME_NAMES, build_report

from .mirror import HallMirror

COMPARE_BY = ("department", "service")


def hall_part(conn: sqlite3.Connection, mirror: HallMirror, day_from: str, day_to: str, kind: str, now: float) -> dict:
    """On the mirror's thread: the hall's report and its per-day groups (for the city's merge)."""
    today = mirror.settle_key(now)
    report = build_report(conn, mirror.hall, day_from, day_to, kind, mirror.cache, today)
    days = compute(conn, Query(mirror.hall, day_from, day_to, "day", percentiles=False), mirror.cache, today)["groups"]
    return {"hall_id": mirror.hall_id, "name": mirror.hall.center.name.to_dict(), "report": report, "days": days}


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _pct(fig: dict | None) -> float | None:
    return None if not fig or fig["value"] is None else round(fig["value"] * 100, 1)


def city_report(parts: list[dict], day_from: str, day_to: str, kind: str, city_name: dict,
                registered: int | None = None) -> dict:
    """`registered`: halls the city knows (some may not have sent anything yet)."""
    all_days = [g for p in parts for g in p["days"]]
    total = merge(all_days) if all_days else None
    working_days = len({g["key"] for g in all_days if g["counts"]["served"] > 0})
    served = total["counts"]["served"] if total else 0
    departments: dict[str, int] = {}
    for p in parts:
        for d in p["report"]["departments"]:
            departments[d["code"]] = departments.get(d["code"], 0) + d["accepted"]
    figures = {
        "kind": kind, "from": day_from, "to": day_to, "halls": max(registered or 0, len(parts)),
        "halls_open": sum(1 for p in parts if p["report"]["working_days"] > 0),
        "working_days": working_days, "accepted": served, "issued": total["counts"]["issued"] if total else 0,
        "outcomes": {o: total["outcomes"][o]["numerator"] if total else 0 for o in OUTCOMES},
        "immediate_share_pct": _pct(total["outcomes"]["immediate"]) if total else None,
        "per_day": round(served / working_days, 1) if working_days else 0,
        "satisfaction_pct": _pct(total["satisfaction_rate"]) if total else None,
        "ratings": total["counts"]["rated"] if total else 0,
        "service_level_pct": _pct(total["service_level"]) if total else None,
        "mean_wait_min": _minutes(total["wait_served"]["mean_s"]) if total else None,
        "departments": [{"code": c, "accepted": n} for c, n in sorted(departments.items())],
    }
    figures["text"] = {lang: city_text(figures, city_name[lang], lang) for lang in OUTCOME_NAMES}
    figures["by_hall"] = [{"hall_id": p["hall_id"], "name": p["name"], **{k: p["report"][k] for k in (
        "working_days", "accepted", "issued", "outcomes", "per_day", "satisfaction_pct", "service_level_pct",
        "mean_wait_min", "text")}} for p in parts]
    return figures


def city_text(r: dict, name: str, lang: str) -> str:
    names = OUTCOME_NAMES[lang]
    end = date.fromisoformat(r["to"])
    sat = "—" if r["satisfaction_pct"] is None else f"{r['satisfaction_pct']}%"
    share = "—" if r["immediate_share_pct"] is None else f"{r['immediate_share_pct']}%"
    if lang == "en":
        parts = [f"{r['outcomes'][o]} {names[o]}" for o in OUTCOMES if r["outcomes"][o]]
        return (f"{name}, {r['from']} to {r['to']}: {r['halls_open']} of {r['halls']} centers open on "
                f"{r['working_days']} working days accepted {r['accepted']} cases of all kinds "
                f"({', '.join(parts) or 'none'}; immediate share {share}), {r['per_day']} a day on average; "
                f"satisfaction rate {sat} of {r['ratings']} ratings.")
    body = "，".join(f"{names[o]}{r['outcomes'][o]}件" for o in OUTCOMES if r["outcomes"][o]) or (
        "無" if lang == "zh-Hant" else "无")
    if lang == "zh-Hant":
        return (f"{name}：截止{end.month}月{end.day}日（{r['from']} 至 {r['to']}），全市{r['halls']}個中心（分中心）中"
                f"{r['halls_open']}個對外服務，共{r['working_days']}個工作日，共受理各類事項{r['accepted']}件，其中{body}，"
                f"即辦件比重為{share}，平均每天受理{r['per_day']}件，收回評價{r['ratings']}份，滿意率{sat}。")
    return (f"{name}：截止{end.month}月{end.day}日（{r['from']} 至 {r['to']}），全市{r['halls']}个中心（分中心）中"
            f"{r['halls_open']}个对外服务，共{r['working_days']}个工作日，共受理各类事项{r['accepted']}件，其中{body}，"
            f"即办件比重为{share}，平均每天受理{r['per_day']}件，收回评价{r['ratings']}份，满意率{sat}。")


def report_csv(r: dict) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["hall_id", "from", "to", "working_days", "accepted", "issued", *OUTCOMES, "per_day",
                "satisfaction_pct", "service_level_pct", "mean_wait_min"])
    for h in r["by_hall"]:
        w.writerow([h["hall_id"], r["from"], r["to"], h["working_days"], h["accepted"], h["issued"],
                    *(h["outcomes"][o] for o in OUTCOMES), h["per_day"], h["satisfaction_pct"],
                    h["service_level_pct"], h["mean_wait_min"]])
    w.writerow(["(city)", r["from"], r["to"], r["working_days"], r["accepted"], r["issued"],
                *(r["outcomes"][o] for o in OUTCOMES), r["per_day"], r["satisfaction_pct"], r["service_level_pct"],
                r["mean_wait_min"]])
    return out.getvalue()


def compare_rows(conn: sqlite3.Connection, mirror: HallMirror, day_from: str, day_to: str, by: str,
                 now: float) -> list[dict]:
    """On the mirror's thread: one row per department or service of this hall."""
    result = mirror.figures(conn, day_from, day_to, by, now, percentiles=False)
    names = {s.code: s.name.to_dict() for s in mirror.hall.services} if by == "service" else {
        d.code: d.name.to_dict() for d in mirror.hall.departments}
    return [{"hall_id": mirror.hall_id, "key": g["key"], "name": names.get(g["key"]),
             "issued": g["counts"]["issued"], "served": g["counts"]["served"],
             "mean_wait_served_s": g["wait_served"]["mean_s"], "service_level": g["service_level"]["value"],
             "satisfaction_rate": g["satisfaction_rate"]["value"], "no_show_rate": g["no_show_rate"]["value"],
             "mean_handling_s": g["handling"]["mean_s"]} for g in result["groups"]]


COMPARE_COLUMNS = ("hall_id", "key", "issued", "served", "mean_wait_served_s", "service_level", "satisfaction_rate",
                   "no_show_rate", "mean_handling_s")


def compare_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COMPARE_COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in COMPARE_COLUMNS])
    return out.getvalue()
