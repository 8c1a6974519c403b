"""Print jobs for kiosk printers: the ticket layout in the ticket's language (docs/protocol.md §5)."""
from __future__ import annotations

import secrets

from .domain.calendar import local_time
from .domain.hall import HallConfig, Names
from .domain.model import Ticket
from .store.writes import PrintJob

HINT = Names("请留意屏幕显示和语音叫号", "請留意螢幕顯示及語音叫號",
             "Please watch the screens and listen for your number")
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


def new_job(device: str, ticket_id: int, payload: dict, now: float, reprint: bool = False) -> PrintJob:
    """A print job with a fresh id (the writer stores it; the hub sends its message once stored)."""
    return PrintJob("pj-" + secrets.token_hex(8), device, ticket_id, payload, now, reprint)
