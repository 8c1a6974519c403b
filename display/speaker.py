"""`hallq speaker`: plays hall announcements on a PC's sound card (halls with a PA system).

Connects to /api/ws with the display's agent token (server/hubclient.py), subscribes (with
`since` after a reconnect) and speaks the `announcement` of ticket_called / ticket_recalled
events, one at a time, never two at once. Announcements are for now (docs/voice.md, "Stale calls
and backlogs"):
- a call older than `max_age_s` (default 30 s, measured on the server's clock) is not spoken;
  the screens still show it. After a reconnect, only the replayed calls still that fresh are;
- when calls pile up, a window's older call is dropped once that window has called again
  (its latest call is the one that matters), the rest play oldest first, and while
  `short_from` or more wait, each is spoken in its short form (chime and the first language).
Clips come from a local sounds folder; a clip missing there is fetched once from
GET /sounds/<clip>.wav and cached. The sound output is a one-method seam (`Sink.play`).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import wave
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol
from collections.abc import Awaitable, Callable

from server.hubclient import HubClient, HubConnection, Refused
from server.voice.assemble import ClipLibrary, is_safe_clip_id

log = logging.getLogger("hallq.speaker")

ANNOUNCED = ("ticket_called", "ticket_recalled")


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
        except TimeoutError:
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

MAX_AGE_S = 30.0
SHORT_FROM = 3
HEARTBEAT_S = 3.0


@dataclass(frozen=True)
class Announcement:
    seq: int
    clips: list[str]
    window: int | None = None
    at: float | None = None  # when the clerk called, on the server's clock


def event_time(value) -> float | None:
    """An event's `at`: epoch seconds on the wire (an ISO time is accepted too)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


def short_form(clips: list[str]) -> list[str]:
    """The chime and the first language only ('cmn/...' clips of a cmn + en announcement)."""
    spoken = [c for c in clips if "/" in c]
    if not spoken:
        return list(clips)
    first = spoken[0].split("/", 1)[0]
    return [c for c in clips if "/" not in c or c.startswith(first + "/")]


class SpeakerAgent:
    def __init__(self, url: str, token: str, library: ClipLibrary, sink: Sink,
                 zone: str | None = None, fetcher: ClipFetcher | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rand: Callable[[], float] = random.random, clock: Callable[[], float] = time.time,
                 max_age_s: float | None = MAX_AGE_S, short_from: int = SHORT_FROM,
                 heartbeat_s: float | None = HEARTBEAT_S):
        self.library, self.sink, self.fetcher = library, sink, fetcher
        self.clock, self.max_age_s, self.short_from = clock, max_age_s, short_from
        self.client = HubClient(url, token, {"zone": zone} if zone else {}, sleep=sleep, rng=rand,
                                clock=clock, heartbeat_s=heartbeat_s)
        self.pending: list[Announcement] = []  # waiting to be spoken, in seq order
        self.played_seqs: list[int] = []
        self.skipped: list[tuple[int, str]] = []  # (seq, "stale" | "superseded")
        self.shortened: list[int] = []
        self._offset_s = 0.0  # server clock minus ours
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def last_seq(self) -> int | None:
        return self.client.last_seq

    @property
    def connections(self) -> int:
        return self.client.attempts

    async def run(self) -> None:
        """Follow the hall until cancelled. Raises Refused when the token is refused."""
        player = asyncio.create_task(self.play_forever(), name="speaker-player")
        try:
            await self.client.run(self._serve)
        finally:
            player.cancel()
            await asyncio.gather(player, return_exceptions=True)

    async def _serve(self, conn: HubConnection, subscribed: dict) -> None:
        role = conn.auth.get("role")
        if role != "speaker_agent":  # a page's token: the speaker must not pose as a screen
            raise Refused(f"this is a {role}'s token, not a speaker agent's")
        self._offset_s = conn.clock_offset_s
        while True:
            self.handle(await conn.inbox.get())

    def server_now(self) -> float:
        return self.clock() + self._offset_s

    def handle(self, message: dict) -> None:
        """Queue the announcement of a call event (the hub client already dropped repeats)."""
        if message.get("type") != "event" or not isinstance(message.get("seq"), int):
            return
        event = message.get("event") or {}
        clips = (event.get("announcement") or {}).get("clips")
        if event.get("type") in ANNOUNCED and clips:
            self.pending.append(Announcement(message["seq"], list(clips), event.get("window"),
                                             event_time(event.get("at"))))
            self._idle.clear()
            self._wakeup.set()

    def next_announcement(self) -> tuple[Announcement, bool] | None:
        """The policy: drop stale and superseded calls; the oldest left, short if many wait."""
        now, fresh = self.server_now(), []
        for item in self.pending:
            if self.max_age_s is not None and item.at is not None and now - item.at > self.max_age_s:
                self.skipped.append((item.seq, "stale"))
            else:
                fresh.append(item)
        latest = {item.window: item.seq for item in fresh}
        self.pending = []
        for item in fresh:
            if latest[item.window] == item.seq:
                self.pending.append(item)
            else:
                self.skipped.append((item.seq, "superseded"))
        if not self.pending:
            return None
        return self.pending.pop(0), len(self.pending) + 1 >= self.short_from

    async def play_forever(self) -> None:
        while True:
            chosen = self.next_announcement()
            if chosen is None:
                self._idle.set()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            item, short = chosen
            try:
                await self.play(item, short)
            except Exception:  # one bad announcement must not stop the ones after it
                log.exception("announcement seq %s could not be played", item.seq)

    @property
    def is_idle(self) -> bool:
        """Nothing is waiting to be spoken and nothing is playing."""
        return self._idle.is_set()

    async def idle(self) -> None:
        """Wait until nothing is left to speak (tests, shutdown)."""
        await self._idle.wait()

    async def play(self, item: Announcement, short: bool = False) -> None:
        clips = short_form(item.clips) if short else item.clips
        if self.fetcher is not None:
            await self.fetcher.ensure(self.library, clips)
        await self.sink.play(self.library.render(clips), clips)
        self.played_seqs.append(item.seq)
        if short:
            self.shortened.append(item.seq)


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
    parser.add_argument("--token", help="the display's agent token (or --token-file, or HALLQ_AGENT_TOKEN)")
    parser.add_argument("--token-file", help="file holding the agent token (keeps it out of `ps`)")
    parser.add_argument("--zone", help="announce only calls of this zone (default: whole hall)")
    parser.add_argument("--sink", choices=("aplay", "null"), default="aplay")
    parser.add_argument("--sounds", default="sounds", help="local clip folder (default: sounds)")
    parser.add_argument("--cache", default=None,
                        help="folder for clips fetched from the server (default: a temp folder)")
    parser.add_argument("--max-age", type=float, default=MAX_AGE_S,
                        help="seconds after which a call is no longer spoken (default 30)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = _token(args)
    if not token:
        print("hallq speaker: the display's agent token is needed: --token, --token-file or "
              "HALLQ_AGENT_TOKEN", file=sys.stderr)
        return 2
    cache = Path(args.cache or tempfile.mkdtemp(prefix="hallq-speaker-"))
    library = ClipLibrary(args.sounds, extra_dirs=(cache,))
    if not Path(args.sounds).is_dir():
        log.warning("sounds folder %s missing: clips will be fetched from the server", args.sounds)
    agent = SpeakerAgent(args.server, token, library, make_sink(args.sink), zone=args.zone,
                         fetcher=ClipFetcher(sounds_url(args.server), cache), max_age_s=args.max_age)
    try:
        asyncio.run(agent.run())
    except KeyboardInterrupt:
        return 0
    except Refused as exc:
        print(f"hallq speaker: the server refused the token ({exc}); use the display's agent token "
              "(agent_token_hash in the hall file), not a page's token", file=sys.stderr)
        return 2
    return 0


def _token(args: argparse.Namespace) -> str:
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as handle:
            return handle.read().strip()
    return args.token or os.environ.get("HALLQ_AGENT_TOKEN", "")


if __name__ == "__main__":
    sys.exit(main())
