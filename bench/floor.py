"""The machine's floor, measured in the same run as the figures it is compared with.

- `sqlite_commits`: a bare SQLite commit loop, WAL with synchronous=FULL, one small row per commit:
  the fastest a durable answer can be on this disk.
- `FloorServer`: a bare aiohttp JSON endpoint in its own process (pinned like the hall server) that
  parses a small JSON body and answers a JSON document the size of an issue answer: the fastest an
  HTTP answer can be on this CPU, without any hall work.

    python -m bench.floor serve --port 8123     # the bare endpoint alone (POST /json)
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .server_proc import ROOT, free_port, pin_to_cpu, var_dir

ANSWER = {"ticket": {"id": 1, "label": "A001", "service": "invoice", "status": "waiting", "channel": "normal",
                     "issued_at": "2026-11-25T09:00:00.000+08:00", "lang": "zh-Hant", "notes": [], "recalls": 0},
          "ahead": 3, "estimate": {"expected_min": 12.5, "low_min": 8, "high_min": 18, "samples": 20},
          "tracking_url": "http://127.0.0.1:8080/t/" + "x" * 24, "print_job": "pj-0123456789abcdef"}


def sqlite_commits(seconds: float = 3.0, directory: Path | None = None) -> dict:
    """Commits per second and commit latency of a bare durable commit loop."""
    path = (directory or var_dir("bench")) / f"floor-{os.getpid()}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)")
        times, end = [], time.perf_counter() + seconds
        while time.perf_counter() < end and len(times) < 1_000_000:
            start = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (data) VALUES (?)", ("x" * 200,))
            conn.execute("COMMIT")
            times.append(time.perf_counter() - start)
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    times.sort()
    return {"commits_per_s": len(times) / sum(times), "p50_ms": times[len(times) // 2] * 1000,
            "p99_ms": times[int(0.99 * (len(times) - 1))] * 1000, "n": len(times)}


class FloorServer:
    """The bare endpoint in its own process, with the interface bench_issue's load uses."""

    def __init__(self, pin: bool = True):
        self.port, self.pin, self.proc = free_port(), pin, None

    def __enter__(self) -> FloorServer:
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.floor", "serve", "--port", str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.pin and (os.cpu_count() or 1) >= 2:
            pin_to_cpu(self.proc.pid, 0)
            pin_to_cpu(os.getpid(), 1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/health"), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("the floor server did not start")

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def serve(port: int) -> None:
    from aiohttp import web

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(ANSWER | {"echo": body.get("service")},
                                 dumps=lambda d: json.dumps(d, ensure_ascii=False))

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/json", answer)
    app.router.add_get("/health", health)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "sqlite"])
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.port)
    else:
        print(sqlite_commits())
