"""Run the real server as a subprocess (for crash tests): start, wait for health, SIGKILL, restart."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, db: Path, port: int | None = None, log: Path | None = None, config: Path | None = None):
        self.db, self.port, self.config = db, port or free_port(), config
        self.log = log or db.with_suffix(".log")
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 20) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--db", str(self.db), "--port", str(self.port),
                 "--no-demo-printers", *(["--config", str(self.config)] if self.config else [])],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        await asyncio.wait_for(self._healthy(), timeout)

    async def _healthy(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
                try:
                    async with session.get(f"{self.base}/api/health") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def demo_config_with(tmp_path: Path, **server_settings) -> Path:
    """The demo hall's TOML with some [server] settings changed (e.g. a higher kiosk rate)."""
    text = (ROOT / "server" / "demo_hall.toml").read_text(encoding="utf-8")
    extra = "".join(f"{key} = {value!r}\n" for key, value in server_settings.items())
    path = tmp_path / "hall.toml"
    path.write_text(text.replace("[server]\n", "[server]\n" + extra, 1), encoding="utf-8")
    return path
