"""A scripted day in the demo hall, driven over the real HTTP API with a ManualClock set to exact
minutes, so every expected figure is a number worked out by hand (see EXPECTED in the test).

Timeline (minutes after 09:00, 25 Nov 2026, Asia/Shanghai; window 3 = market, window 5 = tax):
  0  clerks sign in at windows 3 and 5; A001 (business_setup) issued; manager books APT1 for 09:30
  2  A002 issued                 5  C001 (tax_registration) issued      10  B001 (business_change)
  4  w3 calls A001; 5 recall; 6 start; 16 finish immediate; 16.5 rated very_satisfied
  8  w5 calls C001; 9 start; 14 transfers it to business_change (new segment enters at 14)
 17  w3 calls A002; 19 no-show     18  A003 issued (never called: walks out at the day's turn)
 20  w3 calls C001 (segment 1); 21 start; 25 suspend
 25  APT1 checked in (on time: queue entry = slot start 09:30)
 26  w3 calls A002 back; 27 start; 30 finish promised (5 days); 30.5 rated dissatisfied "waited long"
 30  w5 pauses (lunch); 60 resumes
 35  w3 resumes C001 (segment 2 enters at 35); 36 calls it; 37 start; 39 finish immediate (rating expires)
 40  w3 calls APT1 (A004); 41 start; 51 finish supplement; 51.5 rated satisfied
 42  D001 (invoice) issued
 52  w3 calls B001; 53 finish without start (reply); 53.5 rated very_dissatisfied "rude"
 61  w5 calls D001; 62 no-show (not called back)
 70  both clerks sign out (windows close)
 next day 09:00: a ticket is issued, the day turns first: A003 walks out, the pending rating expires
"""
from __future__ import annotations

DAY = "2026-11-25"


class Script:
    def __init__(self, hall, t0: float):
        self.hall, self.t0 = hall, t0
        self.ids: dict[str, int] = {}

    def at(self, minute: float) -> Script:
        """Move the hall's clock; returns the script so a timeline line reads `await s.at(2).issue(...)`."""
        self.hall.clock.set(self.t0 + minute * 60)
        return self

    async def ok(self, method, path, token, body=None):
        if body is None:
            body = {} if method == "POST" else None
        status, reply = await self.hall.call(method, path, token, body)
        assert status == 200, (path, reply)
        return reply

    async def issue(self, name: str, service: str) -> None:
        status, reply = await self.hall.issue(service)
        assert status == 200, reply
        self.ids[name] = reply["ticket"]["id"]

    async def act(self, token: str, name: str, action: str, body=None):
        return await self.ok("POST", f"/api/tickets/{self.ids[name]}/{action}", token, body or {})

    async def call(self, token: str, window: int, name: str):
        return await self.ok("POST", f"/api/windows/{window}/call", token, {"ticket_id": self.ids[name]})

    async def rate(self, window: int, name: str, level: str, reason: str = ""):
        pad = self.hall.device_token(f"rating-{window:02d}")
        return await self.ok("POST", f"/api/tickets/{self.ids[name]}/rating", pad, {"level": level, "reason": reason})


async def manager_token(hall, number: str = "9001") -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": number, "pin": hall.creds["staff"][number]})
    assert status == 200, body
    return body["token"]


async def run_day(hall, t0: float) -> Script:
    s = Script(hall, t0)
    s.at(0)
    w3, w5 = await hall.sign_in(3), await hall.sign_in(5)
    manager = await manager_token(hall)
    await s.ok("POST", "/api/appointments", manager, {"code": "APT1", "service": "business_setup",
                                                      "slot_start": t0 + 30 * 60, "slot_end": t0 + 45 * 60})
    await s.issue("A001", "business_setup")
    await s.at(2).issue("A002", "business_setup")
    await s.at(4).call(w3, 3, "A001")
    await s.at(5).issue("C001", "tax_registration")
    await s.act(w3, "A001", "recall")
    await s.at(6).act(w3, "A001", "start")
    await s.at(8).call(w5, 5, "C001")
    await s.at(9).act(w5, "C001", "start")
    await s.at(10).issue("B001", "business_change")
    await s.at(14).act(w5, "C001", "transfer", {"to_service": "business_change"})
    await s.at(16).act(w3, "A001", "finish", {"outcome": "immediate"})
    await s.at(16.5).rate(3, "A001", "very_satisfied")
    await s.at(17).call(w3, 3, "A002")
    await s.at(18).issue("A003", "business_setup")
    await s.at(19).act(w3, "A002", "no-show")
    await s.at(20).call(w3, 3, "C001")
    await s.at(21).act(w3, "C001", "start")
    await s.at(25).act(w3, "C001", "suspend", {"reason": "fetching ID"})
    status, reply = await hall.post("/api/appointments/check-in", hall.device_token("kiosk-1"), {"code": "APT1"})
    assert status == 200 and reply["ticket"]["channel"] == "appointment", reply
    s.ids["APT1"] = reply["ticket"]["id"]
    await s.at(26).call(w3, 3, "A002")
    await s.at(27).act(w3, "A002", "start")
    await s.at(30).act(w3, "A002", "finish", {"outcome": "promised", "promised_days": 5})
    await s.ok("POST", "/api/windows/5/pause", w5, {"reason": "lunch"})
    await s.at(30.5).rate(3, "A002", "dissatisfied", "waited long")
    await s.at(35).act(w3, "C001", "resume")
    await s.at(36).call(w3, 3, "C001")
    await s.at(37).act(w3, "C001", "start")
    await s.at(39).act(w3, "C001", "finish", {"outcome": "immediate"})
    await s.at(40).call(w3, 3, "APT1")
    await s.at(41).act(w3, "APT1", "start")
    await s.at(42).issue("D001", "invoice")
    await s.at(51).act(w3, "APT1", "finish", {"outcome": "supplement", "materials": ["ID copy"]})
    await s.at(51.5).rate(3, "APT1", "satisfied")
    await s.at(52).call(w3, 3, "B001")
    await s.at(53).act(w3, "B001", "finish", {"outcome": "reply"})
    await s.at(53.5).rate(3, "B001", "very_dissatisfied", "rude")
    await s.at(60).ok("POST", "/api/windows/5/resume", w5)
    await s.at(61).call(w5, 5, "D001")
    await s.at(62).act(w5, "D001", "no-show")
    s.at(70)
    await s.ok("DELETE", "/api/sessions/current", w3)
    await s.ok("DELETE", "/api/sessions/current", w5)
    s.at(24 * 60)  # the next morning: the first ticket turns the day (committed before the ticket)
    await s.issue("next-day", "invoice")
    return s
