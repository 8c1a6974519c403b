"""Real WAV: the shipped clips, assembled announcements, fresh synthesis with espeak-ng."""

import hashlib
import io
import json
import logging
import wave
from pathlib import Path

import pytest

from server.voice import pcm
from server.voice.assemble import ClipLibrary, voice_problems
from server.voice.build import build_clips, chime_frames
from server.voice.synth import Pyttsx3Worker, Request, SynthesisError, espeak_cli, synthesize_clip
from server.voice.templates import VoiceSettings, announcement_for, clip_plan

SOUNDS = Path(__file__).resolve().parents[2] / "sounds"
ALL_LANGUAGES = VoiceSettings.from_dict({"languages": ["cmn", "yue", "en"]})


def read_wav(data: bytes) -> tuple[int, int, int, float]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        return (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(),
                wav.getnframes() / wav.getframerate())


def manifest() -> dict:
    return json.loads((SOUNDS / "manifest.json").read_text("utf-8"))["clips"]


def test_announcement_a012_window_3_assembles_to_a_plausible_wav():
    library = ClipLibrary(SOUNDS)
    clips = announcement_for("A012", 3, False, VoiceSettings())["clips"]
    rate, channels, width, seconds = read_wav(library.render(clips))
    assert (rate, channels, width) == (22050, 1, 2)
    assert 3.0 <= seconds <= 12.0
    expected = sum(manifest()[c]["duration_ms"] for c in clips) / 1000
    assert expected < seconds < expected + 0.35 * len(clips)  # clips plus short gaps, nothing else


def test_assembled_audio_is_exactly_the_clips_in_order_with_gaps():
    library = ClipLibrary(SOUNDS, gap_ms=100, group_gap_ms=300)
    clips = ["chime", "cmn/qing", "cmn/letter_A", "en/digit_3"]
    frames = library.render_frames(clips)
    parts = [pcm.read_frames(SOUNDS / f"{c}.wav") for c in clips]
    expected = (parts[0] + pcm.silence(300) + parts[1] + pcm.silence(100) + parts[2]
                + pcm.silence(300) + parts[3])
    assert frames == expected


def test_every_planned_clip_ships_and_matches_the_manifest():
    entries = manifest()
    planned = {spec.clip_id for spec in clip_plan(ALL_LANGUAGES)} | {"chime"}
    assert planned <= set(entries)
    total = 0
    for clip_id, entry in entries.items():
        path = SOUNDS / entry["file"]
        data = path.read_bytes()
        total += len(data)
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], clip_id
        rate, channels, width, seconds = read_wav(data)
        assert (rate, channels, width) == (22050, 1, 2), clip_id
        assert entry["sample_rate"] == 22050
        assert abs(seconds * 1000 - entry["duration_ms"]) <= 1, clip_id
        assert 0.08 <= seconds <= 2.5, clip_id
    assert total < 5_000_000
    assert voice_problems(ClipLibrary(SOUNDS), ALL_LANGUAGES) == []


def test_chime_is_a_two_tone_ding_dong():
    frames = chime_frames()
    assert 1000 <= pcm.duration_ms(frames) <= 1600
    assert (SOUNDS / "chime.wav").read_bytes() == pcm.wav_bytes(frames)


def test_missing_clip_is_skipped_with_one_warning(tmp_path, caplog):
    (tmp_path / "cmn").mkdir()
    (tmp_path / "chime.wav").write_bytes((SOUNDS / "chime.wav").read_bytes())
    library = ClipLibrary(tmp_path)
    with caplog.at_level(logging.WARNING, logger="hallq.voice"):
        first = library.render(["chime", "cmn/qing"])
        library.render(["chime", "cmn/qing"])
    assert first == (SOUNDS / "chime.wav").read_bytes()
    assert sum("cmn/qing" in r.message for r in caplog.records) == 1
    problems = voice_problems(library, VoiceSettings())
    assert problems and "voice clips missing" in problems[0]
    assert "missing" in voice_problems(ClipLibrary(tmp_path / "nowhere"), VoiceSettings())[0]


def test_unsafe_clip_ids_never_touch_the_filesystem(tmp_path):
    library = ClipLibrary(tmp_path)
    assert library.render(["../etc/passwd", "/abs", "a/b/c"]) == pcm.wav_bytes(b"")


@pytest.mark.parametrize("voice, text, low_ms, high_ms", [
    ("en-us", "please go to window", 700, 2000),
    ("cmn-latn-pinyin", "號窗口辦理", 900, 2500),
    ("yue", "請", 150, 900),
])
def test_fresh_clip_from_espeak_ng_cli(tmp_path, voice, text, low_ms, high_ms):
    raw = tmp_path / "raw.wav"
    espeak_cli(Request(text, voice, 165, str(raw)))
    frames = pcm.trim_silence(pcm.read_frames(raw))
    assert low_ms <= pcm.duration_ms(frames) <= high_ms


def test_fresh_clip_through_the_pyttsx3_worker(tmp_path):
    out = tmp_path / "number.wav"
    with Pyttsx3Worker(timeout_s=20) as worker:
        engine = synthesize_clip("Number", "en-us", 165, out, worker)
    assert engine in ("pyttsx3", "espeak-ng")
    rate, channels, width, seconds = read_wav(out.read_bytes())
    assert (rate, channels, width) == (22050, 1, 2) and 0.2 <= seconds <= 1.5


def test_mandarin_voice_choice_matters():
    """The plain cmn voice reads hanzi as English-sounding pinyin: longer than the pinyin voice."""
    def duration(voice, tmp):
        espeak_cli(Request("號窗口辦理", voice, 165, tmp))
        return pcm.duration_ms(pcm.trim_silence(pcm.read_frames(tmp)))
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        assert duration("cmn", f"{tmp}/a.wav") > duration("cmn-latn-pinyin", f"{tmp}/b.wav") * 1.1


def test_unknown_voice_raises(tmp_path):
    with pytest.raises(SynthesisError):
        synthesize_clip("x", "no-such-voice-zz", 165, tmp_path / "x.wav", worker=None)


def test_build_for_a_custom_template(tmp_path):
    settings = VoiceSettings.from_dict({"languages": ["en"],
                                        "templates": {"en": "Ticket {number} to desk {window}"}})
    built = build_clips(tmp_path, settings)["clips"]
    assert "chime" in built and "en/digit_7" in built
    clips = announcement_for("A7", 2, False, settings)["clips"]
    assert all(c in built for c in clips)
    rate, _, _, seconds = read_wav(ClipLibrary(tmp_path).render(clips))
    assert rate == 22050 and 2.0 <= seconds <= 8.0
    again = build_clips(tmp_path, settings)["clips"]  # rebuild: unchanged clips are kept as is
    assert again == built
