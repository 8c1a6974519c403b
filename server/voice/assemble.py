"""Announcement audio from pre-built clips: the call path only joins PCM frames (no synthesis).

A missing or unreadable clip is skipped with one warning per clip, so a hall that lacks some clip
still hears the chime and the rest of the announcement.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from . import pcm
from .templates import CHIME, VoiceSettings, clip_plan

log = logging.getLogger("hallq.voice")

SAFE_CLIP_ID = re.compile(r"^[A-Za-z0-9_]{1,64}(/[A-Za-z0-9_]{1,64})?$")


def is_safe_clip_id(clip_id: str) -> bool:
    """Clip ids travel over the wire; only `name` or `lang/name` of [A-Za-z0-9_] maps to a file."""
    return isinstance(clip_id, str) and bool(SAFE_CLIP_ID.match(clip_id))


def clip_group(clip_id: str) -> str:
    """"chime", or the language part of "cmn/qing": a longer pause goes between groups."""
    return clip_id.split("/", 1)[0]


class ClipLibrary:
    """The clips of one sounds folder, loaded on first use and kept in memory as PCM frames."""

    def __init__(self, sound_dir: str | Path, gap_ms: int = 80, group_gap_ms: int = 300,
                 extra_dirs: tuple[str | Path, ...] = ()):
        self.sound_dir = Path(sound_dir)
        self.dirs = (self.sound_dir, *map(Path, extra_dirs))
        self.gap = pcm.silence(gap_ms)
        self.group_gap = pcm.silence(group_gap_ms)
        self._frames: dict[str, bytes | None] = {}
        self.last_render_ms = 0.0

    def path(self, clip_id: str) -> Path:
        """Where the clip is (first folder that has it), else where it would be in sound_dir."""
        return self.find(clip_id) or self.sound_dir / f"{clip_id}.wav"

    def find(self, clip_id: str) -> Path | None:
        if not is_safe_clip_id(clip_id):
            return None
        return next((p for d in self.dirs if (p := d / f"{clip_id}.wav").is_file()), None)

    def forget(self, clip_id: str) -> None:
        """Drop a cached (possibly missing) clip so the next use reads the folder again."""
        self._frames.pop(clip_id, None)

    def frames(self, clip_id: str) -> bytes | None:
        """PCM frames of a clip, or None (warned once) when it is missing or not in hallq format."""
        if clip_id not in self._frames:
            self._frames[clip_id] = self._load(clip_id)
        return self._frames[clip_id]

    def _load(self, clip_id: str) -> bytes | None:
        if not is_safe_clip_id(clip_id):
            log.warning("voice clip id %r is not a safe name; skipped", clip_id)
            return None
        try:
            return pcm.read_frames(self.path(clip_id))
        except (OSError, EOFError, ValueError) as exc:
            log.warning("voice clip %s unavailable, skipped in announcements: %s", clip_id, exc)
            return None

    def has(self, clip_id: str) -> bool:
        return self.frames(clip_id) is not None

    def preload(self, clip_ids) -> int:
        """Load clips ahead of the first call; returns how many are available."""
        return sum(self.has(clip_id) for clip_id in clip_ids)

    def render_frames(self, clips: list[str]) -> bytes:
        parts, previous = [], None
        for clip_id in clips:
            frames = self.frames(clip_id)
            if frames is None:
                continue
            if previous is not None:
                same = clip_group(previous) == clip_group(clip_id)
                parts.append(self.gap if same else self.group_gap)
            parts.append(frames)
            previous = clip_id
        return b"".join(parts)

    def render(self, clips: list[str]) -> bytes:
        """One WAV (22050 Hz mono 16-bit) of the clips back to back with short gaps."""
        started = time.perf_counter()
        data = pcm.wav_bytes(self.render_frames(clips))
        self.last_render_ms = 1000 * (time.perf_counter() - started)
        return data

    def voice_available(self) -> bool:
        """True when at least one spoken clip exists besides the chime."""
        return any(p.suffix == ".wav" and p.stem != CHIME for p in self.sound_dir.rglob("*.wav"))


def voice_problems(library: ClipLibrary, settings: VoiceSettings) -> list[str]:
    """Why announcements would be incomplete (English, for the server log); empty when all is well.

    The server calls this at start-up and logs each line: the chime and the screens keep working
    whatever is missing here."""
    if not library.sound_dir.is_dir():
        return [f"sounds folder {library.sound_dir} missing: run `hallq sounds build`"]
    problems = [] if library.has(CHIME) else [f"chime missing in {library.sound_dir}"]
    if not settings.enabled:
        return problems + ["voice disabled by voice.enabled = false: chime only"]
    missing = [spec.clip_id for spec in clip_plan(settings) if not library.has(spec.clip_id)]
    if missing:
        problems.append(f"{len(missing)} voice clips missing (e.g. {', '.join(missing[:5])}): "
                        "announcements skip them; run `hallq sounds build`")
    return problems
