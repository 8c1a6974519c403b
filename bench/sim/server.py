"""The server under test as its own process: same database and port across SIGKILLs and restarts.

(bench/server_proc.py starts a fresh demo server on a new port each time; the simulator needs the
opposite: kill -9, then come back on the same port and database, as a watchdog would.)
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(sys.executable)  # the interpreter running the simulation, wherever its virtualenv lives


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SimServer:
    def __init__(self, config_path: Path, db_path: Path, port: int, log_path: Path):
        self.config_path, self.db_path, self.port, self.log_path = config_path, db_path, port, log_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0
        self.restart_s: list[float] = []  # SIGKILL -> healthy again, wall seconds
        self._log = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/ws"

    def start(self, timeout: float = 30.0) -> None:
        escpos = ROOT / "var" / "escpos"
        escpos.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PYTHONUNBUFFERED="1", ESCPOS_CAPABILITIES_PICKLE_DIR=str(escpos))
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open while the server runs; closed when it stops
        self.proc = subprocess.Popen(
            [str(PYTHON), "-m", "server.cli", "serve", "--config", str(self.config_path), "--db", str(self.db_path),
             "--host", "127.0.0.1", "--port", str(self.port), "--no-demo-printers"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.starts += 1
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/api/health"), timeout=2) as resp:
                    if json.loads(resp.read()).get("status") == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server not healthy within {timeout} s:\n{self.log_tail()}")

    def kill9(self) -> None:
        """SIGKILL: no shutdown hook runs, no socket is closed politely, the writer stops mid-batch."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()
        self.kills += 1

    def restart_after_kill(self) -> None:
        began = time.monotonic()
        self.kill9()
        self.start()
        self.restart_s.append(time.monotonic() - began)

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
