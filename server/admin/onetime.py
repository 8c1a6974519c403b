"""The one-time notice (一次性告知單) of a visit finished as "supplement": the materials the clerk
ticked as missing, with the service's guide (all materials, steps, time limit, fees, legal basis,
consulting phone) and the signature lines Chinese halls use. It can be fetched again at any time
from the ticket (a reprint), in the ticket's language or another.

`notice_document` is pure (the hall, the ticket, the finish event in; the document out); the
endpoint reads the event from the store.
"""
from __future__ import annotations

from aiohttp import web

from .. import appkeys as K
from ..actions.body import json_response
from ..api.endpoints import Endpoint
from ..api.fields import Field
from ..domain.calendar import iso_local
from ..domain.errors import DomainError
from ..domain.hall import LANGS, HallConfig, Names
from .store import finish_of_ticket

STAFF = ("clerk", "guide", "manager")

LABELS = {  # key: (zh-Hans, zh-Hant, en)
    "title": ("一次性告知单", "一次性告知單", "One-time notice of missing materials"),
    "number": ("编号", "編號", "No."), "ticket": ("号票", "號票", "Ticket"), "service": ("事项", "事項", "Service"),
    "department": ("部门", "部門", "Department"), "window": ("窗口", "窗口", "Window"),
    "clerk": ("经办人", "經辦人", "Clerk"), "date": ("日期", "日期", "Date"),
    "missing": ("您还需补齐以下材料：", "您還需補齊以下材料：", "Please bring the following:"),
    "materials": ("办理本事项所需全部材料：", "辦理本事項所需全部材料：", "Everything this service needs:"),
    "steps": ("办理流程：", "辦理流程：", "Steps:"),
    "time_limit": ("承诺时限：{n} 个工作日", "承諾時限：{n} 個工作日", "Time limit: {n} working days"),
    "fees": ("收费：", "收費：", "Fees: "), "legal_basis": ("办理依据：", "辦理依據：", "Legal basis: "),
    "consult": ("咨询电话：", "諮詢電話：", "Questions: "),
    "promise": ("材料补齐后，可到任一办理窗口直接办理，无需重新说明。",
                "材料補齊後，可到任一辦理窗口直接辦理，無需重新說明。",
                "With these documents, any window serving it will finish your case; no need to explain again."),
    "sign_clerk": ("经办人（签名）：____________　日期：__________", "經辦人（簽名）：____________　日期：__________",
                   "Clerk (signature): ____________  Date: __________"),
    "sign_citizen": ("申请人（签收）：____________　日期：__________", "申請人（簽收）：____________　日期：__________",
                     "Applicant (received): ____________  Date: __________"),
}


def label(key: str, lang: str) -> str:
    return LABELS[key][LANGS.index(lang)]


def _text(names: Names | None, lang: str) -> str:
    return names.get(lang) if names is not None else ""


def notice_document(hall: HallConfig, ticket: dict, finish: dict, lang: str, clerk_name: str) -> dict:
    """The notice as data and as printable lines (a browser or a receipt printer prints `lines`)."""
    service = hall.service(ticket["queue_service"]) or hall.service(ticket["service"])
    guide = service.guide if service is not None else None
    department = hall.department(service.department) if service is not None else None
    at = (iso_local(finish["at"], hall.center.timezone) or "")[:16].replace("T", " ")
    doc = {
        "notice_no": f"{ticket['day'].replace('-', '')}-{ticket['label']}", "lang": lang,
        "title": label("title", lang), "center": hall.center.name.get(lang),
        "department": _text(department.name if department else None, lang),
        "service": _text(service.name if service else None, lang), "ticket": ticket["label"],
        "window": finish.get("window"), "clerk": {"number": finish.get("staff"), "name": clerk_name}, "at": at,
        "missing": list(finish.get("materials") or []),
        "guide": {"materials": [m.get(lang) for m in guide.materials] if guide else [],
                  "steps": [s.get(lang) for s in guide.steps] if guide else [],
                  "time_limit_days": guide.time_limit_days if guide else None,
                  "fees": _text(guide.fees if guide else None, lang),
                  "legal_basis": _text(guide.legal_basis if guide else None, lang),
                  "consult_phone": guide.consult_phone if guide else ""},
        "signatures": [label("sign_clerk", lang), label("sign_citizen", lang)],
    }
    doc["lines"] = _lines(doc, lang)
    return doc


def _lines(doc: dict, lang: str) -> list[str]:
    g = doc["guide"]
    lines = [doc["center"], doc["title"], f"{label('number', lang)}: {doc['notice_no']}",
             f"{label('ticket', lang)}: {doc['ticket']}  {label('window', lang)}: {doc['window']}  "
             f"{label('date', lang)}: {doc['at']}",
             f"{label('service', lang)}: {doc['service']}  {label('department', lang)}: {doc['department']}",
             "", label("missing", lang)]
    lines += [f"  {i}. {item}" for i, item in enumerate(doc["missing"], 1)]
    if g["materials"]:
        lines += ["", label("materials", lang)] + [f"  - {m}" for m in g["materials"]]
    if g["steps"]:
        lines += ["", label("steps", lang)] + [f"  {i}. {s}" for i, s in enumerate(g["steps"], 1)]
    lines.append("")
    if g["time_limit_days"]:
        lines.append(label("time_limit", lang).format(n=g["time_limit_days"]))
    lines += [label(key, lang) + g[field] for key, field in (("fees", "fees"), ("legal_basis", "legal_basis"),
                                                              ("consult", "consult_phone")) if g[field]]
    lines += [label("promise", lang), "", f"{label('clerk', lang)}: {doc['clerk']['number']} {doc['clerk']['name']}",
              "", *doc["signatures"]]
    return lines


ONE_TIME_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/tickets/{ticket_id}/one-time-notice", "getOneTimeNotice",
             "The one-time notice of a visit finished for missing materials, to print or reprint", STAFF,
             special="one_time_notice", tag="queue", errors=("unknown_ticket", "no_one_time_notice"),
             query={"lang": Field("string", doc="zh-Hans, zh-Hant or en (default: the ticket's).", enum=LANGS)}),
)


async def get_notice(request: web.Request) -> web.Response:
    service = request.app[K.SERVICE]
    raw = request.match_info["ticket_id"]
    ticket = await service.ticket(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    if ticket is None:
        raise DomainError("unknown_ticket", f"there is no ticket {raw[:20]!r}")
    lang = request.query.get("lang") or ticket.get("lang") or service.hall.center.default_lang
    if lang not in LANGS:
        raise DomainError("invalid_argument", f"lang must be one of {', '.join(LANGS)}", field="lang")
    finish = await service.reader.run(finish_of_ticket, ticket["id"])
    if finish is None or finish.get("outcome") != "supplement":
        raise DomainError("no_one_time_notice", f"ticket {ticket['label']} was not finished for missing materials")
    clerk = service.hall.staff_member(finish.get("staff") or "")
    return json_response(notice_document(service.hall, ticket, finish, lang, clerk.name if clerk else ""))


ONE_TIME_HANDLERS = {"one_time_notice": get_notice}
