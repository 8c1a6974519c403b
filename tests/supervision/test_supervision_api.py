"""Supervision over real HTTP: a bad rating opens one case, the loop runs with who/when, the
call-back number stays masked except for its handler, liaisons see only their department, and
bad input or a wrong role changes nothing."""

from __future__ import annotations

import csv
import io
import sqlite3

from tests.supervision.flows import act, cases, pad_of, rate, serve, staff_session

LIAISON_TAX, LIAISON_MARKET, MANAGER = "7001", "7002", "9001"


async def bad_case(hall, window=5, service="invoice", reason="等太久"):
    ticket = await serve(hall, window, service)
    status, body = await rate(hall, window, ticket, "very_dissatisfied", reason)
    assert status == 200, body
    manager = await staff_session(hall, MANAGER)
    found = [c for c in await cases(hall, manager) if c["ticket_id"] == ticket["id"]]
    assert len(found) == 1
    return ticket, found[0], manager


async def test_a_bad_rating_opens_one_case_for_the_serving_department(hall):
    ticket, case, manager = await bad_case(hall)
    assert case["kind"] == "bad_review" and case["status"] == "pending" and case["department"] == "tax"
    assert case["level"] == "very_dissatisfied" and case["reason"] == "等太久" and case["window"] == 5
    assert case["opened_day"] == "2026-11-25" and case["due_day"] == "2026-12-02"  # Wed + 5 working days
    # a retried rating (same request id) and a second rating change nothing
    good = await serve(hall, 5, "invoice", clerk=None)
    for _ in range(2):
        assert (await rate(hall, 5, good, "dissatisfied", request_id="r-1"))[0] == 200
    assert (await rate(hall, 5, good, "dissatisfied"))[1]["error"]["code"] == "already_rated"
    assert len([c for c in await cases(hall, manager) if c["ticket_id"] == good["id"]]) == 1
    # a good rating opens nothing
    fine = await serve(hall, 3, "business_setup")
    assert (await rate(hall, 3, fine, "satisfied"))[0] == 200
    assert [c for c in await cases(hall, manager) if c["ticket_id"] == fine["id"]] == []


async def test_comprehensive_window_case_goes_to_the_service_department(hall):
    _, case, _ = await bad_case(hall, window=1, service="business_setup")
    assert case["department"] == "market"


async def test_the_loop_records_who_and_when_and_closes(hall):
    ticket, case, manager = await bad_case(hall)
    liaison = await staff_session(hall, LIAISON_TAX)
    cid = case["id"]
    assert (await act(hall, liaison, cid, "verify"))[1]["status"] == "verifying"
    hall.clock.advance(3600)
    assert (await act(hall, liaison, cid, "rectify", finding="窗口人員解釋不清"))[0] == 200
    status, body = await act(hall, liaison, cid, "call_back", callback_result="satisfied")
    assert status == 409 and body["error"]["code"] == "invalid_case_transition"
    status, body = await act(hall, liaison, cid, "answer", rectification="業務培訓")
    assert status == 400 and body["error"]["details"]["field"] == "answer"
    assert (await act(hall, liaison, cid, "answer", rectification="業務培訓", answer="已致電說明"))[0] == 200
    status, body = await act(hall, liaison, cid, "call_back", callback_result="satisfied")
    assert status == 400 and "left no number" in body["error"]["message"]
    assert (await act(hall, liaison, cid, "call_back", callback_result="no_contact"))[1]["status"] == "closed"
    status, detail = await hall.get(f"/api/supervision/cases/{cid}", manager)
    assert [s["action"] for s in detail["steps"]] == ["verify", "rectify", "answer", "call_back"]
    assert {s["staff"] for s in detail["steps"]} == {LIAISON_TAX} and detail["handler"] == LIAISON_TAX
    assert detail["steps"][1]["fields"] == {"finding": "窗口人員解釋不清"}
    assert detail["case"]["rectified_day"] == "2026-11-25" and detail["case"]["finished_day"] == "2026-11-25"
    assert detail["allowed"] == []
    assert (await act(hall, manager, cid, "verify"))[1]["error"]["code"] == "invalid_case_transition"


async def test_appeal_is_decided_by_a_manager_only(hall):
    _, case, manager = await bad_case(hall)
    liaison = await staff_session(hall, LIAISON_TAX)
    assert (await act(hall, liaison, case["id"], "appeal", reason="評價器誤觸"))[0] == 200
    status, body = await act(hall, liaison, case["id"], "strike", reason="x")
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await act(hall, manager, case["id"], "strike", reason="錄像顯示誤觸")
    assert status == 200 and body["status"] == "struck"


async def test_liaison_sees_only_its_department(hall):
    _, tax_case, manager = await bad_case(hall)
    _, market_case, _ = await bad_case(hall, window=3, service="business_setup")
    market = await staff_session(hall, LIAISON_MARKET)
    seen = await cases(hall, market, "?department=tax")
    assert [c["id"] for c in seen] == [market_case["id"]]
    status, body = await hall.get(f"/api/supervision/cases/{tax_case['id']}", market)
    assert status == 404 and body["error"]["code"] == "unknown_case"
    status, body = await act(hall, market, tax_case["id"], "verify")
    assert status == 404
    status, rates = await hall.get("/api/supervision/rates", market)
    assert [d["department"] for d in rates["by_department"]] == ["market"]


async def test_callback_number_masked_except_for_its_handler(hall, db_path):
    ticket = await serve(hall, 5, "invoice")
    assert (await rate(hall, 5, ticket, "dissatisfied"))[0] == 200
    pad = pad_of(hall, 5)
    status, body = await hall.post(
        "/api/supervision/callback", pad, {"ticket_id": ticket["id"], "phone": "138-1234-5678", "consent": True}
    )
    assert status == 200 and body["contact"] == "138****5678"
    again = await hall.post(
        "/api/supervision/callback", pad, {"ticket_id": ticket["id"], "phone": "13800000000", "consent": True}
    )
    assert again[0] == 409 and again[1]["error"]["code"] == "callback_closed"
    manager = await staff_session(hall, MANAGER)
    liaison = await staff_session(hall, LIAISON_TAX)
    case = (await cases(hall, manager))[0]
    assert case["contact"] == "138****5678" and case["contact_given"] == 1
    assert (await act(hall, liaison, case["id"], "verify"))[0] == 200
    assert (await hall.get(f"/api/supervision/cases/{case['id']}", liaison))[1]["case"]["contact"] == "13812345678"
    assert (await hall.get(f"/api/supervision/cases/{case['id']}", manager))[1]["case"]["contact"] == "138****5678"
    async with hall.session.get(
        hall.url("/api/supervision/cases.csv"), headers={"Authorization": f"Bearer {manager}"}
    ) as resp:
        text = await resp.text()
    assert "138****5678" in text and "13812345678" not in text
    # closing starts the retention clock; the number is deleted once it has run out
    for action, fields in (
        ("rectify", {"finding": "f"}),
        ("answer", {"rectification": "r", "answer": "a"}),
        ("call_back", {"callback_result": "satisfied"}),
    ):
        assert (await act(hall, liaison, case["id"], action, **fields))[0] == 200
    from server.supervision.http import purge_contacts

    await purge_contacts(hall.app)
    assert _contacts(db_path) == 1
    hall.clock.advance(31 * 86400)
    await purge_contacts(hall.app)
    assert _contacts(db_path) == 0
    manager = await staff_session(hall, MANAGER)  # the old session has expired
    status, rates = await hall.get("/api/supervision/rates?month=2026-11", manager)
    assert rates["total"]["with_contact"] == 1 and rates["total"]["called_back"] == 1  # the fact stays


def _contacts(db_path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT COUNT(*) FROM sv_contacts").fetchone()[0]


async def test_callback_bad_input_and_late(hall):
    ticket = await serve(hall, 5, "invoice")
    pad = pad_of(hall, 5)
    late = await hall.post(
        "/api/supervision/callback", pad, {"ticket_id": ticket["id"], "phone": "13812345678", "consent": True}
    )
    assert late[1]["error"]["code"] == "callback_closed"  # no bad rating: nothing to call back about
    assert (await rate(hall, 5, ticket, "dissatisfied"))[0] == 200
    for body, field in (
        ({"ticket_id": ticket["id"], "phone": "12ab", "consent": True}, "phone"),
        ({"ticket_id": ticket["id"], "phone": "13812345678", "consent": False}, "consent"),
        ({"ticket_id": ticket["id"], "phone": "13812345678"}, "consent"),
    ):
        status, answer = await hall.post("/api/supervision/callback", pad, body)
        assert status == 400 and answer["error"]["details"]["field"] == field
    status, answer = await hall.post(
        "/api/supervision/callback",
        pad_of(hall, 6),
        {"ticket_id": ticket["id"], "phone": "13812345678", "consent": True},
    )
    assert answer["error"]["code"] == "callback_closed"  # another window's pad
    hall.clock.advance(11 * 60)
    status, answer = await hall.post(
        "/api/supervision/callback", pad, {"ticket_id": ticket["id"], "phone": "13812345678", "consent": True}
    )
    assert answer["error"]["code"] == "callback_closed"


async def test_wrong_roles_and_bad_input(hall):
    _, case, manager = await bad_case(hall)
    clerk = await hall.sign_in(9)
    guide = await staff_session(hall, "8001")
    for token in (None, clerk, guide, pad_of(hall, 5)):
        status, body = await hall.get("/api/supervision/cases", token)
        assert status in (401, 403), body
        status, body = await act(hall, token, case["id"], "verify")
        assert status in (401, 403), body
    liaison = await staff_session(hall, LIAISON_TAX)
    assert (await hall.get("/api/supervision/appraisal", liaison))[0] == 403
    assert (await hall.post("/api/supervision/callback", manager, {"ticket_id": 1, "phone": "1", "consent": True}))[
        0
    ] == 403
    for path, code in (
        ("/api/supervision/cases/abc", "unknown_case"),
        ("/api/supervision/cases/99999", "unknown_case"),
        ("/api/supervision/rates?month=2026-13", "invalid_argument"),
        ("/api/supervision/cases?kind=nope", "invalid_argument"),
        ("/api/supervision/cases.csv?month=26-11", "invalid_argument"),
        ("/api/supervision/refusals?month=2026-1", "invalid_argument"),
        ("/api/supervision/appraisal?month=x", "invalid_argument"),
        ("/api/supervision/appraisal.csv?month=2026-00", "invalid_argument"),
    ):
        assert (await hall.get(path, manager))[1]["error"]["code"] == code
    for path in ("/api/supervision/board", "/api/supervision/rates", "/api/supervision/refusals",
                 "/api/supervision/cases.csv", "/api/supervision/appraisal.csv"):
        assert (await hall.get(path, guide))[0] == 403, path
        assert (await hall.get(path, None))[0] == 401, path
    for body, code in (
        ({"action": "fly"}, "invalid_argument"),
        ({"action": "verify", "phone": "1"}, "invalid_argument"),
        ({}, "invalid_argument"),
        ({"action": "extend", "days": 2, "reason": "r"}, "invalid_case_transition"),
    ):
        status, answer = await hall.post(f"/api/supervision/cases/{case['id']}/actions", manager, body)
        assert answer["error"]["code"] == code, (body, answer)
    assert (await cases(hall, manager))[0]["status"] == "pending"  # nothing changed


async def test_promised_joint_refusal_and_return_visit(hall):
    manager = await staff_session(hall, MANAGER)
    clerk = await hall.sign_in(5)
    promised = await serve(hall, 5, "invoice", clerk=clerk, outcome="promised", promised_days=2)
    joint = await serve(
        hall,
        5,
        "tax_registration",
        clerk=clerk,
        outcome="joint",
        promised_days=3,
        joint_departments=["tax", "market"],
        case_number="ZJ-2026-0001",
    )
    await serve(
        hall, 5, "invoice", clerk=clerk, outcome="reply", refusal="not_accepted", legal_basis="《行政許可法》第三十二條"
    )
    first = await serve(hall, 5, "invoice", clerk=clerk, outcome="supplement", materials=["身份證"])
    again = await serve(hall, 5, "invoice", clerk=clerk, linked_to=f"20261125-{first['label']}")
    all_cases = await cases(hall, manager)
    mine = {c["kind"]: c for c in all_cases if c["ticket_id"] in (promised["id"], joint["id"])}
    assert mine["promised"]["due_day"] == "2026-11-27" and mine["joint"]["due_day"] == "2026-11-30"
    status, detail = await hall.get(f"/api/supervision/cases/{mine['joint']['id']}", manager)
    tasks = detail["tasks"]
    assert sorted(t["department"] for t in tasks) == ["market", "tax"] and {t["due_day"] for t in tasks} == {
        "2026-11-30"
    }
    status, body = await act(hall, manager, mine["joint"]["id"], "done")
    assert body["error"]["code"] == "invalid_case_transition"
    assert (await act(hall, manager, tasks[0]["id"], "done"))[0] == 200
    assert (await hall.get(f"/api/supervision/cases/{mine['joint']['id']}", manager))[1]["case"]["status"] == "open"
    assert (await act(hall, manager, tasks[1]["id"], "done"))[0] == 200
    assert (await hall.get(f"/api/supervision/cases/{mine['joint']['id']}", manager))[1]["case"]["status"] == "done"
    status, body = await act(hall, manager, mine["promised"]["id"], "extend", days=1, reason="需現場勘查")
    assert body["due_day"] == "2026-11-30"
    hall.clock.advance(5 * 86400)  # Monday 30 Nov: due today
    manager = await staff_session(hall, MANAGER)
    status, board = await hall.get("/api/supervision/board", manager)
    assert board["due_today"] == 1 and board["cases"][0]["light"] == "due_today"
    status, body = await hall.get("/api/supervision/refusals?month=2026-11", await staff_session(hall, LIAISON_TAX))
    assert [(r["kind"], r["department"]) for r in body["refusals"]] == [("not_accepted", "tax")]
    status, rates = await hall.get("/api/supervision/rates?month=2026-11", manager)
    assert rates["trips"]["two_or_more"] == 1 and rates["trips"]["trips"]["2"] == 1
    assert again["id"] != first["id"]


async def test_public_screens_never_get_a_refusal_or_a_link(hall):
    from tests.wsclient import WsClient

    display = await WsClient.open(hall, hall.device_token("display-east"))
    assert (await display.request({"type": "subscribe", "scope": {}}))["success"]
    clerk = await hall.sign_in(5)
    first = await serve(hall, 5, "invoice", clerk=clerk, outcome="supplement", materials=["身份證"])
    await serve(
        hall,
        5,
        "invoice",
        clerk=clerk,
        outcome="reply",
        refusal="not_accepted",
        legal_basis="第三十二條",
        linked_to=f"20261125-{first['label']}",
    )
    finishes = []
    while len(finishes) < 2:
        message = await display.recv()
        if message.get("type") == "event" and message["event"]["type"] == "service_finished":
            finishes.append(message["event"])
    for field in ("refusal", "legal_basis", "linked_to", "materials", "case_number"):
        assert all(field not in ev for ev in finishes), field
    await display.close()


async def test_a_call_back_number_never_reaches_the_logs(hall, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    ticket = await serve(hall, 5, "invoice")
    assert (await rate(hall, 5, ticket, "dissatisfied"))[0] == 200
    pad = pad_of(hall, 5)
    for phone, consent in (("1380013", False), ("13800138000", True), ("13800138001", True)):
        body = {"ticket_id": ticket["id"], "phone": phone, "consent": consent}
        await hall.post("/api/supervision/callback", pad, body)
    assert "/api/supervision/callback" in caplog.text  # the requests were logged...
    assert "1380013" not in caplog.text  # ...without the number


async def test_the_lead_window_sees_its_joint_cases(hall):
    clerk = await hall.sign_in(5)
    ticket = await serve(hall, 5, "invoice", clerk=clerk, outcome="joint", promised_days=2,
                         joint_departments=["tax", "housing"])
    status, body = await hall.get("/api/supervision/windows/5/joint", clerk)
    assert status == 200 and [c["label"] for c in body["cases"]] == [ticket["label"]]
    assert sorted((t["department"], t["status"]) for t in body["cases"][0]["tasks"]) == [
        ("housing", "open"), ("tax", "open")]
    assert (await hall.get("/api/supervision/windows/6/joint", clerk))[1]["error"]["code"] == "wrong_window"
    manager = await staff_session(hall, MANAGER)
    assert (await hall.get("/api/supervision/windows/99/joint", manager))[1]["error"]["code"] == "unknown_window"
    assert (await hall.get("/api/supervision/windows/5/joint", await staff_session(hall, LIAISON_TAX)))[0] == 403


async def test_csv_cells_that_look_like_formulas_are_written_as_text(hall):
    ticket = await serve(hall, 5, "invoice")
    assert (await rate(hall, 5, ticket, "dissatisfied", '=HYPERLINK("http://x","點我")'))[0] == 200
    manager = await staff_session(hall, MANAGER)
    async with hall.session.get(hall.url("/api/supervision/cases.csv"),
                                headers={"Authorization": f"Bearer {manager}"}) as resp:
        assert resp.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO((await resp.text()).lstrip("\ufeff"))))
    reason = rows[0].index("reason")
    assert rows[1][reason] == '\'=HYPERLINK("http://x","點我")'
    assert rows[1][rows[0].index("window")] == "5"  # numbers stay numbers
