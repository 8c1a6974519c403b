"""CSV of supervision cases and of the appraisal (UTF-8 with BOM, for spreadsheets).

Any text cell a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe: a citizen's reason or a clerk's note is shown, never run.
Numbers stay numbers. Contacts are masked before they get here.
"""

from __future__ import annotations

import csv
import io

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CASE_COLUMNS = (
    "id",
    "kind",
    "status",
    "light",
    "department",
    "window",
    "staff",
    "service",
    "label",
    "ticket_day",
    "opened_day",
    "due_day",
    "first_due_day",
    "level",
    "reason",
    "case_number",
    "promised_days",
    "extensions",
    "rectified_day",
    "contact",
    "callback_result",
    "appeal_decision",
    "finished_day",
)
APPRAISAL_COLUMNS = (
    "visits",
    "service_level",
    "ratings",
    "satisfaction_rate",
    "bad_review_rate",
    "bad_reviews",
    "rectification_rate",
    "on_time_rectification_rate",
    "promised_due",
    "promised_on_time_rate",
    "signed_in_s",
    "expected_s",
    "attendance",
    "late_signins",
    "pauses",
    "score",
)


def neutral(value) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _write(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutral(v) for v in row] for row in rows])
    return out.getvalue()


def cases_csv(cases: list[dict]) -> str:
    return _write(list(CASE_COLUMNS), [[c.get(k) for k in CASE_COLUMNS] for c in cases])


def _pauses(p: dict) -> str:
    return "; ".join(f"{reason or '-'}: {v['count']} × {round(v['seconds'] / 60)} min" for reason, v in p.items())


def appraisal_csv(result: dict) -> str:
    header = ["month", "kind", "id", "name", *APPRAISAL_COLUMNS, "candidate"]
    rows = []
    for kind, key, group, chosen in (
        ("window", "window", result["windows"], result["red_flag_windows"]),
        ("clerk", "staff", result["clerks"], result["service_stars"]),
    ):
        for r in group:
            values = [_pauses(r[c]) if c == "pauses" else r[c] for c in APPRAISAL_COLUMNS]
            badge = ("red_flag_window" if kind == "window" else "service_star") if r[key] in chosen else ""
            rows.append([result["month"], kind, r[key], r.get("name", ""), *values, badge])
    return _write(header, rows)
