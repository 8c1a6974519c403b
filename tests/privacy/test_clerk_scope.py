"""Finding 4: a clerk acts only on tickets of the queues its window serves (cancel included) and
reads only its own window's lists; the guide desk and managers may cancel any ticket. Also findings
1 and 2 in their own words: a transfer note is not in the hall or ticket reads of a display, and an
appointment code is in no broadcast frame."""
from __future__ import annotations

from server import appkeys as K
from server.store.audit import audit_rows
from tests.privacy.kit import GUIDE, MANAGER, ok, staff_token, table_dump
from tests.wsclient import WsClient

TABLES = ("events", "tickets", "audit")


async def test_a_clerk_cannot_cancel_another_departments_ticket(hall):
    clerk3 = await hall.sign_in(3)  # window 3: market (business_setup, business_change)
    _, tax = await hall.issue("tax_registration")  # served at windows 1, 2, 5, 6
    db = hall.app[K.SERVICE].writer.path
    before = table_dump(db, *TABLES)
    for path in (f"/api/tickets/{tax['ticket']['id']}/cancel",):
        status, body = await hall.post(path, clerk3, {"reason": "not mine"})
        assert status == 409 and body["error"]["code"] == "not_at_this_window", body
    assert table_dump(db, *TABLES) == before
    socket = await WsClient.open(hall, clerk3)
    args = {"ticket_id": tax["ticket"]["id"]}
    reply = await socket.request({"type": "command", "name": "cancel_ticket", "args": args})
    assert reply["error"]["code"] == "not_at_this_window"
    await socket.close()
    assert table_dump(db, *TABLES) == before
    # the guide desk may (a citizen who left), and it is audited with the reason
    guide = await staff_token(hall, GUIDE)
    answer = await ok(hall, "POST", f"/api/tickets/{tax['ticket']['id']}/cancel", guide, {"reason": "left the hall"})
    assert answer["ticket"]["status"] == "cancelled"
    [row] = await hall.app[K.SERVICE].reader.run(audit_rows, None, None, "cancel")
    assert (row["actor"], row["target"], row["before"]["status"], row["after"]["reason"]) == (
        GUIDE, f"ticket:{tax['ticket']['id']}", "waiting", "left the hall")


async def test_a_clerk_cancels_a_ticket_of_its_own_queue(hall):
    clerk3 = await hall.sign_in(3)
    _, mine = await hall.issue("business_setup")
    answer = await ok(hall, "POST", f"/api/tickets/{mine['ticket']['id']}/cancel", clerk3, {"reason": "duplicate"})
    assert answer["ticket"]["status"] == "cancelled"


async def test_a_clerk_reads_only_its_own_windows_lists(hall):
    clerk3, clerk5 = await hall.sign_in(3), await hall.sign_in(5)
    _, tax = await hall.issue("tax_registration")
    await ok(hall, "POST", "/api/windows/5/call", clerk5, {"ticket_id": tax["ticket"]["id"]})
    await ok(hall, "POST", f"/api/tickets/{tax['ticket']['id']}/no-show", clerk5)
    for kind in ("missed", "suspended", "today"):
        status, body = await hall.get(f"/api/windows/5/{kind}", clerk3)
        assert status == 403 and body["error"]["code"] == "wrong_window", (kind, body)
    status, body = await hall.get("/api/windows/5/missed", clerk5)
    assert [t["id"] for t in body["tickets"]] == [tax["ticket"]["id"]]
    status, body = await hall.get("/api/windows/3/missed", clerk3)
    assert status == 200 and body["tickets"] == []  # window 3 does not serve tax registration
    manager = await staff_token(hall, MANAGER)
    assert [t["id"] for t in (await hall.get("/api/windows/5/missed", manager))[1]["tickets"]] == [tax["ticket"]["id"]]


async def test_finding_1_a_transfer_note_stays_off_public_reads(hall):
    clerk3 = await hall.sign_in(3)
    _, issued = await hall.issue("business_setup")
    ticket = issued["ticket"]["id"]
    await ok(hall, "POST", "/api/windows/3/call", clerk3, {"ticket_id": ticket})
    await ok(hall, "POST", f"/api/tickets/{ticket}/transfer", clerk3, {"to_window": 3, "note": "ID 110105199001010123"})
    await ok(hall, "POST", "/api/windows/3/call", clerk3, {"ticket_id": ticket})  # in hand again: in the window view
    for device in ("display-hall", "kiosk-1", "rating-03"):
        token = hall.device_token(device)
        _, view = await hall.get("/api/hall", token)
        _, one = await hall.get(f"/api/tickets/{ticket}", token)
        assert "110105199001010123" not in repr(view) + repr(one), device
        assert "notes" not in one["ticket"]
    _, staff_view = await hall.get(f"/api/tickets/{ticket}", clerk3)
    assert staff_view["ticket"]["notes"] == ["ID 110105199001010123"]


async def test_finding_2_a_code_read_from_a_display_socket_does_not_exist(hall):
    manager = await staff_token(hall, MANAGER)
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    await display.request({"type": "subscribe", "scope": {}})
    now = hall.clock.now()
    await ok(hall, "POST", "/api/appointments", manager,
             {"code": "QX7K2", "service": "business_setup", "slot_start": now + 60, "slot_end": now + 900})
    [frame] = await display.events(1)
    await display.close()
    assert frame["event"]["type"] == "appointment_booked" and "code" not in frame["event"]
    assert "QX7K2" not in repr(frame)
