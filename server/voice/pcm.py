"""The one audio format of hallq (22050 Hz, mono, 16-bit PCM WAV) and small pure-Python helpers.

No audioop (deprecated, gone in 3.13): samples are handled with `array('h')`.
"""

from __future__ import annotations

import io
import math
import sys
import wave
from array import array
from pathlib import Path

RATE = 22050
CHANNELS = 1
SAMPLE_WIDTH = 2
BYTES_PER_SECOND = RATE * CHANNELS * SAMPLE_WIDTH


class FormatError(ValueError):
    """A WAV file is not 22050 Hz mono 16-bit PCM."""


def read_frames(path: str | Path) -> bytes:
    """PCM frames of a WAV file in the hallq format; anything else raises FormatError."""
    with wave.open(str(path), "rb") as wav:
        params = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
        if params != (RATE, CHANNELS, SAMPLE_WIDTH):
            raise FormatError(f"{path}: {params[0]} Hz, {params[1]} ch, {8 * params[2]}-bit; "
                              f"expected {RATE} Hz mono 16-bit")
        return wav.readframes(wav.getnframes())


def wav_params(path: str | Path) -> tuple[int, int, int]:
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth()


def wav_bytes(frames: bytes) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(CHANNELS)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(RATE)
        wav.writeframes(frames)
    return buffer.getvalue()


def write_wav(path: str | Path, frames: bytes) -> None:
    Path(path).write_bytes(wav_bytes(frames))


def duration_ms(frames: bytes) -> int:
    return round(1000 * len(frames) / BYTES_PER_SECOND)


def silence(ms: int) -> bytes:
    return bytes(SAMPLE_WIDTH * CHANNELS * (RATE * ms // 1000))


def _samples(frames: bytes) -> array:
    samples = array("h")
    samples.frombytes(frames)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _frames(samples: array) -> bytes:
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def trim_silence(frames: bytes, threshold: int = 300, keep_ms: int = 30) -> bytes:
    """Cut leading and trailing near-silence (espeak pads clips), keeping a short margin."""
    samples = _samples(frames)
    loud = [i for i, s in enumerate(samples) if abs(s) > threshold]
    if not loud:
        return frames
    keep = RATE * keep_ms // 1000
    start, end = max(0, loud[0] - keep), min(len(samples), loud[-1] + keep)
    return _frames(samples[start:end])


def normalise_peak(frames: bytes, peak_dbfs: float = -3.0) -> bytes:
    """Scale so the loudest sample sits at `peak_dbfs`: clips from different voices match in level."""
    samples = _samples(frames)
    peak = max((abs(s) for s in samples), default=0)
    if peak == 0:
        return frames
    gain = 32767 * 10 ** (peak_dbfs / 20) / peak
    return _frames(array("h", (max(-32768, min(32767, round(s * gain))) for s in samples)))


def tone(freqs: tuple[float, ...], ms: int, decay_s: float, volume: float = 0.35) -> bytes:
    """A bell-like tone: summed partials with a fast attack and exponential decay."""
    count, attack = RATE * ms // 1000, RATE * 8 // 1000
    out = array("h")
    for i in range(count):
        t = i / RATE
        envelope = min(1.0, i / attack) * math.exp(-t / decay_s)
        value = sum(math.sin(2 * math.pi * f * t) / (n + 1) for n, f in enumerate(freqs))
        out.append(round(32767 * volume * envelope * value / len(freqs)))
    return _frames(out)


def mix(a: bytes, b: bytes, offset_ms: int) -> bytes:
    """Overlay b onto a starting at offset_ms (clipped to 16 bits); the result is long enough for both."""
    first, second = _samples(a), _samples(b)
    offset = RATE * offset_ms // 1000
    length = max(len(first), offset + len(second))
    out = array("h", first) + array("h", bytes(2 * (length - len(first))))
    for i, s in enumerate(second):
        out[offset + i] = max(-32768, min(32767, out[offset + i] + s))
    return _frames(out)
