"""Kill the server with SIGKILL in the middle of a stream of actions, restart it on the same file,
and find every acknowledged action and nothing else."""
from __future__ import annotations

import asyncio
import contextlib
import random

import aiohttp
import pytest

from server.config import load_demo
from tests.serverproc import ServerProcess, demo_config_with

pytestmark = pytest.mark.timeout(120)


class Stream:
    """Kiosks issuing with request ids; what was acknowledged and what was in flight when it died."""

    def __init__(self, base: str, creds: dict):
        self.base, self.creds = base, creds
        self.acked: dict[str, dict] = {}  # request id -> answer
        self.sent: set[str] = set()

    async def issue(self, session: aiohttp.ClientSession, request_id: str, kiosk: str) -> None:
        self.sent.add(request_id)
        token = self.creds["devices"][kiosk]
        async with session.post(f"{self.base}/api/tickets", json={"service": "invoice", "request_id": request_id},
                                headers={"Authorization": f"Bearer {token}"}) as resp:
            if resp.status == 200:
                self.acked[request_id] = await resp.json()

    async def run(self, count: int, prefix: str) -> None:
        async with aiohttp.ClientSession() as session:
            tasks = [asyncio.create_task(self._safe(session, f"{prefix}-{i}", ("kiosk-1", "kiosk-2")[i % 2]))
                     for i in range(count)]
            await asyncio.gather(*tasks)

    async def _safe(self, session, request_id, kiosk):
        await asyncio.sleep(random.random() * 0.3)  # spread the stream over time; bounded
        with contextlib.suppress(aiohttp.ClientError):  # the server died under this request: unacknowledged
            await self.issue(session, request_id, kiosk)


async def _manager_token(base: str, creds: dict) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base}/api/sessions", json={"staff": "9001", "pin": creds["staff"]["9001"]}) as r,
    ):
        return (await r.json())["token"]


async def _ticket(session, base, token, ticket_id):
    async with session.get(f"{base}/api/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"}) as r:
        return r.status, await r.json()


async def test_sigkill_mid_stream_keeps_every_acknowledged_ticket_and_nothing_else(tmp_path):
    creds = load_demo().demo_credentials
    server = ServerProcess(tmp_path / "hallq.db", config=demo_config_with(tmp_path, kiosk_rate_per_min=100000))
    await server.start()
    try:
        stream = Stream(server.base, creds)
        runner = asyncio.create_task(stream.run(300, "a"))
        while len(stream.acked) < 60:  # kill while the stream is in full flow
            await asyncio.sleep(0.005)
        server.kill()
        await asyncio.wait_for(runner, 30)
        acked_before = dict(stream.acked)
        assert 60 <= len(acked_before) < 300
        await server.start()
        manager = await _manager_token(server.base, creds)
        async with aiohttp.ClientSession() as session:
            for answer in acked_before.values():
                status, body = await _ticket(session, server.base, manager, answer["ticket"]["id"])
                assert status == 200 and body["ticket"]["label"] == answer["ticket"]["label"]
            async with session.get(f"{server.base}/api/hall", headers={"Authorization": f"Bearer {manager}"}) as r:
                hall = await r.json()
        issued = next(s for s in hall["services"] if s["code"] == "invoice")["issued"]
        # nothing else: at most the requests that were in flight when it died were also committed
        assert len(acked_before) <= issued <= len(stream.sent)
        labels = sorted(a["ticket"]["label"] for a in acked_before.values())
        assert len(set(labels)) == len(labels)
        # retrying every request id after the restart duplicates nothing
        retry = Stream(server.base, creds)
        async with aiohttp.ClientSession() as session:
            for i in range(300):
                await retry.issue(session, f"a-{i}", ("kiosk-1", "kiosk-2")[i % 2])
        for request_id, answer in acked_before.items():
            assert retry.acked[request_id]["ticket"]["id"] == answer["ticket"]["id"]
        all_ids = [a["ticket"]["id"] for a in retry.acked.values()]
        assert len(set(all_ids)) == 300
        numbers = sorted(int(a["ticket"]["label"][1:]) for a in retry.acked.values())
        assert numbers == list(range(1, 301))  # no gaps, no duplicates
    finally:
        server.stop()
