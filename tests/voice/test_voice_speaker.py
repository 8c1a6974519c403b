"""`hallq speaker` against a small fake hub speaking docs/protocol.md over a real socket."""

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.server import serve

from display.speaker import (AplaySink, ClipFetcher, ManualClock, RecordingSink, SpeakerAgent, main,
                             short_form, sounds_url)
from server.hubclient import Refused
from server.voice.assemble import ClipLibrary
from server.voice.templates import VoiceSettings, announcement_for

SOUNDS = Path(__file__).resolve().parents[2] / "sounds"
TOKEN = "speaker-token"


T0 = 1_795_000_000.0  # epoch seconds of the first call in these tests


def call_event(seq: int, label: str, window: int, recall: bool = False, at: float = T0) -> dict:
    kind = "ticket_recalled" if recall else "ticket_called"
    return {"type": "event", "seq": seq, "event": {
        "type": kind, "at": at, "day": "2026-11-25",
        "ticket": {"label": label}, "window": window,
        "announcement": announcement_for(label, window, recall, VoiceSettings())}}


def other_event(seq: int) -> dict:
    return {"type": "event", "seq": seq, "event": {"type": "window_opened", "window": 1, "at": T0,
                                                   "day": "2026-11-25"}}


class FakeHub:
    """Auth + subscribe per protocol; each connection runs the next script step."""

    def __init__(self, scripts):
        self.scripts = list(scripts)
        self.subscribes: list[dict] = []
        self.hold = asyncio.Event()  # the last connection stays open until the test ends

    async def handler(self, ws):
        auth = json.loads(await ws.recv())
        if auth.get("type") != "auth" or auth.get("token") != TOKEN:
            await ws.send(json.dumps({"id": auth.get("id"), "type": "result", "success": False,
                                      "error": {"code": "unauthorized", "message": "bad token"}}))
            return await ws.close(4001)
        await ws.send(json.dumps({"id": auth["id"], "type": "result", "success": True,
                                  "result": {"role": "speaker_agent", "last_seq": 0}}))
        subscribe = json.loads(await ws.recv())
        self.subscribes.append(subscribe)
        result, events, stay = self.scripts.pop(0)(subscribe)
        await ws.send(json.dumps({"id": subscribe["id"], "type": "result", "success": True,
                                  "result": result}))
        for event in events:
            await ws.send(json.dumps(event))
        if stay:
            await self.hold.wait()


class Waiter:
    def __init__(self, count):
        self.count, self.done = count, asyncio.Event()

    def __call__(self, played):
        self.count -= 1
        if self.count <= 0:
            self.done.set()


async def run_agent(hub: FakeHub, sink: RecordingSink, delays: list, until, on_sleep=None):
    async with serve(hub.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]

        async def fake_sleep(seconds):
            delays.append(seconds)
            if on_sleep:
                on_sleep(seconds)
            await asyncio.sleep(0)

        agent = SpeakerAgent(f"ws://127.0.0.1:{port}/api/ws", TOKEN, ClipLibrary(SOUNDS), sink,
                             zone="A", sleep=fake_sleep, rand=lambda: 0.5, clock=sink.clock, heartbeat_s=None)
        task = asyncio.create_task(agent.run())
        try:
            await asyncio.wait_for(until(agent), 10)
            await asyncio.wait_for(agent.idle(), 10)
        finally:
            hub.hold.set()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return agent


def assert_no_overlap(sink: RecordingSink):
    assert sink.overlaps == 0
    for before, after in zip(sink.played, sink.played[1:], strict=False):
        assert before.end <= after.start
    assert all(p.end - p.start == pytest.approx(p.duration_s) for p in sink.played)


def snapshot(events, stay=True):
    return lambda sub: ({"mode": "snapshot", "snapshot": {}, "seq": 0}, events, stay)


async def until_seq(agent, seq):
    while agent.last_seq != seq:
        await asyncio.sleep(0)


async def test_calls_play_in_seq_order_without_overlap_and_none_skipped():
    burst = [call_event(1, "A001", 1), other_event(2), call_event(3, "A002", 2),
             call_event(4, "B001", 12), call_event(5, "A001", 1, recall=True, at=T0 + 20),
             call_event(6, "A003", 3, at=T0 + 20)]
    hub = FakeHub([snapshot(burst)])
    sink = RecordingSink(clock=ManualClock(T0))
    agent = await run_agent(hub, sink, [], lambda agent: until_seq(agent, 6))
    # window 1's first call was superseded by its recall; the rest play in order, full or short
    assert agent.played_seqs == [3, 4, 5, 6] and agent.skipped == [(1, "superseded")]
    assert_no_overlap(sink)
    assert all(3.0 <= p.duration_s <= 16.0 for p in sink.played)
    assert hub.subscribes[0]["scope"] == {"zone": "A"} and "since" not in hub.subscribes[0]


async def test_20_calls_in_2_s_speak_only_fresh_calls_latest_per_window_shortened():
    windows = list(range(1, 17)) + [1, 2, 3, 4]  # windows 1-4 call twice
    burst = [call_event(i + 1, f"A{i + 1:03d}", w, at=T0 + 0.1 * i) for i, w in enumerate(windows)]
    hub = FakeHub([snapshot(burst)])
    sink = RecordingSink(clock=ManualClock(T0 + 2))
    agent = await run_agent(hub, sink, [], lambda agent: until_seq(agent, 20))
    at = {e["seq"]: e["event"]["at"] for e in burst}
    spoken = [(p.start - T0, seq) for p, seq in zip(sink.played, agent.played_seqs, strict=False)]
    assert all(p.start - at[seq] <= 30 for p, seq in zip(sink.played, agent.played_seqs, strict=False)), spoken
    assert agent.played_seqs == sorted(agent.played_seqs) and agent.played_seqs[0] == 5
    assert sorted(agent.played_seqs + [seq for seq, _ in agent.skipped]) == list(range(1, 21))
    assert [seq for seq, why in agent.skipped if why == "superseded"] == [1, 2, 3, 4]
    stale = [seq for seq, why in agent.skipped if why == "stale"]
    assert stale and min(stale) > max(agent.played_seqs)  # the tail went stale while the head played
    assert agent.shortened == agent.played_seqs  # a backlog all along: short forms
    assert all(not any(c.startswith("en/") for c in p.clips) for p in sink.played)
    assert_no_overlap(sink)


async def test_after_a_60_s_disconnect_only_fresh_calls_are_spoken():
    first = [call_event(1, "A001", 1), call_event(2, "A002", 2)]

    def replay(sub):  # the calls made while the speaker was away, replayed from `since`
        events = [call_event(3, "A003", 3, at=T0 + 5), call_event(4, "A004", 4, at=T0 + 20),
                  call_event(5, "A005", 5, at=T0 + 45), other_event(6), call_event(7, "A006", 6, at=T0 + 58)]
        return {"mode": "replay", "from": sub["since"] + 1, "seq": 7}, events, True

    hub = FakeHub([snapshot(first, stay=False), replay])
    clock = ManualClock(T0)
    sink = RecordingSink(clock=clock)

    def disconnected_for_60_s(_seconds):
        clock.now = T0 + 62

    agent = await run_agent(hub, sink, [], lambda agent: until_seq(agent, 7), on_sleep=disconnected_for_60_s)
    assert [s.get("since") for s in hub.subscribes] == [None, 2]
    assert agent.played_seqs == [1, 2, 5, 7]
    assert sorted(agent.skipped) == [(3, "stale"), (4, "stale")]
    assert all(p.start - e <= 30 for p, e in zip(sink.played[2:], (T0 + 45, T0 + 58), strict=False))
    assert_no_overlap(sink)


async def test_a_wrong_token_stops_the_speaker_with_a_clear_message(capsys):
    hub = FakeHub([])
    async with serve(hub.handler, "127.0.0.1", 0) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/api/ws"
        agent = SpeakerAgent(url, "wrong", ClipLibrary(SOUNDS), RecordingSink(), heartbeat_s=None)
        with pytest.raises(Refused):
            await asyncio.wait_for(agent.run(), 10)
        code = await asyncio.wait_for(asyncio.to_thread(main, ["--server", url, "--token", "wrong",
                                                               "--sink", "null"]), 10)
    assert code == 2 and "refused the token" in capsys.readouterr().err


async def test_missing_clip_fetched_from_the_server_once(tmp_path):
    from aiohttp import web  # a real HTTP server standing in for GET /sounds/<clip>.wav

    requests = []

    async def sound(request):
        requests.append(request.match_info["clip"])
        path = SOUNDS / f"{request.match_info['clip']}.wav"
        return web.Response(body=path.read_bytes()) if path.is_file() else web.Response(status=404)

    app = web.Application()
    app.router.add_get("/sounds/{clip:.+}.wav", sound)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        cache = tmp_path / "cache"
        library = ClipLibrary(tmp_path / "empty", extra_dirs=(cache,))
        fetcher = ClipFetcher(sounds_url(f"ws://127.0.0.1:{port}/api/ws"), cache)
        clips = ["chime", "cmn/qing", "cmn/nothing_here"]
        await asyncio.wait_for(fetcher.ensure(library, clips), 10)
        await asyncio.wait_for(fetcher.ensure(library, clips), 10)
    finally:
        await runner.cleanup()
    assert sorted(requests) == ["chime", "cmn/nothing_here", "cmn/qing"]
    assert library.render(clips) == ClipLibrary(SOUNDS).render(clips[:2])


async def test_aplay_without_a_sound_card_logs_why_and_keeps_going(caplog):
    sink = AplaySink(margin_s=5)
    wav = ClipLibrary(SOUNDS).render(["chime"])
    await asyncio.wait_for(sink.play(wav, ["chime"]), 15)
    await asyncio.wait_for(sink.play(wav, ["chime"]), 15)
    # no card in CI: one warning saying why; with a card it plays and logs nothing
    warnings = [r for r in caplog.records if "voice unavailable" in r.message]
    assert len(warnings) <= 1


def test_short_form_keeps_the_chime_and_the_first_language():
    clips = announcement_for("A012", 3, False, VoiceSettings())["clips"]
    short = short_form(clips)
    assert short[0] == "chime" and all(c == "chime" or c.startswith("cmn/") for c in short)
    assert len(short) < len(clips)


# --- against the real server ----------------------------------------------------------------------

async def test_the_speaker_signs_in_as_its_display_s_agent_and_shows_on_the_board(hall):
    from server import appkeys as K

    url = hall.url("/api/ws").replace("http://", "ws://")
    agent = SpeakerAgent(url, hall.creds["agents"]["speaker-hall"], ClipLibrary(SOUNDS), RecordingSink(),
                         heartbeat_s=None)
    task = asyncio.create_task(agent.run())
    try:
        async def connected():
            while hall.app[K.HUB].devices.get("speaker-hall", {}).get("agent") is not True:
                await asyncio.sleep(0.01)
        await asyncio.wait_for(connected(), 10)
        assert hall.app[K.HUB].devices["speaker-hall"]["online"] is True
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def gone():
        while hall.app[K.HUB].devices["speaker-hall"]["agent"] is not False:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(gone(), 10)


async def test_a_page_token_stops_the_speaker_with_a_clear_message(hall, capsys):
    url = hall.url("/api/ws").replace("http://", "ws://")
    agent = SpeakerAgent(url, hall.device_token("speaker-hall"), ClipLibrary(SOUNDS), RecordingSink(),
                         heartbeat_s=None)
    with pytest.raises(Refused, match="display's token"):
        await asyncio.wait_for(agent.run(), 10)
    code = await asyncio.wait_for(asyncio.to_thread(main, ["--server", url, "--token", "not-a-token",
                                                           "--sink", "null"]), 10)
    assert code == 2 and "agent token" in capsys.readouterr().err
