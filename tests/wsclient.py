"""A small test client for /api/ws using the websockets library (a real client over a real socket)."""
from __future__ import annotations

import asyncio
import json

import websockets
from websockets.asyncio.client import connect

TIMEOUT = 5


class WsClient:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0

    @classmethod
    async def open(cls, hall, token: str | None = None, **kwargs) -> WsClient:
        url = hall.url("/api/ws").replace("http://", "ws://")
        client = cls(await asyncio.wait_for(connect(url, **kwargs), TIMEOUT))
        if token is not None:
            reply = await client.request({"type": "auth", "token": token})
            assert reply["success"], reply
        return client

    async def send(self, message: dict) -> int:
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, **message}))
        return self.next_id

    async def recv(self, timeout: float = TIMEOUT) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def request(self, message: dict) -> dict:
        msg_id = await self.send(message)
        while True:
            reply = await self.recv()
            if reply.get("type") == "result" and reply.get("id") == msg_id:
                return reply

    async def events(self, count: int) -> list[dict]:
        got = []
        while len(got) < count:
            message = await self.recv()
            if message.get("type") == "event":
                got.append(message)
        return got

    async def close(self) -> None:
        await self.ws.close()

    async def closed_code(self) -> int | None:
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None
