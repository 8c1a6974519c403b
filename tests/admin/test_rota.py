"""The window rota and timed notices: pure rules, then on the running demo hall with a ManualClock
(Wednesday 25 Nov 2026, 09:00): a turn applies when its time comes, through the live-change path,
and is held back while it would strand waiting tickets."""
from __future__ import annotations

import copy
from dataclasses import replace

from server.admin.http import KEEPER
from server.config import load_demo, parse_config
from server.domain.hall import Names, Notice, RotaEntry, TimeRange
from server.domain.rota import applies, hall_now, notice_now
from tests.admin.test_admin_api import current, manager
from tests.wsclient import WsClient

AFTERNOON = (TimeRange(13 * 60, 17 * 60 + 30),)


def test_a_turn_applies_on_its_weekdays_or_dates_within_its_hours():
    weekly = RotaEntry(window=16, services=("tax_filing",), department="tax", weekdays=(3,), hours=AFTERNOON)
    assert applies(weekly, "2026-11-25", 13 * 60)  # a Wednesday afternoon
    assert not applies(weekly, "2026-11-25", 12 * 60 + 59)
    assert not applies(weekly, "2026-11-25", 17 * 60 + 30)  # the end is exclusive
    assert not applies(weekly, "2026-11-26", 14 * 60)  # Thursday
    once = RotaEntry(window=16, services=("invoice",), dates=("2026-11-26",))
    assert applies(once, "2026-11-26", 8 * 60) and not applies(once, "2026-11-25", 8 * 60)
    assert applies(RotaEntry(window=16, services=("invoice",)), "2026-12-31", 0)  # neither: every day


def test_the_last_matching_turn_wins_and_other_windows_keep_their_own():
    hall = load_demo().hall
    weekly = RotaEntry(window=16, services=("tax_filing",), department="tax", weekdays=(3,))
    once = RotaEntry(window=16, services=("invoice", "tax_filing"), department="tax", dates=("2026-11-25",),
                     hours=AFTERNOON)
    now = hall_now(replace(hall, rota=(weekly, once)), "2026-11-25", 14 * 60)
    assert now.window(16).services == ("invoice", "tax_filing")
    assert now.window(3) == hall.window(3)
    morning = hall_now(replace(hall, rota=(weekly, once)), "2026-11-25", 9 * 60)
    assert morning.window(16).services == ("tax_filing",) and morning.window(16).department == "tax"


def test_the_latest_running_notice_shows():
    text = Names("停电", "停電", "Power cut")
    other = Names("系统维护", "系統維護", "Maintenance")
    notices = (Notice(text, "2026-11-25 10:00", "2026-11-25 12:00"),
               Notice(other, "2026-11-25 11:00", "2026-11-25 11:30"))
    assert notice_now(notices, "2026-11-25 09:59") is None
    assert notice_now(notices, "2026-11-25 10:00").text == text
    assert notice_now(notices, "2026-11-25 11:15").text == other
    assert notice_now(notices, "2026-11-25 12:00") is None


def test_check_config_names_the_wrong_rota_or_notice_field():
    raw = copy.deepcopy(load_demo().raw)
    for rota, message in (({"window": 99, "services": ["invoice"]}, "rota[0].window: unknown window 99"),
                          ({"window": 16, "services": ["nope"]}, "rota[0].services[0]: unknown service 'nope'"),
                          ({"window": 16, "services": ["invoice"], "weekdays": [8]}, "rota[0].weekdays: ISO weekdays"),
                          ({"window": 16, "services": ["invoice"], "hours": ["14:00-13:00"]}, "rota[0].hours: range")):
        try:
            parse_config({**raw, "rota": [rota]})
        except ValueError as exc:
            assert str(exc).startswith(message), str(exc)
        else:
            raise AssertionError(f"accepted {rota}")
    notice = {"text": {"zh-Hans": "a", "zh-Hant": "a", "en": "a"},
              "starts": "2026-11-25 12:00", "ends": "2026-11-25 11:00"}
    try:
        parse_config({**raw, "notices": [notice]})
    except ValueError as exc:
        assert str(exc).startswith("notices[0].ends: must be after starts")
    else:
        raise AssertionError("accepted a notice that ends before it starts")


async def test_window_seven_serves_business_in_the_afternoon_and_returns_to_tax(hall):
    token = await manager(hall)
    version, _ = await current(hall, token)
    for service in ("business_change", "tax_filing", "business_setup"):
        assert (await hall.issue(service))[0] == 200
    turn = {"window": 7, "services": ["business_change", "business_setup"], "department": "market",
            "weekdays": [3], "hours": ["13:00-17:30"], "note": "市场局下午轮值"}
    status, body = await hall.call("PUT", "/api/admin/entries/rota/0", token, {"version": version, "entry": turn})
    assert status == 200, body
    keeper = hall.app[KEEPER]
    assert keeper.service.hall.window(7).department == "tax"  # 09:00: not yet
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    assert (await display.request({"type": "subscribe", "scope": {}}))["success"]
    hall.clock.advance(4 * 3600)  # 13:00
    await keeper.tick()
    assert (await display.recv(timeout=2))["type"] == "config_changed"
    cases = next(p for p in keeper.service.writer.projectors if hasattr(p, "hall"))
    assert cases.department_of(7, "business_change") == "market"  # a bad rating now goes to the market bureau
    clerk = await hall.sign_in(7)
    status, called = await hall.post("/api/windows/7/call-next", clerk)
    assert status == 200 and called["ticket"]["service"] == "business_change"
    await hall.post(f"/api/tickets/{called['ticket']['id']}/start", clerk)
    await hall.post(f"/api/tickets/{called['ticket']['id']}/finish", clerk, {"outcome": "immediate"})
    hall.clock.advance(4.5 * 3600)  # 17:30: the turn is over
    await keeper.tick()
    assert keeper.service.hall.window(7).services == ("tax_filing", "invoice")
    status, called = await hall.post("/api/windows/7/call-next", clerk)
    assert status == 200 and called["ticket"]["service"] == "tax_filing"
    assert len(keeper.service.state.tickets) == 3  # nothing lost on the way
    await display.close()


async def test_a_turn_that_would_strand_waiting_tickets_waits_until_they_are_served(hall):
    token = await manager(hall)
    version, _ = await current(hall, token)
    # windows 8 and 15 are the only ones calling civil defence approvals; their turns leave them to nobody
    for index, window in enumerate((8, 15)):
        turn = {"window": window, "services": ["business_setup"], "hours": ["10:00-12:00"]}
        status, body = await hall.call("PUT", f"/api/admin/entries/rota/{index}", token,
                                       {"version": version + index, "entry": turn})
        assert status == 200, body
    status, issued = await hall.issue("civil_defence_approval")
    assert status == 200
    keeper = hall.app[KEEPER]
    hall.clock.advance(3600)
    await keeper.tick()
    assert keeper.service.hall.window(8).services == ("civil_defence_approval",)  # held back
    clerk = await hall.sign_in(8)
    status, called = await hall.post("/api/windows/8/call-next", clerk)
    assert status == 200 and called["ticket"]["id"] == issued["ticket"]["id"]
    await keeper.tick()
    assert keeper.service.hall.window(8).services == ("business_setup",)


async def test_a_timed_notice_reaches_the_display_when_it_starts_and_leaves_when_it_ends(hall):
    token = await manager(hall)
    version, doc = await current(hall, token)
    notice = {"text": {"zh-Hans": "11点起暂停办理不动产业务", "zh-Hant": "11點起暫停辦理不動產業務",
                       "en": "Property services pause from 11:00"},
              "starts": "2026-11-25 10:00", "ends": "2026-11-25 11:00"}
    status, body = await hall.call("PUT", "/api/admin/entries/notices/0", token, {"version": version, "entry": notice})
    assert status == 200, body
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    assert (await display.request({"type": "subscribe", "scope": {}}))["success"]
    keeper = hall.app[KEEPER]
    hall.clock.advance(3600)
    await keeper.tick()
    seen = {}
    while "notice" not in seen:
        message = await display.recv(timeout=2)
        seen[message["type"]] = message
    assert seen["notice"]["text"]["en"] == "Property services pause from 11:00"
    hall.clock.advance(3600)
    await keeper.tick()
    seen = {}
    while "notice" not in seen:
        message = await display.recv(timeout=2)
        seen[message["type"]] = message
    assert seen["notice"]["text"] == doc["center"]["notice"]
    status, body = await hall.call("PUT", "/api/admin/entries/notices/5", token,
                                   {"version": version + 1, "entry": notice})
    assert status == 400 and body["error"]["details"]["field"] == "key"
    await display.close()
