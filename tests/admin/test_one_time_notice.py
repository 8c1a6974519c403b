"""The one-time notice (一次性告知單): the materials the clerk ticked at the 補辦 finish, with the
service's guide, consulting phone, legal basis and signature lines; fetched again later (reprint)."""
from __future__ import annotations

from tests.admin.test_admin_api import current, entry, manager, put_entry


async def finish_for_missing_materials(hall) -> tuple[int, str]:
    status, issued = await hall.issue("business_setup", lang="en")
    assert status == 200
    clerk = await hall.sign_in(3)
    status, called = await hall.post("/api/windows/3/call-next", clerk)
    ticket = called["ticket"]["id"]
    assert (await hall.post(f"/api/tickets/{ticket}/start", clerk))[0] == 200
    status, body = await hall.post(f"/api/tickets/{ticket}/finish", clerk, {
        "outcome": "supplement", "materials": ["Articles of association signed by all shareholders"]})
    assert status == 200, body
    return ticket, clerk


async def test_the_notice_lists_the_missing_items_with_the_guide_and_signature_lines(hall):
    token = await manager(hall)
    version, doc = await current(hall, token)
    service = entry(doc, "services", "code", "business_setup")
    service["guide"]["legal_basis"] = {"zh-Hans": "《市场主体登记管理条例》", "zh-Hant": "《市場主體登記管理條例》",
                                       "en": "Regulation on the Registration of Market Entities"}
    service["guide"]["consult_phone"] = "0571-12345"
    assert (await put_entry(hall, token, version, "services", "business_setup", service))[0] == 200
    ticket, clerk = await finish_for_missing_materials(hall)
    status, notice = await hall.get(f"/api/tickets/{ticket}/one-time-notice", clerk)
    assert status == 200, notice
    assert notice["lang"] == "en" and notice["notice_no"] == "20261125-A001"
    assert notice["missing"] == ["Articles of association signed by all shareholders"]
    assert notice["guide"]["legal_basis"] == "Regulation on the Registration of Market Entities"
    assert "Questions: 0571-12345" in notice["lines"]
    assert notice["lines"][-2:] == notice["signatures"] and "Applicant (received)" in notice["signatures"][1]
    status, again = await hall.get(f"/api/tickets/{ticket}/one-time-notice?lang=zh-Hant", token)  # a reprint
    assert status == 200 and again["title"] == "一次性告知單"
    assert again["guide"]["legal_basis"] == "《市場主體登記管理條例》"
    assert any(line.startswith("申請人（簽收）") for line in again["lines"])


async def test_no_notice_for_other_outcomes_unknown_tickets_wrong_roles_or_languages(hall):
    ticket, clerk = await finish_for_missing_materials(hall)
    status, other = await hall.issue("business_setup")
    for path, token, code in ((f"/api/tickets/{other['ticket']['id']}/one-time-notice", clerk, "no_one_time_notice"),
                              ("/api/tickets/999/one-time-notice", clerk, "unknown_ticket"),
                              ("/api/tickets/²/one-time-notice", clerk, "unknown_ticket"),
                              (f"/api/tickets/{ticket}/one-time-notice?lang=fr", clerk, "invalid_argument"),
                              (f"/api/tickets/{ticket}/one-time-notice", hall.device_token("kiosk-1"), "forbidden"),
                              (f"/api/tickets/{ticket}/one-time-notice", None, "unauthorized")):
        status, body = await hall.get(path, token)
        assert body["error"]["code"] == code, (path, body)
