"""The shortened simulated day (bench/simulate_day.py --short): a real server process, SIGKILLed
once mid-day, 8 windows, 4 displays, 2 kiosks, 300 tickets; every invariant must hold.
And the day's turn during activity, on the in-process hall with its ManualClock."""
from __future__ import annotations

import pytest

from server import appkeys as K
from tests.wsclient import WsClient


@pytest.mark.timeout(150)  # the simulator's own waits are bounded (settling: 30 s); a failure then names its invariant
async def test_short_simulated_day_with_a_sigkill_keeps_every_invariant(tmp_path):
    from bench.sim.day import Options, simulate
    from bench.simulate_day import SHORT
    opts = Options(**SHORT, workdir=tmp_path)
    run, checks = await simulate(opts, progress=print)  # shown with the failure: where the day got to
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    assert not failed, "\n".join(failed)
    assert run.server.kills == 1 and len(run.record.tickets) == 300


async def test_day_turn_during_activity_walks_out_restarts_numbers_and_ends_sessions(hall):
    clerks = {w: await hall.sign_in(w) for w in (3, 1)}
    display = await WsClient.open(hall, hall.device_token("display-hall"))
    assert (await display.request({"type": "subscribe", "scope": {}}))["success"]
    issued = [(await hall.issue("business_setup"))[1]["ticket"] for _ in range(5)]
    _, called = await hall.post("/api/windows/3/call-next", clerks[3])
    _, serving = await hall.post("/api/windows/1/call-next", clerks[1])
    await hall.post(f"/api/tickets/{serving['ticket']['id']}/start", clerks[1])
    old_day = hall.app[K.SERVICE].state.day
    hall.clock.advance(20 * 3600)  # 09:00 -> 05:00 next morning: past the 04:00 boundary
    status, body = await hall.post("/api/windows/3/call-next", clerks[3])  # a clerk still pressing
    assert status == 401, body
    status, body = await hall.issue("business_setup")
    assert status == 200 and body["ticket"]["label"] == "A001" and body["ticket"]["day"] > old_day
    manager = await hall.post("/api/sessions", None, {"staff": "9001", "pin": hall.creds["staff"]["9001"]})
    token = manager[1]["token"]
    finals = {t["id"]: (await hall.get(f"/api/tickets/{t['id']}", token))[1]["ticket"]["status"] for t in issued}
    assert finals[called["ticket"]["id"]] == "no_show"
    assert finals[serving["ticket"]["id"]] == "finished"
    assert sorted(finals.values()).count("walked_out") == 3
    closed = None
    while closed is None:
        message = await display.recv()
        if message.get("type") == "event" and message["event"]["type"] == "day_closed":
            closed = message["event"]
    assert closed["walked_out"] == 3
    for window in (3, 1):
        assert hall.app[K.SERVICE].state.window(window).staff is None
    await display.close()


async def test_kiosk_issuing_is_rate_limited_per_device(hall):
    limit = hall.settings.server.kiosk_rate_per_min
    for _ in range(limit):
        status, body = await hall.issue("invoice", kiosk="kiosk-2")
        assert status == 200, body
    status, body = await hall.issue("invoice", kiosk="kiosk-2")
    assert status == 429 and body["error"]["code"] == "rate_limited", (status, body)
    status, _ = await hall.issue("invoice", kiosk="kiosk-1")  # another kiosk is not affected
    assert status == 200
    hall.clock.advance(61)
    status, _ = await hall.issue("invoice", kiosk="kiosk-2")
    assert status == 200
