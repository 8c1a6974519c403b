"""Synthesis of one clip to a WAV file, at build time only (never on the call path).

pyttsx3 drives libespeak-ng in-process and can hang (a second runAndWait() with nothing queued
never returns), so the engine lives in its own worker process and every clip has a timeout. A
timed-out or failed worker is killed and the clip is made by the `espeak-ng` command line instead,
which subprocess.run kills on timeout. Output is normalised to 22050 Hz mono 16-bit, trimmed and
peak-normalised so clips from different voices join cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from . import pcm

log = logging.getLogger("hallq.voice.synth")

DEFAULT_TIMEOUT_S = 10.0


class SynthesisError(RuntimeError):
    """Neither pyttsx3 nor the espeak-ng command line could make a clip."""


@dataclass(frozen=True)
class Request:
    text: str
    voice: str
    rate: int
    path: str


def _worker_main(conn) -> None:
    """Worker process: one pyttsx3 engine, one clip per request, one runAndWait() per clip."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        import pyttsx3
        engine = pyttsx3.init("espeak")
        while (request := conn.recv()) is not None:
            try:
                engine.setProperty("voice", request.voice)
                engine.setProperty("rate", request.rate)
                engine.save_to_file(request.text, request.path)
                engine.runAndWait()
                conn.send(("ok", ""))
            except Exception as exc:  # noqa: BLE001 - reported to the parent, which falls back to the CLI
                conn.send(("error", repr(exc)))


class Pyttsx3Worker:
    """A pyttsx3 engine in a child process, restarted after a hang or crash."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S):
        self.timeout_s = timeout_s
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None  # set together with _process

    def _running(self) -> Connection:
        """The pipe to a live worker, starting one if there is none or it died."""
        if self._process is None or self._conn is None or not self._process.is_alive():
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_worker_main, args=(child,), daemon=True)
            self._process.start()
            child.close()
        return self._conn

    def synthesize(self, request: Request) -> None:
        """Write request.path or raise SynthesisError (the worker is then killed)."""
        conn = self._running()
        try:
            conn.send(request)
            if not conn.poll(self.timeout_s):
                raise SynthesisError(f"pyttsx3 timed out after {self.timeout_s} s")
            status, detail = conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self.close()
            raise SynthesisError(f"pyttsx3 worker died: {exc!r}") from None
        except SynthesisError:
            self.close()
            raise
        if status != "ok":
            raise SynthesisError(f"pyttsx3 failed: {detail}")

    def close(self) -> None:
        if self._process is None or self._conn is None:
            return
        with contextlib.suppress(OSError, BrokenPipeError):
            self._conn.send(None)
        self._process.join(1.0)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(1.0)
        self._conn.close()
        self._process = self._conn = None

    def __enter__(self) -> Pyttsx3Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def espeak_cli(request: Request, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
    """The killable fallback: `espeak-ng -v VOICE -s RATE -w FILE TEXT`."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SynthesisError("espeak-ng command not found (apt-get install espeak-ng)")
    command = [exe, "-v", request.voice, "-s", str(request.rate), "-w", request.path, "--",
               request.text]
    try:
        subprocess.run(command, check=True, timeout=timeout_s, capture_output=True)
    except subprocess.TimeoutExpired:
        raise SynthesisError(f"espeak-ng timed out after {timeout_s} s") from None
    except subprocess.CalledProcessError as exc:
        raise SynthesisError(f"espeak-ng failed: {exc.stderr.decode(errors='replace')}") from None


def espeak_voices(timeout_s: float = DEFAULT_TIMEOUT_S) -> set[str]:
    """Voice names espeak-ng knows (`espeak-ng --voices`: language column and file path)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return set()
    listing = subprocess.run([exe, "--voices"], capture_output=True, text=True, timeout=timeout_s,
                             check=False).stdout.splitlines()[1:]
    names = set()
    for columns in (line.split() for line in listing):
        if len(columns) >= 5:
            names |= {columns[1].lower(), columns[4].lower(), columns[4].split("/")[-1].lower()}
    return names


def check_voice(voice: str, known: set[str]) -> None:
    """espeak-ng silently uses its default voice for an unknown name: refuse it instead."""
    if known and voice.lower() not in known:
        raise SynthesisError(f"espeak-ng has no voice {voice!r} (see `espeak-ng --voices`)")


def to_hallq_format(path: Path) -> bytes:
    """Frames of `path` at 22050 Hz mono 16-bit; other formats are converted with sox."""
    if pcm.wav_params(path) == (pcm.RATE, pcm.CHANNELS, pcm.SAMPLE_WIDTH):
        return pcm.read_frames(path)
    if shutil.which("sox") is None:
        raise SynthesisError(f"{path}: not 22050 Hz mono 16-bit and sox is not installed")
    converted = path.with_suffix(".conv.wav")
    subprocess.run(["sox", str(path), "-r", str(pcm.RATE), "-c", "1", "-b", "16", str(converted)],
                   check=True, timeout=30, capture_output=True)
    return pcm.read_frames(converted)


def _usable(path: Path) -> bool:
    try:
        return path.stat().st_size > 44 and pcm.wav_params(path)[0] > 0
    except (OSError, EOFError, ValueError):
        return False


def synthesize_clip(text: str, voice: str, rate: int, out_path: str | Path,
                    worker: Pyttsx3Worker | None = None,
                    timeout_s: float = DEFAULT_TIMEOUT_S,
                    known_voices: set[str] | None = None) -> str:
    """Synthesise `text` into `out_path` (hallq format); returns the engine used.
    `known_voices` (from espeak_voices()) skips listing the voices again for each clip."""
    check_voice(voice, espeak_voices() if known_voices is None else known_voices)
    with tempfile.TemporaryDirectory(prefix="hallq-synth-") as tmp:
        raw = Path(tmp) / "raw.wav"
        engine = _synthesize_raw(Request(text, voice, rate, str(raw)), worker, timeout_s)
        frames = pcm.normalise_peak(pcm.trim_silence(to_hallq_format(raw)))
    if pcm.duration_ms(frames) < 50:
        raise SynthesisError(f"{voice}: {text!r} came out silent")
    pcm.write_wav(out_path, frames)
    return engine


def _synthesize_raw(request: Request, worker: Pyttsx3Worker | None, timeout_s: float) -> str:
    if worker is not None:
        try:
            worker.synthesize(request)
            if _usable(Path(request.path)):
                return "pyttsx3"
            log.warning("pyttsx3 wrote no audio for %r (%s); using espeak-ng CLI",
                        request.text, request.voice)
        except SynthesisError as exc:
            log.warning("%s for %r (%s); using espeak-ng CLI", exc, request.text, request.voice)
    espeak_cli(request, timeout_s)
    if not _usable(Path(request.path)):
        raise SynthesisError(f"espeak-ng wrote no audio for {request.text!r}")
    return "espeak-ng"
