"""Administration over real HTTP on the demo hall: stored versions, live changes, conflicts, refusals."""
from __future__ import annotations

import asyncio
import copy
import json
import sqlite3

import pytest

from server.admin.http import KEEPER
from server.config import ConfigError, parse_config
from tests.wsclient import WsClient

MANAGER = "9001"


async def manager(hall) -> str:
    status, body = await hall.post("/api/sessions", None, {"staff": MANAGER, "pin": hall.creds["staff"][MANAGER]})
    assert status == 200, body
    return body["token"]


async def current(hall, token) -> tuple[int, dict]:
    status, body = await hall.get("/api/admin/config", token)
    assert status == 200, body
    return body["version"], body["document"]


def entry(doc: dict, table: str, key: str, value) -> dict:
    return copy.deepcopy(next(row for row in doc[table] if row[key] == value))


async def put_entry(hall, token, version, table, key, entry_):
    return await hall.call("PUT", f"/api/admin/entries/{table}/{key}", token, {"version": version, "entry": entry_})


def versions_in(db_path) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT version, actor, source FROM config_versions ORDER BY version").fetchall()


async def test_first_start_stores_the_file_as_version_one_without_pin_hashes_on_the_wire(hall, db_path):
    token = await manager(hall)
    version, doc = await current(hall, token)
    assert version == 1
    assert versions_in(db_path) == [(1, "file", "file")]
    assert all("pin_hash" not in person for person in doc["staff"])
    assert all("token_hash" in device for device in doc["devices"])


async def test_a_service_change_is_stored_with_who_and_applies_live(hall, db_path):
    token = await manager(hall)
    version, doc = await current(hall, token)
    service = entry(doc, "services", "code", "business_setup")
    service["name"]["en"] = "Company Registration"
    service["daily_cap"] = 40
    status, body = await put_entry(hall, token, version, "services", "business_setup", service)
    assert status == 200, body
    assert body["version"] == 2 and any("daily_cap" in line for line in body["changes"])
    assert versions_in(db_path)[-1] == (2, MANAGER, "admin")
    status, kiosk_view = await hall.get("/api/hall", hall.device_token("kiosk-1"))
    shown = next(s for s in kiosk_view["services"] if s["code"] == "business_setup")
    assert shown["name"]["en"] == "Company Registration" and shown["daily_cap"] == 40


async def test_the_second_of_two_managers_editing_the_same_version_gets_a_conflict(hall):
    token = await manager(hall)
    version, doc = await current(hall, token)
    first, second = entry(doc, "departments", "code", "tax"), entry(doc, "departments", "code", "tax")
    first["name"]["en"] = "Tax Bureau"
    second["name"]["en"] = "Taxation Office"
    answers = await asyncio.gather(put_entry(hall, token, version, "departments", "tax", first),
                                   put_entry(hall, token, version, "departments", "tax", second))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409]
    refused = next(body for status, body in answers if status == 409)
    assert refused["error"]["code"] == "version_conflict"
    assert refused["error"]["details"]["current_version"] == version + 1
    _, after = await current(hall, token)
    winner = next(e for (s, _), e in zip(answers, (first, second), strict=True) if s == 200)
    assert entry(after, "departments", "code", "tax")["name"]["en"] == winner["name"]["en"]


async def test_an_invalid_field_is_refused_with_the_check_config_message_and_changes_nothing(hall, db_path):
    token = await manager(hall)
    version, doc = await current(hall, token)
    service = entry(doc, "services", "code", "business_setup")
    service["prefix"] = "a1"
    status, body = await put_entry(hall, token, version, "services", "business_setup", service)
    assert status == 400 and body["error"]["code"] == "invalid_config"
    broken = copy.deepcopy(hall.settings.raw)
    next(s for s in broken["services"] if s["code"] == "business_setup")["prefix"] = "a1"
    with pytest.raises(ConfigError) as expected:
        parse_config(broken)
    assert body["error"]["message"] == str(expected.value)
    assert body["error"]["details"]["field"] == "services[0].prefix"
    assert await current(hall, token) == (version, doc)
    assert len(versions_in(db_path)) == 1


@pytest.mark.parametrize("who", ["none", "kiosk", "clerk", "display"])
async def test_only_managers_reach_the_administration(hall, who):
    token = {"none": None, "kiosk": hall.device_token("kiosk-1"), "display": hall.device_token("display-hall"),
             "clerk": None}[who]
    if who == "clerk":
        token = await hall.sign_in(3)
    expected = 401 if who == "none" else 403
    for method, path, body in (("GET", "/api/admin/config", None), ("GET", "/api/admin/versions", None),
                               ("PUT", "/api/admin/entries/departments/tax", {"version": 1, "entry": {}}),
                               ("POST", "/api/admin/devices/kiosk-1/rotate-token", {"version": 1}),
                               ("POST", "/api/admin/staff/1003/reset-pin", {"version": 1}),
                               ("DELETE", "/api/admin/entries/departments/tax?version=1", None)):
        status, answer = await hall.call(method, path, token, body)
        assert status == expected, (method, path, answer)


async def test_removing_a_service_with_waiting_tickets_is_refused_with_what_to_do(hall):
    token = await manager(hall)
    version, _ = await current(hall, token)
    status, _ = await hall.issue("business_change")
    assert status == 200
    status, body = await hall.call("DELETE", f"/api/admin/entries/services/business_change?version={version}", token)
    assert status == 409 and body["error"]["code"] == "would_strand_tickets"
    assert "transfer or cancel" in body["error"]["message"]
    assert (await current(hall, token))[0] == version


async def test_changing_a_prefix_after_tickets_were_issued_today_is_refused(hall):
    token = await manager(hall)
    version, doc = await current(hall, token)
    service = entry(doc, "services", "code", "business_setup")
    service["prefix"] = "AZ"
    status, body = await put_entry(hall, token, version, "services", "business_setup", service)
    assert status == 200, body  # nothing issued yet: allowed
    await hall.issue("business_setup")
    service["prefix"] = "A"
    status, body = await put_entry(hall, token, version + 1, "services", "business_setup", service)
    assert status == 409 and body["error"]["details"]["problems"][0]["field"].endswith(".prefix")


async def test_stale_version_and_bad_bodies_are_refused(hall):
    token = await manager(hall)
    version, doc = await current(hall, token)
    dept = entry(doc, "departments", "code", "tax")
    cases = [
        ("PUT", "/api/admin/entries/departments/tax", {"version": version + 5, "entry": dept}, 409, "version_conflict"),
        ("PUT", "/api/admin/entries/departments/tax", {"entry": dept}, 400, "invalid_argument"),
        ("PUT", "/api/admin/entries/departments/tax", {"version": version, "entry": "x"}, 400, "invalid_argument"),
        ("PUT", "/api/admin/entries/nothing/tax", {"version": version, "entry": dept}, 400, "invalid_argument"),
        ("PUT", "/api/admin/entries/windows/x1", {"version": version, "entry": {}}, 400, "invalid_argument"),
        ("PUT", "/api/admin/entries/departments/other", {"version": version, "entry": dept}, 400, "invalid_argument"),
        ("PUT", "/api/admin/sections/server", {"version": version, "value": {}}, 400, "invalid_argument"),
        ("DELETE", "/api/admin/entries/departments/tax", None, 400, "invalid_argument"),
        ("DELETE", f"/api/admin/entries/departments/nope?version={version}", None, 400, "invalid_argument"),
        ("POST", "/api/admin/staff/nobody/reset-pin", {"version": version}, 404, "unknown_staff"),
        ("POST", "/api/admin/devices/nothing/rotate-token", {"version": version}, 404, "unknown_device"),
        ("PUT", "/api/admin/config", {"version": version, "document": {"center": {}}}, 400, "invalid_config"),
    ]
    for method, path, body, status, code in cases:
        got, answer = await hall.call(method, path, token, body)
        assert (got, answer["error"]["code"]) == (status, code), (path, body, answer)
    assert (await current(hall, token))[0] == version


async def test_a_department_in_use_cannot_be_removed(hall):
    token = await manager(hall)
    version, _ = await current(hall, token)
    status, body = await hall.call("DELETE", f"/api/admin/entries/departments/tax?version={version}", token)
    assert status == 400 and body["error"]["code"] == "invalid_config"
    assert "unknown department 'tax'" in body["error"]["message"]


async def test_rotating_a_token_refuses_the_old_one_at_once_and_drops_its_socket(hall):
    token = await manager(hall)
    version, _ = await current(hall, token)
    old = hall.device_token("display-hall")
    socket = await WsClient.open(hall, old)
    assert (await socket.request({"type": "subscribe", "scope": {}}))["success"]
    status, body = await hall.post("/api/admin/devices/display-hall/rotate-token", token, {"version": version})
    assert status == 200 and body["token"]
    assert await socket.closed_code() == 4008
    status, _ = await hall.get("/api/hall", old)
    assert status == 401
    status, _ = await hall.get("/api/hall", body["token"])
    assert status == 200


async def test_a_new_clerk_signs_in_with_the_one_time_pin_and_chooses_their_own(hall):
    token = await manager(hall)
    version, _ = await current(hall, token)
    person = {"number": "1101", "name": "陈新", "role": "clerk", "windows": [7]}
    status, body = await put_entry(hall, token, version, "staff", "1101", person)
    assert status == 200 and len(body["pin"]) == 6
    counter = hall.device_token(hall.counter_for(7))
    status, session = await hall.post("/api/sessions", counter, {"staff": "1101", "pin": body["pin"]})
    assert status == 200 and session["pin_change_required"] is True
    await hall.issue("tax_filing")
    status, refused = await hall.post("/api/windows/7/call-next", session["token"])  # not before a PIN of one's own
    assert status == 403 and refused["error"]["code"] == "pin_change_required"
    socket = await WsClient.open(hall, session["token"])
    reply = await socket.request({"type": "command", "name": "call_next", "args": {}})
    assert reply["error"]["code"] == "pin_change_required"
    await socket.close()
    status, me = await hall.get("/api/sessions/current", session["token"])
    assert status == 200 and me["pin_change_required"] is True
    status, answer = await hall.post("/api/sessions/current/pin", session["token"],
                                     {"current_pin": body["pin"], "new_pin": "12"})
    assert status == 400 and answer["error"]["details"]["field"] == "new_pin"
    status, answer = await hall.post("/api/sessions/current/pin", session["token"],
                                     {"current_pin": "000000" if body["pin"] != "000000" else "111111",
                                      "new_pin": "246810"})
    assert status == 401
    status, answer = await hall.post("/api/sessions/current/pin", session["token"],
                                     {"current_pin": body["pin"], "new_pin": "246810"})
    assert status == 200, answer
    await hall.call("DELETE", "/api/sessions/current", session["token"])
    status, again = await hall.post("/api/sessions", counter, {"staff": "1101", "pin": "246810"})
    assert status == 200 and again["pin_change_required"] is False
    status, called = await hall.post("/api/windows/7/call-next", again["token"])
    assert status == 200 and called["ticket"]["service"] == "tax_filing"


async def test_a_notice_reaches_a_display_socket_within_two_seconds(hall):
    token = await manager(hall)
    version, doc = await current(hall, token)
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    assert (await display.request({"type": "subscribe", "scope": {}}))["success"]
    center = copy.deepcopy(doc["center"])
    center["notice"] = {"zh-Hans": "今天下午系统维护", "zh-Hant": "今天下午系統維護",
                        "en": "Maintenance this afternoon"}
    status, body = await hall.call("PUT", "/api/admin/sections/center", token, {"version": version, "value": center})
    assert status == 200, body
    seen = {}
    while len(seen) < 2:
        message = await display.recv(timeout=2)
        seen[message["type"]] = message
    assert seen["config_changed"]["version"] == version + 1
    assert seen["notice"]["text"]["en"] == "Maintenance this afternoon"
    await display.close()


async def test_after_a_restart_the_newest_stored_version_wins_over_the_file(settings, clock, db_path):
    from aiohttp.test_utils import TestServer

    from server.app import create_app
    first = TestServer(create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0), host="127.0.0.1")
    await first.start_server()
    keeper = first.app[KEEPER]
    await keeper.change(lambda doc: doc["departments"][0]["name"].update(en="Market Bureau"), 1,
                        __import__("server.admin.live", fromlist=["Author"]).Author("9001", "admin"))
    await first.close()
    second = TestServer(create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0), host="127.0.0.1")
    await second.start_server()
    try:
        service = second.app[KEEPER].service
        assert second.app[KEEPER].version == 2
        assert service.hall.departments[0].name.en == "Market Bureau"
    finally:
        await second.close()
    assert json.loads(json.dumps(settings.raw))["departments"][0]["name"]["en"] != "Market Bureau"


async def test_the_audit_log_records_every_administration_action_and_filters_and_exports_safely(hall):
    from server import appkeys as K
    from server.store.audit import AuditEntry
    token = await manager(hall)
    version, doc = await current(hall, token)
    dept = entry(doc, "departments", "code", "tax")
    dept["name"]["en"] = "Tax Office"
    assert (await put_entry(hall, token, version, "departments", "tax", dept))[0] == 200
    assert (await hall.post("/api/admin/staff/1003/reset-pin", token, {"version": version + 1}))[0] == 200
    assert (await hall.post("/api/admin/devices/kiosk-2/rotate-token", token, {"version": version + 2}))[0] == 200
    await hall.app[K.SERVICE].write_only([AuditEntry(hall.clock.now(), "=1+2", "sign_in_failed", target="staff:=1+2")])
    status, log = await hall.get("/api/admin/audit", token)
    assert status == 200
    assert [r["action"] for r in log["rows"]][:4] == ["sign_in_failed", "token_rotated", "pin_reset", "config_change"]
    change = next(r for r in log["rows"] if r["action"] == "config_change")
    assert change["actor"] == MANAGER and change["target"] == "departments:tax"
    assert change["before"] == {"version": 1} and change["after"]["version"] == 2
    assert any("Tax Office" in line for line in change["after"]["changes"])
    reset = next(r for r in log["rows"] if r["action"] == "pin_reset")
    assert "scrypt" not in json.dumps(reset)  # the hash never reaches the log
    status, only = await hall.get("/api/admin/audit?action=pin_reset", token)
    assert [r["target"] for r in only["rows"]] == ["staff:1003"]
    async with hall.session.get(hall.url("/api/admin/audit?format=csv"),
                                headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/csv"
        text = (await resp.read()).decode("utf-8-sig")
    assert "'=1+2" in text and ",=1+2" not in text
    for query, field in (("from=2026-13-01", "from"), ("from=2026-11-26&to=2026-11-25", "from"),
                         ("format=xml", "format"), ("actor=" + "x" * 41, "actor")):
        status, body = await hall.get(f"/api/admin/audit?{query}", token)
        assert status == 400 and body["error"]["details"]["field"] == field, query
    status, _ = await hall.get("/api/admin/audit", await hall.sign_in(5))
    assert status == 403


async def test_a_calendar_change_reaches_the_working_day_deadlines_at_once(hall):
    token = await manager(hall)
    version, _ = await current(hall, token)
    calendar = {"weekend": [6, 7], "holidays": ["2026-11-26"], "workdays": []}
    status, body = await hall.call("PUT", "/api/admin/sections/calendar", token,
                                   {"version": version, "value": calendar})
    assert status == 200, body
    keeper = hall.app[KEEPER]
    deadlines = next(p for p in keeper.service.writer.projectors if hasattr(p, "calendar"))
    assert not deadlines.calendar.is_working_day("2026-11-26")
    assert deadlines.calendar.add_working_days("2026-11-25", 1) == "2026-11-27"
    status, body = await hall.call("PUT", "/api/admin/sections/calendar", token,
                                   {"version": version + 1, "value": {"holidays": ["2026-11-31"]}})
    assert status == 400 and body["error"]["details"]["field"] == "calendar.holidays"


async def test_the_device_list_shows_who_is_online_and_when_last_seen(hall):
    token = await manager(hall)
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    assert (await display.request({"type": "subscribe", "scope": {}}))["success"]
    status, body = await hall.get("/api/admin/devices", token)
    assert status == 200
    rows = {d["device"]: d for d in body["devices"]}
    assert rows["display-hall"]["online"] is True and rows["display-hall"]["last_seen"].startswith("2026-11-25T09:00")
    assert rows["kiosk-2"]["online"] is False
    await display.close()


async def test_the_day_boundary_cannot_move_while_a_day_has_tickets(hall):
    token = await manager(hall)
    version, doc = await current(hall, token)
    center = copy.deepcopy(doc["center"])
    center["day_boundary"] = "05:00"
    await hall.issue("invoice")
    status, body = await hall.call("PUT", "/api/admin/sections/center", token, {"version": version, "value": center})
    assert status == 409 and body["error"]["details"]["problems"][0]["field"] == "center.day_boundary"


def test_the_cli_names_the_administration_commands(capsys, tmp_path):
    from server.cli import main
    assert main([]) == 2
    usage = capsys.readouterr().out
    for command in ("config export", "backup", "restore"):
        assert command in usage
    assert main(["config", "export", "--db", str(tmp_path / "none.db")]) == 1
    assert "no database at" in capsys.readouterr().err
    assert main(["config", "nothing"]) == 2
