"""Time from a call (ticket label + window) to announcement WAV bytes ready. Goal: under 20 ms.

Measures announcement_for() + ClipLibrary.render() with the shipped clips:
- warm: one library, clips already in memory, N calls with varied labels and windows;
- cold: a fresh library per call (clips read from disk on that first call), as on the first call
  after start-up without preload.

Run from the repository root: .venv/bin/python -m bench.bench_voice [--calls 1000] [--cold 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from server.voice.assemble import ClipLibrary
from server.voice.templates import VoiceSettings, announcement_for

SOUNDS = Path(__file__).resolve().parents[1] / "sounds"


def one_call(library: ClipLibrary, settings: VoiceSettings, label: str, window: int) -> float:
    started = time.perf_counter()
    announcement = announcement_for(label, window, False, settings)
    library.render(announcement["clips"])
    return 1000 * (time.perf_counter() - started)


def random_call(rng: random.Random) -> tuple[str, int]:
    return f"{rng.choice('ABCDEFGH')}{rng.randrange(1000):03d}", rng.randrange(1, 60)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(name: str, times: list[float]) -> str:
    return (f"{name:<28} n={len(times):<5} median {statistics.median(times):7.3f} ms   "
            f"p99 {percentile(times, 0.99):7.3f} ms   max {max(times):7.3f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--cold", type=int, default=50)
    parser.add_argument("--languages", default="cmn,en")
    args = parser.parse_args(argv)
    settings = VoiceSettings.from_dict({"languages": args.languages.split(",")})
    rng = random.Random(7)
    cold = [one_call(ClipLibrary(SOUNDS), settings, *random_call(rng)) for _ in range(args.cold)]
    library = ClipLibrary(SOUNDS)
    one_call(library, settings, "A012", 3)
    for label in "ABCDEFGH":  # warm every letter once, as preload would
        one_call(library, settings, f"{label}012", 1)
    warm = [one_call(library, settings, *random_call(rng)) for _ in range(args.calls)]
    print(f"languages {args.languages}, sounds {SOUNDS}")
    print(summary("cold (fresh library)", cold))
    print(summary("warm (clips in memory)", warm))


if __name__ == "__main__":
    main()
