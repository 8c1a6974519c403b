"""The command line: help, errors naming the key, and the one-command demo printing real tickets."""
from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from kiosk.escpos_tokens import qr_payloads, text_lines, tokenize
from server.config import load_demo
from tests.serverproc import ROOT, free_port


def hallq(*args: str, cwd: Path = ROOT, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def test_help_and_unknown_command():
    assert hallq("--help").returncode == 0
    result = hallq("frobnicate")
    assert result.returncode == 2 and "unknown command" in result.stderr


def test_serve_refuses_an_invalid_configuration_naming_the_key(tmp_path):
    text = (ROOT / "server" / "demo_hall.toml").read_text(encoding="utf-8")
    broken = tmp_path / "hall.toml"
    broken.write_text(text.replace('prefix = "A"', 'prefix = "a1"', 1), encoding="utf-8")
    result = hallq("serve", "--config", str(broken), "--port", str(free_port()))
    assert result.returncode != 0
    assert "prefix" in result.stderr and "services[" in result.stderr
    check = hallq("check-config", str(broken))
    assert check.returncode == 1 and "prefix" in (check.stdout + check.stderr)


@pytest.mark.timeout(60)
async def test_demo_serve_prints_its_pages_and_its_dummy_printer_prints_a_real_ticket(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                             "--db", str(tmp_path / "demo.db")], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        banner = await asyncio.wait_for(asyncio.to_thread(_read_until, proc, "Demo credentials"), 30)
        assert f"http://127.0.0.1:{port}/kiosk/kiosk.html?token=" in banner
        token = load_demo().demo_credentials["devices"]["kiosk-1"]
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/api/tickets", json={"service": "invoice"},
                         headers={"Authorization": f"Bearer {token}"}) as resp,
        ):
            answer = await resp.json()
        printed = await asyncio.wait_for(_printed(tmp_path / "var" / "printer-dummy" / "kiosk-1"), 20)
        tokens = tokenize(printed.read_bytes(), "gb18030")
        assert answer["ticket"]["label"] in "\n".join(text_lines(tokens))
        assert qr_payloads(tokens) == [answer["tracking_url"]]
        assert printed.with_suffix(".png").stat().st_size > 1000
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _read_until(proc: subprocess.Popen, marker: str) -> str:
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("".join(lines))


async def _printed(folder: Path) -> Path:
    while True:
        found = sorted(folder.glob("*.bin")) if folder.is_dir() else []
        if found and found[0].with_suffix(".png").exists():
            return found[0]
        await asyncio.sleep(0.05)
