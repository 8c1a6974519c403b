"""Print jobs for kiosk printers: the ticket layout in the ticket's language (docs/protocol.md §5)."""
from __future__ import annotations

import json
import secrets

from .domain.calendar import local_time
from .domain.hall import HallConfig, Names
from .domain.model import Ticket

HINT = Names("请留意屏幕显示和语音叫号", "請留意螢幕顯示及語音叫號", "Please watch the screens and listen for your number")
GREEN = Names("绿色通道", "綠色通道", "Green channel")


def ticket_layout(hall: HallConfig, ticket: Ticket, ahead: int, estimate: dict, tracking_url: str) -> dict:
    lang = ticket.lang
    service = hall.service(ticket.service)
    department = hall.department(service.department)
    return {
        "center": hall.center.name.get(lang), "department": department.name.get(lang) if department else "",
        "service": service.name.get(lang), "label": ticket.label, "ahead": ahead,
        "estimate": {"low_min": estimate["low_min"], "high_min": estimate["high_min"]},
        "hint": HINT.get(lang), "missed_rule": hall.center.missed_rule.get(lang),
        "issued_at": local_time(ticket.issued_at, hall.center.timezone).strftime("%Y-%m-%d %H:%M"),
        "tracking_url": tracking_url, "lang": lang, "channel": ticket.channel,
        "channel_label": GREEN.get(lang) if ticket.channel == "green" else "",
    }


def new_job(device: str, ticket_id: int, payload: dict, now: float, reprint: bool = False) -> tuple[dict, tuple]:
    """The job message and the statement that stores it."""
    job_id = "pj-" + secrets.token_hex(8)
    message = {"type": "print_job", "job_id": job_id, "ticket_id": ticket_id, "reprint": reprint, "payload": payload}
    statement = ("INSERT INTO print_jobs (job_id, device, ticket_id, payload, status, error, reprint, created_at) "
                 "VALUES (?, ?, ?, ?, 'pending', NULL, ?, ?)",
                 (job_id, device, ticket_id, json.dumps(payload, ensure_ascii=False), int(reprint), now))
    return message, statement


# --- the life of a job (docs/printing.md "Jobs that could not print") ------------------------------
# A job waits (`pending`) until its agent acknowledges it. A job that failed because the printer had
# a fault is printed when the fault clears, and a pending job when the agent comes back, but only
# while younger than `print_job_max_age_s`: older ones become `expired` and wait for a reprint at
# the guide desk or the kiosk (the citizen has the on-screen ticket and may be long gone).

PRINTER_FAULTS = ("paper_out", "cover_open", "offline", "error")
_WAITING = ("(status = 'pending' OR (status = 'failed' AND error IN ("
            + ", ".join(f"'{fault}'" for fault in PRINTER_FAULTS) + ")))")


def jobs_waiting(conn, device: str, since: float) -> list:
    """Jobs of `device` created at or after `since` that still wait for the printer, oldest first."""
    return conn.execute(
        "SELECT job_id, ticket_id, payload, reprint FROM print_jobs "
        f"WHERE device = ? AND created_at >= ? AND {_WAITING} ORDER BY created_at", (device, since)).fetchall()


def requeue_statements(device: str, since: float, now: float, job_ids: list[str]) -> list[tuple]:
    """Expire the waiting jobs older than `since`; put the younger ones back to `pending`."""
    statements = [(f"UPDATE print_jobs SET status = 'expired', acked_at = ? WHERE device = ? AND created_at < ? "
                   f"AND {_WAITING}", (now, device, since))]
    statements += [("UPDATE print_jobs SET status = 'pending', error = NULL WHERE job_id = ? AND device = ?",
                    (job_id, device)) for job_id in job_ids]
    return statements


def job_message(row) -> dict:
    return {"type": "print_job", "job_id": row["job_id"], "ticket_id": row["ticket_id"],
            "reprint": bool(row["reprint"]), "payload": json.loads(row["payload"])}


async def jobs_to_resend(service, device: str, max_age_s: float) -> list[dict]:
    """The print jobs to send now that `device`'s printer can print, after the age rule is applied."""
    now = service.clock.now()
    since = now - max_age_s
    rows = await service.reader.run(jobs_waiting, device, since)
    await service.write_only(requeue_statements(device, since, now, [r["job_id"] for r in rows]))
    return [job_message(row) for row in rows]
