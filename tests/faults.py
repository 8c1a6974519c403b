"""Real storage faults for tests: another program's write lock, a small disk that fills up, files
that cannot be written, and a second server start on the same file. Every wait is bounded.

The disk and read-only faults use a real tmpfs mount and the immutable attribute (chattr +i), which
need root (CAP_SYS_ADMIN, CAP_LINUX_IMMUTABLE): the test image runs the suite as root."""
from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
import subprocess
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from server.app import create_app

from tests.conftest import HallClient


def with_busy_timeout(settings, seconds: float):
    """The demo settings with a short lock wait, so a held lock turns into a fault quickly."""
    return dataclasses.replace(settings, server=dataclasses.replace(settings.server, db_busy_timeout_s=seconds))


@contextlib.contextmanager
def write_lock(db_path: Path):
    """Another program inside BEGIN IMMEDIATE (an operator's sqlite3 session) until the block ends."""
    conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=5)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=20)


@contextlib.contextmanager
def small_disk(folder: Path, size_kb: int = 2048):
    """A real tmpfs of size_kb mounted on folder (unmounted at the end)."""
    folder.mkdir(parents=True, exist_ok=True)
    assert os.geteuid() == 0, "the disk-fault tests mount a tmpfs: run the suite as root (the test image does)"
    _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _run("umount", "-l", str(folder))


def fill_disk(folder: Path) -> Path:
    """Fill the disk under folder to the last byte; return the filler (delete it to free the space)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                continue  # full at this block size: try smaller ones down to the last byte
    finally:
        os.close(fd)
    return filler


@contextlib.contextmanager
def immutable(*paths: Path):
    """The files cannot be written, even by root (chattr +i); the -shm file is left alone (SQLite maps it)."""
    present = [str(p) for p in paths if p.exists()]
    _run("chattr", "+i", *present)
    try:
        yield
    finally:
        _run("chattr", "-i", *present)


@contextlib.asynccontextmanager
async def served(settings, clock, db_path: Path):
    """One more server on the same file (a restart): the demo hall over real HTTP."""
    app = create_app(settings, clock=clock, db_path=db_path, tick_interval_s=0)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            yield HallClient(server, session, settings, clock)
    finally:
        await server.close()


async def call(hall: HallClient, method: str, path: str, token: str | None = None, json=None):
    """Like HallClient.call, with the response headers too."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with hall.session.request(method, hall.url(path), json=json, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers
