"""`hallq city demo` end to end: a temporary PostgreSQL, three halls with traffic and their links,
the dashboard; Ctrl-C stops everything and removes the temporary database."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.city.citytools import until

ROOT = Path(__file__).resolve().parents[2]


def free_port_block(n: int = 4) -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n < 65535 and all(_free(base + i) for i in range(1, n)):
            return base
    raise RuntimeError("no free ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.timeout(300)
async def test_demo_city_runs_and_stops_cleanly():
    port = free_port_block()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "city", "demo", "--history-days", "3", "--port", str(port),
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)
    lines: list[str] = []
    try:
        while not any("Ctrl-C" in line for line in lines):
            line = await asyncio.wait_for(proc.stdout.readline(), 90)
            assert line, f"the demo ended early: {lines}"
            lines.append(line.decode())
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/city/index.html" in text and text.count("/manager/board.html") == 3
        pg_folder = text.split("temporary, in ")[1].split(")")[0]
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            async with http.post("/api/sessions", json={"login": "city", "pin": "2468"}) as resp:
                token = (await resp.json())["token"]

            async def all_linked():
                async with http.get("/api/halls", headers={"Authorization": f"Bearer {token}"}) as resp:
                    halls = (await resp.json())["halls"]
                return len(halls) == 3 and all(h["link"]["status"] in ("up_to_date", "behind") and
                                               h["link"]["mirror_seq"] > 0 for h in halls)
            await until(all_linked, timeout=60, what="three linked halls on the dashboard")
            async with http.get("/city/index.html") as resp:
                assert resp.status == 200 and "city.js" in await resp.text()
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 60)
    assert code == 0
    assert not Path(pg_folder).exists()
