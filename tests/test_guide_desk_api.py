"""The guide desk's reads: appointment slots with what is left, and a ticket found by its number;
bad input gets a clear error code and changes nothing."""
from server.domain.slots import SLOT_MIN, appointment_slots, slot_capacity


async def guide_session(hall) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": "8001", "pin": hall.creds["staff"]["8001"]})
    assert status == 200 and body["role"] == "guide", body
    return body["token"]


def test_capacity_is_what_the_appointment_windows_can_handle():
    from server.config import load_demo
    hall = load_demo().hall
    # window 16 is the only appointment window; business setup takes 15 minutes: two per half hour
    assert slot_capacity(hall, hall.service("business_setup")) == 2
    assert slot_capacity(hall, hall.service("invoice")) == 0  # no appointment window serves it
    slots = appointment_slots(hall, [], hall.service("business_setup"), "2026-11-26")
    assert slots[0].label == "09:00-09:30" and slots[-1].label == "16:30-17:00"  # office hours: none configured
    assert all(s.end - s.start == SLOT_MIN * 60 for s in slots)


async def test_slots_count_bookings_and_refuse_bad_input(hall):
    token = await guide_session(hall)
    status, body = await hall.get("/api/appointments/slots?service=business_setup&day=2026-11-26", token)
    assert status == 200 and body["slots"][0]["remaining"] == 2
    first = body["slots"][0]
    for code in ("G7K3Q", "G7K3R"):
        status, booked = await hall.post("/api/appointments", token, {
            "code": code, "service": "business_setup", "slot_start": first["start"], "slot_end": first["end"]})
        assert status == 200, booked
    status, body = await hall.get("/api/appointments/slots?service=business_setup&day=2026-11-26", token)
    assert (body["slots"][0]["booked"], body["slots"][0]["remaining"]) == (2, 0)
    assert body["slots"][1]["remaining"] == 2
    status, today = await hall.get("/api/appointments/slots?service=business_setup", token)
    assert today["day"] == "2026-11-25" and today["slots"][0]["past"]  # 09:00-09:30 started at 09:00
    for query, code in (("service=nope", "unknown_service"),
                        ("service=business_setup&day=26.11.2026", "invalid_argument"),
                        ("service=business_setup&day=2026-11-01", "invalid_argument")):
        status, body = await hall.get(f"/api/appointments/slots?{query}", token)
        assert status in (400, 404) and body["error"]["code"] == code, (query, body)
    status, body = await hall.get("/api/appointments/slots?service=business_setup", hall.device_token("kiosk-1"))
    assert status == 403


async def test_ticket_by_label_says_whether_a_missed_ticket_may_return(hall):
    token = await guide_session(hall)
    status, issued = await hall.issue("invoice")
    label = issued["ticket"]["label"]
    status, body = await hall.get(f"/api/tickets/by-label/{label.lower()}", token)
    assert status == 200 and body["ticket"]["status"] == "waiting" and body["ahead"] == 0
    clerk = await hall.sign_in(5)
    status, called = await hall.post("/api/windows/5/call-next", clerk, {})
    await hall.post(f"/api/tickets/{called['ticket']['id']}/no-show", clerk, {})
    status, body = await hall.get(f"/api/tickets/by-label/{label}", token)
    assert body["ticket"]["status"] == "no_show" and body["may_return"] is True
    hall.clock.advance(31 * 60)  # past no_show_return_min
    status, body = await hall.get(f"/api/tickets/by-label/{label}", token)
    assert body["may_return"] is False
    for raw, code in (("Z999", "unknown_ticket"), ("A%2012", "invalid_argument"), ("12345", "invalid_argument")):
        status, body = await hall.get(f"/api/tickets/by-label/{raw}", token)
        assert body["error"]["code"] == code, (raw, body)


async def test_print_a_desk_ticket_on_the_kiosk_beside_the_desk(hall):
    from tests.test_kiosk_api import next_job, print_agent
    token = await guide_session(hall)
    agent = await print_agent(hall, "kiosk-1")
    status, issued = await hall.post("/api/tickets", token, {"service": "id_card", "channel": "green",
                                                             "green_category": "elderly", "lang": "zh-Hans"})
    assert status == 200 and issued["print_job"] is None  # the desk has no printer of its own
    ticket_id = issued["ticket"]["id"]
    status, body = await hall.post(f"/api/tickets/{ticket_id}/print-at", token, {"device": "kiosk-1"})
    assert status == 200, body
    job = await next_job(agent)
    assert job["job_id"] == body["print_job"] and job["payload"]["label"] == "G001"
    assert job["payload"]["channel_label"] == "绿色通道"
    status, body = await hall.post(f"/api/tickets/{ticket_id}/print-at", token, {"device": "kiosk-1"})
    assert status == 409 and body["error"]["code"] == "print_pending"  # the first one has not printed yet
    for device, code in (("display-hall", "invalid_argument"), ("nope", "invalid_argument")):
        status, body = await hall.post(f"/api/tickets/{ticket_id}/print-at", token, {"device": device})
        assert body["error"]["code"] == code
    status, body = await hall.post("/api/tickets/999/print-at", token, {"device": "kiosk-1"})
    assert body["error"]["code"] == "unknown_ticket"
    kiosk_2 = hall.device_token("kiosk-2")
    status, body = await hall.post(f"/api/tickets/{ticket_id}/print-at", kiosk_2, {"device": "kiosk-1"})
    assert status == 403
    await agent.close()
