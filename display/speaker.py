"""`hallq speaker`: plays hall announcements on a PC's sound card (halls with a PA system).

Connects to /api/ws with the websockets client, authenticates, subscribes (with `since` after a
reconnect) and queues the `announcement` of every ticket_called / ticket_recalled event. One
player task plays them strictly in seq order, one at a time: a call is never dropped, two calls
never overlap, and an event already seen (seq <= last seen) is never played again. Clips come
from a local sounds folder; a clip missing there is fetched once from GET /sounds/<clip>.wav and
cached. The sound output is a one-method seam (`Sink.play`): aplay, null, or a recording fake.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import json
import logging
import random
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Protocol

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from server.voice.assemble import ClipLibrary, is_safe_clip_id

log = logging.getLogger("hallq.speaker")

ANNOUNCED = ("ticket_called", "ticket_recalled")
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0


def wav_duration_s(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


# --- sinks ------------------------------------------------------------------------------------

class Sink(Protocol):
    async def play(self, wav: bytes, clips: list[str]) -> None:
        """Play one announcement to the end (or give up); never raises."""


class NullSink:
    """No sound output: announcements are consumed in order and logged."""

    async def play(self, wav: bytes, clips: list[str]) -> None:
        log.info("announcement (null sink, %.1f s): %s", wav_duration_s(wav), " ".join(clips))


class AplaySink:
    """Plays through ALSA with `aplay -q FILE`, bounded by the WAV's duration plus a margin."""

    def __init__(self, margin_s: float = 5.0, device: str | None = None):
        self.margin_s = margin_s
        self.device = device
        self._reported: set[str] = set()

    def _report(self, why: str) -> None:
        if why not in self._reported:  # once per reason: a missing card would flood the log
            self._reported.add(why)
            log.warning("voice unavailable: %s; calls are still followed, screens unaffected", why)

    async def play(self, wav: bytes, clips: list[str]) -> None:
        exe = shutil.which("aplay")
        if exe is None:
            return self._report("aplay not found (apt-get install alsa-utils)")
        with tempfile.NamedTemporaryFile(suffix=".wav") as file:
            file.write(wav)
            file.flush()
            command = [exe, "-q", *(["-D", self.device] if self.device else []), file.name]
            await self._run(command, wav_duration_s(wav) + self.margin_s)

    async def _run(self, command: list[str], timeout_s: float) -> None:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout_s)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
            return self._report(f"aplay did not finish within {timeout_s:.0f} s (killed)")
        if process.returncode != 0:
            self._report(f"aplay failed: {stderr.decode(errors='replace').strip()[:200]}")


class ManualClock:
    """A clock that only moves when told to (tests, demos)."""

    def __init__(self, start: float = 0.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Played:
    start: float
    end: float
    clips: list[str]
    duration_s: float


@dataclass
class RecordingSink:
    """Records what would be played. 'Playing' advances the injected clock by the WAV duration
    and yields to the loop meanwhile, so a second concurrent play would show as an overlap."""

    clock: ManualClock = field(default_factory=ManualClock)
    played: list[Played] = field(default_factory=list)
    overlaps: int = 0
    on_play: Callable[[Played], None] | None = None
    _active: int = 0

    async def play(self, wav: bytes, clips: list[str]) -> None:
        self._active += 1
        self.overlaps += self._active > 1
        start, duration = self.clock(), wav_duration_s(wav)
        for _ in range(3):  # let other tasks run "while the sound plays"
            await asyncio.sleep(0)
        self.clock.advance(duration)
        self._active -= 1
        self.played.append(Played(start, self.clock(), list(clips), duration))
        if self.on_play:
            self.on_play(self.played[-1])


# --- clips ------------------------------------------------------------------------------------

def sounds_url(ws_url: str) -> str:
    """ws://host:8080/api/ws -> http://host:8080/sounds/"""
    parts = urllib.parse.urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urllib.parse.urlunsplit((scheme, parts.netloc, "/sounds/", "", ""))


class ClipFetcher:
    """Fetches clips missing locally from the server into a cache folder, once per clip."""

    def __init__(self, base_url: str, cache_dir: Path, timeout_s: float = 5.0):
        self.base_url = base_url
        self.cache_dir = cache_dir
        self.timeout_s = timeout_s
        self._tried: set[str] = set()

    async def ensure(self, library: ClipLibrary, clips: list[str]) -> None:
        for clip_id in clips:
            if clip_id in self._tried or not is_safe_clip_id(clip_id) or library.find(clip_id):
                continue
            self._tried.add(clip_id)
            if await asyncio.to_thread(self._download, clip_id):
                library.forget(clip_id)

    def _download(self, clip_id: str) -> bool:
        target = self.cache_dir / f"{clip_id}.wav"
        try:
            with urllib.request.urlopen(self.base_url + clip_id + ".wav",
                                        timeout=self.timeout_s) as response:
                data = response.read()
        except OSError as exc:
            log.warning("voice clip %s not available from the server: %s", clip_id, exc)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return True


# --- the agent --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Announcement:
    seq: int
    clips: list[str]


def backoff_delay(attempt: int, rand: Callable[[], float]) -> float:
    """1 s, 2 s, 4 s ... capped at 30 s, each scaled by a jitter factor in [0.5, 1)."""
    base = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** min(attempt, 10))
    return base * (0.5 + rand() / 2)


class AuthError(Exception):
    """The server refused the token."""


class SpeakerAgent:
    def __init__(self, url: str, token: str, library: ClipLibrary, sink: Sink,
                 zone: str | None = None, fetcher: ClipFetcher | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rand: Callable[[], float] = random.random):
        self.url, self.token, self.zone = url, token, zone
        self.library, self.sink, self.fetcher = library, sink, fetcher
        self.sleep, self.rand = sleep, rand
        self.last_seq: int | None = None
        self.queue: asyncio.Queue[Announcement] = asyncio.Queue()  # unbounded: none dropped
        self.played_seqs: list[int] = []
        self.connections = 0
        self._ids = itertools.count(1)
        self._attempt = 0

    async def run(self) -> None:
        """Follow the hall until cancelled: reconnect with back-off, play in order."""
        player = asyncio.create_task(self.play_forever(), name="speaker-player")
        try:
            await self.follow_forever()
        finally:
            player.cancel()
            await asyncio.gather(player, return_exceptions=True)

    async def follow_forever(self) -> None:
        while True:
            try:
                await self.follow_once()
            except (OSError, WebSocketException, AuthError, ValueError) as exc:
                log.warning("connection to %s lost: %s", self.url, exc or type(exc).__name__)
            delay = backoff_delay(self._attempt, self.rand)
            self._attempt += 1
            await self.sleep(delay)

    async def follow_once(self) -> None:
        """One connection: auth, subscribe (since = last seq seen), then read until it closes."""
        async with connect(self.url, max_size=2 ** 20) as ws:
            self.connections += 1
            await self._request(ws, {"type": "auth", "token": self.token}, AuthError)
            subscribe = {"type": "subscribe", "scope": {"zone": self.zone} if self.zone else {}}
            if self.last_seq is not None:
                subscribe["since"] = self.last_seq
            self._on_subscribed(await self._request(ws, subscribe, ValueError))
            async for raw in ws:
                self.handle(json.loads(raw))

    async def _request(self, ws, message: dict, error: type[Exception]) -> dict:
        message = {"id": next(self._ids), **message}
        await ws.send(json.dumps(message))
        while True:
            reply = json.loads(await ws.recv())
            if reply.get("type") != "result" or reply.get("id") != message["id"]:
                self.handle(reply)  # an event can only follow our result, but be lenient
                continue
            if not reply.get("success"):
                raise error(f"{message['type']} refused: {reply.get('error')}")
            return reply.get("result") or {}

    def _on_subscribed(self, result: dict) -> None:
        self._attempt = 0  # back-off starts again at 1 s after a good connection
        if result.get("mode") == "snapshot":
            if self.last_seq is not None and result.get("seq", 0) > self.last_seq:
                log.warning("server sent a snapshot instead of a replay: calls between seq %s and "
                            "%s were not announced", self.last_seq, result.get("seq"))
            self.last_seq = max(self.last_seq or 0, int(result.get("seq", 0)))

    def handle(self, message: dict) -> None:
        """Queue the announcement of a new call event; ignore repeats (seq <= last seen)."""
        if message.get("type") != "event" or not isinstance(message.get("seq"), int):
            return
        seq = message["seq"]
        if self.last_seq is not None and seq <= self.last_seq:
            return
        self.last_seq = seq
        event = message.get("event") or {}
        clips = (event.get("announcement") or {}).get("clips")
        if event.get("type") in ANNOUNCED and clips:
            self.queue.put_nowait(Announcement(seq, list(clips)))

    async def play_forever(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                await self.play(item)
            except Exception:  # one bad announcement must not stop the ones after it
                log.exception("announcement seq %s could not be played", item.seq)
            finally:
                self.queue.task_done()

    async def play(self, item: Announcement) -> None:
        if self.fetcher is not None:
            await self.fetcher.ensure(self.library, item.clips)
        await self.sink.play(self.library.render(item.clips), item.clips)
        self.played_seqs.append(item.seq)


# --- command line -------------------------------------------------------------------------------

def make_sink(name: str) -> Sink:
    if name == "null":
        return NullSink()
    if shutil.which("aplay") is None:
        log.warning("voice unavailable: aplay not found (apt-get install alsa-utils); "
                    "following calls without sound")
        return NullSink()
    return AplaySink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq speaker",
                                     description="Play hall announcements on this PC's sound card.")
    parser.add_argument("--server", required=True, help="ws://host:port/api/ws")
    parser.add_argument("--token", required=True, help="device token of this speaker")
    parser.add_argument("--zone", help="announce only calls of this zone (default: whole hall)")
    parser.add_argument("--sink", choices=("aplay", "null"), default="aplay")
    parser.add_argument("--sounds", default="sounds", help="local clip folder (default: sounds)")
    parser.add_argument("--cache", default=None,
                        help="folder for clips fetched from the server (default: a temp folder)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cache = Path(args.cache or tempfile.mkdtemp(prefix="hallq-speaker-"))
    library = ClipLibrary(args.sounds, extra_dirs=(cache,))
    if not Path(args.sounds).is_dir():
        log.warning("sounds folder %s missing: clips will be fetched from the server", args.sounds)
    agent = SpeakerAgent(args.server, args.token, library, make_sink(args.sink), zone=args.zone,
                         fetcher=ClipFetcher(sounds_url(args.server), cache))
    try:
        asyncio.run(agent.run())
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
