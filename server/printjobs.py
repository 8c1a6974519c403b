"""Print jobs for kiosk printers: the ticket layout in the ticket's language (docs/protocol.md §5)."""
from __future__ import annotations

from .domain.calendar import iso_local
from .domain.hall import HallConfig, Names
from .domain.model import Ticket
from .security import RandomPool
from .store.writes import PRINTER_FAULTS, PrintJob, ResendPrintJobs

__all__ = ["PRINTER_FAULTS", "jobs_to_resend", "new_job", "ticket_layout"]

HINT = Names("请留意屏幕显示和语音叫号", "請留意螢幕顯示及語音叫號",
             "Please watch the screens and listen for your number")
GREEN = Names("绿色通道", "綠色通道", "Green channel")


def ticket_layout(hall: HallConfig, ticket: Ticket, ahead: int, estimate: dict, tracking_url: str) -> dict:
    lang = ticket.lang
    service = hall.service(ticket.service)  # None only if the service left the configuration since
    department = hall.department(service.department) if service else None
    return {
        "center": hall.center.name.get(lang), "department": department.name.get(lang) if department else "",
        "service": service.name.get(lang) if service else ticket.service, "label": ticket.label, "ahead": ahead,
        "estimate": {"low_min": estimate["low_min"], "high_min": estimate["high_min"]},
        # the paper says what the screen says: "no window open now" instead of a guess, and where to wait
        "open_windows": estimate.get("open_windows"),
        "windows": [w.number for w in hall.windows_serving(ticket.queue_service)],
        "hint": HINT.get(lang), "missed_rule": hall.center.missed_rule.get(lang),
        "issued_at": (iso_local(ticket.issued_at, hall.center.timezone) or "")[:16].replace("T", " "),
        "tracking_url": tracking_url, "lang": lang, "channel": ticket.channel,
        "channel_label": GREEN.get(lang) if ticket.channel == "green" else "",
    }


def new_job(device: str, ticket_id: int, payload: dict, now: float, pool: RandomPool,
            reprint: bool = False) -> PrintJob:
    """A print job with a fresh id (the writer stores it; the hub sends its message once stored).
    The id is the ticket id and 32 random bits from the service's pool, so a new job lands at the
    end of the jobs' index instead of on a random page of it."""
    return PrintJob(f"pj-{ticket_id:08x}{pool.hex(4)}", device, ticket_id, payload, now, reprint)


# --- the life of a job (docs/printing.md "Jobs that could not print") ------------------------------
# A job waits (`pending`) until its agent acknowledges it. A job that failed because the printer had
# a fault is printed when the fault clears, and a pending job when the agent comes back, but only
# while younger than `print_job_max_age_s`: older ones become `expired` and are printed only on
# request (at the kiosk or the guide desk): the citizen has the on-screen ticket and may be gone.

async def jobs_to_resend(service, device: str, max_age_s: float) -> list[dict]:
    """The print jobs to send now that `device`'s printer can print, after the age rule is applied."""
    now = service.clock.now()
    [messages] = await service.write_only([ResendPrintJobs(device, now - max_age_s, now)])
    return messages
